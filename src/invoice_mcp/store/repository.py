"""Queries of the billing store, always scoped to one biller's customer.

Every function takes the customer row that the principal resolved to, so an
invoice of another customer is not found exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeAlias

from sqlalchemy import Result, Row, bindparam, func
from sqlmodel import Session, col, select

from invoice_mcp.domain.errors import NotFoundError
from invoice_mcp.domain.invoices import InvoiceFacts, LineFacts
from invoice_mcp.domain.principal import Principal
from invoice_mcp.store.models import (
    Biller,
    Customer,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentExtension,
    PaymentMethod,
)

UTC = dt.UTC

# The queries are built once, with bound parameters, and executed with each call's values.
# On the demo store, building a select and computing its SQL cache key took longer than
# SQLite took to run it. A built statement is immutable and, in SQLAlchemy 2.1, memoizes
# its cache key, so worker threads can share it.
_CUSTOMER_BY_NUMBER = select(Customer).where(
    Customer.biller_id == bindparam("biller_id"), Customer.customer_number == bindparam("customer_number")
)
_INVOICE_BY_NUMBER = select(Invoice).where(
    Invoice.biller_id == bindparam("biller_id"),
    Invoice.customer_id == bindparam("customer_id"),
    # Invoice numbers are compared without regard to case, as people type them.
    func.upper(Invoice.invoice_number) == bindparam("invoice_number"),
)
_INVOICE_BY_NUMBER_FOR_UPDATE = _INVOICE_BY_NUMBER.with_for_update()
_PAID_BY_INVOICE = (
    select(Payment.invoice_id, func.sum(Payment.amount_minor))
    .where(col(Payment.invoice_id).in_(bindparam("invoice_ids", expanding=True)))
    .group_by(Payment.invoice_id)
)
_CREDITED_BY_INVOICE = (
    select(Invoice.credited_invoice_id, func.sum(Invoice.total_minor))
    .where(
        Invoice.customer_id == bindparam("customer_id"),
        col(Invoice.credited_invoice_id).in_(bindparam("invoice_ids", expanding=True)),
    )
    .group_by(Invoice.credited_invoice_id)
)
_EXTENSIONS_OF_INVOICES = (
    select(PaymentExtension)
    .where(col(PaymentExtension.invoice_id).in_(bindparam("invoice_ids", expanding=True)))
    .order_by(col(PaymentExtension.granted_at))
)
_LINES_OF_INVOICES = (
    select(InvoiceLine)
    .where(col(InvoiceLine.invoice_id).in_(bindparam("invoice_ids", expanding=True)))
    .order_by(col(InvoiceLine.invoice_id), col(InvoiceLine.position))
)
_PAYMENTS_OF_INVOICE = (
    select(Payment).where(Payment.invoice_id == bindparam("invoice_id")).order_by(col(Payment.paid_on))
)
_EXTENSIONS_OF_INVOICE = (
    select(PaymentExtension)
    .where(PaymentExtension.invoice_id == bindparam("invoice_id"))
    .order_by(col(PaymentExtension.granted_at))
)
_EXTENSION_COUNT_SINCE = (
    select(func.count())
    .select_from(PaymentExtension)
    .where(
        PaymentExtension.customer_id == bindparam("customer_id"),
        PaymentExtension.granted_at >= bindparam("since"),
    )
)
_EARLIER_INVOICES = (
    select(Invoice)
    .where(Invoice.customer_id == bindparam("customer_id"), Invoice.issue_date < bindparam("issue_date"))
    .order_by(col(Invoice.issue_date).desc(), col(Invoice.id).desc())
    .limit(bindparam("limit"))
)
_CREDIT_NOTES_FOR = select(Invoice).where(
    Invoice.customer_id == bindparam("customer_id"),
    Invoice.credited_invoice_id == bindparam("invoice_id"),
)
_ACTIVE_PAYMENT_METHOD = (
    select(PaymentMethod)
    .where(PaymentMethod.customer_id == bindparam("customer_id"), col(PaymentMethod.status).in_(("active",)))
    .order_by(col(PaymentMethod.created_at).desc())
)
_PENDING_PAYMENT_METHODS = (
    select(PaymentMethod)
    .where(PaymentMethod.customer_id == bindparam("customer_id"), PaymentMethod.status == "pending_signature")
    .order_by(col(PaymentMethod.created_at), col(PaymentMethod.id))
)


# The read queries return rows through SQLAlchemy Core rather than ORM objects: on the demo
# store, a query read through the ORM took twice as long as through Core. A row carries its
# table's columns as attributes named as on the model (`invoice.total_minor`), is read-only,
# and the session does not track it. The aliases name which table a row comes from.
# Payment methods, which actions change, are still loaded as ORM objects.
_AnyRow: TypeAlias = Row[*tuple[Any, ...]]
CustomerRow: TypeAlias = _AnyRow
InvoiceRow: TypeAlias = _AnyRow
LineRow: TypeAlias = _AnyRow
PaymentRow: TypeAlias = _AnyRow
ExtensionRow: TypeAlias = _AnyRow


def _execute(session: Session, query: Any, parameters: dict[str, Any]) -> Result[*tuple[Any, ...]]:
    """Run a read query on the session's connection and transaction, without ORM loading.

    Unlike `session.exec`, this does not flush pending ORM changes first: actions read
    before they add rows.
    """
    return session.connection().execute(query, parameters)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Attach UTC to a naive datetime read back from SQLite, which drops the zone."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def customer_for(session: Session, principal: Principal, customer_number: str | None = None) -> CustomerRow:
    """Resolve the customer a request acts for.

    A customer principal always gets its own customer; an operator must name one
    of its biller's customers.

    Raises:
        NotFoundError: no such customer for this principal.
    """
    number = principal.customer_number if principal.kind == "customer" else customer_number
    if principal.kind == "customer" and customer_number and customer_number != number:
        # A customer may only name itself. The message is the same whether the other number
        # exists or not, so that it reveals nothing about other customers.
        raise NotFoundError(
            f"customer_number {customer_number} is not available: a customer's session acts only "
            "for its own customer and needs no customer_number",
            code="customer_not_found",
            field="customer_number",
        )
    if not number:
        raise NotFoundError(
            "customer_number is missing: an operator must name the customer",
            code="customer_required",
            field="customer_number",
        )
    customer = _execute(
        session, _CUSTOMER_BY_NUMBER, {"biller_id": principal.biller_id, "customer_number": number}
    ).first()
    if customer is None:
        raise NotFoundError(
            f"customer {number} not found for biller {principal.biller_id}",
            code="customer_not_found",
            field="customer_number",
        )
    return customer


def biller_by_id(session: Session, biller_id: str) -> Biller:
    biller = session.get(Biller, biller_id)
    if biller is None:
        raise NotFoundError(f"biller {biller_id} not found", code="biller_not_found")
    return biller


def invoice_by_number(
    session: Session, customer: CustomerRow, invoice_number: str, *, for_update: bool = False
) -> InvoiceRow:
    """Return the customer's invoice with this number.

    Raises:
        NotFoundError: the number does not exist, or belongs to another customer.
    """
    query = _INVOICE_BY_NUMBER_FOR_UPDATE if for_update else _INVOICE_BY_NUMBER
    parameters = {
        "biller_id": customer.biller_id,
        "customer_id": customer.id,
        "invoice_number": invoice_number.strip().upper(),
    }
    invoice = _execute(session, query, parameters).first()
    if invoice is None:
        # The number is not repeated: a mistyped identity, account or card number would be.
        raise NotFoundError(
            "invoice_number not found for this customer; use an invoice_number from list_invoices",
            code="invoice_not_found",
            field="invoice_number",
            value=invoice_number,
        )
    return invoice


def paid_minor_by_invoice(session: Session, invoice_ids: Sequence[int]) -> dict[int, int]:
    if not invoice_ids:
        return {}
    rows = _execute(session, _PAID_BY_INVOICE, {"invoice_ids": list(invoice_ids)}).all()
    return {invoice_id: int(total or 0) for invoice_id, total in rows}


def credited_minor_by_invoice(
    session: Session, customer_id: int, invoice_ids: Sequence[int]
) -> dict[int, int]:
    """Return, per invoice, what its credit notes take off it, as a positive number of minor units."""
    if not invoice_ids:
        return {}
    parameters = {"customer_id": customer_id, "invoice_ids": list(invoice_ids)}
    rows = _execute(session, _CREDITED_BY_INVOICE, parameters).all()
    return {invoice_id: -int(total or 0) for invoice_id, total in rows if invoice_id is not None}


def latest_extension_by_invoice(session: Session, invoice_ids: Sequence[int]) -> dict[int, ExtensionRow]:
    if not invoice_ids:
        return {}
    rows = _execute(session, _EXTENSIONS_OF_INVOICES, {"invoice_ids": list(invoice_ids)}).all()
    return {row.invoice_id: row for row in rows}


def list_invoices(
    session: Session,
    customer: CustomerRow,
    *,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    before: tuple[dt.date, int] | None = None,
    limit: int = 12,
) -> list[InvoiceRow]:
    """Return the customer's invoices newest first; `before` is a (issue_date, id) keyset cursor."""
    query = _invoice_list_query(issued_from is not None, issued_to is not None, before is not None)
    parameters: dict[str, Any] = {"customer_id": customer.id, "limit": limit}
    if issued_from is not None:
        parameters["issued_from"] = issued_from
    if issued_to is not None:
        parameters["issued_to"] = issued_to
    if before is not None:
        parameters["before_issue_date"], parameters["before_id"] = before
    return list(_execute(session, query, parameters).all())


@lru_cache(maxsize=8)
def _invoice_list_query(has_from: bool, has_to: bool, has_before: bool) -> Any:
    """Build the list query for one combination of filters, with bound parameters, once."""
    query = select(Invoice).where(Invoice.customer_id == bindparam("customer_id"))
    if has_from:
        query = query.where(Invoice.issue_date >= bindparam("issued_from"))
    if has_to:
        query = query.where(Invoice.issue_date <= bindparam("issued_to"))
    if has_before:
        issue_date = bindparam("before_issue_date")
        query = query.where(
            (Invoice.issue_date < issue_date)
            | ((Invoice.issue_date == issue_date) & (col(Invoice.id) < bindparam("before_id")))
        )
    return query.order_by(col(Invoice.issue_date).desc(), col(Invoice.id).desc()).limit(bindparam("limit"))


def lines_of(session: Session, invoice_ids: Sequence[int]) -> dict[int, list[LineRow]]:
    result: dict[int, list[LineRow]] = {invoice_id: [] for invoice_id in invoice_ids}
    if not invoice_ids:
        return result
    rows = _execute(session, _LINES_OF_INVOICES, {"invoice_ids": list(invoice_ids)}).all()
    for row in rows:
        result[row.invoice_id].append(row)
    return result


def payments_of(session: Session, invoice_id: int) -> list[PaymentRow]:
    return list(_execute(session, _PAYMENTS_OF_INVOICE, {"invoice_id": invoice_id}).all())


def extensions_of(session: Session, invoice_id: int) -> list[ExtensionRow]:
    return list(_execute(session, _EXTENSIONS_OF_INVOICE, {"invoice_id": invoice_id}).all())


def count_extensions_since(session: Session, customer: CustomerRow, since: dt.datetime) -> int:
    count = _execute(
        session, _EXTENSION_COUNT_SINCE, {"customer_id": customer.id, "since": since}
    ).scalar_one()
    return int(count)


def earlier_invoices(
    session: Session, customer: CustomerRow, invoice: InvoiceRow, limit: int = 14
) -> list[InvoiceRow]:
    """Return up to `limit` invoices issued before `invoice`, newest first (headers only)."""
    parameters = {"customer_id": customer.id, "issue_date": invoice.issue_date, "limit": limit}
    return list(_execute(session, _EARLIER_INVOICES, parameters).all())


def credit_notes_for(session: Session, invoice: InvoiceRow) -> list[InvoiceRow]:
    # A credit note goes to the customer of the invoice it credits; the customer filter
    # keeps the lookup on the customer's own invoices.
    parameters = {"customer_id": invoice.customer_id, "invoice_id": invoice.id}
    return list(_execute(session, _CREDIT_NOTES_FOR, parameters).all())


def active_payment_method(session: Session, customer: CustomerRow) -> PaymentMethod | None:
    return session.exec(_ACTIVE_PAYMENT_METHOD, params={"customer_id": customer.id}).first()


def pending_payment_methods(session: Session, customer: CustomerRow) -> list[PaymentMethod]:
    return list(session.exec(_PENDING_PAYMENT_METHODS, params={"customer_id": customer.id}).all())


def to_facts(invoice: InvoiceRow, lines: Sequence[LineRow]) -> InvoiceFacts:
    assert invoice.id is not None
    return InvoiceFacts(
        invoice_id=invoice.id,
        invoice_number=invoice.invoice_number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        total_minor=invoice.total_minor,
        rounding_minor=invoice.rounding_minor,
        kind=invoice.kind,
        status=invoice.status,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        lines=tuple(
            LineFacts(
                position=line.position,
                category=line.category,
                product_code=line.product_code,
                description=line.description,
                net_minor=line.net_amount_minor,
                vat_minor=line.vat_amount_minor,
                vat_rate_basis_points=line.vat_rate_basis_points,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_minor=line.unit_price_minor,
                period_start=line.period_start,
                period_end=line.period_end,
                country_code=line.country_code,
            )
            for line in lines
        ),
    )
