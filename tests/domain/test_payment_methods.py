import datetime as dt

import pytest

from invoice_mcp.domain.errors import InvalidFieldError, RefusedError
from invoice_mcp.domain.identifiers import luhn_check_digit
from invoice_mcp.domain.payment_methods import (
    applies_from,
    billing_day,
    next_issue_date,
    validate_method_change,
)
from invoice_mcp.domain.policy import PaymentMethodPolicy

TODAY = dt.date(2026, 12, 4)
POLICY = PaymentMethodPolicy()
# A fictional personal identity number with a valid check digit.
HOLDER = "19850312" + "123" + luhn_check_digit("850312123")


def validate(
    kind, details, *, current="paper", current_details=None, customer_kind="consumer", policy=POLICY
):
    return validate_method_change(
        kind,
        details,
        policy=policy,
        current_kind=current,
        current_details=current_details,
        customer_kind=customer_kind,
        today=TODAY,
    )


def test_autogiro_is_pending_and_masked():
    method = validate(
        "autogiro",
        {
            "clearing_number": "6789",
            "account_number": "123 456 789",
            "account_holder_identity_number": HOLDER,
        },
    )

    assert method.status == "pending_signature"
    assert method.details["account_number"] == "123456789"
    assert method.masked_details["account_number"].endswith("6789")
    assert "123456789" not in str(method.masked_details)
    assert HOLDER not in str(method.masked_details)


def test_autogiro_rejects_wrong_check_digit():
    with pytest.raises(InvalidFieldError) as caught:
        validate(
            "autogiro",
            {
                "clearing_number": "6789",
                "account_number": "123456788",
                "account_holder_identity_number": HOLDER,
            },
        )

    assert caught.value.details["field"] == "details.account_number"
    assert "123456788" not in caught.value.message


def test_autogiro_needs_every_detail():
    with pytest.raises(InvalidFieldError) as caught:
        validate("autogiro", {"clearing_number": "6789", "account_number": "123456789"})

    assert caught.value.details["field"] == "details.account_holder_identity_number"


@pytest.mark.parametrize(
    "details",
    [
        pytest.param({"card_token": "4111 1111 1111 1111"}, id="spaced"),
        pytest.param({"card_token": "4111111111111111"}, id="plain"),
        pytest.param({"card_token": "4111-1111-1111-1111"}, id="hyphens"),
    ],
)
def test_card_number_is_refused_without_echo(details):
    with pytest.raises(RefusedError) as caught:
        validate("card", details)

    assert caught.value.code == "raw_card_number"
    assert "4111" not in caught.value.message


def test_card_token_is_accepted_masked():
    method = validate("card", {"card_token": "pm_1QxAbCdEfGh12345"})

    assert method.status == "active"
    assert method.masked_details["card_token"] != "pm_1QxAbCdEfGh12345"


def test_swish_normalizes_mobile_number():
    method = validate("swish", {"phone": "070-123 45 67"})

    assert method.details["phone"] == "+46701234567"


def test_swish_rejects_landline():
    with pytest.raises(InvalidFieldError) as caught:
        validate("swish", {"phone": "08-123 456 78"})

    assert caught.value.details["field"] == "details.phone"


def test_email_pdf_rejects_bad_address():
    with pytest.raises(InvalidFieldError) as caught:
        validate("email_pdf", {"email": "anna.example.se"})

    assert caught.value.details["field"] == "details.email"


def test_paper_carries_policy_fee():
    method = validate("paper", {}, current="e_invoice")

    assert method.fee_minor == POLICY.paper_invoice_fee_minor


def test_unknown_detail_is_rejected():
    with pytest.raises(InvalidFieldError) as caught:
        validate("kivra", {"note": "hello"})

    assert caught.value.details["field"] == "details.note"


def test_method_not_offered_is_refused():
    policy = PaymentMethodPolicy(offered=("autogiro", "paper"))

    with pytest.raises(RefusedError) as caught:
        validate("swish", {"phone": "0701234567"}, policy=policy)

    assert caught.value.code == "method_not_offered"


AUTOGIRO_DETAILS = {
    "clearing_number": "6789",
    "account_number": "123 456 789",
    "account_holder_identity_number": HOLDER,
}


def test_same_autogiro_account_is_refused():
    active = validate("autogiro", AUTOGIRO_DETAILS).details

    with pytest.raises(RefusedError) as caught:
        validate("autogiro", AUTOGIRO_DETAILS, current="autogiro", current_details=active)

    assert caught.value.code == "method_unchanged"


def test_other_autogiro_account_is_a_change():
    active = {**validate("autogiro", AUTOGIRO_DETAILS).details, "account_number": "987654321"}

    method = validate("autogiro", AUTOGIRO_DETAILS, current="autogiro", current_details=active)

    assert method.status == "pending_signature"


def test_same_method_is_refused():
    with pytest.raises(RefusedError) as caught:
        validate("paper", {}, current="paper")

    assert caught.value.code == "method_unchanged"


def test_next_issue_date_follows_monthly_rhythm():
    assert next_issue_date(dt.date(2026, 11, 25), dt.date(2026, 12, 25)) == dt.date(2026, 12, 25)
    assert next_issue_date(dt.date(2026, 11, 25), dt.date(2026, 12, 26)) == dt.date(2027, 1, 25)
    assert next_issue_date(dt.date(2026, 1, 31), dt.date(2026, 2, 1)) == dt.date(2026, 2, 28)


def test_autogiro_applies_after_lead_time():
    # 21 days after 2026-12-04 is 2026-12-25, which is the December issue date.
    issued = [dt.date(2026, 11, 25), dt.date(2026, 10, 25)]
    assert applies_from("autogiro", POLICY, issued, TODAY) == dt.date(2026, 12, 25)
    assert applies_from("autogiro", POLICY, issued, dt.date(2026, 12, 5)) == dt.date(2027, 1, 25)


def test_reissue_off_cycle_keeps_billing_day():
    # November's invoice was credited and reissued on 2026-12-02; the cycle stays on the 25th.
    issued = [dt.date(2026, 12, 2), dt.date(2026, 11, 25), dt.date(2026, 10, 25)]

    assert billing_day(issued) == 25
    assert applies_from("kivra", POLICY, issued, TODAY) == dt.date(2026, 12, 25)


def test_month_end_billing_stays_at_month_end():
    issued = [dt.date(2026, 11, 30), dt.date(2026, 10, 31), dt.date(2026, 9, 30)]

    assert billing_day(issued) == 31
    assert next_issue_date(issued[0], dt.date(2026, 12, 1), billing_day(issued)) == dt.date(2026, 12, 31)


def test_same_email_in_other_case_is_unchanged():
    with pytest.raises(RefusedError) as caught:
        validate(
            "email_pdf",
            {"email": "Maria.Svensson@Example.se"},
            current="email_pdf",
            current_details={"email": "maria.svensson@example.se"},
        )

    assert caught.value.code == "method_unchanged"
