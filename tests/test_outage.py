"""When the database goes away: a 503 page while it is down, and recovery on its own after.

The full drill (PostgreSQL connections refused and killed under load, gunicorn keeps running)
is ``make soak``; these tests pin the two mechanisms it relies on.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_post, make_user


def test_a_database_outage_gets_the_503_page_not_a_500(app, client):
    make_post(make_user(), title="Still here")
    assert client.get("/").status_code == 200

    def fail(conn, cursor, statement, parameters, context, executemany):
        raise OperationalError(statement, parameters, Exception("server closed the connection"))

    event.listen(db.engine, "before_cursor_execute", fail)
    try:
        response = client.get("/?page=1")  # not in the page cache
    finally:
        event.remove(db.engine, "before_cursor_execute", fail)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Temporarily unavailable" in response.text
    assert "Traceback" not in response.text
    assert client.get("/").status_code == 200


def test_killed_connections_are_replaced_without_a_restart(app_factory, backend):
    if backend != "postgresql":
        pytest.skip("connection loss is a PostgreSQL matter; SQLite is a file")
    name = "broadside-outage-test"
    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"application_name": name}})
    with app.app_context():
        make_post(make_user(), title="Survives")
    client = app.test_client()
    assert client.get("/").status_code == 200  # the pool now holds an open connection
    # As a database restart does: every connection of the app is closed by the server.
    killer = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # fresh activity reads
    with killer.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar()
        # pg_terminate_backend only signals: wait until the server has closed them (a
        # restart's connections are closed when the app next looks at them).
        deadline = time.monotonic() + 10
        while (
            time.monotonic() < deadline
            and connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": name},
            ).scalar()
        ):
            time.sleep(0.05)
    killer.dispose()
    assert killed >= 1
    responses = [client.get("/").status_code for _ in range(3)]
    assert responses == [200, 200, 200]


def test_a_database_refusing_connections_gets_503_then_the_site_recovers(app_factory, backend):
    if backend != "postgresql":
        pytest.skip("connection refusal is a PostgreSQL matter; SQLite is a file")
    from sqlalchemy.engine import make_url

    name = "broadside-refusal-test"
    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"application_name": name}})
    with app.app_context():
        make_post(make_user(), title="Survives")
    client = app.test_client()
    assert client.get("/").status_code == 200
    url = make_url(POSTGRES_URL)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = '"' + url.database.replace('"', '""') + '"'
    with admin.connect() as connection:
        # What a restart looks like from the app: connections dropped, new ones refused.
        connection.execute(text(f"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS false"))
        try:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            )
            during = [client.get(path).status_code for path in ("/", "/?page=1", "/healthz")]
        finally:
            connection.execute(text(f"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS true"))
    admin.dispose()
    assert during == [503, 503, 503]
    assert [client.get("/").status_code for _ in range(2)] == [200, 200]
