"""PostgreSQL: a request that only read ends its transaction with COMMIT, not ROLLBACK.

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

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

_WROTE = "broadside_wrote"


def init_read_transactions(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    if app.config["POSTGRES_GENERIC_PLANS"]:
        event.listen(engine, "connect", _generic_plans)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_write)

    # Registered after Flask-SQLAlchemy's, so it runs before the session is removed.
    @app.teardown_appcontext
    def commit_reads(error: BaseException | None) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.deleted or session.dirty:
            return
        connection = session.connection()
        if connection.info.get(_WROTE, True):
            return
        # What the view loaded stays readable, as after the usual close: a streamed response
        # (the sitemaps) reads its objects after this.
        session.expire_on_commit = False
        try:
            session.commit()
        except SQLAlchemyError:  # the database went away: nothing was written, nothing lost
            session.rollback()


def _generic_plans(dbapi_connection, connection_record) -> None:
    dbapi_connection.execute("SET plan_cache_mode = force_generic_plan")
    dbapi_connection.commit()


def _forget_writes(connection: Connection) -> None:
    connection.info[_WROTE] = False


def _note_write(connection: Connection, cursor, statement: str, *args) -> None:
    if not connection.info.get(_WROTE) and statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_WROTE] = True
