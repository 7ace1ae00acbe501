"""What the sitemaps list: public posts by year (in slices of at most 50,000), published
pages, and the category, tag and author archives that have public posts.

Everything is read in batches with only the columns a sitemap needs, so a million posts are
listed in constant memory. Password-protected posts are listed (their address and title are
public, as in WordPress); their bodies are not exposed by a sitemap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil

from sqlalchemy import Connection, exists, extract, func, select

from app.content import trees
from app.content.taxonomy import all_categories
from app.content.visibility import public_link_clauses, public_page_clauses, public_post_clauses
from app.extensions import db
from app.models import Category, Page, Post, Tag, User, post_categories, post_tags, utcnow

MAX_URLS = 50_000
BATCH = 1_000


@dataclass(frozen=True)
class PostSlice:
    year: int
    part: int  # 1-based
    lastmod: datetime | None


def post_slices(now: datetime | None = None) -> list[PostSlice]:
    """One slice per year (UTC) of public posts, split every ``MAX_URLS`` posts."""
    now = now or utcnow()
    year = extract("year", Post.published_at)
    rows = db.session.execute(
        select(year, func.count(), func.max(Post.updated_at))
        .where(*public_post_clauses(now), Post.noindex.is_(False))
        .group_by(year)
        .order_by(year.desc())
    ).all()
    slices = []
    for value, count, lastmod in rows:
        if isinstance(lastmod, str):  # SQLite hands max() of a datetime back as text
            lastmod = datetime.fromisoformat(lastmod).replace(tzinfo=UTC)
        for part in range(1, ceil(count / MAX_URLS) + 1):
            slices.append(PostSlice(int(value), part, lastmod))
    return slices


@dataclass(frozen=True)
class PostEntry:
    id: int
    slug: str
    published_at: datetime
    updated_at: datetime
    language: str
    translations: tuple[tuple[str, str, datetime], ...]  # (language, slug, published_at)


def posts_of_year(
    connection: Connection, year: int, part: int = 1, now: datetime | None = None
) -> Iterator[PostEntry]:
    """The public posts of one slice, oldest first, with their public translations.

    Runs on ``connection`` (not the request's session), so a streamed response can read it
    after the view has returned."""
    now = now or utcnow()
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    query = (
        select(
            Post.id,
            Post.slug,
            Post.published_at,
            Post.updated_at,
            Post.language,
            Post.translation_group,
        )
        .where(
            *public_post_clauses(now),
            Post.noindex.is_(False),
            Post.published_at >= start,
            Post.published_at < end,
        )
        .order_by(Post.published_at, Post.id)
        .limit(MAX_URLS)
        .offset((part - 1) * MAX_URLS)
    )
    result = connection.execution_options(yield_per=BATCH).execute(query)
    for batch in result.partitions():
        groups = {row.translation_group for row in batch if row.translation_group is not None}
        versions: dict[int, list] = {}
        if groups:
            for row in connection.execute(
                select(Post.translation_group, Post.language, Post.slug, Post.published_at).where(
                    *public_post_clauses(now),
                    Post.noindex.is_(False),
                    Post.translation_group.in_(sorted(groups)),
                )
            ):
                versions.setdefault(row.translation_group, []).append(
                    (row.language, row.slug, row.published_at)
                )
        for row in batch:
            group = versions.get(row.translation_group, []) if row.translation_group else []
            yield PostEntry(
                row.id,
                row.slug,
                row.published_at,
                row.updated_at,
                row.language,
                tuple(group) if len(group) > 1 else (),
            )


def public_pages() -> list[Page]:
    """Published pages, hidden ones included: a hidden parent still gives its children their
    address (the caller leaves the hidden pages themselves out)."""
    return list(db.session.scalars(select(Page).where(*public_page_clauses()).order_by(Page.id)))


def categories_with_posts(now: datetime | None = None) -> list[Category]:
    """The categories whose archive is public: those with a public post of their own and every
    category above one (a category's archive lists its sub-categories' posts too, see
    app.content.archives), in id order.

    One index-backed EXISTS per category finds the first kind: a probe of the links' own copy
    of their post's date (set while the post is published, app.content.term_links), one index
    entry per category. Joining the posts instead let PostgreSQL, with the statistics of a
    vacuumed database, hash every link of every public post. The parents come from the list of
    categories (sites have tens), read once."""
    now = now or utcnow()
    has_post = exists().where(
        post_categories.c.category_id == Category.id,
        *public_link_clauses(post_categories, now),
    )
    with_posts = set(db.session.scalars(select(Category.id).where(has_post)))
    categories = all_categories()
    public = trees.with_ancestor_ids(((c.id, c.parent_id) for c in categories), with_posts)
    return sorted((c for c in categories if c.id in public), key=lambda c: c.id)


def tags_with_posts(connection: Connection, now: datetime | None = None) -> Iterator[str]:
    """Slugs of the tags that have a public post, read in batches on ``connection``: one probe
    of the links' copy of their post's date per tag (see :func:`categories_with_posts`)."""
    now = now or utcnow()
    has_post = exists().where(post_tags.c.tag_id == Tag.id, *public_link_clauses(post_tags, now))
    result = connection.execution_options(yield_per=BATCH).execute(
        select(Tag.slug).where(has_post).order_by(Tag.id)
    )
    for batch in result.partitions():
        yield from (row.slug for row in batch)


def authors_with_posts(now: datetime | None = None) -> list[User]:
    now = now or utcnow()
    has_post = exists().where(Post.author_id == User.id, *public_post_clauses(now))
    return list(db.session.scalars(select(User).where(has_post).order_by(User.id)))
