import argparse
import io
import json
import shutil
import sys

import pytest
from sqlmodel import Session, select

from invoice_mcp.importers import add_import_arguments, import_paths, run_import
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.models import Invoice
from tests.importers.conftest import (
    ALVSOL_JANUARY,
    EINVOICES,
    NORRSKEN_FEBRUARY,
    NORRSKEN_JANUARY,
    variant,
)


def run(*arguments: str) -> int:
    parser = argparse.ArgumentParser(prog="invoice-mcp import")
    add_import_arguments(parser)
    return run_import(parser.parse_args(list(arguments)))


def stored_numbers(url):
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return sorted(invoice.invoice_number for invoice in session.exec(select(Invoice)))
    finally:
        engine.dispose()


class TerminalStream(io.StringIO):
    def isatty(self):
        return True


def test_import_folder_prints_summary(database_url, capsys):
    status = run(str(EINVOICES), "--database-url", database_url, "--no-progress")

    out = capsys.readouterr().out
    assert status == 0
    assert out.splitlines()[0] == "imported 7, skipped as duplicates 0, refused 0"
    assert "  biller norrsken-mobil-ab: 3 invoices" in out
    assert "  biller norrsken-mobil-ab: 2 credit notes" in out
    assert "OCR reference 778101262 fails its Luhn (mod 10) check digit" in out


def test_second_run_reports_duplicates(database_url, capsys):
    run(str(EINVOICES), "--database-url", database_url, "--no-progress")
    capsys.readouterr()

    status = run(str(EINVOICES), "--database-url", database_url, "--no-progress")

    out = capsys.readouterr().out
    assert status == 0
    assert out.splitlines()[0] == "imported 0, skipped as duplicates 7, refused 0"
    assert "invoice NM-2026-0001 of biller norrsken-mobil-ab is already stored with the same content" in out


def test_bad_files_are_refused_and_rest_imported(database_url, tmp_path, capsys):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(NORRSKEN_JANUARY, batch / "a-good.xml")
    (batch / "b-truncated.xml").write_bytes(NORRSKEN_FEBRUARY.read_bytes()[:3000])
    (batch / "c-not-xml.xml").write_text("Hej, här kommer fakturan som PDF.\n")
    (batch / "d-order.xml").write_text(
        '<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'
    )
    variant(
        NORRSKEN_FEBRUARY,
        batch,
        (
            '<cbc:TaxInclusiveAmount currencyID="SEK">665.63<',
            '<cbc:TaxInclusiveAmount currencyID="SEK">665.73<',
        ),
        name="e-totals.xml",
    )
    shutil.copy(ALVSOL_JANUARY, batch / "f-good.xml")
    (batch / "notes.txt").write_text("not an e-invoice, and not *.xml, so skipped")

    status = run(str(batch), "--database-url", database_url, "--no-progress")

    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[0] == "imported 2, skipped as duplicates 0, refused 4"
    assert f"  {batch / 'b-truncated.xml'}: the file is not well-formed XML" in out
    assert (
        f"  {batch / 'c-not-xml.xml'}: the file is not well-formed XML: syntax error: line 1, column 0" in out
    )
    assert f"  {batch / 'd-order.xml'}: the root element" in out
    assert (
        f"  {batch / 'e-totals.xml'}: BR-CO-15: the total with VAT (BT-112) is 665.73 SEK, but total without VAT "
        "544.50 SEK + VAT 121.13 SEK = 665.63 SEK; the difference is 0.10 SEK"
    ) in out
    assert "notes.txt" not in out
    assert stored_numbers(database_url) == ["AE-260112", "NM-2026-0001"]


def test_json_output(database_url, capsys):
    status = run(str(NORRSKEN_JANUARY), "--database-url", database_url, "--json")

    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert status == 0
    assert rows == [
        {
            "path": str(NORRSKEN_JANUARY),
            "status": "imported",
            "reason": None,
            "code": None,
            "invoice_number": "NM-2026-0001",
            "kind": "invoice",
            "biller_id": "norrsken-mobil-ab",
            "customer_number": "K-10042",
            "total_minor": 71900,
            "currency": "SEK",
            "warnings": [],
            "content_differs": None,
            "stored_kind": None,
        }
    ]
    assert "imported 1, skipped as duplicates 0, refused 0" in captured.err


def test_missing_path_is_usage_error(database_url, tmp_path, capsys):
    status = run(str(NORRSKEN_JANUARY), str(tmp_path / "nowhere.xml"), "--database-url", database_url)

    assert status == 2
    assert (
        f"invoice-mcp: error: no such file or folder: {tmp_path / 'nowhere.xml'}" in capsys.readouterr().err
    )
    assert stored_numbers(database_url) == []


def test_old_schema_is_usage_error(tmp_path, capsys):
    (tmp_path / "empty.db").touch()

    status = run(str(NORRSKEN_JANUARY), "--database-url", f"sqlite:///{tmp_path / 'empty.db'}")

    assert status == 2
    assert "run 'invoice-mcp db upgrade' first" in capsys.readouterr().err


def test_missing_database_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "absent.db"

    status = run(str(NORRSKEN_JANUARY), "--database-url", f"sqlite:///{path}")

    assert status == 2
    assert f"database file {path} does not exist" in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.parametrize("size", ["0", "-1", "big"])
def test_invalid_max_file_size_is_usage_error(size, capsys):
    with pytest.raises(SystemExit) as raised:
        run(str(NORRSKEN_JANUARY), "--max-file-size", size)

    assert raised.value.code == 2
    assert "is not a positive whole number of MiB" in capsys.readouterr().err


def test_max_file_size_refuses_larger_files(database_url, tmp_path, capsys):
    text = NORRSKEN_JANUARY.read_text(encoding="utf-8")
    padded = tmp_path / "padded.xml"
    padded.write_text(text.replace("\n", "\n<!-- " + "x" * (1024 * 1024) + " -->\n", 1), encoding="utf-8")

    refused = run(str(padded), "--database-url", database_url, "--max-file-size", "1", "--no-progress")
    out = capsys.readouterr().out
    imported = run(str(padded), "--database-url", database_url, "--max-file-size", "2", "--no-progress")

    assert refused == 1
    assert "the file is larger than the limit of 1048576 bytes, so it was not parsed" in out
    assert imported == 0


def test_progress_bar_only_on_terminal(engine, monkeypatch):
    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)

    import_paths(engine, [NORRSKEN_JANUARY, ALVSOL_JANUARY], progress=True)

    assert "importing" in terminal.getvalue()
    assert "2/2" in terminal.getvalue()


def test_no_progress_bar_when_not_terminal(engine, monkeypatch):
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)

    import_paths(engine, [NORRSKEN_JANUARY], progress=True)

    assert pipe.getvalue() == ""


def test_no_progress_bar_when_disabled(engine, monkeypatch):
    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)

    import_paths(engine, [NORRSKEN_JANUARY], progress=False)

    assert terminal.getvalue() == ""


def test_file_named_twice_is_imported_once(engine):
    report = import_paths(engine, [NORRSKEN_JANUARY, EINVOICES / "ubl"], progress=False)

    assert len(report.outcomes) == 5
