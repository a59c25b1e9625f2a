"""Write actions: quote, confirm, apply once, and audit.

Each action runs in two calls. The first returns a quote and a confirmation
token bound to the principal, the action and its parameters. The second sends
the token back and applies exactly the quoted change in one transaction, which
also appends the audit event and stores the result for replays. A replay of the
same token or idempotency key returns the stored result and changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from invoice_mcp.domain import texts
from invoice_mcp.domain.deferral import DeferralQuote, DeferralSubject, quote_deferral
from invoice_mcp.domain.errors import (
    BillingError,
    ConfirmationError,
    InvalidFieldError,
    NotFoundError,
    RefusedError,
)
from invoice_mcp.domain.payment_methods import applies_from, validate_method_change
from invoice_mcp.domain.policy import BillerPolicy
from invoice_mcp.domain.principal import Principal
from invoice_mcp.service import outputs as out
from invoice_mcp.service.reads import settlement_of, unpaid_issued
from invoice_mcp.store import repository as repo
from invoice_mcp.store.engine import serialize_on, write_session
from invoice_mcp.store.models import (
    ActionQuote,
    AuditEvent,
    IdempotencyRecord,
    PaymentExtension,
    PaymentMethod,
)

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT", bound=BaseModel)
MAX_IDEMPOTENCY_KEY_LENGTH = 100
# Recent documents read to find the customer's billing day (credit notes are then left out).
BILLING_CYCLE_INVOICES = 6
# Fields of an applied result copied into its audit event: what changed, nothing personal.
AUDITED_RESULT_FIELDS = (
    "current_due_date",
    "new_due_date",
    "extra_days",
    "method",
    "method_status",
    "previous_method",
    "applies_from_issue_date",
)


@dataclass(frozen=True)
class ActionContext:
    """Context every write action needs besides its own parameters."""

    engine: Engine
    principal: Principal
    policy: BillerPolicy
    today: dt.date
    now: dt.datetime
    customer_number: str | None = None
    locale: str | None = None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def parameters_hash(action: str, parameters: dict[str, Any]) -> str:
    return _hash(action + "\n" + json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str))


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and not 8 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidFieldError(
            "idempotency_key",
            idempotency_key[:20],
            f"8 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters, unique per intended action (a UUID works)",
        )


def _audit(
    session: Session,
    ctx: ActionContext,
    *,
    action: str,
    outcome: str,
    customer: repo.CustomerRow | None,
    invoice_id: int | None,
    parameters: dict[str, Any],
    code: str | None = None,
    idempotency_key: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            occurred_at=ctx.now,
            actor=ctx.principal.label,
            biller_id=ctx.principal.biller_id,
            customer_id=customer.id if customer else None,
            action=action,
            invoice_id=invoice_id,
            outcome=outcome,
            code=code,
            parameters=parameters,
            idempotency_key=idempotency_key,
        )
    )


def _audit_refusal(
    ctx: ActionContext, action: str, error: BillingError, parameters: dict[str, Any], key: str | None
) -> None:
    """Record a refused attempt in its own transaction, after the action's transaction rolled back."""
    if error.code == "invoice_not_found" and "invoice_number" in parameters:
        # A number that matched no invoice may be a mistyped identity, account or card number.
        parameters = {**parameters, "invoice_number": "(not shown)"}
    try:
        with write_session(ctx.engine) as session:
            customer = None
            with contextlib.suppress(BillingError):
                customer = repo.customer_for(session, ctx.principal, ctx.customer_number)
            _audit(
                session,
                ctx,
                action=action,
                outcome="refused",
                customer=customer,
                invoice_id=None,
                parameters=parameters,
                code=error.code,
                idempotency_key=key,
            )
    except Exception:
        # The refusal still reaches the caller; a lost audit row of a refusal is logged loudly.
        logger.exception("failed to audit refused %s for %s", action, ctx.principal.label)


def _stored_result(
    session: Session, principal: Principal, key: str, action: str, params_hash: str, model: type[ResultT]
) -> ResultT | None:
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == principal.label, IdempotencyRecord.idempotency_key == key
        )
    ).first()
    if record is None:
        return None
    if record.action != action or record.parameters_hash != params_hash:
        if key.startswith(TOKEN_KEY_PREFIX):
            raise ConfirmationError(
                "confirmation_token was already used for a request with other parameters; call again "
                "without a token for a new quote",
                code="confirmation_token_mismatch",
                field="confirmation_token",
            )
        raise ConfirmationError(
            f"idempotency_key '{key}' was already used for another request; use a new key for a new action",
            code="idempotency_key_reused",
            field="idempotency_key",
        )
    return model.model_validate({**record.result, "replayed": True})


TOKEN_KEY_PREFIX = "token:"


def _token_key(token: str) -> str:
    return TOKEN_KEY_PREFIX + _hash(token)[:40]


def _run_action(
    ctx: ActionContext,
    *,
    action: str,
    parameters: dict[str, Any],
    audit_parameters: dict[str, Any],
    confirmation_token: str | None,
    idempotency_key: str | None,
    model: type[ResultT],
    quote: Callable[[Session, repo.CustomerRow], tuple[int | None, ResultT]],
    apply: Callable[[Session, repo.CustomerRow, dict[str, Any]], tuple[int | None, ResultT]],
) -> ResultT:
    """Drive the quote/confirm/apply cycle of one action. `quote` and `apply` hold its rules."""
    _check_key(idempotency_key)
    params_hash = parameters_hash(action, parameters)
    confirm = confirmation_token is not None or not ctx.policy.confirmation.required
    try:
        if not confirm:
            if idempotency_key is not None:
                # A key already used for an applied action replays it, or clashes, right away.
                with Session(ctx.engine) as session:
                    stored = _stored_result(
                        session, ctx.principal, idempotency_key, action, params_hash, model
                    )
                if stored is not None:
                    return stored
            return _quote(ctx, action, params_hash, audit_parameters, quote)
        keys = [
            k for k in (idempotency_key, _token_key(confirmation_token) if confirmation_token else None) if k
        ]
        with Session(ctx.engine) as session:
            for key in keys:
                stored = _stored_result(session, ctx.principal, key, action, params_hash, model)
                if stored is not None:
                    return stored
        try:
            return _apply(
                ctx,
                action,
                params_hash,
                audit_parameters,
                confirmation_token,
                keys,
                idempotency_key,
                apply,
                model,
            )
        except IntegrityError:
            # A concurrent call with the same key or token committed first: return its result.
            with Session(ctx.engine) as session:
                for key in keys:
                    stored = _stored_result(session, ctx.principal, key, action, params_hash, model)
                    if stored is not None:
                        return stored
            raise
    except BillingError as error:
        _audit_refusal(ctx, action, error, audit_parameters, idempotency_key)
        raise


def _quote(
    ctx: ActionContext,
    action: str,
    params_hash: str,
    audit_parameters: dict[str, Any],
    quote: Callable[[Session, repo.CustomerRow], tuple[int | None, ResultT]],
) -> ResultT:
    token = "ct_" + secrets.token_urlsafe(24)
    expires_at = ctx.now + dt.timedelta(minutes=ctx.policy.confirmation.token_ttl_minutes)
    with write_session(ctx.engine) as session:
        customer = repo.customer_for(session, ctx.principal, ctx.customer_number)
        invoice_id, result = quote(session, customer)
        session.add(
            ActionQuote(
                token_hash=_hash(token),
                principal=ctx.principal.label,
                action=action,
                invoice_id=invoice_id,
                parameters_hash=params_hash,
                quote=result.model_dump(mode="json"),
                created_at=ctx.now,
                expires_at=expires_at,
            )
        )
        _audit(
            session,
            ctx,
            action=action,
            outcome="quoted",
            customer=customer,
            invoice_id=invoice_id,
            parameters=audit_parameters,
        )
    return result.model_copy(update={"confirmation_token": token, "expires_at": expires_at})


def _check_quote(
    session: Session, ctx: ActionContext, token: str, action: str, params_hash: str
) -> ActionQuote:
    row = session.get(ActionQuote, _hash(token))
    if row is None or row.principal != ctx.principal.label:
        # Another principal's token is reported exactly like an unknown one.
        raise ConfirmationError(
            "confirmation_token is not valid; call again without it to get a new quote",
            code="confirmation_token_invalid",
            field="confirmation_token",
        )
    if row.action != action or row.parameters_hash != params_hash:
        raise ConfirmationError(
            "confirmation_token was issued for other parameters; confirm with exactly the quoted "
            "parameters, or call again without a token for a new quote",
            code="confirmation_token_mismatch",
            field="confirmation_token",
        )
    expires_at = repo.as_utc(row.expires_at)
    assert expires_at is not None
    if expires_at <= ctx.now:
        raise ConfirmationError(
            f"confirmation_token expired at {expires_at.isoformat()}; call again without it for a new quote",
            code="confirmation_token_expired",
            field="confirmation_token",
        )
    if row.used_at is not None:
        raise ConfirmationError(
            "confirmation_token was already used", code="confirmation_token_used", field="confirmation_token"
        )
    return row


def _apply(
    ctx: ActionContext,
    action: str,
    params_hash: str,
    audit_parameters: dict[str, Any],
    token: str | None,
    keys: list[str],
    idempotency_key: str | None,
    apply: Callable[[Session, repo.CustomerRow, dict[str, Any]], tuple[int | None, ResultT]],
    model: type[ResultT],
) -> ResultT:
    with write_session(ctx.engine) as session:
        customer = repo.customer_for(session, ctx.principal, ctx.customer_number)
        # One action per customer at a time; then a concurrent twin's stored result is visible.
        serialize_on(session, f"invoice-mcp:customer:{customer.id}")
        for key in keys:
            stored = _stored_result(session, ctx.principal, key, action, params_hash, model)
            if stored is not None:
                return stored
        quoted: dict[str, Any] = {}
        quote_row = None
        if token is not None:
            quote_row = _check_quote(session, ctx, token, action, params_hash)
            quoted = quote_row.quote
        invoice_id, result = apply(session, customer, quoted)
        if quote_row is not None:
            quote_row.used_at = ctx.now
            session.add(quote_row)
        stored = result.model_dump(mode="json")
        _audit(
            session,
            ctx,
            action=action,
            outcome="applied",
            customer=customer,
            invoice_id=invoice_id,
            parameters={
                **audit_parameters,
                "result": {key: stored[key] for key in AUDITED_RESULT_FIELDS if stored.get(key) is not None},
            },
            idempotency_key=idempotency_key,
        )
        for key in keys:
            session.add(
                IdempotencyRecord(
                    principal=ctx.principal.label,
                    idempotency_key=key,
                    action=action,
                    parameters_hash=params_hash,
                    result=stored,
                    created_at=ctx.now,
                )
            )
        # Flush inside the transaction so that a duplicate key fails before the commit.
        session.flush()
    logger.info("%s applied for %s (invoice id %s)", action, ctx.principal.label, invoice_id)
    return result


# --- grant_deferral -------------------------------------------------------------------------


def _deferral_subject(
    session: Session, ctx: ActionContext, customer: repo.CustomerRow, invoice: repo.InvoiceRow
) -> DeferralSubject:
    assert invoice.id is not None
    extensions = repo.extensions_of(session, invoice.id)
    paid = sum(p.amount_minor for p in repo.payments_of(session, invoice.id))
    credited = repo.credited_minor_by_invoice(session, invoice.customer_id, [invoice.id]).get(invoice.id, 0)
    settlement = settlement_of(invoice, paid, credited, extensions[-1] if extensions else None, ctx.today)
    since = ctx.now - dt.timedelta(days=365)
    return DeferralSubject(
        invoice_number=invoice.invoice_number,
        stored_status=invoice.status,
        kind=invoice.kind,
        due_date=settlement.due_date,
        balance_minor=settlement.balance_minor,
        currency=invoice.currency,
        extensions_on_invoice=len(extensions),
        extensions_last_12_months=repo.count_extensions_since(session, customer, since),
        credited_minor=credited,
    )


def _deferral_out(quote: DeferralQuote, status: str, locale: texts.Locale) -> out.DeferralOut:
    money = out.Money.of
    new_due = texts.format_day(quote.new_due_date, locale)
    rate = format(quote.interest_percent_per_year.normalize(), "f")
    if locale == "sv":
        rate = rate.replace(".", ",")
    interest = money(quote.interest_minor, quote.currency, locale)
    if locale == "sv":
        verb = (
            "Ny förfallodag blir" if status == "needs_confirmation" else "Anstånd beviljat. Ny förfallodag är"
        )
        message = f"{verb} {new_due}. Påminnelser pausas till dess."
        if quote.new_due_date != quote.requested_due_date:
            message += f" {texts.format_day(quote.requested_due_date, locale)} är inte en bankdag, så dagen flyttas fram."
        if quote.interest_minor:
            message += (
                f" Betalar du senast den nya förfallodagen blir räntan {interest.formatted} ({rate} % per år "
                "från den ursprungliga förfallodagen), och den debiteras på en senare faktura."
            )
        if quote.fee_minor:
            fee = money(quote.fee_minor, quote.currency, locale).formatted
            message += f" Anståndet kostar {fee}, som debiteras på en senare faktura."
    else:
        verb = (
            "The new due date would be"
            if status == "needs_confirmation"
            else "Extension granted. The new due date is"
        )
        message = f"{verb} {new_due}. Reminders are paused until then."
        if quote.new_due_date != quote.requested_due_date:
            message += f" {texts.format_day(quote.requested_due_date, locale)} is not a bank day, so it moves forward."
        if quote.interest_minor:
            message += (
                f" If you pay by the new due date, the interest is {interest.formatted} ({rate} % a year "
                "from the original due date), charged on a later invoice."
            )
        if quote.fee_minor:
            fee = money(quote.fee_minor, quote.currency, locale).formatted
            message += f" The extension costs {fee}, charged on a later invoice."
    return out.DeferralOut(
        status=status,  # type: ignore[arg-type]
        invoice_number=quote.invoice_number,
        currency=quote.currency,
        current_due_date=quote.current_due_date,
        new_due_date=quote.new_due_date,
        extra_days=quote.extra_days,
        balance=money(quote.balance_minor, quote.currency, locale),
        fee=money(quote.fee_minor, quote.currency, locale),
        interest=out.InterestOut(percent_per_year=str(quote.interest_percent_per_year), amount=interest),
        reminders_paused_until=quote.reminders_paused_until,
        message=message,
    )


def grant_deferral(
    ctx: ActionContext,
    invoice_number: str,
    days: int,
    *,
    confirmation_token: str | None = None,
    idempotency_key: str | None = None,
) -> out.DeferralOut:
    """Quote, or with a confirmation token apply, a payment extension of `days` days."""
    parameters: dict[str, Any] = {"invoice_number": invoice_number.strip().upper(), "days": days}
    if ctx.principal.kind == "operator" and ctx.customer_number is not None:
        parameters["customer_number"] = ctx.customer_number

    def evaluate(
        session: Session, customer: repo.CustomerRow, *, lock: bool
    ) -> tuple[repo.InvoiceRow, DeferralQuote]:
        invoice = repo.invoice_by_number(session, customer, invoice_number, for_update=lock)
        subject = _deferral_subject(session, ctx, customer, invoice)
        return invoice, quote_deferral(subject, days, ctx.policy.deferral, ctx.today)

    def quote(session: Session, customer: repo.CustomerRow) -> tuple[int | None, out.DeferralOut]:
        invoice, terms = evaluate(session, customer, lock=False)
        lang = texts.pick_locale(ctx.locale, fallback=texts.pick_locale(customer.locale))
        return invoice.id, _deferral_out(terms, "needs_confirmation", lang)

    def apply(
        session: Session, customer: repo.CustomerRow, quoted: dict[str, Any]
    ) -> tuple[int | None, out.DeferralOut]:
        invoice, terms = evaluate(session, customer, lock=True)
        if quoted and quoted.get("new_due_date") != terms.new_due_date.isoformat():
            raise RefusedError(
                f"the quote for invoice {invoice_number} is out of date (new due date "
                f"{quoted.get('new_due_date')} is now {terms.new_due_date.isoformat()}); ask for a new quote",
                code="quote_outdated",
            )
        assert invoice.id is not None and customer.id is not None
        session.add(
            PaymentExtension(
                invoice_id=invoice.id,
                customer_id=customer.id,
                original_due_date=terms.current_due_date,
                new_due_date=terms.new_due_date,
                fee_minor=terms.fee_minor,
                reminders_paused_until=terms.reminders_paused_until,
                granted_at=ctx.now,
                granted_by=ctx.principal.label,
            )
        )
        lang = texts.pick_locale(ctx.locale, fallback=texts.pick_locale(customer.locale))
        return invoice.id, _deferral_out(terms, "granted", lang)

    return _run_action(
        ctx,
        action="grant_deferral",
        parameters=parameters,
        audit_parameters=parameters,
        confirmation_token=confirmation_token,
        idempotency_key=idempotency_key,
        model=out.DeferralOut,
        quote=quote,
        apply=apply,
    )


# --- change_payment_method ------------------------------------------------------------------


def change_payment_method(
    ctx: ActionContext,
    method: str,
    details: dict[str, str],
    *,
    confirmation_token: str | None = None,
    idempotency_key: str | None = None,
) -> out.PaymentMethodChangeOut:
    """Quote, or with a confirmation token apply, a switch to another payment method."""
    raw_parameters: dict[str, Any] = {"method": method, "details": details}
    if ctx.principal.kind == "operator" and ctx.customer_number is not None:
        raw_parameters["customer_number"] = ctx.customer_number

    def evaluate(
        session: Session, customer: repo.CustomerRow
    ) -> tuple[out.PaymentMethodChangeOut, dict[str, Any]]:
        lang = texts.pick_locale(ctx.locale, fallback=texts.pick_locale(customer.locale))
        current = repo.active_payment_method(session, customer)
        biller = repo.biller_by_id(session, customer.biller_id)
        method_policy = ctx.policy.payment_methods
        if not biller.swish_number and "swish" in method_policy.offered:
            # Swish needs the biller's own Swish number (a Swish Handel agreement).
            offered = tuple(kind for kind in method_policy.offered if kind != "swish")
            method_policy = method_policy.model_copy(update={"offered": offered})
        pending = repo.pending_payment_methods(session, customer)
        validated = validate_method_change(
            method,
            details,
            policy=method_policy,
            current_kind=current.kind if current else None,
            customer_kind=customer.kind,
            today=ctx.today,
            has_pending_mandate=bool(pending),
            current_details=current.details if current else None,
            pending_mandate_details=pending[-1].details if pending else None,
        )
        withdrawn = [m.kind for m in repo.pending_payment_methods(session, customer) if method != "autogiro"]
        # Credit notes are issued off the billing cycle, so the cycle is read from invoices only.
        recent = [
            i
            for i in repo.list_invoices(session, customer, limit=BILLING_CYCLE_INVOICES)
            if i.kind == "invoice"
        ]
        latest = recent[0] if recent else None
        start = applies_from(method, ctx.policy.payment_methods, [i.issue_date for i in recent], ctx.today)
        issued = unpaid_issued(session, customer, lang, ctx.today)
        label = texts.PAYMENT_METHOD_LABELS[lang].get(method, method)
        currency = latest.currency if latest else "SEK"
        fee = out.Money.of(validated.fee_minor, currency, lang)
        result = out.PaymentMethodChangeOut(
            status="needs_confirmation",
            method=method,
            method_label=label,
            currency=currency,
            method_status=validated.status,  # type: ignore[arg-type]
            details=validated.masked_details,
            previous_method=current.kind if current else None,
            fee_per_invoice=fee,
            applies_from_issue_date=start,
            already_issued=issued,
            message=_method_message(
                label,
                validated.status,
                start,
                bool(issued),
                lang,
                fee=fee,
                withdraws_mandate=bool(withdrawn),
                dropped_fee=_dropped_paper_fee(
                    ctx, current.kind if current else None, method, currency, lang
                ),
            ),
        )
        return result, validated.details

    def quote(session: Session, customer: repo.CustomerRow) -> tuple[int | None, out.PaymentMethodChangeOut]:
        result, _ = evaluate(session, customer)
        return None, result

    def apply(
        session: Session, customer: repo.CustomerRow, quoted: dict[str, Any]
    ) -> tuple[int | None, out.PaymentMethodChangeOut]:
        result, stored_details = evaluate(session, customer)
        assert customer.id is not None
        current = repo.active_payment_method(session, customer)
        withdrawn = repo.pending_payment_methods(session, customer)
        for pending in withdrawn:
            pending.status = "cancelled"
            session.add(pending)
        if current is not None and result.method_status == "active":
            current.status = "superseded"
            session.add(current)
        session.add(
            PaymentMethod(
                customer_id=customer.id,
                kind=method,
                status=result.method_status,
                details=stored_details,
                applies_from_issue_date=result.applies_from_issue_date,
                created_at=ctx.now,
            )
        )
        lang = texts.pick_locale(ctx.locale, fallback=texts.pick_locale(customer.locale))
        applied = result.model_copy(
            update={
                "status": "applied",
                "message": _method_message(
                    result.method_label,
                    result.method_status,
                    result.applies_from_issue_date,
                    bool(result.already_issued),
                    lang,
                    fee=result.fee_per_invoice,
                    withdraws_mandate=bool(withdrawn) and method != "autogiro",
                    applied=True,
                    dropped_fee=_dropped_paper_fee(
                        ctx, result.previous_method, method, result.currency, lang
                    ),
                ),
            }
        )
        return None, applied

    # Validate before anything is stored or audited, so that a malformed detail (a card
    # number above all) never reaches the audit log; only masked details are audited.
    audit_parameters: dict[str, Any] = {"method": method, "detail_fields": sorted(details)}
    if ctx.customer_number is not None:
        audit_parameters["customer_number"] = ctx.customer_number
    return _run_action(
        ctx,
        action="change_payment_method",
        parameters=raw_parameters,
        audit_parameters=audit_parameters,
        confirmation_token=confirmation_token,
        idempotency_key=idempotency_key,
        model=out.PaymentMethodChangeOut,
        quote=quote,
        apply=apply,
    )


def _dropped_paper_fee(
    ctx: ActionContext, previous: str | None, method: str, currency: str, locale: texts.Locale
) -> out.Money | None:
    """Return the paper invoice fee that a change away from paper invoices ends, if there is one."""
    fee_minor = ctx.policy.payment_methods.paper_invoice_fee_minor
    if previous != "paper" or method == "paper" or not fee_minor:
        return None
    return out.Money.of(fee_minor, currency, locale)


def _method_message(
    label: str,
    status: str,
    start: dt.date,
    has_issued: bool,
    locale: texts.Locale,
    *,
    fee: out.Money,
    withdraws_mandate: bool = False,
    applied: bool = False,
    dropped_fee: out.Money | None = None,
) -> str:
    day = texts.format_day(start, locale)
    if locale == "sv":
        first = (
            f"Bytet är registrerat: {label} gäller från fakturan som skapas {day}."
            if applied
            else f"Efter bytet gäller {label} från fakturan som skapas {day}."
        )
        parts = [first]
        if status == "pending_signature":
            parts.append(
                "Medgivandet måste godkännas med BankID i din internetbank innan autogiro börjar gälla."
            )
        if withdraws_mandate:
            parts.append("Autogiromedgivandet som väntar på underskrift dras tillbaka.")
        if fee.amount_minor:
            parts.append(f"Avgiften är {fee.formatted} per faktura.")
        if dropped_fee is not None:
            parts.append(f"Avgiften för pappersfaktura, {dropped_fee.formatted} per faktura, tas då bort.")
        if has_issued:
            parts.append("Fakturor som redan har skickats betalas på samma sätt som tidigare.")
    else:
        first = (
            f"Change registered: {label} applies from the invoice issued on {day}."
            if applied
            else f"After the change, {label} applies from the invoice issued on {day}."
        )
        parts = [first]
        if status == "pending_signature":
            parts.append(
                "You must approve the mandate with BankID in your internet bank before autogiro starts."
            )
        if withdraws_mandate:
            parts.append("The autogiro mandate waiting for your signature is withdrawn.")
        if fee.amount_minor:
            parts.append(f"The fee is {fee.formatted} per invoice.")
        if dropped_fee is not None:
            parts.append(f"The paper invoice fee of {dropped_fee.formatted} per invoice then stops.")
        if has_issued:
            parts.append("Invoices already sent are paid the same way as before.")
    return " ".join(parts)


# --- back office ----------------------------------------------------------------------------


def activate_autogiro_mandate(
    engine: Engine, principal: Principal, customer_number: str | None, now: dt.datetime
) -> PaymentMethod:
    """Activate a customer's pending autogiro mandate once the payer has signed it in their bank.

    The previous active method is superseded in the same transaction, with an audit event.

    Raises:
        NotFoundError: the customer does not exist or has no mandate waiting for signature.
    """
    ctx = ActionContext(engine=engine, principal=principal, policy=BillerPolicy(), today=now.date(), now=now)
    with write_session(engine) as session:
        customer = repo.customer_for(session, principal, customer_number)
        serialize_on(session, f"invoice-mcp:customer:{customer.id}")
        pending = [m for m in repo.pending_payment_methods(session, customer) if m.kind == "autogiro"]
        if not pending:
            raise NotFoundError(
                f"customer {customer.customer_number} has no autogiro mandate waiting for signature",
                code="no_pending_mandate",
            )
        mandate = max(pending, key=lambda m: m.id or 0)
        current = repo.active_payment_method(session, customer)
        if current is not None:
            current.status = "superseded"
            session.add(current)
        mandate.status = "active"
        session.add(mandate)
        _audit(
            session,
            ctx,
            action="activate_autogiro_mandate",
            outcome="applied",
            customer=customer,
            invoice_id=None,
            parameters={"payment_method_id": mandate.id},
        )
        session.flush()
        session.refresh(mandate)
        return mandate
