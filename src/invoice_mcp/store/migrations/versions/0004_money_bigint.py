"""store money in 64-bit columns

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:50:00

INTEGER is 32 bits on PostgreSQL, which caps an amount at 21 474 836.47 SEK; business
invoices can exceed that.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY_COLUMNS = {
    "invoice": ("net_total_minor", "vat_total_minor", "rounding_minor", "total_minor"),
    "invoiceline": ("net_amount_minor", "vat_amount_minor"),
    "payment": ("amount_minor",),
    "paymentextension": ("fee_minor",),
}


def upgrade() -> None:
    for table, columns in MONEY_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column, existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
                )


def downgrade() -> None:
    for table, columns in MONEY_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column, existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
                )
