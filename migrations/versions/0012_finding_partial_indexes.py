"""Findings: indexes a push of new findings need not write.

The office's own index is the first column of ix_finding_office_found and ix_finding_office_status;
closed_at, notice_id and next_escalation_at are empty on a new finding and every query on them
names a value, so their indexes keep only the rows that have one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PARTIAL = ('closed_at', 'notice_id', 'next_escalation_at')
INCLUDE = {'closed_at': ['office_id', 'region_code', 'deleted_at']}


def _create(column: str, partial: bool) -> None:
    where = sa.text(f'{column} IS NOT NULL') if partial else None
    op.create_index(f'ix_finding_{column}', 'finding', [column], unique=False,
                    postgresql_include=INCLUDE.get(column, []), postgresql_where=where, sqlite_where=where)


def upgrade():
    op.drop_index('ix_finding_office_id', table_name='finding')
    for column in PARTIAL:
        op.drop_index(f'ix_finding_{column}', table_name='finding')
        _create(column, partial=True)


def downgrade():
    for column in PARTIAL:
        op.drop_index(f'ix_finding_{column}', table_name='finding')
        _create(column, partial=False)
    op.create_index('ix_finding_office_id', 'finding', ['office_id'], unique=False)
