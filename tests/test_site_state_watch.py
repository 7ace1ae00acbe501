"""PostgreSQL: workers keep the site state in memory and hear of changes by LISTEN/NOTIFY.

Without this, every cached page costs a round trip to the database for the site state
(app/caching/generation.py). With it, a worker asks again only when a change is announced,
when a scheduled post's time comes, or when its listening connection is down, and a visitor
still never gets a page older than the last commit (give or take the notification's delivery).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from flask import Flask

from app.caching.generation import NOTIFY_DDL, NOTIFY_TRIGGER
from app.extensions import db
from app.models import utcnow
from tests.conftest import _dispose, make_app
from tests.factories import make_post, make_user

# Long enough that only a notification (or a scheduled time) can make a worker ask again.
NEVER = 3600.0


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Flask]:
    app = make_app("postgresql", tmp_path, SITE_STATE_LISTEN=True, SITE_STATE_MAX_AGE=NEVER)
    with app.app_context():
        yield app
    _dispose(app)


def _hit(response) -> bool:
    return response.headers.get("X-Page-Cache") == "hit"


def _watcher():
    return db.engine._broadside_state_watcher


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@contextmanager
def _other_server() -> Iterator[psycopg.Connection]:
    """A connection of another app server: its commits do not pass through this process."""
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection:
        yield connection


def _rename_elsewhere(post_id: int, title: str) -> None:
    with _other_server() as connection:
        connection.execute("UPDATE posts SET title = %s WHERE id = %s", (title, post_id))
        connection.execute("UPDATE site_generation SET value = value + 1 WHERE id = 1")


@contextmanager
def _counting_state_reads() -> Iterator[list[int]]:
    reader = db.engine._broadside_state_reader
    original = reader.read
    reads: list[int] = []

    def counted(*args, **kwargs):
        reads.append(1)
        return original(*args, **kwargs)

    reader.read = counted
    try:
        yield reads
    finally:
        reader.read = original


def test_between_changes_a_cached_page_asks_the_database_nothing(watching):
    make_post(make_user(), title="Quiet day")
    client = watching.test_client()
    assert "Quiet day" in client.get("/").text
    assert _eventually(lambda: _watcher().listening)
    client.get("/")  # the state as of now, kept
    with _counting_state_reads() as reads:
        responses = [client.get("/") for _ in range(20)]
    assert all(_hit(r) and "Quiet day" in r.text for r in responses)
    assert reads == []


def test_a_commit_on_another_server_reaches_a_watching_worker(watching):
    post = make_post(make_user(), title="Original headline")
    client = watching.test_client()
    assert "Original headline" in client.get("/").text
    assert _eventually(lambda: _watcher().listening)
    assert _hit(client.get("/"))
    _rename_elsewhere(post.id, "Corrected elsewhere")
    # Told by the notification, not by the age of what it kept (an hour here).
    assert _eventually(lambda: "Corrected elsewhere" in client.get("/").text, seconds=3)
    assert "Original headline" not in client.get("/").text


def test_a_scheduled_post_appears_at_its_time_while_watching(watching):
    author = make_user()
    make_post(author, title="Already out")
    client = watching.test_client()
    client.get("/")  # starts the worker's listener (the first view also builds what it keeps)
    assert _eventually(lambda: _watcher().listening)
    # Scheduled once the worker is warm, with room to spare: on a busy CI machine the first
    # view took 1.8 s, and saving a post and the next view together more than 1.5 s.
    soon = utcnow() + timedelta(seconds=4)
    make_post(author, title="Embargoed story", published_at=soon)
    before = client.get("/")
    assert "Embargoed story" not in before.text
    assert _hit(client.get("/"))
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.1)
    after = client.get("/")
    assert "Embargoed story" in after.text
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_lost_listening_connection_is_replaced_and_changes_still_arrive(watching):
    post = make_post(make_user(), title="Before the outage")
    client = watching.test_client()
    client.get("/")
    watcher = _watcher()
    assert _eventually(lambda: watcher.listening)
    epoch = watcher.epoch
    with _other_server() as connection:
        ended = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
        ).fetchall()
    assert ended, "no listening connection was found"
    # The worker notices, stops trusting what it kept, and listens again on a new connection.
    assert _eventually(lambda: watcher.epoch >= epoch + 2 and watcher.listening)
    _rename_elsewhere(post.id, "After the outage")
    assert _eventually(lambda: "After the outage" in client.get("/").text, seconds=3)


def test_without_the_trigger_every_request_reads_the_state(watching):
    """A database the migration has not reached announces nothing: no state is kept."""
    post = make_post(make_user(), title="Unannounced")
    with _other_server() as connection:
        connection.execute(f"DROP TRIGGER {NOTIFY_TRIGGER} ON site_generation")
    try:
        client = watching.test_client()
        client.get("/")
        assert _eventually(lambda: _watcher().gave_up)
        _rename_elsewhere(post.id, "Seen at once")
        with _counting_state_reads() as reads:
            assert "Seen at once" in client.get("/").text
            client.get("/")
        assert len(reads) == 2
    finally:
        with _other_server() as connection:
            connection.execute(NOTIFY_DDL[1])
