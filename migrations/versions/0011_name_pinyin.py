"""Pinyin sort keys of company and estate names, so lists order them as a Chinese reader expects.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('company', 'estate')


def upgrade():
    from server.domain.pinyin_sort import KEY_LENGTH, pinyin_key

    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_pinyin', sa.String(length=KEY_LENGTH), nullable=False,
                                          server_default=''))
        # Existing rows get their key now; new and renamed ones get it from the model's listener.
        table = sa.table(name, sa.column('id', sa.Uuid()), sa.column('name', sa.String()),
                         sa.column('name_pinyin', sa.String()))
        conn = op.get_bind()
        for row_id, row_name in conn.execute(sa.select(table.c.id, table.c.name)).all():
            conn.execute(table.update().where(table.c.id == row_id).values(name_pinyin=pinyin_key(row_name)))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{name}_name_pinyin'), ['name_pinyin'], unique=False)


def downgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_name_pinyin'))
            batch_op.drop_column('name_pinyin')
