"""site_generation announces its changes (PostgreSQL NOTIFY), so workers keep the state in memory

A statement-level trigger calls pg_notify('broadside_site_state') on every INSERT, UPDATE,
DELETE or TRUNCATE of site_generation (app/caching/generation.py, _StateWatcher). Nothing on
SQLite.

Revision ID: c8e2f4a6b0d1
Revises: b3d9f1e7a2c6
Create Date: 2026-11-28 00:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c8e2f4a6b0d1'
down_revision = 'b3d9f1e7a2c6'
branch_labels = None
depends_on = None

# Written out here, not imported: a migration must not change when the app does.
FUNCTION = (
    "CREATE OR REPLACE FUNCTION broadside_site_state_changed() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('broadside_site_state', ''); RETURN NULL;"
    " END $$"
)
TRIGGER = (
    "CREATE TRIGGER site_generation_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
    " ON site_generation FOR EACH STATEMENT EXECUTE FUNCTION broadside_site_state_changed()"
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTION)
    op.execute(TRIGGER)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER IF EXISTS site_generation_notify ON site_generation')
    op.execute('DROP FUNCTION IF EXISTS broadside_site_state_changed()')
