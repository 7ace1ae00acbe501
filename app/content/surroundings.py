"""What a post page shows around its post: its categories and tags, and the public posts just
before and after it in time. One statement of plain rows, built once.

A post page ran three queries (the post, its terms, its neighbours); the last two are now one
``UNION ALL``, whose rows share a shape: (kind, id, name or title, slug, language,
published_at, created_at), the last three empty for terms. Each part is an index lookup: the
neighbours one step each on the posts' date index, the terms the link tables' primary keys.
On PostgreSQL that statement is folded into the post's own, as a JSON column
(:func:`post_and_surroundings`): the page is one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.content.cards import POST_VIEW_FIELDS, PostAuthor, PostPicture, PostView, post_view
from app.content.listing import PostLink, fold_statements, json_timestamp
from app.content.taxonomy import TermLink, post_term_rows, post_terms
from app.content.visibility import public_post_clauses
from app.extensions import db
from app.models import MediaItem, Post, User, utcnow

PREVIOUS, NEXT, CATEGORY, TAG = "0-previous", "1-next", "category", "tag"


@dataclass
class Surroundings:
    categories: list[TermLink] = field(default_factory=list)
    tags: list[TermLink] = field(default_factory=list)
    previous: PostLink | None = None
    next: PostLink | None = None


def surroundings(post: Post, *, neighbours: bool, now: datetime | None = None) -> Surroundings:
    """The terms of ``post`` (each kind in name order, as ``Post.categories``/``tags``) and,
    when ``neighbours`` (a public post), the public posts just before and after it."""
    if not neighbours:
        categories, tags = post_terms(post.id)
        return Surroundings(categories, tags)
    parameters = {"here_at": post.published_at, "here_id": post.id, "now": now or utcnow()}
    # Plain rows: run on the connection (Session.execute adds ~100 µs of ORM setup).
    return _gathered(db.session.connection().execute(_surroundings_sql(), parameters))


def _gathered(rows) -> Surroundings:
    """Surroundings from rows (kind, id, name or title, slug, language, published_at,
    created_at), the shape of :func:`_surroundings_union`."""
    found = Surroundings()
    for kind, *row in rows:
        if kind == CATEGORY:
            found.categories.append(TermLink(*row[:3]))
        elif kind == TAG:
            found.tags.append(TermLink(*row[:3]))
        elif kind == PREVIOUS:
            found.previous = PostLink(*row)
        else:
            found.next = PostLink(*row)
    return found


def post_and_surroundings(
    post_statement: Select, slug: str, *, now: datetime | None = None
) -> tuple[PostView | None, Surroundings | None]:
    """The post ``post_statement`` (:func:`post_page_sql`) finds by its ``slug`` parameter, as
    a plain row, and, on PostgreSQL, its surroundings (as :func:`surroundings` with
    neighbours) read by the same statement, as a JSON column; None for them on SQLite (see
    :func:`listing.fold_statements`)."""
    connection = db.session.connection()  # plain rows (app.content.cards.post_view)
    if not fold_statements():
        row = connection.execute(post_statement, {"slug": slug}).first()
        return (None if row is None else post_view(row)), None
    parameters = {"slug": slug, "now": now or utcnow()}
    row = connection.execute(_with_surroundings(post_statement), parameters).first()
    if row is None:
        return None, None
    # JSON has no timestamps: the two dates come as text.
    rows = (values[:5] + [json_timestamp(v) for v in values[5:]] for values in row.around or ())
    return post_view(row), _gathered(rows)


@lru_cache(maxsize=1)
def post_page_sql() -> Select:
    """A post page's post by its ``slug``: the columns of :class:`~app.content.cards.PostView`
    (the post's, its author's public ones, its picture's), built once."""
    return (
        select(
            *(getattr(Post, name) for name in POST_VIEW_FIELDS),
            *(getattr(User, name) for name in PostAuthor._fields),
            *(getattr(MediaItem, name) for name in PostPicture._fields),
        )
        .select_from(Post)
        .outerjoin(User, User.id == Post.author_id)
        .outerjoin(MediaItem, MediaItem.id == Post.featured_media_id)
        .where(Post.slug == bindparam("slug"))
    )


@lru_cache(maxsize=4)
def _with_surroundings(post_statement: Select) -> Select:
    """``post_statement`` with one more column: the surroundings of the post it finds, as a
    JSON array of rows, in the order :func:`surroundings` reads them. Built once per statement."""
    here = Post.__table__.alias("here")
    by_slug = here.c.slug == bindparam("slug")
    both = _surroundings_union(
        select(here.c.published_at).where(by_slug).scalar_subquery(),
        select(here.c.id).where(by_slug).scalar_subquery(),
    )
    rows = func.json_build_array(*both.c)
    around = (
        select(func.json_agg(aggregate_order_by(rows, both.c.kind, both.c.name)))
        .select_from(both)
        .scalar_subquery()
    )
    return post_statement.add_columns(around.label("around"))


@lru_cache(maxsize=1)
def _surroundings_sql():
    """The surroundings of the post with id ``here_id`` and date ``here_at``, sorted."""
    both = _surroundings_union(
        bindparam("here_at", type_=Post.published_at.type),
        bindparam("here_id", type_=Post.id.type),
    )
    return select(both).order_by(both.c.kind, both.c.name)


def _surroundings_union(here_at, here_id):
    """Row-value comparisons on (published_at, id) are a range of the date index: one index step
    each, however old the post (an OR of two conditions would scan from the newest post).
    Earlier posts are visible if this one is: bounding them by its date instead of "now" leaves
    one upper bound, which SQLite's index range needs (it would otherwise start from the
    newest). Sorted by kind, then name: the neighbours first, then the terms in name order
    (the database's collation, as the post's relationships sort them)."""
    position = tuple_(Post.published_at, Post.id)
    here = tuple_(here_at, here_id)

    def neighbour(kind: str, visible_at, after: bool):
        order = (Post.published_at.asc(), Post.id.asc()) if after else (
            Post.published_at.desc(), Post.id.desc())  # fmt: skip
        return (
            select(literal(kind).label("kind"), Post.id, Post.title.label("name"), Post.slug,
                   Post.language, Post.published_at, Post.created_at)
            .where(*public_post_clauses(visible_at), position > here if after else position < here)
            .order_by(*order)
            .limit(1)
            .subquery("later" if after else "earlier")
        )  # fmt: skip

    no_post_columns = (cast(null(), String), cast(null(), Post.published_at.type),
                       cast(null(), Post.created_at.type))  # fmt: skip

    return union_all(
        select(neighbour(PREVIOUS, here_at, after=False)),
        select(neighbour(NEXT, bindparam("now", type_=Post.published_at.type), after=True)),
        post_term_rows(CATEGORY, here_id, *no_post_columns),
        post_term_rows(TAG, here_id, *no_post_columns),
    ).subquery("post_surroundings")
