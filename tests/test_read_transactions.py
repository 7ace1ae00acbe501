"""PostgreSQL: a safe request reads in autocommit (no BEGIN, no COMMIT); one that writes all
the same gets a transaction from its first write on, and what it did not commit is rolled
back; statements stay prepared across requests (app/read_transactions.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from app.extensions import csrf, db
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

    @csrf.exempt
    @app.route("/_test/in-transaction", methods=["GET", "POST"])
    def in_transaction():
        db.session.execute(text("SELECT 1"))
        dbapi_connection = db.session.connection().connection.dbapi_connection
        return "autocommit" if dbapi_connection.autocommit else "transaction"

    @csrf.exempt
    @app.route("/_test/rename-then-fail", methods=["POST"])
    def rename_then_fail():
        db.session.execute(text("UPDATE posts SET title = 'Half-done'"))
        raise RuntimeError("the view fails after writing")

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


def test_every_public_page_reads_in_autocommit(pg_app):
    """No statement of a public page opens a transaction: one that did would end with a
    ROLLBACK, which makes psycopg forget the connection's prepared statements (each page's
    queries planned again on every request). A statement that is not a plain SELECT (a CTE
    heading it, say) counts as a write."""
    from app.content.settings import save_settings
    from app.templating import post_url
    from tests.factories import make_category, make_page

    writer = make_user(name="River Writer")
    sections = [make_category(f"Section {n}") for n in range(3)]
    posts = [
        make_post(writer, title=f"River report {n}", category_ids=[sections[n % 3].id],
                  tag_names=["eels"], sticky=n == 0)
        for n in range(14)
    ]  # fmt: skip
    make_page("About", body="Who we are.")
    save_settings({"featured_categories": [s.id for s in sections]})
    db.session.commit()
    with pg_app.test_request_context():
        post = post_url(posts[5])
    urls = ["/", "/?page=2", "/category/section-1/", "/tag/eels/", "/author/river-writer/",
            post, "/about/", "/search?q=river", "/feed/", "/2024/"]  # fmt: skip
    in_transaction: list[tuple[str, str]] = []

    def note(connection, cursor, statement, *args) -> None:
        if not connection.connection.dbapi_connection.autocommit:
            in_transaction.append((url, statement[:80]))

    client = pg_app.test_client()
    for url in urls:  # the first views after the site changed write what they keep (counts)
        assert client.get(url).status_code == 200, url
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for url in urls:
            assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert in_transaction == []


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


def test_a_page_view_reads_without_a_transaction_and_a_form_post_writes_in_one(pg_app):
    client = pg_app.test_client()
    assert client.get("/_test/in-transaction").text == "autocommit"
    # The same pooled connection, handed to a form post next, is transactional again.
    assert client.post("/_test/in-transaction").text == "transaction"
    assert client.get("/_test/in-transaction").text == "autocommit"


def test_a_failed_post_after_page_views_leaves_nothing_half_done(pg_app):
    pg_app.config["PROPAGATE_EXCEPTIONS"] = False
    post = make_post(make_user(), title="Whole")
    client = pg_app.test_client()
    for _ in range(3):
        assert client.get("/").status_code == 200  # autocommit reads on the pooled connection
    assert client.post("/_test/rename-then-fail").status_code == 500
    db.session.expire_all()
    assert db.session.get(type(post), post.id).title == "Whole"


def test_a_page_view_that_writes_gets_a_transaction_for_it(pg_app):
    """A GET that writes (no public view does) leaves autocommit at its first write: what it
    did not commit is rolled back, as in any request."""
    post = make_post(make_user(), title="Original title")
    client = pg_app.test_client()
    assert client.get("/_test/update-without-commit").text == "updated"
    assert client.get("/_test/flush-without-commit").text == "flushed"
    db.session.expire_all()
    assert db.session.get(type(post), post.id).title == "Original title"
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 0


def test_the_app_connections_run_no_parallel_workers_and_no_jit(pg_app):
    """A page reads a page of rows: at a million posts the generic plans' estimates made
    PostgreSQL start parallel workers for one-row index walks (~40 ms each) and JIT-compile
    others. The app's connections turn both off; the statements stay prepared and generic."""
    client = pg_app.test_client()
    assert client.get("/").status_code == 200
    settings = dict(
        db.session.execute(
            text(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('max_parallel_workers_per_gather', 'jit', 'plan_cache_mode')"
            )
        ).all()
    )
    assert settings == {
        "max_parallel_workers_per_gather": "0",
        "jit": "off",
        "plan_cache_mode": "force_generic_plan",
    }
