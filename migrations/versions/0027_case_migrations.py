"""Migration jobs that move running complaints to another version of their process, and their per-complaint
results.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'migration_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=120), nullable=False),
        sa.Column('to_definition_id', sa.Integer(), nullable=False),
        sa.Column('to_version', sa.Integer(), nullable=False),
        sa.Column('selection', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['to_definition_id'], ['process_definition.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_migration_job_state', 'migration_job', ['state', 'id'])
    op.create_table(
        'migration_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('complaint_number', sa.String(length=20), nullable=False),
        sa.Column('from_definition_id', sa.Integer(), nullable=False),
        sa.Column('from_version', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['migration_job.id']),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.ForeignKeyConstraint(['from_definition_id'], ['process_definition.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_migration_result_job', 'migration_result', ['job_id', 'state', 'id'])
    op.create_index('ix_migration_result_complaint_id', 'migration_result', ['complaint_id'])


def downgrade():
    op.drop_index('ix_migration_result_complaint_id', table_name='migration_result')
    op.drop_index('ix_migration_result_job', table_name='migration_result')
    op.drop_table('migration_result')
    op.drop_index('ix_migration_job_state', table_name='migration_job')
    op.drop_table('migration_job')
