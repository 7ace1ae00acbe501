"""partial indexes for public lists

Revision ID: b7d2f4a6c8e1
Revises: a1c3e5f70b10
Create Date: 2026-11-27 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2f4a6c8e1'
down_revision = 'a1c3e5f70b10'
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'published'")
INDEXES = {
    'ix_posts_public_date': ['published_at', 'id'],
    'ix_posts_public_sticky': ['sticky', 'published_at', 'id'],
    'ix_posts_public_language': ['language', 'published_at', 'id'],
    'ix_posts_public_author': ['author_id', 'published_at', 'id'],
}


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_sticky_published_at')
        batch_op.drop_index('ix_posts_language_published_at')
    for name, columns in INDEXES.items():
        op.create_index(name, 'posts', columns, unique=False,
                        postgresql_where=PUBLISHED, sqlite_where=PUBLISHED)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='posts')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_language_published_at', ['language', 'published_at'], unique=False)
        batch_op.create_index('ix_posts_sticky_published_at', ['sticky', 'published_at'], unique=False)
