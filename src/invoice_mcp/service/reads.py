"""Read operations: list, show and explain a principal's invoices."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from invoice_mcp.domain import texts
from invoice_mcp.domain.errors import BillingError, InvalidFieldError
from invoice_mcp.domain.explanation import (
    BASELINE_KINDS,
    MAX_LISTED_POSITIONS,
    Cause,
    choose_baseline,
    condense_causes,
    explain,
)
from invoice_mcp.domain.identifiers import luhn_is_valid
from invoice_mcp.domain.invoices import derive_status
from invoice_mcp.domain.money import format_money
from invoice_mcp.domain.payment_methods import masked_details
from invoice_mcp.domain.principal import Principal
from invoice_mcp.domain.texts import Locale
from invoice_mcp.service import outputs as out
from invoice_mcp.store import repository as repo
from invoice_mcp.store.models import Biller, Invoice, PaymentMethod

MAX_PAGE_SIZE = 50
# The store's column lengths, which returned invoice text never exceeds either.
CUSTOMER_NAME_MAX = 200
LINE_DESCRIPTION_MAX = 300
# Invoice ids are 64-bit integers in every supported database.
MAX_INVOICE_ID = 2**63 - 1
# A filter value that matches more than one status: every unpaid invoice past its due date
# is "overdue", whether or not a reminder has been sent or it has gone to collection.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {"overdue": ("overdue", "reminded", "collection")}
# The filter value for every invoice with something left to pay, which "what do I owe?" needs.
UNPAID_FILTER = "unpaid"


def _locale(customer: repo.CustomerRow, requested: str | None) -> Locale:
    return texts.pick_locale(requested, fallback=texts.pick_locale(customer.locale))


def customer_locale(engine: Engine, principal: Principal) -> Locale:
    """Return the principal's customer's language; 'sv' for an operator or an unknown customer."""
    if principal.customer_number is None:
        return "sv"
    with Session(engine) as session:
        try:
            customer = repo.customer_for(session, principal)
        except BillingError:
            return "sv"
    return texts.pick_locale(customer.locale)


def _customer_ref(customer: repo.CustomerRow, locale: str) -> out.CustomerRef:
    return out.CustomerRef(
        customer_number=customer.customer_number,
        name=texts.invoice_text(customer.name, CUSTOMER_NAME_MAX),
        locale=texts.pick_locale(customer.locale),
    )


def _status(invoice: repo.InvoiceRow, paid: int, credited: int, due_date: dt.date, today: dt.date) -> str:
    if invoice.kind == "credit_note":
        # A credit note is settled by taking it off the invoice it credits; it is never overdue.
        return invoice.status
    # Credit notes settle an invoice as payments do: paid plus credited covers the total.
    status = derive_status(invoice.status, invoice.total_minor, paid + credited, due_date, today)
    if status == "partly_paid" and paid == 0:
        return "partly_credited"
    return status


def encode_cursor(invoice: repo.InvoiceRow) -> str:
    raw = f"{invoice.issue_date.isoformat()}|{invoice.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, invoice_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        position = int(invoice_id)
        if not 0 < position <= MAX_INVOICE_ID:
            raise ValueError(f"invoice id {position} is out of range")
        return dt.date.fromisoformat(day), position
    except (ValueError, UnicodeDecodeError) as exc:
        # The value is not shown: whatever was pasted here may be an identity or card number.
        raise InvalidFieldError(
            "cursor", "(not shown)", "pass the next_cursor value of an earlier list_invoices result unchanged"
        ) from exc


def list_invoices(
    engine: Engine,
    principal: Principal,
    *,
    today: dt.date,
    status: str | None = None,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    cursor: str | None = None,
    limit: int = 12,
    customer_number: str | None = None,
    locale: str | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> out.InvoiceList:
    """List a customer's invoices newest first.

    With a status filter it may read several pages of invoices to fill one page of
    results; `on_page(pages_read, matches)` is called after each, for progress reports.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidFieldError("limit", limit, f"1 to {MAX_PAGE_SIZE}")
    if issued_from and issued_to and issued_from > issued_to:
        raise InvalidFieldError(
            "issued_from", issued_from.isoformat(), f"on or before issued_to ({issued_to.isoformat()})"
        )
    before = decode_cursor(cursor) if cursor else None
    with Session(engine) as session:
        customer = repo.customer_for(session, principal, customer_number)
        lang = _locale(customer, locale)
        # The status is derived from payments and the date, so a status filter is applied
        # here, fetching further pages until this one is full or the invoices run out.
        summaries: list[out.InvoiceSummary] = []
        next_cursor: str | None = None
        pages_read = 0
        while next_cursor is None:
            if on_page is not None and pages_read:
                on_page(pages_read, len(summaries))
            pages_read += 1
            rows = repo.list_invoices(
                session,
                customer,
                issued_from=issued_from,
                issued_to=issued_to,
                before=before,
                limit=limit + 1,
            )
            has_more = len(rows) > limit
            batch = rows[:limit]
            ids = [i.id for i in batch if i.id is not None]
            paid = repo.paid_minor_by_invoice(session, ids)
            credited = repo.credited_minor_by_invoice(session, customer.id or 0, ids)
            extensions = repo.latest_extension_by_invoice(session, ids)
            for index, invoice in enumerate(batch):
                key = invoice.id or 0
                summary = _summary(
                    invoice, paid.get(key, 0), credited.get(key, 0), extensions.get(key), today, lang
                )
                before = (invoice.issue_date, invoice.id or 0)
                if _matches(summary, status):
                    summaries.append(summary)
                if len(summaries) == limit:
                    if has_more or index < len(batch) - 1:
                        next_cursor = encode_cursor(invoice)
                    break
            if len(summaries) == limit or not has_more:
                break
        return out.InvoiceList(
            customer=_customer_ref(customer, lang), invoices=summaries, next_cursor=next_cursor
        )


def _matches(summary: out.InvoiceSummary, status: str | None) -> bool:
    if status is None:
        return True
    if status == UNPAID_FILTER:
        return summary.balance.amount_minor > 0
    return summary.status in STATUS_FILTERS.get(status, (status,))


def due_date_of(invoice: repo.InvoiceRow, latest_extension: repo.ExtensionRow | None) -> dt.date:
    """Return the invoice's current due date: the latest extension's, else the original."""
    return latest_extension.new_due_date if latest_extension else invoice.due_date


def balance_of(invoice: repo.InvoiceRow, paid: int, credited: int) -> int:
    """Return what is left to pay: nothing on a credit note (its amount comes off the invoice it
    credits) or on a paid or credited invoice, else the total minus payments and credits."""
    if invoice.kind == "credit_note" or invoice.status in ("credited", "paid"):
        return 0
    return invoice.total_minor - paid - credited


class Settlement(NamedTuple):
    """Where an invoice stands on a given day: its current due date, status and balance."""

    due_date: dt.date
    status: str
    balance_minor: int


def settlement_of(
    invoice: repo.InvoiceRow,
    paid: int,
    credited: int,
    latest_extension: repo.ExtensionRow | None,
    today: dt.date,
) -> Settlement:
    """Return the invoice's settlement from what was paid and credited and its latest extension."""
    due = due_date_of(invoice, latest_extension)
    return Settlement(due, _status(invoice, paid, credited, due, today), balance_of(invoice, paid, credited))


def _summary(
    invoice: repo.InvoiceRow,
    paid: int,
    credited: int,
    extension: repo.ExtensionRow | None,
    today: dt.date,
    locale: Locale,
) -> out.InvoiceSummary:
    due, status, balance = settlement_of(invoice, paid, credited, extension, today)
    return out.InvoiceSummary(
        invoice_number=invoice.invoice_number,
        kind=invoice.kind,  # type: ignore[arg-type]
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        due_date=due,
        total=out.Money.of(invoice.total_minor, invoice.currency, locale),
        balance=out.Money.of(balance, invoice.currency, locale),
        status=status,
        status_label=texts.status_label(status, invoice.kind, locale),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )


def payment_instructions(
    invoice: repo.InvoiceRow, biller: Biller, balance: int, due: dt.date, locale: Locale, today: dt.date
) -> out.PaymentInstructions | None:
    """Say how to pay an invoice's balance, or None when nothing is left to pay.

    After the due date the text says so and asks for payment now, because an autogiro draw
    or a "pay by" date in the past would mislead.
    """
    if balance <= 0 or invoice.kind != "invoice":
        return None
    amount = out.Money.of(balance, invoice.currency, locale).formatted
    day = texts.format_day(due, locale)
    method = invoice.payment_method_kind
    overdue = due < today
    can_transfer = bool(biller.bankgiro and invoice.ocr_reference)
    sv = locale == "sv"
    if method == "autogiro" and not overdue:
        text = (
            f"Beloppet {amount} dras via autogiro på förfallodagen {day}."
            if sv
            else f"{amount} is drawn by direct debit (autogiro) on the due date, {day}."
        )
    elif can_transfer:
        transfer = (
            f"Betala {amount} till bankgiro {biller.bankgiro} med OCR-nummer {invoice.ocr_reference}"
            if sv
            else f"Pay {amount} to bankgiro {biller.bankgiro} with OCR reference {invoice.ocr_reference}"
        )
        if overdue:
            text = (
                f"Fakturan förföll {day} och är inte betald. {transfer} så snart som möjligt."
                if sv
                else f"The invoice was due on {day} and is unpaid. {transfer} as soon as possible."
            )
        else:
            text = f"{transfer} senast {day}." if sv else f"{transfer} by {day}."
    elif overdue:
        text = (
            f"Fakturan förföll {day} och {amount} är obetalt. Kontakta kundtjänst för att betala."
            if sv
            else f"The invoice was due on {day} and {amount} is unpaid. Please contact customer service to pay."
        )
    else:
        text = (
            f"Betala {amount} senast {day} enligt fakturan."
            if sv
            else f"Pay {amount} by {day} as the invoice says."
        )
    return out.PaymentInstructions(
        method=method,
        bankgiro=biller.bankgiro,
        ocr_reference=invoice.ocr_reference,
        amount=out.Money.of(balance, invoice.currency, locale),
        due_date=due,
        text=text,
    )


def _vat_percent(basis_points: int) -> str:
    return str((Decimal(basis_points) / 100).normalize())


def get_invoice(
    engine: Engine,
    principal: Principal,
    invoice_number: str,
    *,
    today: dt.date,
    customer_number: str | None = None,
    locale: str | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> out.InvoiceDetail:
    """Return one invoice in full; `on_warning` gets each of its warnings in English, for a log."""
    with Session(engine) as session:
        customer = repo.customer_for(session, principal, customer_number)
        lang = _locale(customer, locale)
        invoice = repo.invoice_by_number(session, customer, invoice_number)
        assert invoice.id is not None
        biller = repo.biller_by_id(session, invoice.biller_id)
        lines = repo.lines_of(session, [invoice.id])[invoice.id]
        payments = repo.payments_of(session, invoice.id)
        extensions = repo.extensions_of(session, invoice.id)
        credited_by = repo.credit_notes_for(session, invoice)
        credited_number = None
        if invoice.credited_invoice_id is not None:
            original = session.get(Invoice, invoice.credited_invoice_id)
            credited_number = original.invoice_number if original else None
        paid = sum(p.amount_minor for p in payments)
        credited = -sum(note.total_minor for note in credited_by)
        due, status, balance = settlement_of(
            invoice, paid, credited, extensions[-1] if extensions else None, today
        )
        currency = invoice.currency
        vat: dict[int, tuple[int, int]] = {}
        for line in lines:
            net, tax = vat.get(line.vat_rate_basis_points, (0, 0))
            vat[line.vat_rate_basis_points] = (net + line.net_amount_minor, tax + line.vat_amount_minor)
        if on_warning is not None:
            for warning in invoice_warnings(invoice, balance, "en"):
                on_warning(warning)
        return out.InvoiceDetail(
            invoice_number=invoice.invoice_number,
            kind=invoice.kind,  # type: ignore[arg-type]
            currency=currency,
            biller_name=texts.invoice_text(biller.name, CUSTOMER_NAME_MAX),
            customer=_customer_ref(customer, lang),
            issue_date=invoice.issue_date,
            due_date=due,
            original_due_date=invoice.due_date,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            status=status,
            status_label=texts.status_label(status, invoice.kind, lang),
            total=out.Money.of(invoice.total_minor, currency, lang),
            net_total=out.Money.of(invoice.net_total_minor, currency, lang),
            vat_total=out.Money.of(invoice.vat_total_minor, currency, lang),
            rounding=out.Money.of(invoice.rounding_minor, currency, lang),
            paid=out.Money.of(paid, currency, lang),
            credited=out.Money.of(credited, currency, lang) if credited else None,
            balance=out.Money.of(balance, currency, lang),
            vat_breakdown=[
                out.VatAmount(
                    rate_percent=_vat_percent(rate),
                    net=out.Money.of(net, currency, lang),
                    vat=out.Money.of(tax, currency, lang),
                )
                for rate, (net, tax) in sorted(vat.items(), reverse=True)
            ],
            lines=[
                out.InvoiceLineOut(
                    position=line.position,
                    category=line.category,
                    category_label=texts.CATEGORY_LABELS[lang].get(line.category, line.category),
                    description=texts.invoice_text(line.description, LINE_DESCRIPTION_MAX),
                    quantity=_decimal_text(line.quantity),
                    unit=line.unit,
                    unit_price_minor=_decimal_text(line.unit_price_minor),
                    amount=out.Money.of(line.net_amount_minor + line.vat_amount_minor, currency, lang),
                    vat_rate_percent=_vat_percent(line.vat_rate_basis_points),
                    period_start=line.period_start,
                    period_end=line.period_end,
                    country_code=line.country_code,
                )
                for line in lines
            ],
            payments=[
                out.PaymentOut(
                    paid_on=p.paid_on, amount=out.Money.of(p.amount_minor, p.currency, lang), method=p.method
                )
                for p in payments
            ],
            extensions=[
                out.ExtensionOut(
                    original_due_date=e.original_due_date,
                    new_due_date=e.new_due_date,
                    fee=out.Money.of(e.fee_minor, currency, lang),
                    granted_at=repo.as_utc(e.granted_at),  # type: ignore[arg-type]
                )
                for e in extensions
            ],
            payment_instructions=payment_instructions(invoice, biller, balance, due, lang, today),
            credited_invoice_number=credited_number,
            credited_by=[c.invoice_number for c in credited_by],
            reminder_count=invoice.reminder_count,
            warnings=invoice_warnings(invoice, balance, lang) or None,
        )


def invoice_warnings(invoice: repo.InvoiceRow, balance: int, locale: Locale) -> list[str]:
    """Return problems with how to pay an invoice that the agent should tell the recipient."""
    warnings = []
    reference = invoice.ocr_reference
    number = invoice.invoice_number
    if balance > 0 and reference and not (reference.isdigit() and luhn_is_valid(reference)):
        # Imported e-invoices carry whatever reference the biller wrote; many fail the check.
        warnings.append(
            f"OCR-numret {reference} på faktura {number} har fel kontrollsiffra, så banken kan neka "
            "betalningen. Kontrollera numret med den som skickade fakturan innan du betalar."
            if locale == "sv"
            else f"The OCR reference {reference} of invoice {number} fails its check digit, so a bank may "
            "reject a payment with it. Confirm the reference with the biller before paying."
        )
    return warnings


def _decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


def explain_amount(
    engine: Engine,
    principal: Principal,
    invoice_number: str,
    *,
    today: dt.date,
    baseline: str = "previous",
    customer_number: str | None = None,
    locale: str | None = None,
) -> out.ExplanationOut:
    if baseline not in BASELINE_KINDS:
        raise InvalidFieldError("baseline", baseline, f"use one of {', '.join(BASELINE_KINDS)}")
    with Session(engine) as session:
        customer = repo.customer_for(session, principal, customer_number)
        lang = _locale(customer, locale)
        invoice = repo.invoice_by_number(session, customer, invoice_number)
        assert invoice.id is not None
        earlier = repo.earlier_invoices(session, customer, invoice)
        # Choose on headers first, then load lines only for the two invoices compared.
        header_facts = [repo.to_facts(e, ()) for e in earlier]
        current_header = repo.to_facts(invoice, ())
        chosen, reason = choose_baseline(current_header, header_facts, baseline)
        ids = [invoice.id] + ([chosen.invoice_id] if chosen else [])
        lines = repo.lines_of(session, ids)
        current = repo.to_facts(invoice, lines[invoice.id])
        base_invoice = next((e for e in earlier if chosen and e.id == chosen.invoice_id), None)
        base_facts = (
            repo.to_facts(base_invoice, lines[base_invoice.id]) if base_invoice and base_invoice.id else None
        )
        if invoice.credited_invoice_id is not None:
            original = session.get(Invoice, invoice.credited_invoice_id)
            current = replace(current, credited_invoice_number=original.invoice_number if original else None)
        result = explain(current, base_facts, baseline if base_facts else None, reason)
        listed = condense_causes(result.causes)
        payments = repo.payments_of(session, invoice.id)
        extensions = repo.extensions_of(session, invoice.id)
        paid = sum(p.amount_minor for p in payments)
        credited = repo.credited_minor_by_invoice(session, invoice.customer_id, [invoice.id]).get(
            invoice.id, 0
        )
        due, status, balance = settlement_of(
            invoice, paid, credited, extensions[-1] if extensions else None, today
        )
    currency = invoice.currency
    return out.ExplanationOut(
        invoice_number=invoice.invoice_number,
        currency=currency,
        total=out.Money.of(invoice.total_minor, currency, lang),
        baseline=(
            out.BaselineOut(
                kind=baseline,  # type: ignore[arg-type]
                invoice_number=base_facts.invoice_number,
                issue_date=base_facts.issue_date,
                total=out.Money.of(base_facts.total_minor, currency, lang),
            )
            if base_facts
            else None
        ),
        no_baseline_reason=reason if base_facts is None else None,
        difference=out.Money.of(result.difference_minor, currency, lang) if base_facts else None,
        causes=[_cause_out(cause, currency, lang) for cause in listed],
        composition=[
            out.CategoryAmount(
                category=category, amount_minor=amount, formatted=format_money(amount, currency, lang)
            )
            for category, amount in result.composition
        ],
        payment_status=out.PaymentStatus(
            status=status,
            status_label=texts.status_label(status, invoice.kind, lang),
            due_date=due,
            original_due_date=invoice.due_date if invoice.due_date != due else None,
            paid=out.Money.of(paid, currency, lang) if paid else None,
            credited=out.Money.of(credited, currency, lang) if credited else None,
            balance=out.Money.of(balance, currency, lang),
        ),
        period_days=(
            out.PeriodDays(current=result.period_days[0], baseline=result.period_days[1])
            if result.period_days
            else None
        ),
        summary=texts.summarize(result, lang, listed, credited=(credited, balance) if credited else None),
        locale=lang,
    )


def _cause_out(cause: Cause, currency: str, locale: Locale) -> out.CauseOut:
    # A cause with parts (a plan change) is explained by its parts; quantities and unit
    # prices of its own would only repeat them.
    current, base = (None, None) if cause.parts else (cause.current, cause.baseline)
    # A folded cause points at its members' lines, a plan change at its parts' lines.
    positions: set[int] = set()
    for member in cause.members or (cause,):
        for part in member.parts or (member,):
            if part.current is not None:
                positions.update(part.current.positions)
    countries = [] if cause.parts else list(cause.countries)
    return out.CauseOut(
        kind=cause.kind,
        amount_minor=cause.amount_minor,
        text=texts.describe_cause(cause, currency, locale),
        current_quantity=_decimal_text(current.quantity) if current and current.unit else None,
        baseline_quantity=_decimal_text(base.quantity) if base and base.unit else None,
        unit=(current or base).unit if (current or base) else None,  # type: ignore[union-attr]
        current_unit_price_minor=_decimal_text(current.unit_price_minor)
        if current and cause.is_price_change
        else None,
        baseline_unit_price_minor=_decimal_text(base.unit_price_minor)
        if base and cause.is_price_change
        else None,
        countries=countries or None,
        period_start=(current or base).period_start
        if cause.category == "roaming" and (current or base)
        else None,  # type: ignore[union-attr]
        period_end=(current or base).period_end
        if cause.category == "roaming" and (current or base)
        else None,  # type: ignore[union-attr]
        line_positions=sorted(positions)[:MAX_LISTED_POSITIONS] or None,
        line_count=len(positions) if len(positions) > MAX_LISTED_POSITIONS else None,
        folded_causes=len(cause.members) or None,
        parts=[
            out.CausePart(
                kind=part.kind,
                amount_minor=part.amount_minor,
                text=texts.describe_cause(part, currency, locale),
            )
            for part in cause.parts
        ]
        or None,
    )


def unpaid_issued(
    session: Session, customer: repo.CustomerRow, locale: texts.Locale, today: dt.date
) -> list[out.IssuedInvoiceOut]:
    """Return the customer's unpaid invoices among the latest six, each with how to pay it."""
    biller = repo.biller_by_id(session, customer.biller_id)
    recent = repo.list_invoices(session, customer, limit=6)
    ids = [i.id for i in recent if i.id is not None]
    paid = repo.paid_minor_by_invoice(session, ids)
    credited = repo.credited_minor_by_invoice(session, customer.id or 0, ids)
    extensions = repo.latest_extension_by_invoice(session, ids)
    issued = []
    for invoice in recent:
        key = invoice.id or 0
        due, _, balance = settlement_of(
            invoice, paid.get(key, 0), credited.get(key, 0), extensions.get(key), today
        )
        if invoice.kind != "invoice" or invoice.status == "written_off" or balance <= 0:
            continue
        instructions = payment_instructions(invoice, biller, balance, due, locale, today)
        issued.append(
            out.IssuedInvoiceOut(
                invoice_number=invoice.invoice_number,
                currency=invoice.currency,
                due_date=due,
                balance=out.Money.of(balance, invoice.currency, locale),
                how_to_pay=instructions.text if instructions else "",
            )
        )
    return issued


def _method_out(method: PaymentMethod | None, locale: Locale) -> out.PaymentMethodOut | None:
    if method is None:
        return None
    return out.PaymentMethodOut(
        kind=method.kind,
        label=texts.PAYMENT_METHOD_LABELS[locale].get(method.kind, method.kind),
        status=method.status,  # type: ignore[arg-type]
        details=masked_details(method.details),
        applies_from_issue_date=method.applies_from_issue_date,
    )


def payment_overview(
    engine: Engine,
    principal: Principal,
    *,
    today: dt.date,
    customer_number: str | None = None,
    locale: str | None = None,
) -> out.PaymentOverview:
    with Session(engine) as session:
        customer = repo.customer_for(session, principal, customer_number)
        lang = _locale(customer, locale)
        biller = repo.biller_by_id(session, customer.biller_id)
        pending = repo.pending_payment_methods(session, customer)
        return out.PaymentOverview(
            customer=_customer_ref(customer, lang),
            current_method=_method_out(repo.active_payment_method(session, customer), lang),
            pending_method=_method_out(pending[-1] if pending else None, lang),
            bankgiro=biller.bankgiro,
            unpaid_invoices=unpaid_issued(session, customer, lang, today),
        )


def invoice_numbers(engine: Engine, principal: Principal, prefix: str, limit: int = 100) -> list[str]:
    """Return the principal's invoice numbers that start with `prefix`, newest first (for completion)."""
    if principal.kind != "customer":
        return []
    with Session(engine) as session:
        customer = repo.customer_for(session, principal)
        invoices = repo.list_invoices(session, customer, limit=500)
    wanted = prefix.strip().upper()
    return [i.invoice_number for i in invoices if i.invoice_number.upper().startswith(wanted)][:limit]
