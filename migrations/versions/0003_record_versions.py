"""record versions: optimistic locking of residents, providers, caregivers and volunteers

Every UPDATE of one of these rows checks the version it read and bumps it, so two people saving the
same record at once cannot leave a mix of both; existing rows start at version 1.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("residents", "providers", "caregivers", "volunteers")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="1", nullable=False)
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
