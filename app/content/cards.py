"""Post cards read as plain rows, not as ORM objects.

A list page shows cards: a post's title, excerpt, byline, date and picture. The statements
that read them are ORM selects of ``Post`` with ``listing.card_options`` (the card columns
of the post, its author and its picture, joined). Loading their rows as ORM objects cost more
than the database took to run them (the home page's 17 cards: ~300 µs in the ORM, ~170 µs
as plain rows on SQLite): each row became three instrumented objects in the session's
identity map, with their loader state set up per execution. Nothing on a list page changes
a post or walks a relationship, so the same statement runs on the connection and each row
becomes a :class:`Card`: a named tuple with the attributes the templates read of a post
(``post.title``, ``post.author.display_name``, ``post.featured_media.width``).

A template reading any other attribute of a card fails loudly (:class:`CardFieldMissing`),
as the ORM's ``raiseload`` did, instead of rendering an empty string.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select

from app.extensions import db
from app.models import MediaKind


class CardFieldMissing(LookupError):
    """A template read an attribute a card does not carry: add it to the card columns
    (the fields of :class:`Card`, which ``listing.card_options`` loads) rather than load it per
    card."""


def refuse_missing(self: Any, name: str) -> Any:
    """``__getattr__`` of a plain row: an attribute it does not carry fails loudly."""
    if name.startswith("__"):  # protocols probed with hasattr (``__html__``): plain absence
        raise AttributeError(name)
    raise CardFieldMissing(f"{type(self).__name__} has no {name!r}: not read with it")


class CardAuthor(NamedTuple):
    id: int
    display_name: str
    slug: str

    __getattr__ = refuse_missing


class CardPicture(NamedTuple):
    id: int
    kind: MediaKind
    mime_type: str
    storage_key: str
    width: int | None
    height: int | None
    renditions: list | None
    alt: str
    decorative: bool
    updated_at: datetime

    __getattr__ = refuse_missing

    @property
    def is_image(self) -> bool:
        return self.kind == MediaKind.IMAGE


class Card(NamedTuple):
    """A post card: what a card, its byline, permalink and picture read
    (app/templates/_partials/_post_card.html, app.templating ``post_card``); lists also check
    ``status`` and ``published_at`` (``post_is_public``); ``version`` is the mapper's version
    column. The fields are selected in this order (the mappers' own)."""

    id: int
    title: str
    slug: str
    excerpt: str
    status: str
    author_id: int
    published_at: datetime | None
    created_at: datetime
    language: str
    byline_name: str | None
    sticky: bool
    featured_media_id: int | None
    password: str | None
    version: int
    author: CardAuthor | None
    featured_media: CardPicture | None

    __getattr__ = refuse_missing


# The order in which a card statement's columns come: the ORM selects an entity's loaded
# columns in mapper order, then each joined entity's (``_check_shape`` compares the names).
POST_CARD_FIELDS = Card._fields[:-2]  # the post's own, author and picture aside
_AUTHOR_FIELDS = CardAuthor._fields
_PICTURE_FIELDS = CardPicture._fields
_WIDTH = len(POST_CARD_FIELDS) + len(_AUTHOR_FIELDS) + len(_PICTURE_FIELDS)
_checked: dict[int, tuple[Select, int]] = {}


def read_cards(statement: Select, values: dict[str, Any] | None = None, lead: int = 0) -> list:
    """Run a card statement (an ORM select of ``Post`` with ``listing.card_options``) and
    return its rows as cards; with ``lead`` columns selected before the post, each row as
    those values followed by the card (None where an outer join found no post)."""
    result = db.session.connection().execute(statement, values or {})
    if _checked.get(id(statement), (None,))[0] is not statement:
        _check_shape(statement, list(result.keys()), lead)
    cards = []
    post_end = lead + len(POST_CARD_FIELDS)
    author_end = post_end + len(_AUTHOR_FIELDS)
    make_card, make_author, make_picture = Card._make, CardAuthor._make, CardPicture._make
    for row in result:
        if row[lead] is None:
            card = None
        else:
            picture = row[author_end : lead + _WIDTH]
            card = make_card((
                *row[lead:post_end],
                make_author(row[post_end:author_end]) if row[post_end] is not None else None,
                make_picture(picture) if picture[0] is not None else None,
            ))  # fmt: skip
        cards.append((*row[:lead], card) if lead else card)
    return cards


def _check_shape(statement: Select, keys: list[str], lead: int) -> None:
    """Make sure the columns come as :class:`Card` expects (once per statement object)."""
    expected = [*POST_CARD_FIELDS, *_AUTHOR_FIELDS, *_PICTURE_FIELDS]
    # Joined entities' columns are labelled ``id_1``, ``slug_1`` where a name repeats.
    found = [key.rsplit("_", 1)[0] if key.rsplit("_", 1)[-1].isdigit() else key
             for key in keys[lead:]]  # fmt: skip
    if found != expected:
        raise RuntimeError(f"not a card statement: columns {keys[lead:]}")
    if len(_checked) > 256:  # statements are built once per shape: this never fills up
        _checked.clear()
    _checked[id(statement)] = (statement, lead)


# ---- the post page -------------------------------------------------------------------------
# A post page reads one post, its author's public columns and its picture: built in the ORM
# (three instrumented objects, their loader state set up per execution) that cost ~0.15 ms on
# SQLite and ~0.3 ms on PostgreSQL, more than the statement; as plain rows ~0.05 ms.


class PostAuthor(NamedTuple):
    """What a post page shows of its author: never the account's e-mail or secrets."""

    id: int
    display_name: str
    slug: str
    bio: str | None

    __getattr__ = refuse_missing


class PostPicture(NamedTuple):
    """A post page's featured image: every column of the media item but its uploader."""

    id: int
    kind: MediaKind
    mime_type: str
    original_filename: str
    storage_key: str
    content_hash: str
    file_size: int | None
    width: int | None
    height: int | None
    renditions: list | None
    title: str | None
    alt: str
    caption: str | None
    credit: str | None
    decorative: bool
    created_at: datetime
    updated_at: datetime

    __getattr__ = refuse_missing

    @property
    def is_image(self) -> bool:
        return self.kind == MediaKind.IMAGE


class PostView(NamedTuple):
    """A post as its page shows it: every column but the Markdown source (the page shows the
    HTML made from it on save), in the model's order, with its author and picture."""

    id: int
    title: str
    slug: str
    body_html: str
    custom_excerpt: str | None
    excerpt: str
    status: str
    author_id: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    language: str
    translation_group: int | None
    byline_name: str | None
    source_name: str | None
    source_url: str | None
    source_published_on: date | None
    sticky: bool
    featured_media_id: int | None
    password: str | None
    seo_title: str | None
    seo_description: str | None
    noindex: bool
    version: int
    author: PostAuthor | None
    featured_media: PostPicture | None

    __getattr__ = refuse_missing

    @property
    def is_protected(self) -> bool:
        return bool(self.password)


POST_VIEW_FIELDS = PostView._fields[:-2]
_POST_VIEW_WIDTH = len(POST_VIEW_FIELDS) + len(PostAuthor._fields) + len(PostPicture._fields)


def post_view(row: Sequence[Any]) -> PostView:
    """A :class:`PostView` from a row of ``app.content.surroundings.post_page_sql``'s columns
    (the post's, its author's, its picture's, in that order; more may follow)."""
    post_end = len(POST_VIEW_FIELDS)
    author_end = post_end + len(PostAuthor._fields)
    author = row[post_end:author_end]
    picture = row[author_end:_POST_VIEW_WIDTH]
    return PostView(
        *row[:post_end],
        PostAuthor._make(author) if author[0] is not None else None,
        PostPicture._make(picture) if picture[0] is not None else None,
    )
