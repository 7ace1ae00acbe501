"""The committed migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.content.search import unmodelled
from app.extensions import db
from tests import conftest


def include_name(name, type_, parent_names) -> bool:
    return not (type_ in ("table", "index") and unmodelled(name))


def _empty_database() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_migrations_match_the_models_and_run_down_again(app, backend):
    _empty_database()
    conftest._postgres_schema_ready = False  # the next PostgreSQL test rebuilds the schema
    upgrade()
    with db.engine.connect() as connection:
        # SQLite's FTS5 search tables are not models (migrations/env.py skips them too).
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "posts", "account_tokens", "recovery_codes", "audit_events"} <= tables
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("posts")}
    assert "ix_posts_status_published_at" in indexes
    assert "search_documents" in tables
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    _empty_database()


def test_pages_made_before_stored_excerpts_get_their_description(app, backend):
    """b4f8c2e6a9d1 derives the stored description of every existing page from its HTML."""
    _empty_database()
    conftest._postgres_schema_ready = False
    upgrade(revision="a7d3e9c1f5b2")
    words = " ".join(f"word{n}" for n in range(60))
    insert = text(
        "INSERT INTO pages (title, slug, body_source, body_html, menu_order, status, language,"
        " created_at, updated_at, noindex)"
        " VALUES (:slug, :slug, '', :html, 0, 'published', 'en', :now, :now, :no)"
    )
    with db.engine.begin() as connection:
        for slug, html in (("about", "<p>We <em>defend</em> rivers.</p>"), ("long", words)):
            connection.execute(
                insert, {"slug": slug, "html": html, "now": "2026-01-01 00:00:00", "no": False}
            )
    upgrade()
    with db.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT slug, excerpt FROM pages")).all())
    assert stored["about"] == "We defend rivers."
    assert stored["long"].startswith("word0 word1 ") and stored["long"].endswith("…")
    assert len(stored["long"].split(" ")) == 40
    _empty_database()


def test_posts_indexed_before_the_titles_index_are_found_by_title_first(app, backend):
    """3c9e5b1d7f2a fills SQLite's titles index from the documents already indexed: without it
    a title match would not go before a newer match in the text."""
    from app.content import search
    from tests.factories import make_post, make_user

    _empty_database()
    conftest._postgres_schema_ready = False
    upgrade(revision="b4f8c2e6a9d1")
    writer = make_user()
    day = datetime(2021, 3, 1, tzinfo=UTC)
    make_post(writer, title="Kelp", body="Nothing else.", published_at=day)
    make_post(writer, title="Field notes", body="About kelp.", published_at=day + timedelta(1))
    db.session.commit()
    upgrade()
    assert [hit.title for hit in search.search("kelp", per_page=1).hits] == ["Kelp"]
    db.session.remove()
    _empty_database()
