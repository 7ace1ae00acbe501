"""SQLite: search_fts_titles, an FTS5 index of the search documents' titles alone

A search lists the matches in the title first. Finding them in the whole-text index meant
walking every document that holds the words (500 of them at a million posts, a phrase's common
words checked in each); the titles' own index holds only the titles, so the newest title
matches are a short walk (app/content/search.py, _sqlite_rows). Nothing on PostgreSQL.

Revision ID: 3c9e5b1d7f2a
Revises: b4f8c2e6a9d1
Create Date: 2026-11-29 02:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c9e5b1d7f2a'
down_revision = 'b4f8c2e6a9d1'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    from app.content import search

    search.create_sqlite_schema(bind, search.SQLITE_TITLES_SCHEMA)
    # Fill it from the documents already indexed (a few seconds at a million posts).
    op.execute("INSERT INTO search_fts_titles(search_fts_titles) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for name in ('ai', 'ad', 'au'):
        op.execute(f'DROP TRIGGER IF EXISTS search_documents_titles_{name}')
    op.execute('DROP TABLE IF EXISTS search_fts_titles')
