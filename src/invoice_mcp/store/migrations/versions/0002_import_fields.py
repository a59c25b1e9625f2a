"""add fields for imported e-invoices

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 21:00:00

Adds nullable columns only, so existing rows stay valid: Peppol endpoint ids on billers
and customers, and on invoices the credited invoice number as the document states it,
the source format, a hash of the parsed document and the payee's IBAN.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("biller", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("endpoint_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("endpoint_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )

    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credited_invoice_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.add_column(
            sa.Column("source_format", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column("source_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("payee_iban", sqlmodel.sql.sqltypes.AutoString(length=34), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_column("payee_iban")
        batch_op.drop_column("source_hash")
        batch_op.drop_column("source_format")
        batch_op.drop_column("credited_invoice_number")

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("endpoint_id")

    with op.batch_alter_table("biller", schema=None) as batch_op:
        batch_op.drop_column("endpoint_id")
