"""site generation for the page cache and HTTP validators

Revision ID: a1c3e5f70b10
Revises: 69608d62a2b8
Create Date: 2026-11-27 14:10:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f70b10'
down_revision = '69608d62a2b8'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('site_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(table, [{'id': 1, 'value': 1, 'changed_at': now}])


def downgrade():
    op.drop_table('site_generation')
