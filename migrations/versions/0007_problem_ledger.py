"""Problem ledger (问题台账): estates' pinyin initials for search, indexes for the dashboard.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    from server.domain.estate_initials import name_initials

    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_initials', sa.String(length=100), nullable=False,
                                      server_default=''))
    # Existing estates get their initials now; new and renamed ones get them from the model.
    estates = sa.table('estate', sa.column('id', sa.Uuid()), sa.column('name', sa.String()),
                       sa.column('name_initials', sa.String()))
    conn = op.get_bind()
    for estate_id, name in conn.execute(sa.select(estates.c.id, estates.c.name)).all():
        conn.execute(estates.update().where(estates.c.id == estate_id)
                     .values(name_initials=name_initials(name)))
    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_estate_name_initials'), ['name_initials'], unique=False)
    with op.batch_alter_table('finding', schema=None) as batch_op:
        # The ledger's default order (newest first) walks this one; keyset pages seek into it.
        # On PostgreSQL both carry the columns the overview reads: index-only scans.
        batch_op.create_index('ix_finding_office_found', ['office_id', 'found_at', 'id'], unique=False,
                              postgresql_include=['status', 'closed_at', 'due_at', 'region_code',
                                                  'deleted_at'])
        batch_op.create_index('ix_finding_office_status', ['office_id', 'status'], unique=False,
                              postgresql_include=['region_code', 'category', 'due_at', 'deleted_at'])
        batch_op.create_index('ix_finding_closed_at', ['closed_at'], unique=False,
                              postgresql_include=['office_id', 'region_code', 'deleted_at'])


def downgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_closed_at')
        batch_op.drop_index('ix_finding_office_status')
        batch_op.drop_index('ix_finding_office_found')
    with op.batch_alter_table('estate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_estate_name_initials'))
        batch_op.drop_column('name_initials')
