"""What the home page shows: headlines, pinned posts and the newest post of featured categories.

Each function is one query, so the home page costs the same however large the site grows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, true
from sqlalchemy.orm import joinedload

from app.content.listing import card_columns, in_categories
from app.content.taxonomy import descendant_ids
from app.content.visibility import public_post_clauses, public_posts
from app.extensions import db
from app.models import Category, Post, utcnow

MAX_PINNED = 10


def headline_posts(limit: int = 20, now: datetime | None = None) -> list[Post]:
    return list(db.session.scalars(public_posts(now).limit(limit)))


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
    exclude = list(exclude_ids)
    by_id = {c.id: c for c in categories}
    wanted = [by_id[cid] for cid in category_ids if cid in by_id]
    if not wanted:
        return []
    now = now or utcnow()
    columns = []
    for category in wanted:
        ids = {category.id} | descendant_ids(category.id, categories)
        columns.append(
            select(Post.id)
            .where(
                *public_post_clauses(now),
                in_categories(ids),
                *([Post.id.not_in(exclude)] if exclude else []),
            )
            .order_by(Post.published_at.desc(), Post.id.desc())
            .limit(1)
            .scalar_subquery()
            .label(f"c{category.id}")
        )
    newest_ids = db.session.execute(select(*columns)).one()
    found = [pid for pid in newest_ids if pid is not None]
    posts = {
        p.id: p
        for p in db.session.scalars(
            select(Post).where(Post.id.in_(found)).options(joinedload(Post.author), *card_columns())
        )
    } if found else {}  # fmt: skip
    return [
        (category, posts[pid])
        for category, pid in zip(wanted, newest_ids, strict=True)
        if pid is not None and pid in posts
    ]
