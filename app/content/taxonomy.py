"""Categories (hierarchical) and tags (flat): creating, merging, deleting, and finding sub-trees."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, delete, insert, literal, select, union_all

from app.caching.fragments import per_site_state
from app.content import search, term_links, trees
from app.content.collation import collated
from app.content.slugs import (
    SlugTaken,
    save_with_unique_slug,
    slugify,
)
from app.extensions import db
from app.models import Category, Post, Tag, post_categories, post_tags

DEFAULT_CATEGORY_NAME = "Uncategorized"


class TaxonomyError(ValueError):
    """A change that would break the rules (e.g. deleting the default category)."""


def default_category() -> Category:
    """The category given to posts that have none; created on first use."""
    category = db.session.scalar(select(Category).where(Category.is_default.is_(True)))
    if category is not None:
        return category
    # Two first posts saved at once both get here. Both claim the same fixed slug: the unique
    # slug lets one insert win, and the other finds the winner's category. (A free slug, as
    # before, let the second take "uncategorized-2": two default categories.)
    base = slugify(DEFAULT_CATEGORY_NAME)
    try:
        return save_with_unique_slug(
            Category(name=DEFAULT_CATEGORY_NAME, is_default=True), base, fixed=True
        )
    except SlugTaken:
        category = db.session.scalar(select(Category).where(Category.is_default.is_(True)))
        if category is not None:
            return category
    # Someone's own category holds the address: the default takes the next free one.
    return save_with_unique_slug(Category(name=DEFAULT_CATEGORY_NAME, is_default=True), base)


def save_category(
    category: Category | None,
    *,
    name: str,
    slug: str = "",
    description: str = "",
    parent: Category | None = None,
) -> Category:
    if category is None:
        category = Category()
    if (
        parent is not None
        and category.id is not None
        and parent.id in descendant_ids(category.id) | {category.id}
    ):
        raise TaxonomyError("A category cannot be placed inside itself or its own sub-category.")
    category.name = name.strip()
    category.description = description.strip()
    category.parent = parent
    typed = slug.strip()
    return save_with_unique_slug(category, slugify(typed or name), fixed=bool(typed))


def all_categories() -> list[Category]:
    """Every category in one query (sites have tens, not thousands), in name order."""
    return collated(category_rows(), lambda c: c.name)


class CategoryRef(NamedTuple):
    """What public pages need of a category to find it, link to it, walk its tree and head its
    archive."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    description: str = ""


def category_outline() -> list[CategoryRef]:
    """Every category as plain rows, read once per site state and worker (public pages: the
    featured blocks, the search filter, the category archives). Unordered, like
    :func:`category_rows`."""
    return per_site_state(
        "category_outline",
        lambda: [
            CategoryRef(c.id, c.parent_id, c.name, c.slug, c.description or "")
            for c in category_rows()
        ],
    )


def category_by_slug(slug: str) -> CategoryRef | None:
    """The category ``slug`` from the outline: no query between site changes (every change to
    a category is one)."""
    found = per_site_state("category_by_slug", lambda: {c.slug: c for c in category_outline()})
    return found.get(slug)


class TermLink(NamedTuple):
    """What a link to a category or tag needs (``category_url``/``tag_url`` and its name)."""

    id: int
    name: str
    slug: str


def post_terms(post_id: int) -> tuple[list[TermLink], list[TermLink]]:
    """A post's categories and its tags, each in name order (as ``Post.categories``/``tags``):
    one query of plain rows instead of two relationship loads (a post page's biggest cost)."""
    categories: list[TermLink] = []
    tags: list[TermLink] = []
    rows = db.session.connection().execute(_post_terms_statement(), {"post_id": post_id})
    for kind, *row in rows:  # plain rows, on the connection (no ORM setup)
        (categories if kind == "category" else tags).append(TermLink(*row))
    return categories, tags


def post_term_rows(kind: str, post_id, *more_columns) -> Select:
    """Rows (kind, id, name, slug, *more_columns) of a post's categories (``kind`` "category")
    or tags ("tag"), through the link table's primary key; ``post_id`` a bound parameter."""
    model, link, term_id = (
        (Category, post_categories, post_categories.c.category_id)
        if kind == "category"
        else (Tag, post_tags, post_tags.c.tag_id)
    )
    return (
        select(literal(kind).label("kind"), model.id, model.name, model.slug, *more_columns)
        .join(link, term_id == model.id)
        .where(link.c.post_id == post_id)
    )


@lru_cache(maxsize=1)
def _post_terms_statement():
    post_id = bindparam("post_id")
    both = union_all(post_term_rows("category", post_id), post_term_rows("tag", post_id))
    return both.order_by(both.selected_columns.kind, both.selected_columns.name)


def category_rows() -> list[Category]:
    """Every category in one query, in no particular order: for public pages, which look
    categories up by id or slug (ordering by name loads the 10 MB collation table)."""
    return list(db.session.scalars(select(Category)))


def descendant_ids(category_id: int, categories: Iterable[Category] | None = None) -> set[int]:
    """Ids of every category below ``category_id`` (not including it)."""
    rows = categories if categories is not None else all_categories()
    return trees.descendant_ids(((c.id, c.parent_id) for c in rows), category_id)


def category_tree(categories: Iterable[Category] | None = None) -> list[tuple[Category, int]]:
    """Categories in tree order with their depth, for indented lists and pickers."""
    items = list(categories if categories is not None else all_categories())
    children: dict[int | None, list[Category]] = {}
    for category in items:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[tuple[Category, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for child in collated(children.get(parent_id, []), lambda c: c.name):
            ordered.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    return ordered


def delete_category(category: Category) -> None:
    """Remove a category: posts lose it (and fall back to the default if left with none);
    sub-categories move up to its parent."""
    if category.is_default:
        raise TaxonomyError("The default category can be renamed but not deleted.")
    fallback = default_category()
    affected = list(
        db.session.scalars(select(Post).join(Post.categories).where(Category.id == category.id))
    )
    for child in db.session.scalars(select(Category).where(Category.parent_id == category.id)):
        child.parent_id = category.parent_id
    for post in affected:
        post.categories = [c for c in post.categories if c.id != category.id] or [fallback]
    db.session.flush()
    db.session.delete(category)
    db.session.flush()


def save_tag(tag: Tag | None, *, name: str, slug: str = "", description: str = "") -> Tag:
    if tag is None:
        tag = Tag()
    tag.name = name.strip()
    tag.description = description.strip()
    typed = slug.strip()
    return save_with_unique_slug(tag, slugify(typed or name), fixed=bool(typed))


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """Existing tags matched by name or slug, new ones created for the rest, in one lookup."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())
        if name:
            wanted.setdefault(slugify(name), name)
    if not wanted:
        return []
    with db.session.no_autoflush:
        existing = {
            tag.slug: tag for tag in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))
        }
    tags = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = _new_tag(slug, name)
        tags.append(tag)
    return tags


def _new_tag(slug: str, name: str) -> Tag:
    """Create the tag ``slug``, or take the one a concurrent save created a moment ago."""
    try:
        return save_with_unique_slug(Tag(name=name, description=""), slug, fixed=True)
    except SlugTaken:
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            raise
        return tag


def parse_tag_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def merge_tags(source: Tag, target: Tag) -> int:
    """Give every post tagged ``source`` the tag ``target`` instead; delete ``source``.

    Returns the number of posts that moved.
    """
    if source.id == target.id:
        raise TaxonomyError("Choose two different tags to merge.")
    post_ids = set(
        db.session.scalars(select(post_tags.c.post_id).where(post_tags.c.tag_id == source.id))
    )
    already = set(
        db.session.scalars(select(post_tags.c.post_id).where(post_tags.c.tag_id == target.id))
    )
    moving = post_ids - already
    if moving:
        db.session.execute(
            insert(post_tags), [{"post_id": pid, "tag_id": target.id} for pid in moving]
        )
    db.session.execute(delete(post_tags).where(post_tags.c.tag_id == source.id))
    db.session.delete(source)
    db.session.flush()
    # The new links, written in bulk, get their posts' dates (app.content.term_links).
    term_links.sync_link_dates(db.session.connection(), moving)
    # Bulk statements pass the search index's flush listener by: re-index the moved posts here,
    # in the same transaction, so the old name is no longer found and the new one is.
    search.index_posts(db.session.connection(), post_ids)
    db.session.expire_all()
    return len(post_ids)


def delete_tag(tag: Tag) -> None:
    """Remove a tag; its posts simply lose it (and are no longer found by its name)."""
    post_ids = set(
        db.session.scalars(select(post_tags.c.post_id).where(post_tags.c.tag_id == tag.id))
    )
    db.session.execute(delete(post_tags).where(post_tags.c.tag_id == tag.id))
    db.session.delete(tag)
    db.session.flush()
    search.index_posts(db.session.connection(), post_ids)
