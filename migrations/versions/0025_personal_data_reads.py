"""The log of reads of a customer's unmasked personal data (complaint page and API, case-file exports); the
database refuses to change or delete its rows.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER personal_data_read_no_update BEFORE UPDATE ON personal_data_read "
    "BEGIN SELECT RAISE(ABORT, 'personal_data_read is append-only'); END",
    "CREATE TRIGGER personal_data_read_no_delete BEFORE DELETE ON personal_data_read "
    "BEGIN SELECT RAISE(ABORT, 'personal_data_read is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION personal_data_read_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'personal_data_read is append-only'; END $$",
    "CREATE TRIGGER personal_data_read_append_only BEFORE UPDATE OR DELETE ON personal_data_read "
    "FOR EACH ROW EXECUTE FUNCTION personal_data_read_append_only()",
]


def upgrade():
    op.create_table(
        'personal_data_read',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=120), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('complaint_number', sa.String(length=20), nullable=False),
        sa.Column('what', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_personal_data_read_order', 'personal_data_read', ['at', 'id'])
    op.create_index('ix_personal_data_read_user', 'personal_data_read', ['user_id', 'at', 'id'])
    op.create_index('ix_personal_data_read_complaint', 'personal_data_read', ['complaint_id', 'at', 'id'])
    dialect = op.get_bind().dialect.name
    for statement in APPEND_ONLY_POSTGRESQL if dialect == "postgresql" else APPEND_ONLY_SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS personal_data_read_append_only ON personal_data_read")
        op.execute("DROP FUNCTION IF EXISTS personal_data_read_append_only()")
    op.drop_table('personal_data_read')
