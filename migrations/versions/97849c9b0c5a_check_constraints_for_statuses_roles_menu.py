"""check constraints for statuses, roles and menu items

The database, not only the code, refuses a post or page status, a role or a menu item that the
app does not know: a typo in a script, an import or a future API cannot store one.

Revision ID: 97849c9b0c5a
Revises: c453cdde315c
Create Date: 2026-11-27 17:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '97849c9b0c5a'
down_revision = 'c453cdde315c'
branch_labels = None
depends_on = None

# Written out rather than imported: a migration keeps meaning what it meant when it was written.
POST_STATUSES = ('draft', 'pending', 'published', 'private')
PAGE_STATUSES = ('draft', 'published')
ROLES = ('contributor', 'author', 'editor', 'admin')
MENU_ITEM_RULE = '(page_id IS NULL) <> (category_id IS NULL)'


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    # Rows from before the rule are made valid first, conservatively: an unknown status becomes
    # a draft (nothing is published by this), an unknown role the least powerful one.
    op.execute(f"UPDATE posts SET status = 'draft' WHERE NOT ({_one_of('status', POST_STATUSES)})")
    op.execute(f"UPDATE pages SET status = 'draft' WHERE NOT ({_one_of('status', PAGE_STATUSES)})")
    op.execute(f"UPDATE users SET role = 'contributor' WHERE NOT ({_one_of('role', ROLES)})")
    op.execute('DELETE FROM menu_items WHERE page_id IS NULL AND category_id IS NULL')
    op.execute(
        'UPDATE menu_items SET category_id = NULL '
        'WHERE page_id IS NOT NULL AND category_id IS NOT NULL'
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_users_role', _one_of('role', ROLES))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_posts_status', _one_of('status', POST_STATUSES))
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_pages_status', _one_of('status', PAGE_STATUSES))
    with op.batch_alter_table('menu_items', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_menu_items_page_or_category', MENU_ITEM_RULE)


def downgrade():
    for table, name in (
        ('menu_items', 'ck_menu_items_page_or_category'),
        ('pages', 'ck_pages_status'),
        ('posts', 'ck_posts_status'),
        ('users', 'ck_users_role'),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='check')
