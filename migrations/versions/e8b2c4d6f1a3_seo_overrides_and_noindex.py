"""seo title/description overrides and noindex on posts and pages

Revision ID: e8b2c4d6f1a3
Revises: d5e1a7c3b9f2
Create Date: 2026-11-27 17:58:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b2c4d6f1a3'
down_revision = 'd5e1a7c3b9f2'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('posts', 'pages'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('seo_title', sa.String(length=300), nullable=True))
            batch_op.add_column(sa.Column('seo_description', sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column('noindex', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    for table in ('pages', 'posts'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('noindex')
            batch_op.drop_column('seo_description')
            batch_op.drop_column('seo_title')
