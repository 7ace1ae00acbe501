"""What the home page shows: headlines, pinned posts and the newest post of featured categories.

Each function is one query, so the home page costs the same however large the site grows. The
headline strip reads plain rows (six columns), not posts with their authors and pictures; the
featured blocks' statement is built once per set of categories and reused with new parameters
(building a statement of a subquery per category cost more than running it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, literal, select, true, union_all

from app.content.listing import PostLink, card_options, in_categories, link_columns
from app.content.taxonomy import CategoryRef, descendant_ids
from app.content.visibility import public_post_clauses, public_posts
from app.extensions import db
from app.models import Post, utcnow

MAX_PINNED = 10


def headline_posts(limit: int = 20, now: datetime | None = None) -> list[PostLink]:
    parameters = {"now": now or utcnow(), "limit": limit}
    return [PostLink(*row) for row in db.session.execute(_headlines_sql(), parameters)]


@lru_cache(maxsize=1)
def _headlines_sql():
    return (
        select(*link_columns())
        .where(*public_post_clauses(bindparam("now")))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(bindparam("limit"))
    )


def pinned_posts(now: datetime | None = None, limit: int = MAX_PINNED) -> list[Post]:
    """The newest pinned posts (a handful; the limit keeps a careless pinning spree cheap)."""
    query = public_posts(now).where(Post.sticky == true()).limit(limit)
    return list(db.session.scalars(query))


def featured_blocks(
    category_ids: list[int],
    categories: Sequence[CategoryRef],
    now: datetime | None = None,
    exclude_ids: Iterable[int] = (),
) -> list[tuple[CategoryRef, Post]]:
    """For each featured category (in the admins' order) its newest visible post, sub-categories
    included, leaving out ``exclude_ids`` (the top story, already shown above).
    One statement: a scalar subquery per category picks the newest post id, joined to the posts."""
    exclude = sorted(set(exclude_ids))
    by_id = {c.id: c for c in categories}
    wanted = [by_id[cid] for cid in category_ids if cid in by_id]
    if not wanted:
        return []
    shape = tuple(
        (category.id, tuple(sorted({category.id} | descendant_ids(category.id, categories))))
        for category in wanted
    )
    statement = _newest_per_category(shape, bool(exclude))
    parameters = {"now": now or utcnow(), "exclude": exclude}
    newest = {category_id: post for category_id, post in db.session.execute(statement, parameters)}
    return [(category, newest[category.id]) for category in wanted if category.id in newest]


@lru_cache(maxsize=32)
def _newest_per_category(shape: tuple[tuple[int, tuple[int, ...]], ...], excluding: bool):
    """Rows (category id, post): for each (category, its ids with sub-categories) the newest
    public post. Parameters ``now`` and ``exclude`` (post ids, used when ``excluding``)."""
    rows = []
    for category_id, ids in shape:
        conditions = [*public_post_clauses(bindparam("now")), in_categories(ids)]
        if excluding:
            conditions.append(Post.id.not_in(bindparam("exclude", expanding=True)))
        newest_id = (
            select(Post.id)
            .where(*conditions)
            .order_by(Post.published_at.desc(), Post.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        rows.append(select(literal(category_id).label("category_id"), newest_id.label("post_id")))
    newest = union_all(*rows).subquery("newest")
    return (
        select(newest.c.category_id, Post)
        .join(Post, Post.id == newest.c.post_id)
        .options(*card_options())
    )
