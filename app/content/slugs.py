"""Slugs, in one place: making them from text, the rules a typed slug must follow, and saving a
row under a free one without races.

- ``slugify`` turns any text into a URL-safe slug (``post_slug`` follows the site's Unicode
  setting for posts; ``page_slug_base`` keeps pages off the site's own addresses).
- ``SLUG_PATTERN`` and ``SLUG_MAX_LENGTH`` are what the forms accept as a typed slug.
- ``save_with_unique_slug`` is the only way a post, page, category, tag or account gets its
  slug: it takes the first free ``base``, ``base-2``, ``base-3`` ... and writes the row inside
  a savepoint, so when a concurrent save took the same slug first it simply tries the next one
  (PostgreSQL), or holds the write lock while it looks (SQLite). A typed slug that is taken
  raises :class:`SlugTaken`, which views show as a form error.

Accounts made by scripts, demo content and imports get theirs at insert time, from the same
rules (``install_listeners``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db, listen_once
from app.models import User

FALLBACK_SLUG = "post"
# \Z, not $: WTForms' Regexp uses re.match, where $ also matches before a trailing newline.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
# slugify() cuts longer slugs; the forms refuse them instead of cutting silently.
SLUG_MAX_LENGTH = 80
SLUG_TOO_LONG = f"A slug can be at most {SLUG_MAX_LENGTH} characters."
SLUG_MESSAGE = "Use lower-case letters, digits and single hyphens."
AUTHOR_SLUG_MAX_LENGTH = 60
# Concurrent saves of the same title each move on to the next number; past this many rounds
# something else is wrong and the save is refused with a form error instead of looping.
MAX_ATTEMPTS = 20

# First path segments that belong to the site itself; a page may not take them.
RESERVED_PAGE_SLUGS = frozenset(
    {"admin", "login", "logout", "static", "healthz", "category", "tag", "author", "feed",
     "search", "page", "auth", "invite", "reset", "api", "media", "uploads"}
)  # fmt: skip


class SlugTaken(ValueError):
    """The slug asked for is used by another row of the same kind."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"The slug “{slug}” is already in use.")
        self.slug = slug


def slugify(text: str | None, max_length: int = SLUG_MAX_LENGTH, keep_scripts: bool = False) -> str:
    """Return an ASCII slug of ``text`` (``"post"`` if nothing survives).

    Non-Latin titles are transliterated (German umlauts, French accents, Persian
    script), the slug is cut at a hyphen so that it fits ``max_length``, and a
    single word longer than ``max_length`` is cut hard.

    With ``keep_scripts`` (as WordPress does) only Latin letters are transliterated
    (``Über`` -> ``uber``); Persian, Arabic, Cyrillic ... words stay readable and the URL
    carries them percent-encoded (``گزارش-سالانه``).
    """
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    # Imported here: their transliteration tables take some 4 MB, needed only when saving.
    from slugify import slugify as _slugify
    from text_unidecode import unidecode as _unidecode

    if keep_scripts and text:
        text = "".join(
            _unidecode(char) if char.isalpha() and "LATIN" in unicodedata.name(char, "") else char
            for char in text
        )
    # save_order=True: without it python-slugify skips an over-long word and
    # keeps later, shorter ones, producing a slug that reorders the title.
    slug = _slugify(
        text or "",
        max_length=max_length,
        word_boundary=True,
        save_order=True,
        allow_unicode=keep_scripts,
    )
    return slug or FALLBACK_SLUG[:max_length]


def post_slug(text: str) -> str:
    """The slug of ``text`` for a post, following the ``unicode_slugs`` setting."""
    from app.content.settings import get_setting

    return slugify(text, keep_scripts=bool(get_setting("unicode_slugs")))


def page_slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot be a page's address (digits, the site's own paths), or None."""
    if slug.isdigit():
        return "A page address cannot be only digits (those are date archives)."
    if slug in RESERVED_PAGE_SLUGS:
        return f"“{slug}” is used by the site itself; choose another address."
    return None


def page_slug_base(title: str) -> str:
    """A page slug made from its title, moved off digits and the site's own paths."""
    base = slugify(title)
    return f"{base}-page" if page_slug_problem(base) else base


def author_slug_base(display_name: str | None, email: str) -> str:
    """The stem of an account's ``/author/<slug>/``: its name, or its email's local part."""
    return slugify(display_name or email.split("@")[0], max_length=AUTHOR_SLUG_MAX_LENGTH)


# ---- finding a free slug -------------------------------------------------------------------


def first_free(base: str, taken: Iterable[str]) -> str:
    """``base`` unless taken, else the first of ``base-2``, ``base-3`` ... not in ``taken``."""
    taken = set(taken)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _same_stem(model, base: str, exclude_id: int | None = None):
    query = select(model.slug).where((model.slug == base) | model.slug.like(f"{base}-%"))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return query


def free_slug(model, base: str, exclude_id: int | None = None) -> str:
    """The first slug from ``base`` that no other row of ``model`` uses (one query).

    ``model`` is any mapped class with ``id`` and ``slug`` columns (Post, Page, Category, Tag,
    User).
    """
    with db.session.no_autoflush:  # the row being saved may not be complete yet
        return first_free(base, db.session.scalars(_same_stem(model, base, exclude_id)))


def free_slug_on(connection: Connection, model, base: str) -> str:
    """:func:`free_slug` on a bare connection (inside a flush, where the session is busy)."""
    return first_free(base, connection.scalars(_same_stem(model, base)))


def slug_taken(model, slug: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    with db.session.no_autoflush:
        return db.session.scalar(query.limit(1)) is not None


# ---- saving under a unique slug ------------------------------------------------------------


def hold_write_lock() -> None:
    """On SQLite, open the write transaction now (``BEGIN IMMEDIATE``) unless one is open.

    Python's sqlite3 only begins a transaction at the first INSERT/UPDATE/DELETE, so a
    savepoint issued before it would begin (and on release commit) a transaction of its own;
    and a transaction that has read and then writes after another writer committed fails with
    "database is locked" instead of waiting. Taking the single writer's lock first makes the
    look-up and the write one step that other writers wait for (busy timeout). PostgreSQL needs
    nothing: its transaction is already open and a conflicting insert waits, then fails cleanly.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def save_with_unique_slug(obj: Any, base: str, *, fixed: bool = False) -> Any:
    """Give ``obj`` a slug from ``base`` and flush it; return ``obj``.

    ``fixed`` (a slug the person typed, or the one the row keeps): exactly ``base``, or
    :class:`SlugTaken`. Otherwise the first free ``base``, ``base-2`` ...; when a concurrent
    save takes that slug between the look-up and the insert, the insert fails inside a
    savepoint and the next free slug is tried (at most :data:`MAX_ATTEMPTS` times).

    A new row is added to the session here (do not add it before: the savepoint would flush it
    outside). After :class:`SlugTaken` from an existing row the transaction must be rolled
    back, as after any refused save.
    """
    model = type(obj)
    hold_write_lock()
    if obj.id is not None:
        return _update_with_slug(obj, model, base, fixed)
    for _attempt in range(MAX_ATTEMPTS):
        if fixed and slug_taken(model, base):
            raise SlugTaken(base)
        candidate = base if fixed else free_slug(model, base)
        try:
            with db.session.begin_nested():
                obj.slug = candidate
                db.session.add(obj)
                db.session.flush()
        except IntegrityError as error:
            # Another save took the slug after the look-up (or another constraint failed).
            if not is_slug_conflict(error, model):
                raise
            if fixed:
                raise SlugTaken(candidate) from None
            continue
        return obj
    raise SlugTaken(base)


def _update_with_slug(obj: Any, model, base: str, fixed: bool) -> Any:
    # An existing row's other changes are flushed with its slug in one UPDATE (a savepoint
    # would first flush them separately, and an address change would leave two redirects).
    if fixed or obj.slug == base:
        if slug_taken(model, base, obj.id):
            raise SlugTaken(base)
        obj.slug = base
    else:
        obj.slug = free_slug(model, base, obj.id)
    try:
        db.session.flush()
    except IntegrityError as error:
        if is_slug_conflict(error, model):
            raise SlugTaken(obj.slug) from None
        raise
    return obj


def is_slug_conflict(error: IntegrityError, model) -> bool:
    """Whether ``error`` is the unique slug of ``model``'s table (SQLite and PostgreSQL)."""
    table = model.__tablename__
    diag = getattr(error.orig, "diag", None)  # psycopg names the table and the key
    if diag is not None and getattr(diag, "table_name", None):
        return diag.table_name == table and "(slug)=" in (diag.message_detail or "")
    return f"{table}.slug" in str(error.orig)  # sqlite3: "UNIQUE constraint failed: posts.slug"


def install_listeners() -> None:
    """Accounts get their author slug at insert time. Called by ``create_app``
    (``register_model_hooks``)."""
    listen_once(User, "before_insert", _give_author_a_slug)


def _give_author_a_slug(mapper, connection: Connection, user: User) -> None:
    """Every account gets a unique slug for its public author archive ``/author/<slug>/``.

    Accounts created where others may be created at the same moment (invitations, the
    ``create-user`` command) get theirs from :func:`save_with_unique_slug` first; this covers
    scripts, demo content and imports, which write alone.
    """
    if not user.slug:
        user.slug = free_slug_on(connection, User, author_slug_base(user.display_name, user.email))
