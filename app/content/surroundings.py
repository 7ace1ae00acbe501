"""What a post page shows around its post: its categories and tags, and the public posts just
before and after it in time. One statement of plain rows, built once.

A post page ran three queries (the post, its terms, its neighbours); the last two are now one
``UNION ALL``, whose rows share a shape: (kind, id, name or title, slug, language,
published_at, created_at), the last three empty for terms. Each part is an index lookup: the
neighbours one step each on the posts' date index, the terms the link tables' primary keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import String, bindparam, cast, literal, null, select, tuple_, union_all

from app.content.listing import PostLink
from app.content.taxonomy import TermLink, post_term_rows, post_terms
from app.content.visibility import public_post_clauses
from app.extensions import db
from app.models import Post, utcnow

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
    found = Surroundings()
    parameters = {"here_at": post.published_at, "here_id": post.id, "now": now or utcnow()}
    # Plain rows: run on the connection (Session.execute adds ~100 µs of ORM setup).
    for kind, *row in db.session.connection().execute(_surroundings_sql(), parameters):
        if kind == CATEGORY:
            found.categories.append(TermLink(*row[:3]))
        elif kind == TAG:
            found.tags.append(TermLink(*row[:3]))
        elif kind == PREVIOUS:
            found.previous = PostLink(*row)
        else:
            found.next = PostLink(*row)
    return found


@lru_cache(maxsize=1)
def _surroundings_sql():
    """Row-value comparisons on (published_at, id) are a range of the date index: one index step
    each, however old the post (an OR of two conditions would scan from the newest post).
    Earlier posts are visible if this one is: bounding them by its date instead of "now" leaves
    one upper bound, which SQLite's index range needs (it would otherwise start from the
    newest). Sorted by kind, then name: the neighbours first, then the terms in name order
    (the database's collation, as the post's relationships sort them)."""
    position = tuple_(Post.published_at, Post.id)
    here_at = bindparam("here_at", type_=Post.published_at.type)
    here_id = bindparam("here_id", type_=Post.id.type)
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

    both = union_all(
        select(neighbour(PREVIOUS, here_at, after=False)),
        select(neighbour(NEXT, bindparam("now"), after=True)),
        post_term_rows(CATEGORY, here_id, *no_post_columns),
        post_term_rows(TAG, here_id, *no_post_columns),
    ).subquery("post_surroundings")
    return select(both).order_by(both.c.kind, both.c.name)
