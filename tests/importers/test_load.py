import datetime as dt
import logging
from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from invoice_mcp.importers import load
from invoice_mcp.importers.batch import import_file, import_paths
from invoice_mcp.importers.convert import plan_invoice
from invoice_mcp.importers.errors import ConflictingDocumentError, InvalidDocumentError
from invoice_mcp.importers.load import load_planned
from invoice_mcp.importers.model import Party
from invoice_mcp.importers.parse import parse_document
from invoice_mcp.store.models import Biller, Customer, Invoice, InvoiceLine, Payment
from tests.importers.conftest import (
    ALVSOL_CREDIT,
    ALVSOL_JANUARY,
    EINVOICES,
    NORRSKEN_CREDIT_FEBRUARY,
    NORRSKEN_CREDIT_MARCH,
    NORRSKEN_FEBRUARY,
    NORRSKEN_JANUARY,
    NORRSKEN_MARCH,
    variant,
)

TABLES = (Biller, Customer, Invoice, InvoiceLine, Payment)
# The demo biller Nordvåg Mobil AB and its customer Anna Lindqvist, from fixtures/demo.
NORDVAG_SELLER = (
    ('<cbc:EndpointID schemeID="0007">5590213848</cbc:EndpointID>', ""),
    ("<cbc:CompanyID>SE559021384801</cbc:CompanyID>", "<cbc:CompanyID>SE556814302701</cbc:CompanyID>"),
    (
        '<cbc:CompanyID schemeID="0007">5590213848</cbc:CompanyID>',
        '<cbc:CompanyID schemeID="0007">5568143027</cbc:CompanyID>',
    ),
)
ANONYMOUS_BUYER = (
    ('<cbc:EndpointID schemeID="0007">5567021133</cbc:EndpointID>', ""),
    ('<cbc:CompanyID schemeID="0007">5567021133</cbc:CompanyID>', ""),
)


def snapshot(engine):
    with Session(engine) as session:
        return {
            table.__name__: [
                row.model_dump() for row in session.exec(select(table).order_by(*table.__table__.primary_key))
            ]
            for table in TABLES
        }


def invoice(engine, number):
    with Session(engine) as session:
        return session.exec(select(Invoice).where(Invoice.invoice_number == number)).one()


def test_fixture_folder_imports(engine):
    report = import_paths(engine, [EINVOICES], progress=False)

    assert [outcome.status for outcome in report.outcomes] == ["imported"] * 7
    assert report.exit_status == 0
    with Session(engine) as session:
        billers = {biller.id: biller for biller in session.exec(select(Biller))}
        customers = {customer.customer_number: customer for customer in session.exec(select(Customer))}
    assert sorted(billers) == ["alvsol-energi-ab", "norrsken-mobil-ab"]
    norrsken = billers["norrsken-mobil-ab"]
    assert (norrsken.organisation_number, norrsken.vat_number, norrsken.bankgiro) == (
        "559021-3848",
        "SE559021384801",
        "4310-5527",
    )
    assert (norrsken.endpoint_id, norrsken.industry, norrsken.default_locale) == (
        "0007:5590213848",
        "other",
        "sv",
    )
    assert billers["alvsol-energi-ab"].bankgiro == "581-2342"
    bygg = customers["K-10042"]
    assert (bygg.biller_id, bygg.kind, bygg.name, bygg.identity_number, bygg.endpoint_id) == (
        "norrsken-mobil-ab",
        "business",
        "Fjällbacka Bygg AB",
        "556702-1133",
        "0007:5567021133",
    )
    assert (bygg.email, bygg.street, bygg.postal_code, bygg.city, bygg.locale) == (
        "ekonomi@fjallbackabygg.example",
        "Sjögatan 12",
        "457 40",
        "Fjällbacka",
        "sv",
    )
    assert customers["E-7781"].identity_number == "969745-3216"


def test_imported_invoice_header(engine):
    import_file(engine, NORRSKEN_JANUARY)

    stored = invoice(engine, "NM-2026-0001")
    assert (stored.kind, stored.status, stored.currency) == ("invoice", "open", "SEK")
    assert (stored.issue_date, stored.due_date) == (dt.date(2026, 1, 5), dt.date(2026, 1, 31))
    assert (stored.period_start, stored.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert (stored.net_total_minor, stored.vat_total_minor, stored.rounding_minor, stored.total_minor) == (
        57530,
        14383,
        -13,
        71900,
    )
    assert (stored.ocr_reference, stored.payment_method_kind) == ("202601004213", "bankgiro")
    assert (stored.source_format, len(stored.source_hash or "")) == ("ubl_invoice", 64)


def test_stored_totals_match_lines(store_engine):
    report = import_paths(store_engine, [EINVOICES], progress=False)
    numbers = [outcome.invoice_number for outcome in report.imported]

    with Session(store_engine) as session:
        invoices = session.exec(select(Invoice).where(col(Invoice.invoice_number).in_(numbers))).all()
        for stored in invoices:
            lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == stored.id)).all()
            assert (
                stored.total_minor
                == sum(line.net_amount_minor + line.vat_amount_minor for line in lines)
                + stored.rounding_minor
            ), stored.invoice_number
            assert stored.net_total_minor == sum(line.net_amount_minor for line in lines), (
                stored.invoice_number
            )
            assert stored.vat_total_minor == sum(line.vat_amount_minor for line in lines), (
                stored.invoice_number
            )
    assert len(invoices) == 7


def test_reimport_changes_nothing(store_engine):
    import_paths(store_engine, [EINVOICES], progress=False)
    before = snapshot(store_engine)

    report = import_paths(store_engine, [EINVOICES], progress=False)

    assert snapshot(store_engine) == before
    assert [outcome.status for outcome in report.outcomes] == ["duplicate"] * 7
    assert {outcome.content_differs for outcome in report.outcomes} == {False}
    assert report.exit_status == 0


def test_changed_document_is_skipped_and_named(engine, tmp_path):
    import_file(engine, NORRSKEN_JANUARY)
    before = snapshot(engine)
    changed = variant(NORRSKEN_JANUARY, tmp_path, ("<cbc:Name>Samtal utöver paketet<", "<cbc:Name>Samtal<"))

    outcome = import_file(engine, changed)

    assert (outcome.status, outcome.content_differs) == ("duplicate", True)
    assert "is already stored with different content, which was kept" in outcome.describe()
    assert snapshot(engine) == before


def test_prepaid_amount_becomes_payment(engine):
    import_file(engine, ALVSOL_JANUARY)

    stored = invoice(engine, "AE-260112")
    with Session(engine) as session:
        payments = session.exec(select(Payment).where(Payment.invoice_id == stored.id)).all()
    assert [(payment.amount_minor, payment.paid_on, payment.method) for payment in payments] == [
        (50000, dt.date(2026, 2, 3), "prepaid")
    ]
    assert (stored.total_minor, stored.status) == (141700, "open")


def test_credit_note_links_to_stored_invoice(engine):
    import_file(engine, NORRSKEN_FEBRUARY)

    outcome = import_file(engine, NORRSKEN_CREDIT_FEBRUARY)

    credit_note = invoice(engine, "NM-2026-0003")
    credited = invoice(engine, "NM-2026-0002")
    assert outcome.warnings == ()
    assert (credit_note.kind, credit_note.credited_invoice_id, credit_note.total_minor) == (
        "credit_note",
        credited.id,
        -6000,
    )
    assert credited.status == "open"


def test_credit_note_before_its_invoice_links_later(engine):
    first = import_file(engine, NORRSKEN_CREDIT_MARCH)
    import_file(engine, NORRSKEN_MARCH)

    credit_note = invoice(engine, "NM-2026-0005")
    credited = invoice(engine, "NM-2026-0004")
    assert "the credited invoice NM-2026-0004 is not in the store" in first.warnings[0]
    assert credit_note.credited_invoice_number == "NM-2026-0004"
    assert credit_note.credited_invoice_id == credited.id
    assert credited.status == "credited"


def test_full_credit_marks_invoice_credited(engine):
    import_file(engine, NORRSKEN_MARCH)
    import_file(engine, NORRSKEN_CREDIT_MARCH)

    assert invoice(engine, "NM-2026-0004").status == "credited"


def test_cii_credit_note_links(engine):
    import_file(engine, ALVSOL_JANUARY)
    import_file(engine, ALVSOL_CREDIT)

    assert invoice(engine, "AE-260140").credited_invoice_id == invoice(engine, "AE-260112").id
    assert invoice(engine, "AE-260112").status == "open"


def test_matches_seeded_biller_and_customer(store_engine, tmp_path):
    path = variant(
        NORRSKEN_JANUARY,
        tmp_path,
        *NORDVAG_SELLER,
        *ANONYMOUS_BUYER,
        ("<cbc:BuyerReference>K-10042<", "<cbc:BuyerReference>100234<"),
    )

    outcome = import_file(store_engine, path)

    assert (outcome.status, outcome.biller_id, outcome.customer_number) == ("imported", "nordvag", "100234")
    assert outcome.warnings == (
        "the document gives bankgiro 4310-5527, but biller nordvag has 5417-2630; payment instructions show 5417-2630",
    )
    with Session(store_engine) as session:
        assert len(session.exec(select(Biller)).all()) == 3
        assert session.get(Biller, "nordvag").endpoint_id is None


def test_buyer_reference_of_other_buyer_is_refused(store_engine, tmp_path):
    before = snapshot(store_engine)
    path = variant(
        NORRSKEN_JANUARY,
        tmp_path,
        *NORDVAG_SELLER,
        ("<cbc:BuyerReference>K-10042<", "<cbc:BuyerReference>100234<"),
    )

    outcome = import_file(store_engine, path)

    assert (outcome.status, outcome.code) == ("refused", "conflicting_document")
    assert "buyer reference 100234 is customer 100234 of biller nordvag" in outcome.reason
    assert "organisation number 556702-1133" in outcome.reason
    assert snapshot(store_engine) == before


def test_customer_matched_by_organisation_number(engine, tmp_path):
    import_file(engine, NORRSKEN_JANUARY)
    path = variant(NORRSKEN_FEBRUARY, tmp_path, ("<cbc:BuyerReference>K-10042</cbc:BuyerReference>", ""))

    outcome = import_file(engine, path)

    assert outcome.customer_number == "K-10042"


def test_customer_number_from_identifier(engine, tmp_path):
    path = variant(NORRSKEN_JANUARY, tmp_path, ("<cbc:BuyerReference>K-10042</cbc:BuyerReference>", ""))

    outcome = import_file(engine, path)

    assert outcome.customer_number == "556702-1133"


PERSONAL_NUMBER = "198112189876"


def test_personal_identity_number_is_never_shown(engine, tmp_path, import_log):
    path = variant(
        NORRSKEN_JANUARY,
        tmp_path,
        ('<cbc:EndpointID schemeID="0007">5567021133</cbc:EndpointID>', ""),
        (
            '<cbc:CompanyID schemeID="0007">5567021133</cbc:CompanyID>',
            f'<cbc:CompanyID schemeID="0007">{PERSONAL_NUMBER}</cbc:CompanyID>',
        ),
        ("<cbc:BuyerReference>K-10042</cbc:BuyerReference>", ""),
    )

    report = import_paths(engine, [path], progress=False)

    outcome = report.outcomes[0]
    assert outcome.status == "imported"
    assert outcome.customer_number.startswith("P")
    with Session(engine) as session:
        customer = session.exec(select(Customer)).one()
    assert (customer.kind, customer.identity_number) == ("consumer", "19811218-9876")
    shown = "\n".join([*report.summary_lines(), str(outcome.to_json()), import_log.text])
    for form in (PERSONAL_NUMBER, PERSONAL_NUMBER[2:], "19811218-9876", "811218-9876"):
        assert form not in shown


def test_personal_number_in_conflict_message_is_masked(engine, tmp_path):
    import_file(engine, NORRSKEN_JANUARY)
    path = variant(
        NORRSKEN_FEBRUARY,
        tmp_path,
        (
            '<cbc:CompanyID schemeID="0007">5567021133</cbc:CompanyID>',
            f'<cbc:CompanyID schemeID="0007">{PERSONAL_NUMBER}</cbc:CompanyID>',
        ),
    )

    outcome = import_file(engine, path)

    assert outcome.status == "refused"
    assert "personal identity number 19811218-****" in outcome.reason
    assert "9876" not in outcome.reason


def test_refused_document_leaves_nothing(engine, monkeypatch):
    def fail(self, invoice):
        raise ConflictingDocumentError("injected failure after the inserts")

    monkeypatch.setattr(load._Loader, "_link_waiting_credit_notes", fail)

    outcome = import_file(engine, NORRSKEN_JANUARY)

    assert (outcome.status, outcome.reason) == ("refused", "injected failure after the inserts")
    assert snapshot(engine) == {table.__name__: [] for table in TABLES}


def test_concurrent_write_is_retried(engine, monkeypatch):
    original = load._load_once
    calls = []

    def conflict_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO biller", {}, Exception("UNIQUE constraint failed: biller.id"))
        return original(*args)

    monkeypatch.setattr(load, "_load_once", conflict_once)

    outcome = import_file(engine, NORRSKEN_JANUARY)

    assert (outcome.status, len(calls)) == ("imported", 2)


def test_repeated_conflict_is_refused(engine, monkeypatch):
    def always_conflict(*args):
        raise IntegrityError("INSERT INTO biller", {}, Exception("UNIQUE constraint failed: biller.id"))

    monkeypatch.setattr(load, "_load_once", always_conflict)

    outcome = import_file(engine, NORRSKEN_JANUARY)

    assert (outcome.status, outcome.code) == ("refused", "conflicting_document")
    assert "import the file again" in outcome.reason


def test_seller_without_identifier_is_refused(engine):
    document = parse_document(NORRSKEN_JANUARY.read_bytes())
    document = replace(document, seller=Party(name="Namnlös AB"))

    with pytest.raises(InvalidDocumentError) as raised:
        load_planned(engine, document, plan_invoice(document))

    assert "the seller has no legal registration id (BT-30), VAT number (BT-31)" in raised.value.message


def test_same_name_other_seller_gets_new_biller_id(engine, tmp_path):
    import_file(engine, NORRSKEN_JANUARY)
    other = variant(
        NORRSKEN_JANUARY,
        tmp_path,
        ('<cbc:EndpointID schemeID="0007">5590213848</cbc:EndpointID>', ""),
        ("<cbc:CompanyID>SE559021384801</cbc:CompanyID>", "<cbc:CompanyID>SE556812743401</cbc:CompanyID>"),
        (
            '<cbc:CompanyID schemeID="0007">5590213848</cbc:CompanyID>',
            '<cbc:CompanyID schemeID="0007">5568127434</cbc:CompanyID>',
        ),
    )

    outcome = import_file(engine, other)

    assert outcome.biller_id == "norrsken-mobil-ab-2"


def test_biller_matched_by_endpoint(engine, tmp_path):
    import_file(engine, NORRSKEN_JANUARY)
    endpoint_only = variant(
        NORRSKEN_FEBRUARY,
        tmp_path,
        ("<cbc:CompanyID>SE559021384801</cbc:CompanyID>", ""),
        ('<cbc:CompanyID schemeID="0007">5590213848</cbc:CompanyID>', ""),
        (
            '<cbc:EndpointID schemeID="0007">5590213848</cbc:EndpointID>',
            '<cbc:EndpointID schemeID="0088">7300009999999</cbc:EndpointID>',
        ),
    )
    with Session(engine) as session:
        biller = session.get(Biller, "norrsken-mobil-ab")
        biller.endpoint_id = "0088:7300009999999"
        session.add(biller)
        session.commit()

    outcome = import_file(engine, endpoint_only)

    assert (outcome.status, outcome.biller_id) == ("imported", "norrsken-mobil-ab")


def test_log_names_refused_file(engine, tmp_path, import_log):
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<Invoice")

    import_file(engine, broken)

    refused = [record for record in import_log.records if record.levelno == logging.WARNING]
    assert len(refused) == 1
    assert str(broken) in refused[0].getMessage()


def test_credit_note_of_other_customer_is_not_linked(engine, tmp_path):
    import_file(engine, NORRSKEN_FEBRUARY)
    other_buyer = variant(
        NORRSKEN_CREDIT_FEBRUARY,
        tmp_path,
        ("<cbc:BuyerReference>K-10042<", "<cbc:BuyerReference>K-20077<"),
        ('<cbc:EndpointID schemeID="0007">5567021133</cbc:EndpointID>', ""),
        (
            '<cbc:CompanyID schemeID="0007">5567021133</cbc:CompanyID>',
            '<cbc:CompanyID schemeID="0007">5568127434</cbc:CompanyID>',
        ),
    )

    outcome = import_file(engine, other_buyer)

    assert (outcome.status, outcome.customer_number) == ("imported", "K-20077")
    assert outcome.warnings == (
        "the credited invoice NM-2026-0002 is stored as an invoice of another customer, "
        "so the credit note is not linked to it",
    )
    assert invoice(engine, "NM-2026-0003").credited_invoice_id is None
