"""A session token per user, so that logout and a password change end every open session.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 06:22:10.627709
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    # Each existing account gets its own random token; sessions opened before the upgrade end.
    users = sa.table('user_account', sa.column('id', sa.Uuid()), sa.column('session_token', sa.String(32)))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')
