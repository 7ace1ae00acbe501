"""What goes into the RSS and Atom feeds: the latest open posts of the site or of an archive.

Only posts whose body any visitor may read (app.content.visibility.open_post_clauses): a
password-protected or private post never reaches a feed, so its body cannot leak through one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload, selectinload

from app.content.visibility import open_post_clauses
from app.extensions import db
from app.models import Post

FEED_SIZE = 20


def feed_posts(
    *,
    language: str | None = None,
    condition: ColumnElement[bool] | None = None,
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
    if condition is not None:  # an archive's (app.content.archives.find_archive)
        query = query.where(condition)
    return list(db.session.scalars(query).unique())
