"""The monthly review sent to management: one row per month (unique, so that two workers or a restart never
send it twice) holding the PDFs as sent; and notifications that concern no complaint (the review's notice).

`notification.complaint_id` becomes nullable. On SQLite this is done the way SQLite documents for dropping a
NOT NULL constraint (rewriting the table's definition under `writable_schema`): the table is not copied, since
deliveries and read marks refer to it. Downgrade deletes the notices without a complaint, then restores the
constraint.

Revision ID: 0033
Revises: 0031
Create Date: 2026-11-30 06:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from app.timeutil import UtcDateTime

# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0031'
branch_labels = None
depends_on = None

NOT_NULL, NULLABLE = 'complaint_id INTEGER NOT NULL', 'complaint_id INTEGER'


def upgrade():
    op.create_table(
        'monthly_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('sent_at', UtcDateTime(), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('pdf_zh', sa.LargeBinary(), nullable=False),
        sa.Column('pdf_en', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month', name='uq_monthly_review_month'),
    )
    _complaint_id_nullable(True)


def downgrade():
    notices = sa.select(sa.column('id')).select_from(sa.table('notification')).where(
        sa.column('complaint_id').is_(None))
    for table in ('notification_delivery', 'notification_read'):
        op.execute(sa.table(table, sa.column('notification_id')).delete().where(
            sa.column('notification_id').in_(notices)))
    op.execute(sa.table('notification', sa.column('complaint_id')).delete().where(
        sa.column('complaint_id').is_(None)))
    _complaint_id_nullable(False)
    op.drop_table('monthly_review')


def _complaint_id_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('notification', 'complaint_id', existing_type=sa.Integer(), nullable=nullable)
        return
    connection = op.get_bind()
    old, new = (NOT_NULL, NULLABLE) if nullable else (NULLABLE, NOT_NULL)
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'notification'").scalar()
    if old not in definition:
        raise RuntimeError(f"notification's definition has no '{old}': {definition}")
    version = connection.exec_driver_sql('PRAGMA schema_version').scalar()
    connection.exec_driver_sql('PRAGMA writable_schema = ON')
    connection.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'notification'"),
                       {'sql': definition.replace(old, new, 1)})
    connection.exec_driver_sql(f'PRAGMA schema_version = {int(version) + 1}')
    connection.exec_driver_sql('PRAGMA writable_schema = OFF')
