"""search_documents.id: the document's date and item (newest first in key order), 64 bits

Search reads "the newest N matches" off the key order (app/content/search.py, document_key)
instead of sorting every match by date: SQLite's FTS5 walks its lists in rowid order and stops,
PostgreSQL bounds a search to the newest keys. Existing rows are given their keys; documents not
indexed yet (sites coming from before f3a9d2c7b1e4, which no longer indexes) are indexed here.

Revision ID: a7d3e9c1f5b2
Revises: c8e2f4a6b0d1
Create Date: 2026-11-28 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e9c1f5b2'
down_revision = 'c8e2f4a6b0d1'
branch_labels = None
depends_on = None

BATCH = 2000


def _documents():
    return sa.table(
        'search_documents',
        sa.column('id', sa.BigInteger()),
        sa.column('post_id', sa.Integer()),
        sa.column('page_id', sa.Integer()),
        sa.column('published_at', sa.DateTime()),
    )


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('ALTER TABLE search_documents ALTER COLUMN id DROP DEFAULT')
        op.execute('DROP SEQUENCE IF EXISTS search_documents_id_seq')
        op.execute('ALTER TABLE search_documents ALTER COLUMN id TYPE BIGINT')
    from app.content import search
    from app.models import Page, Post

    documents = _documents()
    # Old ids are small and keys large, but to be sure no key meets an old id on the way, every
    # row first moves to the negative side, then to its key (SQLite's triggers keep FTS5 along).
    op.execute(documents.update().values(id=-documents.c.id))
    rows = bind.execute(
        sa.select(documents.c.id, documents.c.post_id, documents.c.page_id,
                  documents.c.published_at).where(documents.c.id < 0)
    ).all()
    changes = [
        {'old': r.id, 'new': search.document_key(r.published_at, r.post_id, r.page_id)}
        for r in rows
    ]
    statement = (
        documents.update()
        .where(documents.c.id == sa.bindparam('old'))
        .values(id=sa.bindparam('new'))
    )
    for start in range(0, len(changes), BATCH):
        bind.execute(statement, changes[start : start + BATCH])
    # SQLite: the index a search reads visibility from (app/content/search.py).
    if bind.dialect.name == 'sqlite':
        op.execute(search.SQLITE_VISIBLE_INDEX)
    # Index what has no row yet.
    search.index_posts(bind, bind.scalars(
        sa.select(Post.id).where(~sa.exists().where(search.search_documents.c.post_id == Post.id))
    ))
    search.index_pages(bind, bind.scalars(
        sa.select(Page.id).where(~sa.exists().where(search.search_documents.c.page_id == Page.id))
    ))


def downgrade():
    # Keys do not fit in 32 bits: the rows are numbered again in key order.
    documents = _documents()
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute('DROP INDEX IF EXISTS search_fts_visible')
    ids = list(bind.scalars(sa.select(documents.c.id).order_by(documents.c.id)))
    op.execute(documents.update().values(id=-documents.c.id))
    statement = (
        documents.update()
        .where(documents.c.id == sa.bindparam('old'))
        .values(id=sa.bindparam('new'))
    )
    changes = [{'old': -key, 'new': number} for number, key in enumerate(ids, start=1)]
    for start in range(0, len(changes), BATCH):
        bind.execute(statement, changes[start : start + BATCH])
    if bind.dialect.name == 'postgresql':
        op.execute('ALTER TABLE search_documents ALTER COLUMN id TYPE INTEGER')
        op.execute('CREATE SEQUENCE search_documents_id_seq OWNED BY search_documents.id')
        op.execute(
            "SELECT setval('search_documents_id_seq', (SELECT coalesce(max(id), 0) + 1"
            " FROM search_documents), false)"
        )
        op.execute(
            "ALTER TABLE search_documents ALTER COLUMN id"
            " SET DEFAULT nextval('search_documents_id_seq')"
        )
