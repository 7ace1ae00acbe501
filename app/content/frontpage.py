"""What the home page shows: headlines, pinned posts, the newest posts and the newest post of
each featured category.

Two queries, whatever the size of the site. The headline strip reads plain rows (six columns),
not posts with their authors and pictures. Everything else on the first page is one statement
(``first_page``): a ``UNION ALL`` of post ids, each part walking its own index, joined once to
the posts for their cards. The statements are built once per shape (set of featured
categories) and reused with new parameters: building them cost more than running them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, bindparam, cast, false, func, literal, null, select, true, union_all

from app.content import listing
from app.content.listing import PostLink, Window, card_options, in_categories, link_columns
from app.content.taxonomy import CategoryRef, descendant_ids
from app.content.visibility import public_post_clauses
from app.extensions import db
from app.models import Post, utcnow

MAX_PINNED = 10


def headline_posts(limit: int = 20, now: datetime | None = None) -> list[PostLink]:
    parameters = {"now": now or utcnow(), "limit": limit}
    rows = db.session.connection().execute(_headlines_sql(), parameters)  # plain rows
    return [PostLink(*row) for row in rows]


@lru_cache(maxsize=1)
def _headlines_sql():
    return (
        select(*link_columns())
        .where(*public_post_clauses(bindparam("now")))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(bindparam("limit"))
    )


@dataclass
class FirstPage:
    """What the home page's first page shows besides the headline strip."""

    recent: Window  # the newest posts, pinned ones aside
    pinned: list[Post]
    featured: list[tuple[CategoryRef, Post]]


def first_page(
    per_page: int,
    featured_category_ids: list[int],
    categories: Sequence[CategoryRef],
    language: str | None = None,
    now: datetime | None = None,
) -> FirstPage:
    """The home page's first page in one statement: its newest posts (pinned ones aside, in
    ``language`` when given), the pinned posts (newest ``MAX_PINNED``), and for each featured
    category (in the admins' order) its newest public post, sub-categories included, leaving
    out the top story, which is already shown above.

    Each part is a member of a ``UNION ALL`` of post ids that walks its own index, and the
    cards are read once for all of them: one round trip instead of three."""
    wanted, shape = _featured_shape(tuple(featured_category_ids), tuple(categories))
    parameters = {
        "now": now or utcnow(),
        "recent_limit": per_page + 1,
        "pinned_limit": MAX_PINNED,
    }
    if language:
        parameters["language"] = language
    rows = db.session.execute(_first_page_sql(shape, bool(language)), parameters).all()
    # Newest first within each part (sorted here: an ORDER BY over the union would sort).
    rows.sort(key=lambda row: (row.slot, -row.Post.published_at.timestamp(), -row.Post.id))
    recent = [row.Post for row in rows if row.slot == RECENT]
    newest = {row.category_id: row.Post for row in rows if row.slot == FEATURED}
    return FirstPage(
        recent=listing.window(recent, 1, per_page),
        pinned=[row.Post for row in rows if row.slot == PINNED],
        featured=[(category, newest[category.id]) for category in wanted if category.id in newest],
    )


RECENT, PINNED, FEATURED = 0, 1, 2


@lru_cache(maxsize=8)
def _featured_shape(
    featured_category_ids: tuple[int, ...], categories: tuple[CategoryRef, ...]
) -> tuple[tuple[CategoryRef, ...], tuple[tuple[int, tuple[int, ...]], ...]]:
    """The featured categories that exist, in the admins' order, and each with the ids of its
    sub-categories: a pure function of the settings and the categories (walked once, not on
    every view)."""
    by_id = {c.id: c for c in categories}
    wanted = tuple(by_id[cid] for cid in featured_category_ids if cid in by_id)
    shape = tuple(
        (category.id, tuple(sorted({category.id} | descendant_ids(category.id, categories))))
        for category in wanted
    )
    return wanted, shape


@lru_cache(maxsize=32)
def _first_page_sql(shape: tuple[tuple[int, tuple[int, ...]], ...], by_language: bool):
    """Rows (slot, category id, post) for :func:`first_page`. ``shape``: each featured
    category with its ids and its sub-categories' ids. Parameters ``now``, ``recent_limit``,
    ``pinned_limit`` and, ``by_language``, ``language``."""
    public = public_post_clauses(bindparam("now"))
    newest = (Post.published_at.desc(), Post.id.desc())
    unpinned = [*public, Post.sticky == false()]
    if by_language:
        unpinned.append(Post.language == bindparam("language"))
    pinned = [*public, Post.sticky == true()]
    no_category = cast(null(), Integer)
    recent_ids = (
        select(Post.id).where(*unpinned).order_by(*newest).limit(bindparam("recent_limit"))
    ).subquery("recent")
    pinned_ids = (
        select(Post.id).where(*pinned).order_by(*newest).limit(bindparam("pinned_limit"))
    ).subquery("pinned")
    members = [
        select(literal(RECENT).label("slot"), no_category.label("category_id"),
               recent_ids.c.id.label("post_id")),
        select(literal(PINNED), no_category, pinned_ids.c.id),
    ]  # fmt: skip
    if shape:
        top = func.coalesce(
            select(Post.id).where(*pinned).order_by(*newest).limit(1).scalar_subquery(),
            select(Post.id).where(*unpinned).order_by(*newest).limit(1).scalar_subquery(),
        )
        for category_id, ids in shape:
            newest_id = (
                select(Post.id)
                .where(*public, in_categories(ids), Post.id.is_distinct_from(top))
                .order_by(*newest)
                .limit(1)
                .scalar_subquery()
            )
            members.append(select(literal(FEATURED), literal(category_id), newest_id))
    slots = union_all(*members).subquery("slots")
    return (
        select(slots.c.slot, slots.c.category_id, Post)
        .join(Post, Post.id == slots.c.post_id)
        .options(*card_options())
    )
