"""search index: search_documents (tsvector + GIN on PostgreSQL, FTS5 on SQLite), filled

Revision ID: d5e1a7c3b9f2
Revises: 97849c9b0c5a
Create Date: 2026-11-27 17:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'd5e1a7c3b9f2'
down_revision = '97849c9b0c5a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('config', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('byline', sa.Text(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('page_id'),
    sa.UniqueConstraint('post_id')
    )
    op.create_index('ix_search_documents_vector', 'search_documents', ['vector'], unique=False, postgresql_using='gin')
    # The FTS5 table and its triggers on SQLite. What exists already is indexed by revision
    # a7d3e9c1f5b2, whose columns and keys today's indexing code writes (it cannot run here).
    from app.content import search

    search.create_sqlite_schema(op.get_bind())


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS search_fts')
    op.drop_index('ix_search_documents_vector', table_name='search_documents', postgresql_using='gin')
    op.drop_table('search_documents')
