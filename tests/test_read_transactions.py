"""PostgreSQL: a request that only read ends with COMMIT, so its statements stay prepared;
a request that wrote anything without committing is still rolled back (app/read_transactions.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Tag
from tests.conftest import _dispose, make_app
from tests.factories import make_post, make_user


@pytest.fixture
def pg_app(tmp_path: Path):
    app = make_app("postgresql", tmp_path, PAGE_CACHE=False)

    # Views that change something and return without committing (a bug, or an early
    # return after a failed check): nothing of it may stay.
    @app.route("/_test/flush-without-commit")
    def flush_without_commit():
        db.session.add(Tag(name="Leaked", slug="leaked"))
        db.session.flush()
        return "flushed"

    @app.route("/_test/update-without-commit")
    def update_without_commit():
        db.session.execute(text("UPDATE posts SET title = 'Leaked title'"))
        return "updated"

    @app.route("/_test/pending-without-commit")
    def pending_without_commit():
        db.session.add(Tag(name="Pending", slug="pending"))
        return "pending"

    with app.app_context():
        yield app
    _dispose(app)


def _prepared_statements() -> int:
    """Prepared statements of the connection this app's next request will use (the pool hands
    out its connections in turn: count them all)."""
    engine = db.engine
    counts = []
    connections = [engine.raw_connection() for _ in range(engine.pool.checkedin())]
    try:
        for connection in connections:
            cursor = connection.cursor()
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            counts.append(cursor.fetchone()[0])
            connection.commit()
    finally:
        for connection in connections:
            connection.close()
    return sum(counts)


def test_reading_pages_keeps_their_statements_prepared(pg_app):
    make_post(make_user(), title="Read many times")
    client = pg_app.test_client()
    for _ in range(12):
        assert "Read many times" in client.get("/").text
    # Rolled back after every request, psycopg would have forgotten them each time.
    assert _prepared_statements() > 0


def test_a_view_that_flushed_without_committing_changes_nothing(pg_app):
    client = pg_app.test_client()
    assert client.get("/_test/flush-without-commit").text == "flushed"
    assert client.get("/_test/pending-without-commit").text == "pending"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 0


def test_a_statement_that_wrote_without_committing_is_rolled_back(pg_app):
    post = make_post(make_user(), title="Original title")
    client = pg_app.test_client()
    assert client.get("/_test/update-without-commit").text == "updated"
    db.session.expire_all()
    assert db.session.get(type(post), post.id).title == "Original title"


def test_a_streamed_answer_still_reads_what_its_view_loaded(pg_app):
    """The sitemaps stream after the view has returned and the request's transaction ended:
    committing it must not leave them with expired objects."""
    from tests.factories import make_page

    make_page("Imprint", slug="imprint", body="Legal text.")
    client = pg_app.test_client()
    for _ in range(3):
        response = client.get("/sitemap-pages.xml")
        assert response.status_code == 200
        assert "/imprint/" in response.get_data(as_text=True)
