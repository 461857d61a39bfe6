"""The customer's surname, phone and email encrypted at rest with the configured data key, beside blind indexes
that searches compare (app/encryption.py): the surname's, the phone's and the phone's last four digits'.

Existing rows are encrypted in place, a batch at a time; downgrade decrypts them. The surname's search index now
reads its blind index. On PostgreSQL the columns become text (ciphertext is longer than the clear value); SQLite
does not enforce lengths, so its table is altered in place, never copied (other tables refer to it).

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 06:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from app.encryption import keyring, phone_index, phone_last4_index, surname_index

# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

BATCH = 500
CLEAR_LENGTHS = {'customer_surname': 40, 'customer_phone': 20, 'customer_email': 254}
INDEXES = ('customer_surname_index', 'customer_phone_index', 'customer_phone_last4_index')
complaint = sa.table('complaint', sa.column('id'), *(sa.column(name) for name in (*CLEAR_LENGTHS, *INDEXES)))


def upgrade():
    for name in INDEXES:
        op.add_column('complaint', sa.Column(name, sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        for name in CLEAR_LENGTHS:
            op.alter_column('complaint', name, type_=sa.Text())
    ring = keyring()

    def encrypt(row):
        return {
            **{name: None if getattr(row, name) is None else ring.encrypt(getattr(row, name))
               for name in CLEAR_LENGTHS},
            'customer_surname_index': surname_index(row.customer_surname),
            'customer_phone_index': phone_index(row.customer_phone),
            'customer_phone_last4_index': phone_last4_index(row.customer_phone),
        }

    _rewrite(encrypt)
    op.drop_index('ix_complaint_surname_order', table_name='complaint')
    op.create_index('ix_complaint_surname_order', 'complaint',
                    ['customer_surname_index', 'created_at', 'id', 'type', 'status'])
    op.create_index('ix_complaint_phone_order', 'complaint', ['customer_phone_index', 'created_at', 'id'])


def downgrade():
    ring = keyring()
    _rewrite(lambda row: {name: None if getattr(row, name) is None else ring.decrypt(getattr(row, name))
                          for name in CLEAR_LENGTHS})
    op.drop_index('ix_complaint_phone_order', table_name='complaint')
    op.drop_index('ix_complaint_surname_order', table_name='complaint')
    op.create_index('ix_complaint_surname_order', 'complaint',
                    ['customer_surname', 'created_at', 'id', 'type', 'status'])
    if op.get_bind().dialect.name == 'postgresql':
        for name, length in CLEAR_LENGTHS.items():
            op.alter_column('complaint', name, type_=sa.String(length=length))
    for name in INDEXES:
        op.drop_column('complaint', name)


def _rewrite(change):
    """Set every complaint's contact columns to change(row), BATCH rows at a time in id order."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(complaint.c.id, *(complaint.c[name] for name in CLEAR_LENGTHS))
                                  .where(complaint.c.id > last).order_by(complaint.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            connection.execute(complaint.update().where(complaint.c.id == row.id).values(**change(row)))
        last = rows[-1].id
