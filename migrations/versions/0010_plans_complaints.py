"""Double-random plans (inspection_plan, its entries, recusals) and complaints.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:34:53.695333
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspection_plan',
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('draft', 'confirmed', 'cancelled', name='planstatus', native_enum=False, length=32), nullable=False),
    sa.Column('seed', sa.String(length=40), nullable=False),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('estate_count', sa.Integer(), nullable=False),
    sa.Column('planned_for', sa.Date(), nullable=False),
    sa.Column('template_id', sa.Uuid(), nullable=True),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('estate_pool', sa.JSON(), nullable=False),
    sa.Column('inspector_pool', sa.JSON(), nullable=False),
    sa.Column('exclusions', sa.JSON(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_inspection_plan_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_inspection_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_inspection_plan_office_id_office')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_template.id'], name=op.f('fk_inspection_plan_template_id_checklist_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plan'))
    )
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_plan_office_id'), ['office_id'], unique=False)
    op.create_table('recusal',
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('inspector_id', sa.Uuid(), nullable=False),
    sa.Column('estate_id', sa.Uuid(), nullable=True),
    sa.Column('company_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(estate_id IS NULL) <> (company_id IS NULL)', name=op.f('ck_recusal_one_target')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_recusal_company_id_company')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_recusal_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_recusal_estate_id_estate')),
    sa.ForeignKeyConstraint(['inspector_id'], ['user_account.id'], name=op.f('fk_recusal_inspector_id_user_account')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_recusal_office_id_office')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recusal'))
    )
    with op.batch_alter_table('recusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recusal_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recusal_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recusal_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recusal_office_id'), ['office_id'], unique=False)
    op.create_table('inspection_plan_entry',
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Uuid(), nullable=False),
    sa.Column('inspector_ids', sa.JSON(), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_inspection_plan_entry_estate_id_estate')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_plan_entry_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_inspection_plan_entry_plan_id_inspection_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plan_entry')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_inspection_plan_entry_plan_id_position'))
    )
    with op.batch_alter_table('inspection_plan_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_plan_entry_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_plan_entry_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_plan_entry_plan_id'), ['plan_id'], unique=False)
    op.create_table('complaint',
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('estate_id', sa.Uuid(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.Enum('hotline_12345', 'phone', 'on_site', 'online', 'leader_instruction', name='complaintchannel', native_enum=False, length=32), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('complainant_name', sa.String(length=50), nullable=False),
    sa.Column('complainant_phone', sa.String(length=30), nullable=False),
    sa.Column('status', sa.Enum('received', 'verifying', 'replied', 'closed', name='complaintstatus', native_enum=False, length=32), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=True),
    sa.Column('finding_id', sa.Uuid(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('replied_by_id', sa.Uuid(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Uuid(), nullable=True),
    sa.Column('satisfaction', sa.Enum('satisfied', 'basically', 'unsatisfied', name='satisfaction', native_enum=False, length=32), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_complaint_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_complaint_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_complaint_estate_id_estate')),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_complaint_finding_id_finding')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_complaint_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_complaint_office_id_office')),
    sa.ForeignKeyConstraint(['replied_by_id'], ['user_account.id'], name=op.f('fk_complaint_replied_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_office_id'), ['office_id'], unique=False)
        batch_op.create_index('ix_complaint_office_reference', ['office_id', 'reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_region_code'), ['region_code'], unique=False)



def downgrade():
    for table in ('complaint', 'inspection_plan_entry', 'recusal', 'inspection_plan'):
        op.drop_table(table)
