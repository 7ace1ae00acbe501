"""Post lists at a flat cost, whatever the size of the site.

- Every list reads the card columns only (``card_options``), never the article bodies; any
  other attribute raises if a template touches it, so an accidental N+1 fails the tests
  instead of slowing the site.
- Every list filter has a partial index on published posts matching its WHERE and the full
  ORDER BY ``published_at DESC, id DESC`` (see ``Post.__table_args__``). The visibility test
  is written with a literal ``'published'`` so SQLite and PostgreSQL's generic plans can use
  those partial indexes.
- Term archives (categories, tags) walk the link table's own partial index
  ``(term, published_at, post_id)``, which holds the post's date while it is published
  (app.content.archives ``term_posts``), so a rare term's page costs what a common one's does.
  Other lists filtered by a category (the home page's featured blocks) probe the link table's
  primary key with ``EXISTS`` while walking the posts' date index.
- Pagination never counts: one query fetches a page plus one row, which tells whether an
  older page exists ("Page 2" with "Older" and "Newer" links; "Page 3 of 3" on the last).
  Page numbers stop at ``MAX_PAGE``, so a deep ``?page=`` cannot cost an O(offset) scan;
  older posts stay reachable through the year and month archives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from math import ceil
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, bindparam, exists, literal_column
from sqlalchemy.orm import joinedload, load_only

from app.content.cards import POST_CARD_FIELDS, CardPicture, read_cards
from app.extensions import db
from app.models import MediaItem, Post, User, post_categories

MAX_PAGE = 100
# ``posts.status = 'published'`` with the value inline: it must match the partial indexes'
# WHERE text for SQLite to use them (it does not look into bound parameters).
PUBLISHED = literal_column("'published'")


class PostLink(NamedTuple):
    """What a link to a post needs (``post_url`` and its title's language): a plain row, read
    without building an ORM object, for the headline strip and previous/next links."""

    id: int
    title: str
    slug: str
    language: str
    published_at: datetime | None
    created_at: datetime


class Query(NamedTuple):
    """A list's statement, built once for its shape with its values as bound parameters, and
    this request's values.

    SQLAlchemy looks a statement up in its compiled cache by a key it computes by walking the
    whole statement, and keeps that key on the statement object. A statement built (or copied
    by ``.params()``, ``.where()``, ``.limit()``) per request is walked on every request: about
    100 µs for an archive's, more than the database takes to run it. Reused, it costs nothing.

    A query given to :func:`paginate` or :func:`in_language` holds a statement built once
    (``functools.lru_cache``): they keep what they derive from it per statement object. One
    built for a request (an archive narrowed by conditions) is only turned into a select.
    """

    statement: Select
    values: dict[str, Any]

    def select(self) -> Select:
        """The statement with this request's values in it, for a caller that refines it."""
        return self.statement.params(self.values)


def fold_statements() -> bool:
    """Whether a page reads what it shows in one statement, its second one folded in as a JSON
    column (the home page's headline strip, a post's surroundings): on PostgreSQL, where a
    statement inside a request costs far more than its execution (on a 2-core machine shared
    with the database, ~1 ms for one the server runs in 0.25 ms: waking its process, cold
    caches). SQLite runs in the worker's process: a second statement costs no round trip."""
    return db.session.get_bind().dialect.name == "postgresql"


def json_timestamp(value: str | None) -> datetime | None:
    """A timestamp read through JSON (naive UTC text, as stored) as the aware datetime
    ``UTCDateTime`` hands out."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def link_columns() -> tuple:
    return tuple(getattr(Post, name) for name in PostLink._fields)


# What a post card, its byline, permalink and picture read: one list, the fields of
# app.content.cards ``Card`` (the post's own) and ``CardPicture``.
CARD_POST_COLUMNS = POST_CARD_FIELDS
CARD_MEDIA_COLUMNS = CardPicture._fields


@lru_cache(maxsize=1)
def card_options() -> tuple:
    """Loader options for post cards: the columns a card shows, of the post (23 of 44 before),
    its author (joined in the same query: the public name and address) and its picture. Any
    other attribute raises when read, so a template that starts to need one fails the tests
    instead of adding a query per card. Every column costs on every row: the driver decodes
    it, the ORM sets it (a card list read 44 columns, half of them never shown)."""
    return (
        load_only(*(getattr(Post, name) for name in CARD_POST_COLUMNS), raiseload=True),
        joinedload(Post.author).load_only(User.id, User.display_name, User.slug),
        joinedload(Post.featured_media).load_only(
            *(getattr(MediaItem, name) for name in CARD_MEDIA_COLUMNS), raiseload=True
        ),
    )


def in_categories(category_ids: Iterable[int]):
    """Posts in any of ``category_ids``: the ids are written into the statement (each list
    built with it is kept per shape, the ids part of the shape)."""
    ids = [literal_column(str(int(i)), Integer) for i in sorted(set(category_ids))]
    return exists().where(
        post_categories.c.post_id == Post.id, post_categories.c.category_id.in_(ids)
    )


@dataclass
class Window:
    """One page of a list, shaped like Flask-SQLAlchemy's ``Pagination`` for the templates."""

    items: list = field(default_factory=list)
    page: int = 1
    per_page: int = 10
    has_next: bool = False
    total: int | None = None  # None: more than we were willing to count
    beyond_last_page: bool = False  # more posts follow than page numbers reach

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def pages(self) -> int:
        if self.total is not None:
            return max(1, ceil(self.total / self.per_page))
        return self.page + 1  # at least one more


Listed = Select | Query | Callable[..., Select | Query]


def narrowed(query: Listed, *conditions) -> Listed:
    """``query`` with more conditions on its posts: a select, a :class:`Query` (a copy made
    for this request), or an archive's listing (``listing(depth, *conditions)``,
    app.content.archives)."""
    if isinstance(query, Query):
        query = query.select()
    if isinstance(query, Select):
        return query.where(*conditions)
    return lambda depth, *more: query(depth, *conditions, *more)


def in_language(query: Listed, language: str) -> Listed:
    """``query`` narrowed to posts in ``language``; a :class:`Query` stays one, its statement
    with the language as a parameter built once; an archive's listing is asked for its posts
    in ``language``, which it narrows inside its ranges, also in a statement built once (see
    app.content.archives ``term_posts``)."""
    if isinstance(query, Query):
        return Query(_in_language(query.statement), {**query.values, "language": language})
    if isinstance(query, Select):
        return query.where(Post.language == language)
    return partial(query, language=language)


@lru_cache(maxsize=64)
def _in_language(statement: Select) -> Select:
    return statement.where(Post.language == bindparam("language"))


def paginate(query: Listed, page: int, per_page: int, *, cards: bool = False) -> Window:
    """Page ``page`` of ``query`` (already ordered) in one query reading per_page + 1 rows past
    the offset: the extra row says whether an older page exists; nothing counts the whole list.
    ``query`` may be an archive's listing, asked for the rows down to that depth. Pages past
    ``MAX_PAGE`` are empty (the caller answers 404). ``cards``: ``query`` reads post cards
    (``card_options``), returned as plain :class:`~app.content.cards.Card` rows."""
    if page > MAX_PAGE:
        return Window(page=page, per_page=per_page)
    offset = (page - 1) * per_page
    if not isinstance(query, Select | Query):
        query = query(offset + per_page + 1)
    if isinstance(query, Query):
        statement = _one_page(query.statement)
        values = {**query.values, "page_limit": per_page + 1, "page_offset": offset}
    else:
        statement, values = query.limit(per_page + 1).offset(offset), {}
    rows = read_cards(statement, values) if cards else list(db.session.scalars(statement, values))
    return window(rows, page, per_page)


@lru_cache(maxsize=64)
def _one_page(statement: Select) -> Select:
    """A :class:`Query`'s statement cut to one page, kept with it (see :class:`Query`)."""
    limit, offset = bindparam("page_limit", type_=Integer), bindparam("page_offset", type_=Integer)
    return statement.limit(limit).offset(offset)


def window(rows: list, page: int, per_page: int) -> Window:
    """Page ``page`` from ``rows``, the page's posts plus the one after it if there is one."""
    offset = (page - 1) * per_page
    more = len(rows) > per_page
    items = rows[:per_page]
    return Window(
        items=items,
        page=page,
        per_page=per_page,
        has_next=more and page < MAX_PAGE,
        total=None if more else offset + len(items),
        beyond_last_page=more and page >= MAX_PAGE,
    )
