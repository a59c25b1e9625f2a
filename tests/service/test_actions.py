"""Rules of the quote/confirm/apply cycle: tokens, idempotency keys, audit."""

import datetime as dt
import json

import pytest
from sqlmodel import Session, select

from invoice_mcp.domain.errors import BillingError
from invoice_mcp.domain.identifiers import luhn_check_digit
from invoice_mcp.domain.payment_methods import OPTIONAL_DETAILS, REQUIRED_DETAILS
from invoice_mcp.domain.policy import BillerPolicy, ConfirmationPolicy, DeferralPolicy
from invoice_mcp.domain.principal import Principal
from invoice_mcp.service import actions
from invoice_mcp.store.models import AuditEvent, PaymentExtension, PaymentMethod
from tests.conftest import ANNA, DEMO_FIXTURES, DEMO_TODAY

ANNA_LATEST = "NV-2026-0031745"
NOW = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
HOLDER = "19840317" + "123" + luhn_check_digit("840317123")
AUTOGIRO = {
    "clearing_number": "6789",
    "account_number": "123456789",
    "account_holder_identity_number": HOLDER,
}


def context(engine, *, principal=ANNA, policy=None, now=NOW):
    return actions.ActionContext(
        engine=engine, principal=principal, policy=policy or BillerPolicy(), today=DEMO_TODAY, now=now
    )


def error_of(call):
    with pytest.raises(BillingError) as caught:
        call()
    return caught.value


def test_quote_changes_no_billing_data(demo_engine):
    quote = actions.grant_deferral(context(demo_engine), ANNA_LATEST, 14)

    assert quote.status == "needs_confirmation"
    assert quote.confirmation_token.startswith("ct_")
    assert quote.expires_at == NOW + dt.timedelta(minutes=10)
    with Session(demo_engine) as session:
        assert session.exec(select(PaymentExtension)).all() == []


def test_token_of_other_principal_reads_as_invalid(demo_engine):
    quote = actions.grant_deferral(context(demo_engine), ANNA_LATEST, 14)
    liam = Principal(kind="customer", biller_id="nordvag", customer_number="100871")

    error = error_of(
        lambda: actions.grant_deferral(
            context(demo_engine, principal=liam), ANNA_LATEST, 14, confirmation_token=quote.confirmation_token
        )
    )

    assert error.code == "confirmation_token_invalid"


def test_unknown_token_is_invalid(demo_engine):
    error = error_of(
        lambda: actions.grant_deferral(context(demo_engine), ANNA_LATEST, 14, confirmation_token="ct_made_up")
    )

    assert error.code == "confirmation_token_invalid"


def test_token_for_other_action_is_mismatch(demo_engine):
    quote = actions.grant_deferral(context(demo_engine), ANNA_LATEST, 14)

    error = error_of(
        lambda: actions.change_payment_method(
            context(demo_engine), "kivra", {}, confirmation_token=quote.confirmation_token
        )
    )

    assert error.code == "confirmation_token_mismatch"


def test_expired_token_is_refused_and_audited(demo_engine):
    quote = actions.grant_deferral(context(demo_engine), ANNA_LATEST, 14)
    later = NOW + dt.timedelta(minutes=10)

    error = error_of(
        lambda: actions.grant_deferral(
            context(demo_engine, now=later), ANNA_LATEST, 14, confirmation_token=quote.confirmation_token
        )
    )

    assert error.code == "confirmation_token_expired"
    with Session(demo_engine) as session:
        codes = [e.code for e in session.exec(select(AuditEvent).where(AuditEvent.outcome == "refused"))]
    assert codes == ["confirmation_token_expired"]


def test_key_reused_with_other_parameters_is_refused(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    actions.grant_deferral(ctx, ANNA_LATEST, 14, idempotency_key="anna-key-0001")

    error = error_of(lambda: actions.grant_deferral(ctx, ANNA_LATEST, 20, idempotency_key="anna-key-0001"))

    assert error.code == "idempotency_key_reused"


def test_replay_by_key_returns_stored_result(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    first = actions.grant_deferral(ctx, ANNA_LATEST, 14, idempotency_key="anna-key-0002")

    again = actions.grant_deferral(ctx, ANNA_LATEST, 14, idempotency_key="anna-key-0002")

    assert first.replayed is False
    assert again.replayed is True
    assert again.model_copy(update={"replayed": False}) == first


@pytest.mark.parametrize("key", ["short", "x" * 101])
def test_idempotency_key_length_is_checked(demo_engine, key):
    error = error_of(
        lambda: actions.grant_deferral(context(demo_engine), ANNA_LATEST, 14, idempotency_key=key)
    )

    assert error.details["field"] == "idempotency_key"


def test_policy_limits_apply(demo_engine):
    policy = BillerPolicy(deferral=DeferralPolicy(max_days=10))

    error = error_of(lambda: actions.grant_deferral(context(demo_engine, policy=policy), ANNA_LATEST, 14))

    assert error.code == "too_many_days"
    assert "1 to 10 days" in error.message


def test_fee_from_policy_is_quoted(demo_engine):
    policy = BillerPolicy(deferral=DeferralPolicy(fee_minor=2500))

    quote = actions.grant_deferral(context(demo_engine, policy=policy), ANNA_LATEST, 14)

    assert quote.fee.amount_minor == 2500
    assert "25,00 kr" in quote.message


def test_autogiro_change_stores_full_details_and_audits_masked(demo_engine):
    ctx = context(demo_engine)
    quote = actions.change_payment_method(ctx, "autogiro", AUTOGIRO)
    applied = actions.change_payment_method(
        ctx, "autogiro", AUTOGIRO, confirmation_token=quote.confirmation_token
    )

    assert applied.method_status == "pending_signature"
    assert applied.previous_method == "paper"
    with Session(demo_engine) as session:
        pending = session.exec(select(PaymentMethod).where(PaymentMethod.status == "pending_signature")).one()
        audit = [e.parameters for e in session.exec(select(AuditEvent))]
        active = session.exec(
            select(PaymentMethod).where(
                PaymentMethod.customer_id == pending.customer_id, PaymentMethod.status == "active"
            )
        ).one()
    assert pending.details["account_number"] == "123456789"
    assert active.kind == "paper", "the old method stays active until the mandate is signed"
    assert HOLDER not in str(audit)
    assert "123456789" not in str(audit)


def test_switch_to_kivra_supersedes_old_method(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))

    result = actions.change_payment_method(ctx, "kivra", {})

    assert result.status == "applied"
    assert result.method_status == "active"
    with Session(demo_engine) as session:
        kinds = {
            m.kind: m.status
            for m in session.exec(select(PaymentMethod).where(PaymentMethod.customer_id == 1))
        }
    assert kinds["kivra"] == "active"
    assert kinds["paper"] == "superseded"


def test_mandate_activation_supersedes_old_method(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    actions.change_payment_method(ctx, "autogiro", AUTOGIRO)
    operator = Principal(kind="operator", biller_id="nordvag", operator_id="backoffice")

    mandate = actions.activate_autogiro_mandate(demo_engine, operator, "100234", NOW)

    assert mandate.status == "active"
    with Session(demo_engine) as session:
        statuses = {
            m.kind: m.status
            for m in session.exec(
                select(PaymentMethod).where(PaymentMethod.customer_id == mandate.customer_id)
            )
        }
        actors = [
            e.actor
            for e in session.exec(select(AuditEvent).where(AuditEvent.action == "activate_autogiro_mandate"))
        ]
    assert statuses == {"autogiro": "active", "paper": "superseded"}
    assert actors == ["operator:nordvag/backoffice"]


def test_autogiro_again_on_active_account_is_unchanged(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    actions.change_payment_method(ctx, "autogiro", AUTOGIRO)
    operator = Principal(kind="operator", biller_id="nordvag", operator_id="backoffice")
    actions.activate_autogiro_mandate(demo_engine, operator, "100234", NOW)

    error = error_of(lambda: actions.change_payment_method(context(demo_engine), "autogiro", AUTOGIRO))

    assert error.code == "method_unchanged"


def test_autogiro_again_while_pending_is_refused(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    actions.change_payment_method(ctx, "autogiro", AUTOGIRO)

    error = error_of(lambda: actions.change_payment_method(ctx, "autogiro", AUTOGIRO))

    assert error.code == "mandate_pending"
    with Session(demo_engine) as session:
        pending = session.exec(select(PaymentMethod).where(PaymentMethod.status == "pending_signature")).all()
    assert len(pending) == 1


@pytest.mark.parametrize(
    ("biller_id", "customer_number"),
    [
        ("nordvag", "100871"),
        ("alvkraft", "7700421"),
        ("lyra", "L-300045"),
    ],
)
def test_demo_method_entered_again_is_unchanged(demo_engine, biller_id, customer_number):
    methods = json.loads((DEMO_FIXTURES / "payment_methods.json").read_text(encoding="utf-8"))
    active = next(
        method
        for method in methods
        if (method["biller_id"], method["customer_number"], method["status"])
        == (biller_id, customer_number, "active")
    )
    detail_names = {*REQUIRED_DETAILS[active["kind"]], *OPTIONAL_DETAILS.get(active["kind"], ())}
    entered = {name: value for name, value in active["details"].items() if name in detail_names}
    customer = Principal(kind="customer", biller_id=biller_id, customer_number=customer_number)

    error = error_of(
        lambda: actions.change_payment_method(
            context(demo_engine, principal=customer), active["kind"], entered
        )
    )

    assert error.code == "method_unchanged"


def test_mandate_activation_without_pending_is_not_found(demo_engine):
    operator = Principal(kind="operator", biller_id="nordvag", operator_id="backoffice")

    error = error_of(lambda: actions.activate_autogiro_mandate(demo_engine, operator, "100234", NOW))

    assert error.code == "no_pending_mandate"


def test_used_token_other_days_mismatch(demo_engine):
    ctx = context(demo_engine)
    quote = actions.grant_deferral(ctx, ANNA_LATEST, 14)
    actions.grant_deferral(ctx, ANNA_LATEST, 14, confirmation_token=quote.confirmation_token)

    error = error_of(
        lambda: actions.grant_deferral(ctx, ANNA_LATEST, 20, confirmation_token=quote.confirmation_token)
    )

    assert error.code == "confirmation_token_mismatch"


def test_confirmation_accepts_the_invoice_number_in_any_case(demo_engine):
    ctx = context(demo_engine)
    quote = actions.grant_deferral(ctx, ANNA_LATEST, 14)

    granted = actions.grant_deferral(
        ctx, ANNA_LATEST.lower(), 14, confirmation_token=quote.confirmation_token
    )

    assert granted.status == "granted"


def test_new_email_address_is_a_change(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    actions.change_payment_method(ctx, "email_pdf", {"email": "anna@example.se"})

    again = error_of(lambda: actions.change_payment_method(ctx, "email_pdf", {"email": "anna@example.se"}))
    changed = actions.change_payment_method(ctx, "email_pdf", {"email": "anna.lindqvist@example.se"})

    assert again.code == "method_unchanged"
    assert changed.status == "applied"


def test_switching_away_withdraws_pending_mandate(demo_engine):
    ctx = context(demo_engine, policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)))
    actions.change_payment_method(ctx, "autogiro", AUTOGIRO)

    result = actions.change_payment_method(ctx, "kivra", {})

    assert "Autogiromedgivandet som väntar på underskrift dras tillbaka." in result.message
