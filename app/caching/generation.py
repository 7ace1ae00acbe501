"""The site's generation: what cached pages and HTTP validators are keyed on.

Every transaction that changes something a visitor could see (a post, page, category, tag,
menu entry, setting, media file, an author's public name...) bumps ``site_generation.value``
just before it commits, inside the same transaction: a cached page can never outlive the data
it was rendered from, on any worker or server that shares the database.

Scheduled posts need no worker: the *site state* read per request is the generation plus the
publication time of the newest post whose time has come. When a scheduled post's minute
arrives, that time changes, and so does every cache key and ETag.

Models that never show on public pages are listed in ``_PRIVATE_TABLES``;
everything else bumps the generation, so a new model is safe by default. ``User`` bumps only
when its public columns change (a login that records ``last_login_at`` does not).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, insert, inspect, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.extensions import db, listen_once
from app.models import (
    AccountToken,
    AuditEvent,
    Autosave,
    ImportedItem,
    ImportRun,
    Post,
    PostStatus,
    RecoveryCode,
    Redirect,
    Revision,
    SiteGeneration,
    User,
    utcnow,
)

_PENDING = "broadside_public_change"
# Models whose changes never alter a public page: the one list (nothing registers on import).
_PRIVATE_TABLES: frozenset[str] = frozenset(
    model.__tablename__
    for model in (
        SiteGeneration,
        AccountToken,
        RecoveryCode,
        AuditEvent,
        # Written every 30 s while someone types: must not empty the page cache.
        Revision,
        Autosave,
        # A redirect answers only where no page does, so it never changes a cached (200) page;
        # counting hits must not empty the page cache either.
        Redirect,
        # The import's bookkeeping (what it imports bumps the generation).
        ImportRun,
        ImportedItem,
    )
)
# Columns of a private-by-default model that do show on public pages.
_PUBLIC_COLUMNS: dict[type, set[str]] = {User: {"display_name", "slug", "bio", "active"}}


@dataclass(frozen=True)
class SiteState:
    generation: int
    changed_at: datetime
    newest_arrival: datetime | None

    @property
    def last_modified(self) -> datetime:
        """When a visitor last could have seen a change (second precision, as HTTP dates have)."""
        moment = max(filter(None, (self.changed_at, self.newest_arrival)))
        return moment.replace(microsecond=0)

    @property
    def tag(self) -> str:
        """Differs whenever anything visible may differ. The bump time is part of it so that a
        database emptied and refilled (tests, restores) never meets pages cached before."""
        arrival = int(self.newest_arrival.timestamp()) if self.newest_arrival else 0
        return f"{self.generation}.{int(self.changed_at.timestamp() * 1e6):x}.{arrival:x}"


# The one query a cached page costs. Hand-written and run on a connection of its own (per
# worker thread, autocommit) because building it with the ORM and checking a connection out of
# the pool cost more than serving the cached page. The literal 'published' lets it use the
# partial index ix_posts_public_date on both databases: one index step.
STATE_SQL = (
    "SELECT g.value, g.changed_at, (SELECT p.published_at FROM posts p"
    " WHERE p.status = 'published' AND p.published_at <= {mark}"
    " ORDER BY p.published_at DESC LIMIT 1) FROM site_generation g WHERE g.id = 1"
)


def _utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite stores datetimes as ISO text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


class _StateReader:
    """Runs STATE_SQL on a few connections of its own (autocommit, outside the app's pool),
    shared by the threads of a worker; as many as were ever needed at once, closed when the
    engine is disposed and, at the latest, when the reader itself is collected (a read that
    finishes after a dispose, or an app dropped without one, must not leave them open)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.sql = STATE_SQL.format(mark="?" if engine.dialect.paramstyle == "qmark" else "%s")
        self.idle: queue.SimpleQueue = queue.SimpleQueue()
        self.pid = os.getpid()
        event.listen(engine, "engine_disposed", self.close_all)
        weakref.finalize(self, _close_idle, self.idle, self.pid)

    def _checkout(self):
        if self.pid != os.getpid():  # forked: the parent's connections are not ours
            self.idle, self.pid = queue.SimpleQueue(), os.getpid()
            weakref.finalize(self, _close_idle, self.idle, self.pid)
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            raw = self.engine.raw_connection()  # runs the engine's connect hooks (SQLite pragmas)
            raw.detach()  # ours alone, outside the pool
            if not self.sqlite:
                raw.dbapi_connection.autocommit = True
            return raw

    def read(self, now: datetime) -> tuple | None:
        moment = now.astimezone(UTC).replace(tzinfo=None)
        parameter = moment.isoformat(" ") if self.sqlite else moment
        try:
            raw = self._checkout()
        except self.engine.dialect.loaded_dbapi.Error as error:
            # The database refuses connections (down, restarting): the page cache then lets
            # the app answer with its 503 page. Unwrapped, the driver's error escaped as a 500.
            raise OperationalError(self.sql, (parameter,), error) from error
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, (parameter,))
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self.engine.dialect.loaded_dbapi.Error as error:
            with contextlib.suppress(Exception):
                raw.close()  # broken (the database may have restarted): the next read reconnects
            raise OperationalError(self.sql, (parameter,), error) from error
        self.idle.put(raw)
        return row

    def close_all(self, *args) -> None:
        _close_idle(self.idle, self.pid)


def _close_idle(idle: queue.SimpleQueue, owner_pid: int) -> None:
    """Close the reader's idle connections, in the process that opened them only: a forked
    worker closing its parent's connections would end them for the parent too."""
    if os.getpid() != owner_pid:
        return
    while True:
        try:
            raw = idle.get_nowait()
        except queue.Empty:
            return
        with contextlib.suppress(Exception):
            raw.close()


_readers_lock = threading.Lock()


def read_state(engine: Engine, now: datetime | None = None) -> SiteState:
    """One small, index-only query; works outside an app context (the page cache uses it)."""
    reader = getattr(engine, "_broadside_state_reader", None)
    if reader is None:
        with _readers_lock:
            reader = getattr(engine, "_broadside_state_reader", None)
            if reader is None:
                reader = engine._broadside_state_reader = _StateReader(engine)
    row = reader.read(now or utcnow())
    if row is None:  # no row yet (a freshly emptied database): nothing was cached against it
        return SiteState(0, datetime(1970, 1, 1, tzinfo=UTC), None)
    return SiteState(row[0], _utc(row[1]), _utc(row[2]))


def current_state() -> SiteState:
    """The state for this request, read once (the page cache may have read it already)."""
    from flask import g, has_request_context, request

    if has_request_context():
        cached = request.environ.get("broadside.site_state") or g.get("site_state")
        if cached is not None:
            return cached
    state = read_state(db.engine)
    if has_request_context():
        g.site_state = state
    return state


def bump(session: Session) -> None:
    """Bump the generation inside ``session``'s transaction (also called by the listener)."""
    now = utcnow()
    result = session.execute(
        update(SiteGeneration)
        .where(SiteGeneration.id == 1)
        .values(value=SiteGeneration.value + 1, changed_at=now)
        .execution_options(broadside_internal=True)
    )
    if result.rowcount == 0:
        session.execute(
            insert(SiteGeneration)
            .values(id=1, value=1, changed_at=now)
            .execution_options(broadside_internal=True)
        )


def _is_public_change(session: Session, obj: object, deleted: bool = False) -> bool:
    table = getattr(obj, "__tablename__", None)
    if table is None or table in _PRIVATE_TABLES:
        return False
    public_columns = _PUBLIC_COLUMNS.get(type(obj))
    if public_columns is None:
        if isinstance(obj, Post) and not deleted:
            return _post_is_or_was_public(obj)
        return True
    if deleted:
        return True
    state = inspect(obj)
    if state.pending:  # a new account has no public page until it writes
        return False
    return any(state.attrs[name].history.has_changes() for name in public_columns)


def _post_is_or_was_public(post: Post) -> bool:
    """Saving a draft that never was published changes nothing a visitor sees."""
    history = inspect(post).attrs.status.history
    statuses = {post.status, *(history.deleted or ())}
    return PostStatus.PUBLISHED.value in statuses


def _note_flush(session: Session, flush_context) -> None:
    if session.info.get(_PENDING):
        return
    for obj in session.new:
        if _is_public_change(session, obj):
            session.info[_PENDING] = True
            return
    for obj in session.dirty:
        if session.is_modified(obj) and _is_public_change(session, obj):
            session.info[_PENDING] = True
            return
    for obj in session.deleted:
        if _is_public_change(session, obj, deleted=True):
            session.info[_PENDING] = True
            return


def _note_bulk_statement(orm_execute_state) -> None:
    """``session.execute(update(...)/delete(...)/insert(...))`` on a public table counts too."""
    if not (
        orm_execute_state.is_update or orm_execute_state.is_delete or orm_execute_state.is_insert
    ):
        return
    if orm_execute_state.execution_options.get("broadside_internal"):
        return
    table = getattr(orm_execute_state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _PRIVATE_TABLES:
        return
    orm_execute_state.session.info[_PENDING] = True


def _bump_before_commit(session: Session) -> None:
    session.flush()  # the last flush runs after this hook; do it now so its changes are noted
    if session.info.pop(_PENDING, False):
        bump(session)


def _forget(session: Session, *args) -> None:
    session.info.pop(_PENDING, None)


def install_listeners() -> None:
    """Watch every session of the app, and seed the counter when its table is created
    (idempotent; called by ``init_caching``)."""
    listen_once(Session, "after_flush", _note_flush)
    listen_once(Session, "do_orm_execute", _note_bulk_statement)
    listen_once(Session, "before_commit", _bump_before_commit)
    listen_once(Session, "after_rollback", _forget)
    listen_once(SiteGeneration.__table__, "after_create", _first_generation)


def _first_generation(target, connection, **kw) -> None:
    connection.execute(insert(SiteGeneration).values(id=1, value=1, changed_at=utcnow()))
