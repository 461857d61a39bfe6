"""Notification delivery: message templates on the outbox, one delivery row per outside channel with
attempts and backoff, and read marks per user.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification') as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.create_index('ix_notification_recipient', ['recipient', 'id'], unique=False)

    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_delivery') as batch_op:
        batch_op.create_index('ix_notification_delivery_notification_id', ['notification_id'], unique=False)
        batch_op.create_index('ix_notification_delivery_due', ['state', 'next_attempt_at'], unique=False)

    op.create_table('notification_read',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'notification_id')
    )
    op.create_table('notification_feed',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_through_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade():
    op.drop_table('notification_feed')
    op.drop_table('notification_read')
    op.drop_table('notification_delivery')
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_index('ix_notification_recipient')
        batch_op.drop_column('params')
        batch_op.drop_column('template')
