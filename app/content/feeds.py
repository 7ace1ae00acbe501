"""What goes into the RSS and Atom feeds: the latest open posts of the site or of an archive.

Only posts whose body any visitor may read (app.content.visibility.open_post_clauses): a
password-protected or private post never reaches a feed, so its body cannot leak through one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.content.visibility import open_body_clauses, open_post_clauses
from app.extensions import db
from app.models import Post, User

if TYPE_CHECKING:
    from app.content.archives import Listing

FEED_SIZE = 20


def feed_posts(
    *,
    language: str | None = None,
    archive: Listing | None = None,
    now: datetime | None = None,
    limit: int = FEED_SIZE,
) -> list[Post]:
    """The newest ``limit`` open posts of the site or of an ``archive`` (its listing:
    app.content.archives.find_archive), with authors, featured images and categories loaded
    (two queries, whatever the number of posts)."""
    narrow = [Post.language == language] if language else []
    if archive is None:
        query = (
            select(Post)
            .where(*open_post_clauses(now), *narrow)
            .order_by(Post.published_at.desc(), Post.id.desc())
        )
    else:  # public posts of the archive; open ones are those of them without a password
        query = archive(limit, *open_body_clauses(), *narrow).select()
    # The author's public name only: never the account's e-mail, password hash or secrets.
    author = joinedload(Post.author).load_only(User.id, User.display_name, User.slug)
    query = query.options(author, selectinload(Post.categories)).limit(limit)
    return list(db.session.scalars(query).unique())
