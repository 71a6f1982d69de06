"""visits and visit events: why a visit changed, as a code and parameters (rendered translated)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch): SQLite keeps the table, and so the append-only trigger on
    # visit_events.
    op.add_column("visits", sa.Column("cancel_code", sa.String(length=40), nullable=True))
    op.add_column("visits", sa.Column("cancel_params", sa.JSON(none_as_null=True), nullable=True))
    op.add_column("visit_events", sa.Column("reason_code", sa.String(length=40), nullable=True))
    op.add_column(
        "visit_events", sa.Column("reason_params", sa.JSON(none_as_null=True), nullable=True)
    )


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL), not a batch copy of the table,
    # which would lose the append-only trigger.
    for table, column in (("visit_events", "reason_params"), ("visit_events", "reason_code"),
                          ("visits", "cancel_params"), ("visits", "cancel_code")):  # fmt: skip
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
