"""What the home page shows: headlines, pinned posts and the newest post of featured categories.

Each function is one query, so the home page costs the same however large the site grows. The
headline strip reads plain rows (six columns), not posts with their authors and pictures; the
featured blocks' statement is built once per set of categories and reused with new parameters
(building a statement of a subquery per category cost more than running it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, select, true

from app.content.listing import PostLink, card_options, in_categories, link_columns
from app.content.taxonomy import descendant_ids
from app.content.visibility import public_post_clauses, public_posts
from app.extensions import db
from app.models import Category, Post, utcnow

MAX_PINNED = 10


def headline_posts(limit: int = 20, now: datetime | None = None) -> list[PostLink]:
    query = (
        select(*link_columns())
        .where(*public_post_clauses(now))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return [PostLink(*row) for row in db.session.execute(query)]


def pinned_posts(now: datetime | None = None, limit: int = MAX_PINNED) -> list[Post]:
    """The newest pinned posts (a handful; the limit keeps a careless pinning spree cheap)."""
    query = public_posts(now).where(Post.sticky == true()).limit(limit)
    return list(db.session.scalars(query))


def featured_blocks(
    category_ids: list[int],
    categories: list[Category],
    now: datetime | None = None,
    exclude_ids: Iterable[int] = (),
) -> list[tuple[Category, Post]]:
    """For each featured category (in the admins' order) its newest visible post, sub-categories
    included, leaving out ``exclude_ids`` (the top story, already shown above).
    One statement: a scalar subquery per category picks the newest post id."""
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
    newest_ids = db.session.execute(statement, parameters).one()
    found = [pid for pid in newest_ids if pid is not None]
    posts = {
        p.id: p
        for p in db.session.scalars(
            select(Post).where(Post.id.in_(found)).options(*card_options())
        )
    } if found else {}  # fmt: skip
    return [
        (category, posts[pid])
        for category, pid in zip(wanted, newest_ids, strict=True)
        if pid is not None and pid in posts
    ]


@lru_cache(maxsize=32)
def _newest_per_category(shape: tuple[tuple[int, tuple[int, ...]], ...], excluding: bool):
    """One row: for each (category, its ids with sub-categories) the newest public post id.
    Parameters ``now`` and ``exclude`` (a list of post ids, used when ``excluding``)."""
    columns = []
    for category_id, ids in shape:
        conditions = [*public_post_clauses(bindparam("now")), in_categories(ids)]
        if excluding:
            conditions.append(Post.id.not_in(bindparam("exclude", expanding=True)))
        columns.append(
            select(Post.id)
            .where(*conditions)
            .order_by(Post.published_at.desc(), Post.id.desc())
            .limit(1)
            .scalar_subquery()
            .label(f"c{category_id}")
        )
    return select(*columns)
