"""ability assessments: a level reported by a station's ledger is not an assessment

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ability_assessments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="assessment", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_ability_assessments_source"), "source IN ('assessment', 'reported')")


def downgrade():
    with op.batch_alter_table("ability_assessments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ability_assessments_source"), type_="check")
        batch_op.drop_column("source")
