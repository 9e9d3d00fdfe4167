"""Checklist items get guidance text; reminders may name the revisit or notice they are about.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:22:44.096067
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guidance', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revisit_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('notice_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reminder_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_revisit_id'), ['revisit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reminder_revisit_id_revisit'), 'revisit',
                                    ['revisit_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reminder_notice_id_notice'), 'notice',
                                    ['notice_id'], ['id'])


def downgrade():
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reminder_notice_id_notice'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reminder_revisit_id_revisit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reminder_revisit_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_notice_id'))
        batch_op.drop_column('notice_id')
        batch_op.drop_column('revisit_id')

    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_column('guidance')
