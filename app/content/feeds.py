"""What goes into the RSS and Atom feeds: the latest open posts of the site or of an archive.

Only posts whose body any visitor may read (app.content.visibility.open_post_clauses): a
password-protected or private post never reaches a feed, so its body cannot leak through one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.content import listing
from app.content.visibility import open_post_clauses
from app.extensions import db
from app.models import Post

FEED_SIZE = 20


def feed_posts(
    *,
    language: str | None = None,
    category_ids: Iterable[int] | None = None,
    tag_id: int | None = None,
    author_id: int | None = None,
    now: datetime | None = None,
    limit: int = FEED_SIZE,
) -> list[Post]:
    """The newest ``limit`` open posts, with authors, featured images and categories loaded
    (two queries, whatever the number of posts)."""
    query = (
        select(Post)
        .where(*open_post_clauses(now))
        .options(joinedload(Post.author), selectinload(Post.categories))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    if language:
        query = query.where(Post.language == language)
    if category_ids:
        query = query.where(listing.in_categories(category_ids))
    if tag_id is not None:
        query = query.where(listing.with_tag(tag_id))
    if author_id is not None:
        query = query.where(Post.author_id == author_id)
    return list(db.session.scalars(query).unique())
