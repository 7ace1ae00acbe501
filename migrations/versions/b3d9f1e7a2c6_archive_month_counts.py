"""archive_month_counts, archive_counts_state: the footer's archive list as stored counts

Created empty: with no state row the counts are stale, and the first read rebuilds them from
the posts (app/content/archive_counts.py).

Revision ID: b3d9f1e7a2c6
Revises: a7c4e2b9d1f5
Create Date: 2026-11-27 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d9f1e7a2c6'
down_revision = 'a7c4e2b9d1f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'archive_month_counts',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('posts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month'),
    )
    op.create_table(
        'archive_counts_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('archive_counts_state')
    op.drop_table('archive_month_counts')
