"""Accounts that must change their password and lock after failures; kinds of units a notice
goes to (a street office or community answers for an estate nobody manages); who recorded a
revisit's result.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:23:23.000702
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

UNIT_KIND = sa.Enum('property_company', 'work_unit', 'street_office', 'community', name='unitkind',
                    native_enum=False, length=32)


def upgrade():
    # Every existing company is a property company; existing accounts keep their passwords.
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', UNIT_KIND, nullable=False, server_default='property_company'))

    with op.batch_alter_table('revisit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_by_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_revisit_done_by_id_user_account'), 'user_account',
                                    ['done_by_id'], ['id'])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('revisit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_revisit_done_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('done_by_id')

    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('kind')
