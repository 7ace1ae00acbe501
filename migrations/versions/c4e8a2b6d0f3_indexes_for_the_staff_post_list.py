"""indexes for the staff post list

Revision ID: c4e8a2b6d0f3
Revises: b7d2f4a6c8e1
Create Date: 2026-11-27 14:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a2b6d0f3'
down_revision = 'b7d2f4a6c8e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_created_at')
        batch_op.create_index('ix_posts_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_posts_status_created_at', ['status', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_status_created_at')
        batch_op.drop_index('ix_posts_created_at')
        batch_op.create_index('ix_posts_created_at', ['created_at'], unique=False)
