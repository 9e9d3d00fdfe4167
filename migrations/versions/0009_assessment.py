"""Quantitative assessment (量化考核): versioned rule sets, recorded runs, penalties and commendations.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assessment_rule_set',
        sa.Column('office_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('published_by_id', sa.Uuid(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id'],
                                name=op.f('fk_assessment_rule_set_office_id_office')),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'],
                                name=op.f('fk_assessment_rule_set_published_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_rule_set')),
        sa.UniqueConstraint('office_id', 'version', name=op.f('uq_assessment_rule_set_office_id_version')),
    )
    with op.batch_alter_table('assessment_rule_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_rule_set_office_id'), ['office_id'], unique=False)

    op.create_table(
        'assessment_run',
        sa.Column('office_id', sa.Uuid(), nullable=False),
        sa.Column('period_key', sa.String(length=10), nullable=False),
        sa.Column('rule_set_id', sa.Uuid(), nullable=False),
        sa.Column('run_at', sa.DateTime(), nullable=False),
        sa.Column('run_by_id', sa.Uuid(), nullable=True),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['office_id'], ['office.id'],
                                name=op.f('fk_assessment_run_office_id_office')),
        sa.ForeignKeyConstraint(['rule_set_id'], ['assessment_rule_set.id'],
                                name=op.f('fk_assessment_run_rule_set_id_assessment_rule_set')),
        sa.ForeignKeyConstraint(['run_by_id'], ['user_account.id'],
                                name=op.f('fk_assessment_run_run_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_run')),
    )
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_run_office_period', ['office_id', 'period_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_run_office_id'), ['office_id'], unique=False)

    op.create_table(
        'credit_record',
        sa.Column('office_id', sa.Uuid(), nullable=False),
        sa.Column('company_id', sa.Uuid(), nullable=False),
        sa.Column('estate_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('points', sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column('created_by_id', sa.Uuid(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'],
                                name=op.f('fk_credit_record_company_id_company')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_credit_record_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_credit_record_estate_id_estate')),
        sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_credit_record_office_id_office')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_record')),
    )
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_record_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_record_office_id'), ['office_id'], unique=False)


def downgrade():
    op.drop_table('credit_record')
    op.drop_table('assessment_run')
    op.drop_table('assessment_rule_set')
