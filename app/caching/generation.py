"""The site's generation: what cached pages and HTTP validators are keyed on.

Every transaction that changes something a visitor could see (a post, page, category, tag,
menu entry, setting, media file, an author's public name...) bumps ``site_generation.value``
just before it commits, inside the same transaction: a cached page can never outlive the data
it was rendered from, on any worker or server that shares the database.

Scheduled posts need no worker: the *site state* read per request is the generation plus the
publication time of the newest post whose time has come. When a scheduled post's minute
arrives, that time changes, and so does every cache key and ETag.

On PostgreSQL a worker need not ask for the state on every request: a trigger on
``site_generation`` sends a NOTIFY with every change, and each worker keeps the state in memory
while a connection of its own LISTENs (``_StateWatcher``). It asks again when told of a change,
when the next scheduled post's time comes, after ``SITE_STATE_MAX_AGE`` seconds, and on every
request while its listening connection is down.

Models that never show on public pages are listed in ``_PRIVATE_TABLES``;
everything else bumps the generation, so a new model is safe by default. ``User`` bumps only
when its public columns change (a login that records ``last_login_at`` does not).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DDL, event, insert, inspect, update
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

logger = logging.getLogger(__name__)

_PENDING = "broadside_public_change"
_BUMPED = "broadside_generation_bumped"
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


# PostgreSQL only: the same, plus the time of the next scheduled post (when the state will change
# without anybody saving anything); a watching worker keeps the state until then.
WATCH_SQL = STATE_SQL.replace(
    " FROM site_generation g",
    ", (SELECT p.published_at FROM posts p WHERE p.status = 'published' AND p.published_at > {mark}"
    " ORDER BY p.published_at LIMIT 1) FROM site_generation g",
)

# Every change of the generation row is announced on this channel (delivered when the
# transaction commits; several in one transaction arrive as one). A trigger, not the app, sends
# it, so that any writer is heard: another app version, a restore, a TRUNCATE in the tests.
NOTIFY_CHANNEL = "broadside_site_state"
NOTIFY_TRIGGER = "site_generation_notify"
NOTIFY_DDL = (
    "CREATE OR REPLACE FUNCTION broadside_site_state_changed() RETURNS trigger"
    f" LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL;"
    " END $$",
    f"CREATE TRIGGER {NOTIFY_TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
    " ON site_generation FOR EACH STATEMENT EXECUTE FUNCTION broadside_site_state_changed()",
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
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.sql = STATE_SQL.format(mark=mark)
        self.watch_sql = WATCH_SQL.format(mark=mark)
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
            return _own_connection(self.engine, autocommit=not self.sqlite)

    def read(self, now: datetime, *, watching: bool = False) -> tuple | None:
        moment = now.astimezone(UTC).replace(tzinfo=None)
        parameter = moment.isoformat(" ") if self.sqlite else moment
        if watching:
            sql, parameters = self.watch_sql, (parameter, parameter)
        else:
            sql, parameters = self.sql, (parameter,)
        try:
            raw = self._checkout()
        except self.engine.dialect.loaded_dbapi.Error as error:
            # The database refuses connections (down, restarting): the page cache then lets
            # the app answer with its 503 page. Unwrapped, the driver's error escaped as a 500.
            raise OperationalError(sql, parameters, error) from error
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql, parameters)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self.engine.dialect.loaded_dbapi.Error as error:
            with contextlib.suppress(Exception):
                raw.close()  # broken (the database may have restarted): the next read reconnects
            raise OperationalError(sql, parameters, error) from error
        self.idle.put(raw)
        return row

    def close_all(self, *args) -> None:
        _close_idle(self.idle, self.pid)


def _own_connection(engine: Engine, *, autocommit: bool):
    """A DBAPI connection detached from the pool (ours alone), set up by the engine's connect
    hooks (SQLite pragmas, PostgreSQL plan mode)."""
    raw = engine.raw_connection()
    raw.detach()
    if autocommit:
        raw.dbapi_connection.autocommit = True
    return raw


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


class _StateWatcher:
    """PostgreSQL: the state kept in this worker's memory between changes.

    A daemon thread holds a connection of its own that LISTENs on ``NOTIFY_CHANNEL``; every
    notification (and every (re)connection) raises ``epoch``. A request uses the kept state
    only while the thread listens, nothing was announced since it was read, it is younger than
    ``max_age`` seconds (a bound on any lost notification) and the next scheduled post's time
    has not come; otherwise it reads the state again, as without a watcher. Between a commit
    and the moment its notification reaches a busy worker (a few milliseconds), that worker
    may still answer from the state before it; this worker's own commits count at once.
    """

    def __init__(self, engine: Engine, max_age: float) -> None:
        self.engine = engine
        self.max_age = max_age
        self.epoch = 0
        self.listening = False
        # (epoch when read, monotonic read time, the `now` read for, row, next arrival)
        self.kept: tuple | None = None
        self.pid = 0
        self.gave_up = False
        self.thread: threading.Thread | None = None
        self.stop_event = threading.Event()
        self.start_lock = threading.Lock()
        event.listen(engine, "engine_disposed", self.stop)
        _watchers.add(self)

    def read(self, reader: _StateReader, now: datetime) -> tuple | None:
        if self.pid != os.getpid() or not (self.gave_up or self._running()):
            self._start()
        kept = self.kept
        if kept is not None and self.listening:
            epoch, taken, read_for, row, next_arrival = kept
            if (
                epoch == self.epoch
                and time.monotonic() - taken < self.max_age
                and read_for <= now
                and (next_arrival is None or now < next_arrival)
            ):
                return row
        epoch = self.epoch  # before the read: a change announced during it makes it stale
        row = reader.read(now, watching=True)
        next_arrival = _utc(row[3]) if row is not None else None
        row = row[:3] if row is not None else None
        self.kept = (epoch, time.monotonic(), now, row, next_arrival)
        return row

    def _running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def changed(self) -> None:
        """This process committed a change: don't wait for the notification."""
        self.epoch += 1

    def _start(self) -> None:
        with self.start_lock:
            if self.pid == os.getpid() and (self.gave_up or self._running()):
                return
            # A forked worker inherits neither the thread nor a usable connection.
            self.pid = os.getpid()
            self.gave_up = False
            self.listening = False
            self.kept = None
            self.stop_event = threading.Event()
            self.thread = threading.Thread(
                target=self._listen, args=(self.stop_event,), name="site-state-listener",
                daemon=True,
            )  # fmt: skip
            self.thread.start()

    def stop(self, *args) -> None:
        self.listening = False
        self.stop_event.set()

    def _listen(self, stop: threading.Event) -> None:
        delay = 0.1
        while not stop.is_set():
            raw = None
            try:
                raw = _own_connection(self.engine, autocommit=True)
                connection = raw.dbapi_connection
                has_trigger = connection.execute(
                    "SELECT 1 FROM pg_trigger WHERE tgname = %s", (NOTIFY_TRIGGER,)
                ).fetchone()
                if not has_trigger:
                    # A database without the migration: nothing would tell us of changes, so
                    # every request keeps reading the state.
                    self.gave_up = True
                    return
                connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self.epoch += 1
                self.listening = True
                delay = 0.1
                while not stop.is_set():
                    for _notification in connection.notifies(timeout=1.0):
                        self.epoch += 1
            except Exception as error:  # any failure: read per request until reconnected
                logger.warning("site state listener stopped (%s); reconnecting", error)
            finally:
                self.listening = False
                self.epoch += 1
                if raw is not None:
                    with contextlib.suppress(Exception):
                        raw.close()
            stop.wait(delay)
            delay = min(delay * 2, 5.0)


_watchers: weakref.WeakSet[_StateWatcher] = weakref.WeakSet()


def watch_state(engine: Engine, *, enabled: bool, max_age: float) -> None:
    """Keep the state in memory between changes (PostgreSQL; no-op elsewhere or when off)."""
    if not enabled or engine.dialect.name != "postgresql":
        engine._broadside_state_watcher = None
        return
    if getattr(engine, "_broadside_state_watcher", None) is None:
        engine._broadside_state_watcher = _StateWatcher(engine, max_age)


_readers_lock = threading.Lock()


def read_state(engine: Engine, now: datetime | None = None) -> SiteState:
    """One small, index-only query; works outside an app context (the page cache uses it)."""
    reader = getattr(engine, "_broadside_state_reader", None)
    if reader is None:
        with _readers_lock:
            reader = getattr(engine, "_broadside_state_reader", None)
            if reader is None:
                reader = engine._broadside_state_reader = _StateReader(engine)
    watcher = getattr(engine, "_broadside_state_watcher", None)
    now = now or utcnow()
    row = watcher.read(reader, now) if watcher is not None else reader.read(now)
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
        session.info[_BUMPED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_BUMPED, False):
        for watcher in list(_watchers):
            watcher.changed()


def _forget(session: Session, *args) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_BUMPED, None)


def _notify_trigger(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        for statement in NOTIFY_DDL:
            connection.execute(DDL(statement))


def install_listeners() -> None:
    """Watch every session of the app, and seed the counter when its table is created
    (idempotent; called by ``init_caching``)."""
    listen_once(Session, "after_flush", _note_flush)
    listen_once(Session, "do_orm_execute", _note_bulk_statement)
    listen_once(Session, "before_commit", _bump_before_commit)
    listen_once(Session, "after_commit", _after_commit)
    listen_once(Session, "after_rollback", _forget)
    listen_once(SiteGeneration.__table__, "after_create", _first_generation)
    listen_once(SiteGeneration.__table__, "after_create", _notify_trigger)


def _first_generation(target, connection, **kw) -> None:
    connection.execute(insert(SiteGeneration).values(id=1, value=1, changed_at=utcnow()))
