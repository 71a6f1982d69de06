"""a resident's date of death is not before the birth date

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_residents_deceased_after_birth'),
            'deceased_on IS NULL OR deceased_on >= birth_date',
        )


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_residents_deceased_after_birth'), type_='check')
