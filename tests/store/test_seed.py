"""Tests of the fixture loader against the demo fixtures and broken copies of them."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, func, select

from invoice_mcp.domain.payment_methods import (
    OPTIONAL_DETAILS,
    REQUIRED_DETAILS,
    masked_details,
    validate_method_change,
)
from invoice_mcp.domain.policy import PaymentMethodPolicy
from invoice_mcp.store import seed
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.models import Biller, Customer, Invoice, InvoiceLine, Payment, PaymentMethod
from invoice_mcp.store.seed import FIXTURE_FILES, SeedError, SeedReport, load_fixtures, seed_fixtures

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = REPOSITORY_ROOT / "fixtures" / "demo"
GENERATOR_PATH = REPOSITORY_ROOT / "tools" / "generate_demo_fixtures.py"
REFERENCE_DATE = dt.date(2026, 12, 4)
LOADED_TABLES = (Biller, Customer, PaymentMethod, Invoice, InvoiceLine, Payment)

DEMO_REPORT = SeedReport(
    billers=3, customers=6, payment_methods=7, invoices=80, credit_notes=1, lines=153, payments=69
)


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    load_fixtures(engine, DEMO_DIR)
    return engine


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in LOADED_TABLES
        }


def customer_invoices(session: Session, customer_number: str, kind: str = "invoice") -> list[Invoice]:
    statement = (
        select(Invoice)
        .join(Customer, col(Customer.id) == col(Invoice.customer_id))
        .where(Customer.customer_number == customer_number, Invoice.kind == kind)
        .order_by(col(Invoice.issue_date), col(Invoice.id))
    )
    return list(session.exec(statement))


def invoice_lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    statement = (
        select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(col(InvoiceLine.position))
    )
    return list(session.exec(statement))


def invoice_payments(session: Session, invoice: Invoice) -> list[Payment]:
    return list(session.exec(select(Payment).where(Payment.invoice_id == invoice.id)))


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_demo_fixtures", GENERATOR_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- The demo set -------------------------------------------------------------------


def test_demo_load_reports_counts(engine: Engine) -> None:
    report = load_fixtures(engine, DEMO_DIR)

    assert report == DEMO_REPORT
    assert row_counts(engine) == {
        "Biller": 3,
        "Customer": 6,
        "PaymentMethod": 7,
        "Invoice": 80,
        "InvoiceLine": 153,
        "Payment": 69,
    }


def test_seed_fixtures_alias_loads(engine: Engine) -> None:
    assert seed_fixtures(engine, DEMO_DIR) == DEMO_REPORT


def test_demo_files_match_generator(tmp_path: Path) -> None:
    load_generator().write_fixtures(tmp_path)

    for file_name in FIXTURE_FILES:
        generated = (tmp_path / file_name).read_text(encoding="utf-8")
        committed = (DEMO_DIR / file_name).read_text(encoding="utf-8")
        assert generated == committed, f"{file_name} differs: run tools/generate_demo_fixtures.py"


def test_demo_load_into_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    SQLModel.metadata.create_all(engine)

    report = load_fixtures(engine, DEMO_DIR)

    assert report == DEMO_REPORT
    assert row_counts(engine)["InvoiceLine"] == 153
    engine.dispose()


def test_every_customer_has_thirteen_issue_months(demo_engine: Engine) -> None:
    expected_months = [(2025, 11), (2025, 12)] + [(2026, month) for month in range(1, 12)]
    with Session(demo_engine) as session:
        customers = session.exec(select(Customer)).all()
        for customer in customers:
            invoices = customer_invoices(session, customer.customer_number)
            months = sorted({(invoice.issue_date.year, invoice.issue_date.month) for invoice in invoices})
            assert months == expected_months, customer.customer_number
            assert max(invoice.issue_date for invoice in invoices) >= dt.date(2026, 11, 19)


def test_no_payment_after_reference_date(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        latest_payment = session.exec(select(func.max(Payment.paid_on))).one()
        latest_issue = session.exec(select(func.max(Invoice.issue_date))).one()

    assert latest_payment is not None and latest_payment <= REFERENCE_DATE
    assert latest_issue is not None and latest_issue <= REFERENCE_DATE


def test_anna_latest_invoice_adds_norway_roaming(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "100234")
        previous, latest = invoices[-2], invoices[-1]
        latest_lines = invoice_lines(session, latest)
        previous_lines = invoice_lines(session, previous)
        roaming = [line for line in latest_lines if line.category == "roaming"]

        assert latest.invoice_number == "NV-2026-0031745"
        assert latest.issue_date == dt.date(2026, 11, 25)
        assert latest.due_date == dt.date(2026, 12, 28)
        assert (latest.period_start, latest.period_end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
        assert latest.status == "open"
        assert invoice_payments(session, latest) == []
        assert latest.total_minor == 58200
        assert previous.total_minor == 27800
        assert not [line for line in previous_lines if line.category == "roaming"]
        assert {line.country_code for line in roaming} == {"NO"}
        assert {line.unit for line in roaming} == {"GB", "min"}
        assert sum(line.net_amount_minor + line.vat_amount_minor for line in roaming) == 30392


def test_anna_pays_earlier_invoices_on_time(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        earlier = customer_invoices(session, "100234")[:-1]
        for invoice in earlier:
            payments = invoice_payments(session, invoice)
            assert invoice.status == "paid", invoice.invoice_number
            assert sum(payment.amount_minor for payment in payments) == invoice.total_minor
            assert all(payment.paid_on <= invoice.due_date for payment in payments), invoice.invoice_number
            assert all(payment.method == "bankgiro" for payment in payments)


def test_anna_has_paper_fee_and_one_purchase(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "100234")
        lines = [line for invoice in invoices for line in invoice_lines(session, invoice)]
        method = session.exec(
            select(PaymentMethod).where(PaymentMethod.customer_id == invoices[0].customer_id)
        ).one()

    paper_fees = [line for line in lines if line.product_code == "NV-PAPPERSFAKTURA"]
    assert len(paper_fees) == 13
    assert {(line.category, line.net_amount_minor + line.vat_amount_minor) for line in paper_fees} == {
        ("fee", 2900)
    }
    assert [line.description for line in lines if line.category == "one_off"] == ["USB-C-laddare 20 W"]
    assert (method.kind, method.status) == ("paper", "active")


def test_liam_campaign_discount_stops_after_march(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "100871")
        discounted = [
            invoice.issue_date
            for invoice in invoices
            if any(line.category == "discount" for line in invoice_lines(session, invoice))
        ]

    assert discounted == [
        dt.date(2025, 11, 25),
        dt.date(2025, 12, 25),
        dt.date(2026, 1, 25),
        dt.date(2026, 2, 25),
    ]


def test_liam_plan_change_is_prorated(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoice = next(
            i for i in customer_invoices(session, "100871") if i.issue_date == dt.date(2026, 8, 25)
        )
        lines = invoice_lines(session, invoice)

    credit = [line for line in lines if line.category == "credit"]
    partial = [line for line in lines if line.unit == "dag" and line.category == "subscription"]
    advance = [line for line in lines if line.unit == "mån" and line.category == "subscription"]
    assert invoice.invoice_number == "NV-2026-0027171"
    assert invoice.total_minor == 51300
    assert [(line.product_code, line.net_amount_minor) for line in credit] == [("NV-MOBIL-BAS-8", -9244)]
    assert [(line.product_code, line.net_amount_minor) for line in partial] == [("NV-MOBIL-FRI-30", 13889)]
    assert [(line.product_code, line.period_start) for line in advance] == [
        ("NV-MOBIL-FRI-30", dt.date(2026, 9, 1))
    ]


def test_liam_late_payment_brings_interest(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "100871")
        late = [
            invoice
            for invoice in invoices
            if any(payment.paid_on > invoice.due_date for payment in invoice_payments(session, invoice))
        ]
        interest = [
            line
            for invoice in invoices
            for line in invoice_lines(session, invoice)
            if line.category == "interest"
        ]

    assert [invoice.invoice_number for invoice in late] == ["NV-2026-0020371"]
    assert len(interest) == 1
    assert late[0].invoice_number in interest[0].description
    assert interest[0].vat_rate_basis_points == 0
    assert interest[0].net_amount_minor > 0


def test_maria_reminded_invoice_and_reminder_fee(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "5001234")
        reminded, latest = invoices[-2], invoices[-1]
        latest_lines = invoice_lines(session, latest)
        reminded_payments = invoice_payments(session, reminded)

    fees = [line for line in latest_lines if line.category == "fee"]
    interest = [line for line in latest_lines if line.category == "interest"]
    assert (reminded.invoice_number, reminded.status, reminded.reminder_count) == (
        "AK-2026-0297434",
        "reminded",
        1,
    )
    assert reminded.total_minor == 54800
    assert reminded.due_date < REFERENCE_DATE
    assert reminded_payments == []
    assert (latest.status, latest.due_date) == ("open", dt.date(2026, 12, 10))
    assert [
        (line.description.split(",")[0], line.net_amount_minor, line.vat_rate_basis_points) for line in fees
    ] == [("Påminnelseavgift", 6000, 0)]
    assert len(interest) == 1
    assert reminded.invoice_number in interest[0].description


def test_maria_winter_use_exceeds_summer(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "5001234")
        usage = {
            invoice.period_start: line.quantity
            for invoice in invoices
            for line in invoice_lines(session, invoice)
            if line.unit == "kWh"
        }
        fixed_fee_prices = {
            line.unit_price_minor
            for invoice in invoices
            for line in invoice_lines(session, invoice)
            if line.product_code == "AK-FAST-AVGIFT"
        }

    assert usage[dt.date(2026, 1, 1)] > 5 * usage[dt.date(2026, 7, 1)]
    assert fixed_fee_prices == {3120, 3600}


def test_bakery_has_one_overdue_autogiro_invoice(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "7700421")
        customer = session.get(Customer, invoices[0].customer_id)
        overdue = [
            invoice for invoice in invoices if invoice.status == "open" and invoice.due_date < REFERENCE_DATE
        ]
        methods = {payment.method for invoice in invoices for payment in invoice_payments(session, invoice)}

    assert customer is not None and customer.kind == "business"
    assert [(invoice.invoice_number, invoice.due_date) for invoice in overdue] == [
        ("AK-2026-0299221", dt.date(2026, 11, 10))
    ]
    assert methods == {"autogiro"}


def test_johan_credit_note_cancels_invoice(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        credit_note = customer_invoices(session, "L-300045", kind="credit_note")[0]
        credited = session.get(Invoice, credit_note.credited_invoice_id)
        assert credited is not None
        reissued = [
            invoice
            for invoice in customer_invoices(session, "L-300045")
            if invoice.period_start == credited.period_start and invoice.id != credited.id
        ]
        reissued_codes = [line.product_code for line in invoice_lines(session, reissued[0])]
        credited_codes = [line.product_code for line in invoice_lines(session, credited)]

    assert (credited.invoice_number, credited.status, credited.total_minor) == (
        "LF-2026-0092545",
        "credited",
        21800,
    )
    assert (credit_note.invoice_number, credit_note.total_minor) == ("LF-2026-0093111", -21800)
    assert credited_codes == ["LF-HEM-BAS", "LF-HEM-DRULLE"]
    assert [(invoice.invoice_number, invoice.status) for invoice in reissued] == [("LF-2026-0093112", "paid")]
    assert reissued_codes == ["LF-HEM-BAS"]


def test_sara_premium_rises_at_renewal(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        invoices = customer_invoices(session, "L-300112")
        overdue = [
            invoice for invoice in invoices if invoice.status == "open" and invoice.due_date < REFERENCE_DATE
        ]

    totals = {invoice.period_start: invoice.total_minor for invoice in invoices}
    assert totals[dt.date(2026, 2, 1)] == 41200
    assert totals[dt.date(2026, 3, 1)] == 44700
    assert [invoice.invoice_number for invoice in overdue] == ["LF-2026-0098012"]
    assert {invoice.payment_method_kind for invoice in invoices} == {"kivra"}


def test_demo_method_details_are_all_shown() -> None:
    methods = json.loads((DEMO_DIR / "payment_methods.json").read_text(encoding="utf-8"))

    for method in methods:
        masked = masked_details(method["details"])
        assert masked.keys() == method["details"].keys(), method["customer_number"]


def test_demo_autogiro_accounts_pass_tool_checks() -> None:
    methods = json.loads((DEMO_DIR / "payment_methods.json").read_text(encoding="utf-8"))
    customers = json.loads((DEMO_DIR / "customers.json").read_text(encoding="utf-8"))
    customer_kinds = {(c["biller_id"], c["customer_number"]): c["kind"] for c in customers}
    mandates = [method for method in methods if method["kind"] == "autogiro"]

    assert mandates
    for mandate in mandates:
        details = mandate["details"]
        entered = {name: details[name] for name in REQUIRED_DETAILS["autogiro"]}
        # Raises InvalidFieldError, naming the detail, where change_payment_method would reject it.
        validated = validate_method_change(
            "autogiro",
            entered,
            policy=PaymentMethodPolicy(),
            current_kind=None,
            customer_kind=customer_kinds[(mandate["biller_id"], mandate["customer_number"])],
            today=REFERENCE_DATE,
        )
        for name in ("bank_name", "clearing_number", "account_number"):
            assert details[name] == validated.details[name], (mandate["customer_number"], name)


# --- Payment-method details ------------------------------------------------------------


@pytest.mark.parametrize("kind", seed.PAYMENT_METHOD_KINDS)
def test_details_models_use_product_names(kind: str) -> None:
    fields = seed.DETAILS_MODELS[kind].model_fields
    product_names = {*REQUIRED_DETAILS[kind], *OPTIONAL_DETAILS.get(kind, ())}
    if kind == "autogiro":
        product_names.add("bank_name")  # looked up from the clearing number and stored with the mandate
    required = {name for name, info in fields.items() if info.is_required()}

    assert set(fields) == product_names
    assert required == set(REQUIRED_DETAILS[kind])


def test_card_token_loads(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    card = {"kind": "card", "details": {"card_token": "pm_1QxAbCdEfGh"}}
    edit_fixture(directory, "payment_methods.json", lambda records: records[0].update(card))

    load_fixtures(engine, directory)

    with Session(engine) as session:
        stored = session.exec(select(PaymentMethod).where(PaymentMethod.kind == "card")).one()
    assert masked_details(stored.details) == {"card_token": "pm_…EfGh"}


# --- Broken fixtures -----------------------------------------------------------------


def copy_demo(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    target.mkdir()
    for file_name in FIXTURE_FILES:
        shutil.copy(DEMO_DIR / file_name, target / file_name)
    return target


def edit_fixture(directory: Path, file_name: str, edit: Callable[[list[Any]], None]) -> None:
    path = directory / file_name
    records = json.loads(path.read_text(encoding="utf-8"))
    edit(records)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def set_value(index: int, field_path: str, value: Any) -> Callable[[list[Any]], None]:
    """Return an edit that sets `field_path` (dots and [n] indexes) of record `index` to `value`.

    A callable `value` receives the old value and returns the new one.
    """

    def edit(records: list[Any]) -> None:
        target = records[index]
        parts = field_path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if callable(value):
            target[last] = value(target[last])
        else:
            target[last] = value

    return edit


def remove_field(index: int, name: str) -> Callable[[list[Any]], None]:
    def edit(records: list[Any]) -> None:
        del records[index][name]

    return edit


def next_check_digit(text: str) -> str:
    return text[:-1] + str((int(text[-1]) + 1) % 10)


ANNA_LATEST = "invoice NV-2026-0031745"
ANNA_FIRST = "invoice NV-2025-0011345"

# file, edit, record index, record key, field path, value as shown (None: not shown), part of the reason
BROKEN_FIXTURES = [
    pytest.param(
        "invoices.json",
        set_value(12, "lines[1].vat_amount_minor", 3333),
        12,
        ANNA_LATEST,
        "lines[1].vat_amount_minor",
        "3333",
        "must be 3332",
        id="line-vat-not-rounded-net-times-rate",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "lines[1].quantity", "3.5"),
        12,
        ANNA_LATEST,
        "lines[1].net_amount_minor",
        "13328",
        "must be 13720",
        id="line-net-not-quantity-times-price",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "lines[0].category", "bonus"),
        12,
        ANNA_LATEST,
        "lines[0].category",
        "'bonus'",
        "'subscription'",
        id="unknown-line-category",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "lines[0].quantity", 1),
        0,
        ANNA_FIRST,
        "lines[0].quantity",
        "1",
        "written as a JSON string",
        id="quantity-not-a-string",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "lines[1].country_code", None),
        12,
        ANNA_LATEST,
        "lines[1].country_code",
        None,
        "roaming line",
        id="roaming-without-country",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "lines[1].period_end", "2026-10-01"),
        12,
        ANNA_LATEST,
        "lines[1].period_end",
        "'2026-10-01'",
        "on or after period_start",
        id="line-period-ends-before-start",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "currency", "sek"),
        0,
        ANNA_FIRST,
        "currency",
        "'sek'",
        "3 upper-case letters",
        id="lower-case-currency",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "total_minor", 58300),
        12,
        ANNA_LATEST,
        "total_minor",
        "58300",
        "must be 58200",
        id="total-not-sum-of-lines",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "vat_total_minor", 11640),
        12,
        ANNA_LATEST,
        "vat_total_minor",
        "11640",
        "must be 11639",
        id="vat-total-not-sum-of-lines",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "rounding_minor", 58),
        12,
        ANNA_LATEST,
        "rounding_minor",
        "58",
        "between -49 and 50",
        id="rounding-out-of-range",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "due_date", "2025-11-01"),
        0,
        ANNA_FIRST,
        "due_date",
        "'2025-11-01'",
        "on or after issue_date 2025-11-25",
        id="due-before-issue",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "issue_date", "2025-11-31"),
        0,
        ANNA_FIRST,
        "issue_date",
        "'2025-11-31'",
        "real calendar date",
        id="impossible-date",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "ocr_reference", next_check_digit),
        0,
        ANNA_FIRST,
        "ocr_reference",
        "'10023400113453'",
        "Luhn",
        id="ocr-check-digit-wrong",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "status", "overdue"),
        0,
        ANNA_FIRST,
        "status",
        "'overdue'",
        "'reminded'",
        id="unknown-status",
    ),
    pytest.param(
        "invoices.json",
        set_value(12, "total_minor", 0),
        12,
        ANNA_LATEST,
        "status",
        "'open'",
        "nothing to pay",
        id="open-invoice-of-zero",
    ),
    pytest.param(
        "invoices.json",
        remove_field(0, "status"),
        0,
        ANNA_FIRST,
        "status",
        None,
        "required field is missing",
        id="missing-status",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "discount_code", "VINTER"),
        0,
        ANNA_FIRST,
        "discount_code",
        None,
        "unknown field",
        id="unknown-invoice-field",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "customer_number", "999999"),
        0,
        ANNA_FIRST,
        "customer_number",
        "'999999'",
        "no customer 999999 of biller nordvag",
        id="unknown-customer",
    ),
    pytest.param(
        "invoices.json",
        set_value(1, "invoice_number", "NV-2025-0011345"),
        1,
        ANNA_FIRST,
        "invoice_number",
        "'NV-2025-0011345'",
        "already used for this biller by record 0",
        id="duplicate-invoice-number",
    ),
    pytest.param(
        "invoices.json",
        set_value(58, "credited_invoice_number", "LF-2026-0000001"),
        58,
        "credit note LF-2026-0093111",
        "credited_invoice_number",
        "'LF-2026-0000001'",
        "no invoice LF-2026-0000001 of biller lyra",
        id="unknown-credited-invoice",
    ),
    pytest.param(
        "invoices.json",
        set_value(1, "status", "credited"),
        1,
        "invoice NV-2025-0013045",
        "status",
        "'credited'",
        "must be fully credited",
        id="credited-without-credit-note",
    ),
    pytest.param(
        "invoices.json",
        set_value(0, "payments[0].amount_minor", 27700),
        0,
        ANNA_FIRST,
        "status",
        "'paid'",
        "payments totalling total_minor 27800, not 27700",
        id="paid-but-payments-short",
    ),
    pytest.param(
        "customers.json",
        set_value(0, "identity_number", next_check_digit),
        0,
        "customer nordvag/100234",
        "identity_number",
        "'19840317-****'",
        "check digit",
        id="identity-number-check-digit-wrong",
    ),
    pytest.param(
        "customers.json",
        set_value(1, "biller_id", "okand"),
        1,
        "customer okand/100871",
        "biller_id",
        "'okand'",
        "no biller with this id",
        id="customer-of-unknown-biller",
    ),
    pytest.param(
        "customers.json",
        set_value(0, "kind", "person"),
        0,
        "customer nordvag/100234",
        "kind",
        "'person'",
        "'consumer' or 'business'",
        id="unknown-customer-kind",
    ),
    pytest.param(
        "billers.json",
        set_value(0, "bankgiro", "5417-2631"),
        0,
        "biller nordvag",
        "bankgiro",
        "'5417-2631'",
        "Luhn",
        id="bankgiro-check-digit-wrong",
    ),
    pytest.param(
        "billers.json",
        set_value(1, "vat_number", "SE556390457102"),
        1,
        "biller alvkraft",
        "vat_number",
        "'SE556390457102'",
        "SE556390457101",
        id="vat-number-not-from-organisation-number",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(0, "kind", "cheque"),
        0,
        "cheque payment method of customer 100234",
        "kind",
        "'cheque'",
        "'autogiro'",
        id="unknown-payment-method-kind",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(3, "details.card_number", "4111111111111111"),
        3,
        "email_pdf payment method of customer 5001234",
        "details.card_number",
        None,
        "unknown field; payment method 'email_pdf' takes only email.",
        id="card-number-in-details",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(1, "details", {"bank": "Swedbank"}),
        1,
        "e_invoice payment method of customer 100871",
        "details.bank",
        None,
        "unknown field; payment method 'e_invoice' takes only bank_name (optional). Remove or rename it",
        id="e-invoice-bank-under-other-name",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(5, "details.payer_number", "300045"),
        5,
        "autogiro payment method of customer L-300045",
        "details.payer_number",
        None,
        "takes only clearing_number, account_number, account_holder_identity_number, bank_name (optional)",
        id="autogiro-detail-tools-do-not-read",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(0, "details", {"fee": "29"}),
        0,
        "paper payment method of customer 100234",
        "details.fee",
        None,
        "unknown field; payment method 'paper' takes no details, so details must be {}",
        id="paper-with-details",
    ),
    pytest.param(
        "payment_methods.json",
        lambda records: records[0].update(kind="card", details={"card_token": "4111111111111111"}),
        0,
        "card payment method of customer 100234",
        "details.card_token",
        "'****1111'",
        "card token",
        id="card-number-as-card-token",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(5, "details.account_number", next_check_digit),
        5,
        "autogiro payment method of customer L-300045",
        "details.account_number",
        "'****5676'",
        "the check digit is wrong for a Handelsbanken account with clearing number 6543",
        id="autogiro-account-check-digit-wrong",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(4, "details.clearing_number", "9990"),
        4,
        "autogiro payment method of customer 7700421",
        "details.clearing_number",
        "'9990'",
        "no Swedish bank uses this clearing number",
        id="autogiro-clearing-number-unused",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(5, "details.bank_name", "Swedbank"),
        5,
        "autogiro payment method of customer L-300045",
        "details.bank_name",
        "'Swedbank'",
        "must be Handelsbanken, the bank of clearing number 6543",
        id="autogiro-bank-name-of-other-bank",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(5, "details.account_holder_identity_number", next_check_digit),
        5,
        "autogiro payment method of customer L-300045",
        "details.account_holder_identity_number",
        "'19580509-****'",
        "check digit",
        id="autogiro-holder-check-digit-wrong",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(2, "status", "active"),
        3,
        "email_pdf payment method of customer 5001234",
        "status",
        "'active'",
        "at most one may be active",
        id="two-active-methods",
    ),
    pytest.param(
        "payment_methods.json",
        set_value(0, "created_at", "2021-05-11T09:20:00"),
        0,
        "paper payment method of customer 100234",
        "created_at",
        "'2021-05-11T09:20:00'",
        "time zone",
        id="timestamp-without-zone",
    ),
]


@pytest.mark.parametrize(
    ("file_name", "edit", "record", "key", "field_path", "value_text", "reason"), BROKEN_FIXTURES
)
def test_broken_fixture_is_rejected(
    engine: Engine,
    tmp_path: Path,
    file_name: str,
    edit: Callable[[list[Any]], None],
    record: int,
    key: str,
    field_path: str,
    value_text: str | None,
    reason: str,
) -> None:
    directory = copy_demo(tmp_path)
    edit_fixture(directory, file_name, edit)

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    error = raised.value
    matching = [p for p in error.problems if (p.file, p.record, p.field) == (file_name, record, field_path)]
    assert error.code == "invalid_fixture"
    assert len(matching) == 1, error.message
    problem = matching[0]
    assert problem.key == key
    assert problem.value == value_text
    assert reason in problem.reason
    assert f"{file_name} record {record} ({key}): {field_path}" in error.message
    if value_text is not None:
        assert f"{field_path} {value_text} is invalid" in error.message
    assert set(row_counts(engine).values()) == {0}


def test_error_never_shows_full_identity_number(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    edit_fixture(directory, "customers.json", set_value(0, "identity_number", "19840317-2481"))
    edit_fixture(directory, "payment_methods.json", set_value(4, "details.account_number", "12A4567"))

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    message = raised.value.message
    assert "19840317-****" in message
    assert "19840317-2481" not in message
    assert "'****4567'" in message
    assert "12A4567" not in message


def test_error_lists_at_most_twenty_problems(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)

    def break_every_currency(records: list[Any]) -> None:
        for record in records:
            record["currency"] = "kr"

    edit_fixture(directory, "invoices.json", break_every_currency)

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    assert raised.value.problem_count == 80
    assert len(raised.value.problems) == 20
    assert raised.value.message.endswith("- and 60 more problems")


def test_missing_file_is_reported(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    (directory / "payment_methods.json").unlink()

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    assert [(p.file, p.record, p.reason) for p in raised.value.problems] == [
        ("payment_methods.json", None, "file is missing; all four fixture files are required")
    ]


def test_invalid_json_is_reported_with_position(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    (directory / "billers.json").write_text('[{"id": "nordvag",}]', encoding="utf-8")

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    problem = raised.value.problems[0]
    assert problem.file == "billers.json"
    assert "invalid JSON at line 1 column 19" in problem.reason


def test_top_level_object_is_rejected(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    (directory / "customers.json").write_text('{"customers": []}', encoding="utf-8")

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    assert raised.value.problems[0].reason == "top level must be a JSON array of records"


# --- Existing rows -------------------------------------------------------------------


def test_second_load_is_one_problem(demo_engine: Engine) -> None:
    counts_before = row_counts(demo_engine)

    with pytest.raises(SeedError) as raised:
        load_fixtures(demo_engine, DEMO_DIR)

    assert raised.value.problem_count == 1
    assert "look loaded already" in raised.value.problems[0].reason
    assert row_counts(demo_engine) == counts_before


def test_partly_loaded_fixtures_list_each_duplicate(demo_engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    customers = json.loads((directory / "customers.json").read_text(encoding="utf-8"))
    customers.append({**customers[0], "customer_number": "199999"})
    (directory / "customers.json").write_text(json.dumps(customers), encoding="utf-8")
    counts_before = row_counts(demo_engine)

    with pytest.raises(SeedError) as raised:
        load_fixtures(demo_engine, directory)

    first = raised.value.problems[0]
    assert (first.file, first.record, first.field, first.value) == ("billers.json", 0, "id", "'nordvag'")
    assert first.reason == "a biller with this id already exists in the database"
    first_invoice = next(p for p in raised.value.problems if p.file == "invoices.json")
    assert (first_invoice.record, first_invoice.field) == (0, "invoice_number")
    assert first_invoice.reason == "invoice NV-2025-0011345 of biller nordvag already exists in the database"
    assert raised.value.problem_count == 3 + 6 + 7 + 80
    assert row_counts(demo_engine) == counts_before


def test_new_customer_may_join_stored_biller(demo_engine: Engine, tmp_path: Path) -> None:
    directory = tmp_path / "more"
    directory.mkdir()
    demo_customers = json.loads((DEMO_DIR / "customers.json").read_text(encoding="utf-8"))
    demo_invoices = json.loads((DEMO_DIR / "invoices.json").read_text(encoding="utf-8"))
    customer = {**demo_customers[0], "customer_number": "100999", "name": "Eva Ström"}
    invoice = {**demo_invoices[0], "customer_number": "100999", "invoice_number": "NV-2025-0011999"}
    contents = {
        "billers.json": [],
        "customers.json": [customer],
        "payment_methods.json": [],
        "invoices.json": [invoice],
    }
    for file_name, records in contents.items():
        (directory / file_name).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    report = load_fixtures(demo_engine, directory)

    assert (report.billers, report.customers, report.invoices, report.lines) == (0, 1, 1, 2)
    assert row_counts(demo_engine)["Customer"] == 7


def test_concurrent_duplicate_becomes_seed_error(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hide the stored rows from the checks, as if another process wrote them after the lookup.
    monkeypatch.setattr(seed, "_load_existing", lambda session, parsed: seed._Existing())
    counts_before = row_counts(demo_engine)

    with pytest.raises(SeedError) as raised:
        load_fixtures(demo_engine, DEMO_DIR)

    assert "written to the database by someone else" in raised.value.problems[0].reason
    assert row_counts(demo_engine) == counts_before


def test_negative_invoice_is_rejected(engine: Engine, tmp_path: Path) -> None:
    directory = copy_demo(tmp_path)
    edit_fixture(directory, "invoices.json", set_value(12, "total_minor", -58200))

    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, directory)

    reasons = [p.reason for p in raised.value.problems if (p.record, p.field) == (12, "total_minor")]
    assert any("an amount owed to the customer is a credit note" in reason for reason in reasons), reasons


def test_missing_folder_is_named_missing(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(SeedError) as raised:
        load_fixtures(engine, tmp_path / "absent")

    assert raised.value.problems[0].reason.endswith("absent does not exist")


def test_report_reads_as_counts() -> None:
    report = SeedReport(
        billers=1, customers=2, payment_methods=2, invoices=5, credit_notes=1, lines=9, payments=4
    )

    assert str(report) == (
        "1 biller, 2 customers, 2 payment methods, 5 invoices (1 of them a credit note), 9 lines and 4 payments"
    )
