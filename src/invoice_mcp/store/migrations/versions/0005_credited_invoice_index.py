"""index invoices by the invoice they credit

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:10:00

get_invoice lists the credit notes of an invoice; without an index that read every invoice.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_credited_invoice_id"), ["credited_invoice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_credited_invoice_id"))
