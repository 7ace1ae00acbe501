"""post_categories, post_tags: published_at (the post's date while published) and partial indexes

Term archives walk their term's own (term, published_at, post_id) index instead of every post's
date probing the link table, so a rare term's page costs what a common term's does.

Revision ID: a7c4e2b9d1f5
Revises: f3a9d2c7b1e4
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e2b9d1f5'
down_revision = 'f3a9d2c7b1e4'
branch_labels = None
depends_on = None

LINKS = (
    ('post_categories', 'category_id', 'ix_post_categories_public'),
    ('post_tags', 'tag_id', 'ix_post_tags_public'),
)
WHERE = sa.text('published_at IS NOT NULL')


def upgrade():
    for table, term, index in LINKS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        # The rule (app/content/visibility.py link_published_at) as it stands at this revision.
        op.execute(
            f"UPDATE {table} SET published_at = (SELECT CASE WHEN posts.status = 'published' "
            f"THEN posts.published_at END FROM posts WHERE posts.id = {table}.post_id)"
        )
        op.create_index(
            index, table, [term, 'published_at', 'post_id'],
            unique=False, postgresql_where=WHERE, sqlite_where=WHERE,
        )


def downgrade():
    for table, _term, index in LINKS:
        op.drop_index(index, table_name=table, postgresql_where=WHERE, sqlite_where=WHERE)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('published_at')
