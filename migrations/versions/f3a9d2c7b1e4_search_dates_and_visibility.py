"""search_documents: the date and open_from columns (bounded ranking), an index on config

Revision ID: f3a9d2c7b1e4
Revises: e8b2c4d6f1a3
Create Date: 2026-11-27 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9d2c7b1e4'
down_revision = 'e8b2c4d6f1a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents') as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('open_from', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_search_documents_config', ['config'], unique=False)
    # Fill them from the posts and pages, with the rule the indexing uses from now on
    # (app/content/visibility.py): two UPDATEs, not a rebuild of every vector.
    from app.content.visibility import page_public_from, post_open_from
    from app.models import Page, Post, search_documents as documents

    op.execute(
        documents.update()
        .where(documents.c.post_id.is_not(None))
        .values(
            published_at=sa.select(Post.published_at)
            .where(Post.id == documents.c.post_id)
            .scalar_subquery(),
            open_from=sa.select(post_open_from())
            .where(Post.id == documents.c.post_id)
            .scalar_subquery(),
        )
    )
    op.execute(
        documents.update()
        .where(documents.c.page_id.is_not(None))
        .values(
            published_at=sa.select(Page.updated_at)
            .where(Page.id == documents.c.page_id)
            .scalar_subquery(),
            open_from=sa.select(page_public_from())
            .where(Page.id == documents.c.page_id)
            .scalar_subquery(),
        )
    )
    # Documents with no row yet are indexed by a7d3e9c1f5b2, whose keys today's indexing code
    # writes (they do not fit the 32-bit ids of this revision).


def downgrade():
    with op.batch_alter_table('search_documents') as batch_op:
        batch_op.drop_index('ix_search_documents_config')
        batch_op.drop_column('open_from')
        batch_op.drop_column('published_at')
    # SQLite's batch mode copies the table into a new one, which drops the FTS5 triggers.
    from app.content import search

    search.create_sqlite_schema(op.get_bind())
