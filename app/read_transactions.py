"""PostgreSQL: what a request costs in round trips besides its own queries.

**Reads without a transaction.** A GET or HEAD outside the staff screens (admin, auth) runs its
SELECTs in autocommit: no ``BEGIN`` before the first, no ``COMMIT``/``ROLLBACK`` after the
last, two round trips fewer on every public page. Under PostgreSQL's READ COMMITTED each
statement reads its own snapshot either way, so the page sees what it saw before. Should such
a request write after all (no public view does), the connection leaves autocommit at the
first statement that is not a plain SELECT, and that write runs in a transaction that is
committed or rolled back as in any other request.

**Dead connections found without a round trip.** ``pool_pre_ping`` sent a query on every
checkout to find connections the server had closed (a restart). A closed connection has
something to read on its socket (the server's "terminating connection" message, or the end of
the stream), an idle healthy one has nothing: checkout looks at the socket instead
(``select`` with no wait) and hands out a new connection in place of a closed one.
``POSTGRES_PRE_PING=true`` restores the query, for networks that drop idle connections
without closing them (some NATs and firewalls).

**Statements stay prepared.** A request that only read ends its transaction with COMMIT, not
ROLLBACK.

psycopg forgets every prepared statement on ROLLBACK (a rollback may undo a PREPARE), and
Flask-SQLAlchemy ends each request's session with a rollback: on PostgreSQL every query of
every page was parsed and planned again on every request, which cost more than running it
(a home page's queries: ~5 ms of planning, ~1 ms of execution). Committing a transaction that
ran nothing but SELECTs has the same effect as rolling it back, and its statements stay
prepared (psycopg prepares a statement on its fifth use on a connection).

Prepared statements get generic plans (``plan_cache_mode = force_generic_plan``): every list
query is written for its partial index, whatever the parameters (app/content/listing.py), and
PostgreSQL's own choice kept re-planning some of them (the featured blocks: 2.3 ms each time).

Writes are noticed per connection: any statement that is not a SELECT marks the transaction,
and a marked transaction (or one with unflushed changes, or a request that failed) is rolled
back as before.
"""

from __future__ import annotations

import select
from functools import partial

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.extensions import db, listen_once

_WROTE = "broadside_wrote"
_AUTOCOMMIT = "broadside_autocommit"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Staff screens keep a transaction for their reads: they are few, and some GETs there write.
STAFF_BLUEPRINTS = frozenset({"admin", "auth"})


def init_read_transactions(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    settings = list(WEB_REQUEST_SETTINGS)
    if app.config["POSTGRES_GENERIC_PLANS"]:
        settings.append("SET plan_cache_mode = force_generic_plan")
    event.listen(engine, "connect", partial(_apply_settings, tuple(settings)))
    if not app.config["POSTGRES_PRE_PING"]:
        event.listen(engine, "checkout", _drop_closed_connection)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "reset", _end_autocommit)
    engine._broadside_read_autocommit = app.config["POSTGRES_READ_AUTOCOMMIT"]
    listen_once(Session, "after_begin", _read_in_autocommit)

    # Registered after Flask-SQLAlchemy's, so it runs before the session is removed.
    @app.teardown_appcontext
    def commit_reads(error: BaseException | None) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.deleted or session.dirty:
            return
        connection = session.connection()
        if connection.info.get(_WROTE, True) or connection.info.get(_AUTOCOMMIT):
            # Wrote: the usual rollback. Read in autocommit: there is no transaction, and the
            # rollback on the way back to the pool sends nothing and forgets nothing.
            return
        # What the view loaded stays readable, as after the usual close: a streamed response
        # (the sitemaps) reads its objects after this.
        session.expire_on_commit = False
        try:
            session.commit()
        except SQLAlchemyError:  # the database went away: nothing was written, nothing lost
            session.rollback()


# No parallel workers and no JIT compilation for the app's own connections: its queries read a
# page of rows each, and at a million posts PostgreSQL's estimates for a generic plan (a third
# of the table for a range on a parameter) made it start two parallel workers for each featured
# block of the home page (~40 ms each, for a one-row index walk) and JIT-compile others.
# Maintenance commands and reports on other connections keep the server's settings.
WEB_REQUEST_SETTINGS = ("SET max_parallel_workers_per_gather = 0", "SET jit = off")


def _apply_settings(statements: tuple[str, ...], dbapi_connection, connection_record) -> None:
    for statement in statements:
        dbapi_connection.execute(statement)
    dbapi_connection.commit()


def _forget_writes(connection: Connection) -> None:
    connection.info[_WROTE] = False


def _is_read(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    return head == "SELECT" and "FOR UPDATE" not in statement and "FOR SHARE" not in statement


def _note_write(connection: Connection, cursor, statement: str, *args) -> None:
    if connection.info.get(_WROTE) or _is_read(statement):
        return
    connection.info[_WROTE] = True
    if connection.info.pop(_AUTOCOMMIT, False):
        # A write in a request that was expected only to read: from here on, a transaction
        # (psycopg sends BEGIN before this statement), committed or rolled back as usual.
        connection.connection.dbapi_connection.autocommit = False


def _read_in_autocommit(session: Session, transaction, connection: Connection) -> None:
    """A safe request outside the staff screens reads without BEGIN and COMMIT."""
    if not (
        getattr(connection.engine, "_broadside_read_autocommit", False)
        and has_request_context()
        and request.method in SAFE_METHODS
        and request.blueprint not in STAFF_BLUEPRINTS
    ):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.autocommit or dbapi_connection.info.transaction_status.name != "IDLE":
        return
    dbapi_connection.autocommit = True
    connection.info[_AUTOCOMMIT] = True


def _end_autocommit(dbapi_connection, connection_record, reset_state) -> None:
    """Back in the pool, the connection is transactional again for whoever takes it next."""
    if connection_record is not None and connection_record.info.pop(_AUTOCOMMIT, False):
        dbapi_connection.autocommit = False


def _drop_closed_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    """Refuse a pooled connection the server has closed; the pool then opens a new one."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as error:  # already closed on our side
        raise DisconnectionError() from error
    if readable or dbapi_connection.closed:
        raise DisconnectionError()
