"""pages.excerpt: a page's description, derived from its body once on save

A page's link preview and meta description (when no SEO description is set) are the first
40 words of its text. They were derived on every view by parsing the page's whole HTML
(a fifth of the time of serving /about/); they are now stored on save, like a post's excerpt.
Existing pages get theirs here.

Revision ID: b4f8c2e6a9d1
Revises: a7d3e9c1f5b2
Create Date: 2026-11-28 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4f8c2e6a9d1'
down_revision = 'a7d3e9c1f5b2'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table('pages') as batch_op:
        batch_op.add_column(sa.Column('excerpt', sa.Text(), nullable=False, server_default=''))
    from app.content.text import page_excerpt

    pages = sa.table('pages', sa.column('id', sa.Integer()), sa.column('body_html', sa.Text()),
                     sa.column('excerpt', sa.Text()))
    bind = op.get_bind()
    statement = pages.update().where(pages.c.id == sa.bindparam('page_id')).values(
        excerpt=sa.bindparam('text'))
    last = 0
    while True:  # in batches of ids: a site's pages need not fit in memory at once
        rows = bind.execute(
            sa.select(pages.c.id, pages.c.body_html).where(pages.c.id > last)
            .order_by(pages.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(statement, [{'page_id': r.id, 'text': page_excerpt(r.body_html)}
                                 for r in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('pages') as batch_op:
        batch_op.drop_column('excerpt')
