"""What the public may see: the one home of that rule, for posts, pages, authors and terms.

Every query and template that shows content to visitors asks this module, so a change of the
rule (say, a new status) is made once. Each rule exists twice, as SQL clauses for queries and as
a Python predicate for an object already loaded, and the two are tested against each other
(tests/test_visibility.py).

- A **post** is public when it is published and its date has come (a scheduled post is
  published with a future date). Private, pending and draft posts are staff-only.
- Its **body** is open when it is public and not password-protected: only open bodies may be
  searched, put in feeds or quoted anywhere a visitor did not type the password.
- A **page** is public when it is published (pages are not scheduled).
- An **author** or **term** (category, tag) archive is public only while it has a public post;
  otherwise its address answers 404, so staff accounts without posts are not exposed.
- A post's **term links** (``post_categories``, ``post_tags``) carry a copy of the rule's
  inputs, ``published_at``: the post's date while it is published, else NULL
  (:func:`link_published_at`), so a link is public when that date has come
  (:func:`public_link_clauses`). Term archives walk those links in date order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, case, false, literal, null

from app.content.listing import PUBLISHED, Query, card_options
from app.extensions import db
from app.models import Page, PageStatus, Post, PostStatus, UTCDateTime, utcnow


def public_post_clauses(now: datetime | None = None) -> tuple[ColumnElement[bool], ...]:
    """WHERE clauses of public posts. The status is an inline literal so that SQLite and
    PostgreSQL's generic plans can use the partial indexes (app/content/listing.py)."""
    return (Post.status == PUBLISHED, Post.published_at <= (utcnow() if now is None else now))


def link_published_at() -> ColumnElement:
    """SQL, per post: the ``published_at`` its term links hold: its date while it is published
    (a scheduled post's future date included), else NULL. :func:`public_post_clauses` depends
    on time only through ``published_at <= now``, so a post is public exactly when this value
    is not NULL and has come (:func:`public_link_clauses`)."""
    return case((Post.status == PUBLISHED, Post.published_at), else_=null())


def link_date_of(post: Post) -> datetime | None:
    """The Python twin of :func:`link_published_at`, for a post already loaded."""
    return post.published_at if post.status == PostStatus.PUBLISHED else None


def public_link_clauses(
    link: Table, now: datetime | None = None
) -> tuple[ColumnElement[bool], ...]:
    """WHERE clauses of the term links (``post_categories``, ``post_tags``) of public posts.
    ``IS NOT NULL`` is the partial indexes' WHERE, spelled out so that SQLite uses them."""
    return (
        link.c.published_at.is_not(None),
        link.c.published_at <= (utcnow() if now is None else now),
    )


def open_body_clauses() -> tuple[ColumnElement[bool], ...]:
    """What, of a public post, makes its body open to any visitor: no password."""
    return (Post.password.is_(None),)


def open_post_clauses(now: datetime | None = None) -> tuple[ColumnElement[bool], ...]:
    """WHERE clauses of public posts whose body any visitor may read (no password)."""
    return (*public_post_clauses(now), *open_body_clauses())


# Later than any post's date: a post open at this instant is open from its date on.
_END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)
# Earlier than anything: a published page is public from always.
ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)


def post_open_from() -> ColumnElement:
    """SQL, per post: the instant from which its body is open, or NULL while it is never open
    (a draft, a pending, private or password-protected post).

    :func:`open_post_clauses` depends on time only through ``published_at <= now``, so a post
    open at the end of time is open from its date on. The search index stores this value (with
    the post's other columns, re-written when they change), so that a search asks one column
    ``open_from <= now`` instead of joining posts."""
    return case((and_(*open_post_clauses(_END_OF_TIME)), Post.published_at), else_=null())


def post_is_public(post: Post, now: datetime | None = None) -> bool:
    """The Python twin of :func:`public_post_clauses`, for a post already loaded."""
    return (
        post.status == PostStatus.PUBLISHED
        and post.published_at is not None
        and post.published_at <= (now or utcnow())
    )


# "Still to come" is written as a range with an upper bound no post reaches: a prepared
# statement's generic plan estimates a one-sided range on a parameter at a third of the table
# (a sequential scan of a million posts, 0.5 s), a two-sided one at 0.5 % (the date index).
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def scheduled_post_clauses(now: datetime | None = None) -> tuple[ColumnElement[bool], ...]:
    """Published with a date still to come: staff see these as "Scheduled"."""
    return (
        Post.status == PUBLISHED,
        Post.published_at > (now or utcnow()),
        Post.published_at < END_OF_TIME,
    )


def is_scheduled(post: Post, now: datetime | None = None) -> bool:
    """The Python twin of :func:`scheduled_post_clauses`."""
    return (
        post.status == PostStatus.PUBLISHED
        and post.published_at is not None
        and post.published_at > (now or utcnow())
    )


def post_body_is_open(post: Post, now: datetime | None = None) -> bool:
    """The Python twin of :func:`open_post_clauses`."""
    return post_is_public(post, now) and not post.password


def public_posts(now: datetime | None = None) -> Select:
    """Public posts, newest first, authors loaded in the same query, bodies not loaded
    (index-backed at any size: see app/content/listing.py)."""
    return public_posts_query(now).select()


def public_posts_query(
    now: datetime | None = None, *, unpinned: bool = False, since: datetime | None = None
) -> Query:
    """:func:`public_posts` (only those not pinned, or published at ``since`` or later) as a
    statement built once per shape and this call's values (see ``listing.Query``; a language
    is ``listing.in_language``)."""
    values: dict = {"visible_until": utcnow() if now is None else now}
    if since is not None:
        values["since"] = since
    return Query(_public_posts_sql(unpinned, since is not None), values)


@lru_cache(maxsize=4)
def _public_posts_sql(unpinned: bool, since: bool) -> Select:
    query = (
        db.select(Post)
        .where(*public_post_clauses(bindparam("visible_until")))
        .options(*card_options())
        .order_by(Post.published_at.desc(), Post.id.desc())
    )
    if unpinned:
        query = query.where(Post.sticky == false())
    if since:
        query = query.where(Post.published_at >= bindparam("since"))
    return query


def public_page_clauses() -> tuple[ColumnElement[bool], ...]:
    return (Page.status == PageStatus.PUBLISHED.value,)


def page_public_from() -> ColumnElement:
    """SQL, per page: :data:`ALWAYS` if it is public, else NULL (see :func:`post_open_from`)."""
    return case((and_(*public_page_clauses()), literal(ALWAYS, UTCDateTime())), else_=null())


def page_is_public(page: Page) -> bool:
    return page.status == PageStatus.PUBLISHED


def archive_is_public(first_page: list[Post]) -> bool:
    """An author, category or tag archive exists for visitors only while it lists a public post.

    ``first_page`` is the archive's first page, unfiltered by language, built on
    :func:`public_posts`; checking it costs no query of its own."""
    return bool(first_page)
