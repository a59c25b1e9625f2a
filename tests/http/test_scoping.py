"""Cross-customer and cross-biller attempts over stdio and HTTP: nothing leaks.

Every attempt names an invoice or customer the caller may not see. The answer must be the
same as for an identifier that does not exist, apart from the identifier itself.
"""

import json
import sys

import pytest
from mcp import Client, StdioServerParameters
from sqlmodel import Session, func, select

from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.models import ActionQuote, PaymentExtension, PaymentMethod
from tests.conftest import DEMO_FIXTURES
from tests.http.conftest import http_client, make_token, start_http_server, stop

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

INVOICES = json.loads((DEMO_FIXTURES / "invoices.json").read_text(encoding="utf-8"))
CUSTOMERS = json.loads((DEMO_FIXTURES / "customers.json").read_text(encoding="utf-8"))
ANNA = ("nordvag", "100234")
FOREIGN_INVOICES = [i["invoice_number"] for i in INVOICES if (i["biller_id"], i["customer_number"]) != ANNA]
ANNA_INVOICES = [i["invoice_number"] for i in INVOICES if (i["biller_id"], i["customer_number"]) == ANNA]
FOREIGN_CUSTOMERS = [
    c["customer_number"] for c in CUSTOMERS if (c["biller_id"], c["customer_number"]) != ANNA
]
MISSING_INVOICE = "NV-0000-0000000"
MISSING_CUSTOMER = "000000"


def guessed_numbers():
    """Numbers near Anna's own, in other shapes and with injection-looking text."""
    guesses = []
    for number in ANNA_INVOICES:
        prefix, year, serial = number.split("-")
        for step in (1, -1, 2, -2, 100, 1700):
            guesses.append(f"{prefix}-{year}-{int(serial) + step:07d}")
    guesses += [
        "NV-2026-%",
        "NV-2026-0031745' OR '1'='1",
        "*",
        "../../etc/passwd",
        "1",
        "0",
        "NV-2026-00317450",
    ]
    own = set(ANNA_INVOICES)
    return [g for g in guesses if g not in own and g not in FOREIGN_INVOICES]


def attempts():
    """(tool, arguments, the identifier to blank out, reference arguments) for every attempt."""
    result = []
    invoice_tools = [
        ("get_invoice", {}),
        ("get_invoice", {"locale": "en"}),
        ("explain_amount", {"baseline": "previous"}),
        ("explain_amount", {"baseline": "typical"}),
        ("explain_amount", {"baseline": "same_period_last_year"}),
        ("grant_deferral", {"days": 7}),
        ("grant_deferral", {"days": 14, "idempotency_key": "scoping-attempt"}),
    ]
    for number in FOREIGN_INVOICES + guessed_numbers():
        for tool, extra in invoice_tools:
            result.append(
                (
                    tool,
                    {"invoice_number": number, **extra},
                    number,
                    {"invoice_number": MISSING_INVOICE, **extra},
                )
            )
    customer_tools = [
        ("list_invoices", {}),
        ("get_invoice", {"invoice_number": ANNA_INVOICES[0]}),
        ("explain_amount", {"invoice_number": ANNA_INVOICES[0]}),
        ("grant_deferral", {"invoice_number": ANNA_INVOICES[-1], "days": 7}),
        ("change_payment_method", {"method": "kivra"}),
    ]
    for customer in FOREIGN_CUSTOMERS:
        for tool, extra in customer_tools:
            result.append(
                (
                    tool,
                    {**extra, "customer_number": customer},
                    customer,
                    {**extra, "customer_number": MISSING_CUSTOMER},
                )
            )
    return result


ATTEMPTS = attempts()


def blank(text, identifier, replacement):
    return text.replace(identifier, "<id>").replace(replacement, "<id>")


async def check_no_leaks(client):
    references = {}
    leaks = []
    for tool, arguments, identifier, reference_arguments in ATTEMPTS:
        key = (tool, json.dumps(reference_arguments, sort_keys=True))
        if key not in references:
            references[key] = await client.call_tool(tool, reference_arguments)
        reference = references[key]
        result = await client.call_tool(tool, arguments)
        missing_id = reference_arguments.get("customer_number") or reference_arguments.get("invoice_number")
        if (
            not result.is_error
            or result.structured_content is not None
            or blank(result.content[0].text, identifier, missing_id)
            != blank(reference.content[0].text, missing_id, missing_id)
        ):
            leaks.append((tool, arguments, result.content[0].text[:200]))
    return leaks


def assert_store_unchanged(url):
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ActionQuote)).one() == 0
        assert session.exec(select(func.count()).select_from(PaymentExtension)).one() == 0
        assert session.exec(select(func.count()).select_from(PaymentMethod)).one() == 7
    engine.dispose()


def test_suite_has_at_least_a_thousand_attempts():
    assert len(ATTEMPTS) >= 1000


async def test_no_leaks_over_stdio(sqlite_store):
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "invoice_mcp",
            "serve",
            "--database-url",
            sqlite_store,
            "--biller",
            ANNA[0],
            "--customer",
            ANNA[1],
            "--today",
            "2026-12-04",
            "--log-level",
            "WARNING",
        ],
    )
    async with Client(params) as client:
        leaks = await check_no_leaks(client)

    assert leaks == []
    assert_store_unchanged(sqlite_store)


async def test_no_leaks_over_http(sqlite_store):
    server = start_http_server(sqlite_store)
    try:
        token = make_token(sqlite_store, "--biller", ANNA[0], "--customer", ANNA[1])
        async with http_client(server, token) as client:
            leaks = await check_no_leaks(client)
    finally:
        stop(server)

    assert leaks == []
    assert_store_unchanged(sqlite_store)


async def test_operator_sees_no_other_biller_over_http(sqlite_store):
    server = start_http_server(sqlite_store)
    try:
        token = make_token(sqlite_store, "--biller", "lyra", "--operator", "support-1")
        async with http_client(server, token) as client:
            leaks = []
            for customer in [c["customer_number"] for c in CUSTOMERS if c["biller_id"] != "lyra"]:
                for number in [i["invoice_number"] for i in INVOICES if i["customer_number"] == customer][:5]:
                    result = await client.call_tool(
                        "get_invoice", {"invoice_number": number, "customer_number": customer}
                    )
                    reference = await client.call_tool(
                        "get_invoice", {"invoice_number": number, "customer_number": MISSING_CUSTOMER}
                    )
                    if blank(result.content[0].text, customer, MISSING_CUSTOMER) != reference.content[
                        0
                    ].text.replace(MISSING_CUSTOMER, "<id>"):
                        leaks.append((customer, number))
    finally:
        stop(server)

    assert leaks == []
