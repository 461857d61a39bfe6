"""Legal's sign-off of process versions: one append-only, hash-chained trail of review decisions and of the
activations that passed or bypassed the check; the database refuses to change or delete its rows.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER signoff_event_no_update BEFORE UPDATE ON signoff_event "
    "BEGIN SELECT RAISE(ABORT, 'signoff_event is append-only'); END",
    "CREATE TRIGGER signoff_event_no_delete BEFORE DELETE ON signoff_event "
    "BEGIN SELECT RAISE(ABORT, 'signoff_event is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION signoff_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'signoff_event is append-only'; END $$",
    "CREATE TRIGGER signoff_event_append_only BEFORE UPDATE OR DELETE ON signoff_event "
    "FOR EACH ROW EXECUTE FUNCTION signoff_event_append_only()",
]


def upgrade():
    op.create_table(
        'signoff_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id']),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seq', name='uq_signoff_event_seq'),
    )
    op.create_index('ix_signoff_event_definition', 'signoff_event', ['definition_id', 'seq'])
    dialect = op.get_bind().dialect.name
    for statement in APPEND_ONLY_POSTGRESQL if dialect == "postgresql" else APPEND_ONLY_SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS signoff_event_append_only ON signoff_event")
        op.execute("DROP FUNCTION IF EXISTS signoff_event_append_only()")
    op.drop_table('signoff_event')
