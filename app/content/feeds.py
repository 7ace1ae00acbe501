"""What goes into the RSS and Atom feeds: the latest open posts of the site or of an archive.

Only posts whose body any visitor may read (app.content.visibility.open_post_clauses): a
password-protected or private post never reaches a feed, so its body cannot leak through one.

The posts come as plain rows (:class:`FeedPost`), not ORM objects: two statements (the posts
with their author's name and picture, then their categories), whatever the number of posts.
Building 20 posts with their relationships in the ORM cost more than the rest of the feed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Select, bindparam, select

from app.content.cards import PostPicture, refuse_missing
from app.content.visibility import open_post_clauses
from app.extensions import db
from app.models import Category, MediaItem, Post, User, post_categories, utcnow

if TYPE_CHECKING:
    from app.content.archives import Listing

FEED_SIZE = 20


class FeedCategory(NamedTuple):
    slug: str
    name: str


class FeedPost(NamedTuple):
    """What a feed shows of a post: never its password, source text or the author's account
    beyond the public name."""

    id: int
    title: str
    slug: str
    excerpt: str
    body_html: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    byline_name: str | None
    author_name: str | None
    featured_media: PostPicture | None  # every column: the enclosure's size is the file's
    categories: tuple[FeedCategory, ...]

    __getattr__ = refuse_missing


_POST_COLUMNS = (Post.id, Post.title, Post.slug, Post.excerpt, Post.body_html, Post.published_at,
                 Post.created_at, Post.updated_at, Post.byline_name)  # fmt: skip
_PICTURE_COLUMNS = tuple(getattr(MediaItem, name) for name in PostPicture._fields)


def _feed_columns(query: Select) -> Select:
    """``query`` (a select of posts, ordered) reading the feed's columns: the post's, its
    author's public name and its picture (outer joins: a post may have neither)."""
    return (
        query.with_only_columns(*_POST_COLUMNS, User.display_name, *_PICTURE_COLUMNS)
        .outerjoin(User, User.id == Post.author_id)
        .outerjoin(MediaItem, MediaItem.id == Post.featured_media_id)
    )


@lru_cache(maxsize=2)
def _site_feed_sql(by_language: bool) -> Select:
    """The site's feed, built once (parameters ``now``, ``limit`` and ``language``)."""
    query = select(Post).where(*open_post_clauses(bindparam("now")))
    if by_language:
        query = query.where(Post.language == bindparam("language"))
    query = query.order_by(Post.published_at.desc(), Post.id.desc()).limit(bindparam("limit"))
    return _feed_columns(query)


@lru_cache(maxsize=64)
def _archive_feed_sql(statement: Select) -> Select:
    """An archive's feed: its listing's statement (built once per shape) reading the feed's
    columns, kept with it."""
    return _feed_columns(statement).limit(bindparam("feed_limit"))


@lru_cache(maxsize=1)
def _categories_sql() -> Select:
    return (
        select(post_categories.c.post_id, Category.slug, Category.name)
        .join(Category, Category.id == post_categories.c.category_id)
        .where(post_categories.c.post_id.in_(bindparam("ids", expanding=True)))
        .order_by(post_categories.c.post_id, Category.name)
    )


def feed_posts(
    *,
    language: str | None = None,
    archive: Listing | None = None,
    now: datetime | None = None,
    limit: int = FEED_SIZE,
) -> list[FeedPost]:
    """The newest ``limit`` open posts of the site or of an ``archive`` (its listing:
    app.content.archives.find_archive), with their authors' names, featured images and
    categories (two statements, whatever the number of posts)."""
    connection = db.session.connection()
    if archive is None:
        values = {"now": now or utcnow(), "limit": limit}
        if language:
            values["language"] = language
        rows = connection.execute(_site_feed_sql(bool(language)), values).all()
    else:  # the archive's public posts whose body is open (its statement is built once)
        query = archive(limit, open_only=True, language=language)
        values = {**query.values, "feed_limit": limit}
        rows = connection.execute(_archive_feed_sql(query.statement), values).all()
    if not rows:
        return []
    categories: dict[int, list[FeedCategory]] = defaultdict(list)
    for post_id, slug, name in connection.execute(
        _categories_sql(), {"ids": [row[0] for row in rows]}
    ):
        categories[post_id].append(FeedCategory(slug, name))
    width = len(_POST_COLUMNS)
    return [
        FeedPost(
            *row[:width],
            row[width],
            PostPicture._make(row[width + 1 :]) if row[width + 1] is not None else None,
            tuple(categories.get(row[0], ())),
        )
        for row in rows
    ]
