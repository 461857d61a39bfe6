"""Retention of personal data: legal holds that stop a complaint's purge, the mark of a purged complaint, and
the report of every purge run.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'legal_hold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), sa.ForeignKey('complaint.id'), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('placed_by', sa.String(length=120), nullable=False),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lifted_by', sa.String(length=120), nullable=True),
        sa.Column('lift_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_legal_hold_complaint', 'legal_hold', ['complaint_id', 'lifted_at'], unique=False)
    op.create_table(
        'complaint_purge',
        sa.Column('complaint_id', sa.Integer(), sa.ForeignKey('complaint.id'), nullable=False),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cause', sa.String(length=20), nullable=False),
        sa.Column('fields', sa.Integer(), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('complaint_id'),
    )
    op.create_table(
        'purge_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('complaints', sa.Integer(), nullable=False),
        sa.Column('fields', sa.Integer(), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.Column('held', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_purge_run_started_at', 'purge_run', ['started_at'], unique=False)


def downgrade():
    op.drop_index('ix_purge_run_started_at', table_name='purge_run')
    op.drop_table('purge_run')
    op.drop_table('complaint_purge')
    op.drop_index('ix_legal_hold_complaint', table_name='legal_hold')
    op.drop_table('legal_hold')
