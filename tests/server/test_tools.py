"""End-to-end tool calls through the SDK client, in process, on the demo data."""

import datetime as dt
import json

import pytest
from mcp import Client
from sqlmodel import Session, select

from invoice_mcp.domain.identifiers import luhn_check_digit
from invoice_mcp.domain.principal import Principal
from invoice_mcp.server.app import build_server
from invoice_mcp.store.models import AuditEvent, PaymentExtension, PaymentMethod
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


def refusal(result):
    """Return the JSON body of an error result, which carries the code and fields."""
    assert result.is_error
    assert result.structured_content is None
    return json.loads(result.content[0].text)


MODES = ["auto", "legacy"]


async def latest_invoice_number(client):
    result = await client.call_tool("list_invoices", {"limit": 1})
    return result.structured_content["invoices"][0]["invoice_number"]


@pytest.mark.parametrize("mode", MODES)
async def test_list_invoices_pages_newest_first(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        first = await client.call_tool("list_invoices", {"limit": 5})
        second = await client.call_tool(
            "list_invoices", {"limit": 20, "cursor": first.structured_content["next_cursor"]}
        )

    pages = first.structured_content["invoices"] + second.structured_content["invoices"]
    dates = [invoice["issue_date"] for invoice in pages]
    assert not first.is_error
    assert len(pages) >= 13
    assert dates == sorted(dates, reverse=True)
    assert len({invoice["invoice_number"] for invoice in pages}) == len(pages)
    assert "next_cursor" not in second.structured_content


async def test_list_invoices_filters_by_derived_status(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool("list_invoices", {"status": "paid", "limit": 50})

    statuses = {invoice["status"] for invoice in result.structured_content["invoices"]}
    assert statuses == {"paid"}


@pytest.mark.parametrize("mode", MODES)
async def test_get_invoice_shows_lines_and_how_to_pay(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        number = await latest_invoice_number(client)
        result = await client.call_tool("get_invoice", {"invoice_number": number})

    invoice = result.structured_content
    assert not result.is_error
    line_total = sum(line["amount"]["amount_minor"] for line in invoice["lines"])
    assert line_total + invoice["rounding"]["amount_minor"] == invoice["total"]["amount_minor"]
    instructions = invoice["payment_instructions"]
    assert instructions["ocr_reference"]
    assert instructions["bankgiro"] in instructions["text"]
    assert invoice["customer"]["locale"] == "sv"


@pytest.mark.parametrize("mode", MODES)
async def test_explain_amount_causes_add_up(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        number = await latest_invoice_number(client)
        result = await client.call_tool("explain_amount", {"invoice_number": number})

    explanation = result.structured_content
    causes = explanation["causes"]
    assert not result.is_error
    assert explanation["baseline"]["kind"] == "previous"
    assert sum(c["amount_minor"] for c in causes) == explanation["difference"]["amount_minor"]
    assert explanation["difference"]["amount_minor"] > 0
    assert causes[0]["kind"] == "roaming_added"
    assert causes[0]["countries"] == ["NO"]
    assert "Norge" in explanation["summary"]


async def test_explain_amount_in_english_per_call(demo_server):
    async with Client(demo_server) as client:
        number = await latest_invoice_number(client)
        result = await client.call_tool("explain_amount", {"invoice_number": number, "locale": "en"})

    assert "Norway" in result.structured_content["summary"]
    assert result.structured_content["total"]["formatted"].startswith("SEK ")


async def test_explain_amount_first_invoice_has_no_baseline(demo_server):
    async with Client(demo_server) as client:
        listing = await client.call_tool("list_invoices", {"limit": 50})
        oldest = listing.structured_content["invoices"][-1]["invoice_number"]
        result = await client.call_tool("explain_amount", {"invoice_number": oldest})

    assert result.structured_content["no_baseline_reason"] == "no_earlier_invoice"
    assert result.structured_content["composition"]


async def test_foreign_invoice_reads_as_not_found(demo_engine):
    maria = Principal(kind="customer", biller_id="alvkraft", customer_number="5001234")
    async with Client(build_server(make_settings(demo_engine, principal=maria))) as client:
        foreign_number = (await client.call_tool("list_invoices", {"limit": 1})).structured_content[
            "invoices"
        ][0]["invoice_number"]
    async with Client(build_server(make_settings(demo_engine))) as client:
        foreign = await client.call_tool("get_invoice", {"invoice_number": foreign_number})
        missing = await client.call_tool("get_invoice", {"invoice_number": "NO-SUCH-1"})

    assert foreign.is_error and missing.is_error
    assert refusal(foreign)["code"] == refusal(missing)["code"] == "invoice_not_found"
    assert refusal(foreign)["message"].replace(foreign_number, "X") == refusal(missing)["message"].replace(
        "NO-SUCH-1", "X"
    )


@pytest.mark.parametrize("mode", MODES)
async def test_grant_deferral_quote_then_confirm(demo_server, demo_engine, mode):
    async with Client(demo_server, mode=mode) as client:
        number = await latest_invoice_number(client)
        quote = await client.call_tool("grant_deferral", {"invoice_number": number, "days": 14})
        with Session(demo_engine) as session:
            assert session.exec(select(PaymentExtension)).all() == []
        token = quote.structured_content["confirmation_token"]
        granted = await client.call_tool(
            "grant_deferral", {"invoice_number": number, "days": 14, "confirmation_token": token}
        )
        replay = await client.call_tool(
            "grant_deferral", {"invoice_number": number, "days": 14, "confirmation_token": token}
        )
        detail = await client.call_tool("get_invoice", {"invoice_number": number})

    assert quote.structured_content["status"] == "needs_confirmation"
    assert granted.structured_content["status"] == "granted"
    assert granted.structured_content["new_due_date"] == quote.structured_content["new_due_date"]
    assert replay.structured_content["replayed"] is True
    assert detail.structured_content["due_date"] == quote.structured_content["new_due_date"]
    with Session(demo_engine) as session:
        assert len(session.exec(select(PaymentExtension)).all()) == 1
        outcomes = [e.outcome for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert outcomes == ["quoted", "applied"]


async def test_grant_deferral_token_for_other_days_is_rejected(demo_server):
    async with Client(demo_server) as client:
        number = await latest_invoice_number(client)
        quote = await client.call_tool("grant_deferral", {"invoice_number": number, "days": 14})
        token = quote.structured_content["confirmation_token"]
        result = await client.call_tool(
            "grant_deferral", {"invoice_number": number, "days": 30, "confirmation_token": token}
        )

    assert result.is_error
    assert refusal(result)["code"] == "confirmation_token_mismatch"


async def test_grant_deferral_expired_token_is_rejected(demo_engine):
    quoted_at = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    async with Client(build_server(make_settings(demo_engine, now=quoted_at))) as client:
        number = await latest_invoice_number(client)
        quote = await client.call_tool("grant_deferral", {"invoice_number": number, "days": 14})
    later = quoted_at + dt.timedelta(minutes=11)
    async with Client(build_server(make_settings(demo_engine, now=later))) as client:
        result = await client.call_tool(
            "grant_deferral",
            {
                "invoice_number": number,
                "days": 14,
                "confirmation_token": quote.structured_content["confirmation_token"],
            },
        )

    assert refusal(result)["code"] == "confirmation_token_expired"
    with Session(demo_engine) as session:
        assert session.exec(select(PaymentExtension)).all() == []


async def test_grant_deferral_too_many_days_names_limit(demo_server):
    async with Client(demo_server) as client:
        number = await latest_invoice_number(client)
        result = await client.call_tool("grant_deferral", {"invoice_number": number, "days": 45})

    assert result.is_error
    assert refusal(result)["code"] == "too_many_days"
    assert refusal(result)["field"] == "days"
    assert "45" in refusal(result)["message"]


@pytest.mark.parametrize("days", [400, 10**30])
async def test_grant_deferral_far_beyond_limit_names_limit(demo_server, days):
    async with Client(demo_server) as client:
        number = await latest_invoice_number(client)
        result = await client.call_tool("grant_deferral", {"invoice_number": number, "days": days})

    assert result.is_error
    assert refusal(result)["code"] == "too_many_days"
    assert refusal(result)["limit"] == 30


async def test_grant_deferral_refused_after_reminder(demo_engine):
    maria = Principal(kind="customer", biller_id="alvkraft", customer_number="5001234")
    async with Client(build_server(make_settings(demo_engine, principal=maria))) as client:
        listing = await client.call_tool("list_invoices", {"status": "reminded"})
        number = listing.structured_content["invoices"][0]["invoice_number"]
        result = await client.call_tool("grant_deferral", {"invoice_number": number, "days": 10})

    assert result.is_error
    assert refusal(result)["code"] == "invoice_reminded"
    assert refusal(result)["reason"]
    with Session(demo_engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
    assert [e.code for e in refused] == ["invoice_reminded"]


@pytest.mark.parametrize("mode", MODES)
async def test_change_to_autogiro_is_pending_signature(demo_server, demo_engine, mode):
    holder = "19850312" + "123" + luhn_check_digit("850312123")
    arguments = {
        "method": "autogiro",
        "details": {
            "clearing_number": "6789",
            "account_number": "123 456 789",
            "account_holder_identity_number": holder,
        },
    }
    async with Client(demo_server, mode=mode) as client:
        quote = await client.call_tool("change_payment_method", arguments)
        token = quote.structured_content["confirmation_token"]
        applied = await client.call_tool("change_payment_method", {**arguments, "confirmation_token": token})

    result = applied.structured_content
    assert result["status"] == "applied"
    assert result["method_status"] == "pending_signature"
    assert result["applies_from_issue_date"] > "2026-12-04"
    assert result["already_issued"], "the open latest invoice is still paid the old way"
    text = str(quote.content) + str(applied.content)
    assert "123456789" not in text
    assert holder not in text
    with Session(demo_engine) as session:
        pending = session.exec(select(PaymentMethod).where(PaymentMethod.status == "pending_signature")).all()
        audit_text = str([e.parameters for e in session.exec(select(AuditEvent)).all()])
    assert len(pending) == 1
    assert holder not in audit_text
    assert "123456789" not in audit_text


async def test_card_number_is_refused_and_never_stored(demo_server, demo_engine):
    async with Client(demo_server) as client:
        result = await client.call_tool(
            "change_payment_method", {"method": "card", "details": {"card_token": "4111 1111 1111 1111"}}
        )

    assert result.is_error
    assert refusal(result)["code"] == "raw_card_number"
    assert "4111" not in str(result.content)
    with Session(demo_engine) as session:
        audit_text = str([e.parameters for e in session.exec(select(AuditEvent)).all()])
    assert "4111" not in audit_text


@pytest.mark.parametrize("mode", MODES)
async def test_bad_argument_is_a_coded_refusal(demo_server, mode):
    async with Client(demo_server, mode=mode) as client:
        result = await client.call_tool("grant_deferral", {"invoice_number": "X", "days": 0})

    body = refusal(result)
    assert body["code"] == "invalid_argument"
    assert body["field"] == "days"
    assert "0" in body["message"]
    assert "greater than or equal to 1" in body["message"]
    assert body["reason"] == "Uppgiften antal dagar är inte giltig."


async def test_null_argument_is_named_null(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool("explain_amount", {"invoice_number": "X", "baseline": None})

    body = refusal(result)
    assert body["field"] == "baseline"
    assert body["message"].startswith("baseline null is invalid: ")
    assert "'previous'" in body["message"]


async def test_bad_string_argument_is_not_echoed(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool("change_payment_method", {"method": "4111 1111 1111 1111"})

    body = refusal(result)
    assert body["field"] == "method"
    assert "4111" not in result.content[0].text


async def test_refusal_reason_in_customer_language(demo_engine):
    sara = Principal(kind="customer", biller_id="lyra", customer_number="L-300112")
    async with Client(build_server(make_settings(demo_engine, principal=sara))) as client:
        result = await client.call_tool("grant_deferral", {"invoice_number": "LF-2026-0098012", "days": 5})

    body = refusal(result)
    assert body["code"] == "past_due_date"
    assert body["reason"].startswith("The due date has passed")


async def test_overdue_instructions_say_pay_now(demo_engine):
    bakery = Principal(kind="customer", biller_id="alvkraft", customer_number="7700421")
    async with Client(build_server(make_settings(demo_engine, principal=bakery))) as client:
        result = await client.call_tool("get_invoice", {"invoice_number": "AK-2026-0299221"})

    text = result.structured_content["payment_instructions"]["text"]
    assert result.structured_content["status"] == "overdue"
    assert "förföll 2026-11-10" in text
    assert "dras via autogiro" not in text


async def test_overdue_filter_includes_reminded(demo_engine):
    maria = Principal(kind="customer", biller_id="alvkraft", customer_number="5001234")
    async with Client(build_server(make_settings(demo_engine, principal=maria))) as client:
        result = await client.call_tool("list_invoices", {"status": "overdue"})

    assert [i["status"] for i in result.structured_content["invoices"]] == ["reminded"]


async def test_invoice_number_ignores_case_and_spaces(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool("get_invoice", {"invoice_number": " nv-2026-0031745 "})

    assert result.structured_content["invoice_number"] == "NV-2026-0031745"


async def test_swish_needs_biller_swish_number(demo_engine):
    maria = Principal(kind="customer", biller_id="alvkraft", customer_number="5001234")
    async with Client(build_server(make_settings(demo_engine, principal=maria))) as client:
        result = await client.call_tool(
            "change_payment_method", {"method": "swish", "details": {"phone": "0701234567"}}
        )

    body = refusal(result)
    assert body["code"] == "method_not_offered"
    assert "swish" not in body["offered"]
    assert "Swish" not in body["reason"]


async def test_filtered_list_reports_progress(demo_server):
    updates = []

    async def on_progress(progress, total, message):
        updates.append((progress, message))

    async with Client(demo_server, mode="legacy") as client:
        result = await client.call_tool(
            "list_invoices", {"status": "paid", "limit": 3}, progress_callback=on_progress
        )

    assert len(result.structured_content["invoices"]) == 3
    # Every fourth-newest invoice onwards is paid, so filling three needs a second page of three.
    assert updates and updates[0][0] == 1


@pytest.mark.parametrize("mode", MODES)
async def test_bad_ocr_reference_warns(demo_server, demo_engine, mode):
    from sqlalchemy import text

    with demo_engine.begin() as connection:
        connection.execute(
            text("UPDATE invoice SET ocr_reference = '12345678' WHERE invoice_number = 'NV-2026-0031745'")
        )
    messages = []

    async def on_log(params):
        messages.append((params.level, params.data))

    async with Client(demo_server, mode=mode, logging_callback=on_log, log_level="info") as client:
        result = await client.call_tool("get_invoice", {"invoice_number": "NV-2026-0031745"})

    warnings = result.structured_content["warnings"]
    assert len(warnings) == 1
    assert "12345678" in warnings[0]
    assert "fel kontrollsiffra" in warnings[0]
    assert [level for level, _ in messages] == ["warning"]
    assert "fails its check digit" in str(messages[0][1])


async def test_missing_detail_reads_missing_in_swedish(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool(
            "change_payment_method",
            {"method": "autogiro", "details": {"clearing_number": "6789", "account_number": "123 456 789"}},
        )

    body = refusal(result)
    assert body["field"] == "details.account_holder_identity_number"
    assert "is missing" in body["message"]
    assert body["reason"] == "Uppgiften kontoinnehavarens personnummer saknas."


async def test_unknown_payment_detail_named_in_words(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool(
            "change_payment_method", {"method": "kivra", "details": {"provider": "x"}}
        )

    body = refusal(result)
    assert body["field"] == "details.provider"
    assert body["reason"] == "Uppgiften för betalsättet är inte giltig."


async def test_detail_the_method_does_not_take(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool(
            "change_payment_method", {"method": "kivra", "details": {"email": "anna@example.se"}}
        )

    body = refusal(result)
    assert body["code"] == "detail_not_used"
    assert body["field"] == "details.email"
    assert body["message"] == "details.email '(not shown)' is invalid: method 'kivra' takes no details"
    assert body["reason"] == "Uppgiften e-postadress behövs inte för Kivra."


@pytest.mark.parametrize(
    ("invoice_number", "expected"),
    [
        ("", "invoice_number '' is invalid: must not be empty"),
        ("x" * 41, "invoice_number '(not shown)' is invalid: must be at most 40 characters long"),
    ],
)
async def test_text_length_refusal_counts_characters(demo_server, invoice_number, expected):
    async with Client(demo_server) as client:
        result = await client.call_tool("explain_amount", {"invoice_number": invoice_number})

    assert refusal(result)["message"] == expected


async def test_bad_date_is_shown_and_other_problems_named(demo_server):
    async with Client(demo_server) as client:
        bad_date = await client.call_tool("list_invoices", {"issued_from": "2026-13-01"})
        other_layout = await client.call_tool("list_invoices", {"issued_from": "01/02/2026"})
        identity = await client.call_tool("list_invoices", {"issued_from": "19840317-2482"})
        two = await client.call_tool(
            "change_payment_method",
            {"method": "autogiro", "details": {"clearing_number": 6789, "account_number": 123456789}},
        )

    assert refusal(bad_date)["message"].startswith("issued_from '2026-13-01' is invalid: ")
    assert refusal(other_layout)["message"].startswith("issued_from '01/02/2026' is invalid: ")
    assert "19840317" not in refusal(identity)["message"]
    message = refusal(two)["message"]
    assert message.endswith("(and 1 more problem: details.account_number)")
    assert "123456789" not in message


async def test_misspelt_argument_is_refused(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool("list_invoices", {"stauts": "unpaid"})

    assert result.is_error
    assert refusal(result)["code"] == "unknown_argument"
    assert refusal(result)["argument"] == "stauts"
    assert "status" in refusal(result)["message"]


async def test_argument_name_with_digits_is_not_shown(demo_server):
    async with Client(demo_server) as client:
        number = await latest_invoice_number(client)
        result = await client.call_tool("get_invoice", {"invoice_number": number, "19840317-2482": "x"})

    assert result.is_error
    assert refusal(result)["code"] == "unknown_argument"
    assert "19840317" not in result.content[0].text


async def test_tool_descriptions_have_no_wrapping_indent(demo_server):
    async with Client(demo_server) as client:
        tools = (await client.list_tools()).tools

    for tool in tools:
        assert "\n " not in tool.description, tool.name


async def test_leaving_paper_says_its_fee_stops(demo_server):
    async with Client(demo_server) as client:
        result = await client.call_tool("change_payment_method", {"method": "kivra", "locale": "sv"})

    message = result.structured_content["message"]
    assert message.startswith("Efter bytet gäller Kivra från fakturan som skapas")
    assert "Avgiften för pappersfaktura, 29,00 kr per faktura, tas då bort." in message
