"""Smoke test of tools/bench.py: it runs end to end with tiny sizes and writes its reports.

It checks that the benchmark still works against the current code, never how fast anything is.
"""

import json
import sqlite3
import subprocess
import sys

import pytest

from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from invoice_mcp.store.seed import load_fixtures
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

BENCH = REPO_ROOT / "tools" / "bench.py"
SECTIONS = {"latency", "scale", "cold_start", "context"}


def test_bench_tiny_run_writes_reports(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("intro\n<!-- bench:begin -->\nold figures\n<!-- bench:end -->\noutro\n", encoding="utf-8")
    report_json = tmp_path / "bench.json"

    completed = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--invoices",
            "200",
            "--customers",
            "20",
            "--rounds",
            "5",
            "--warmup",
            "1",
            "--cold-starts",
            "1",
            "--skip-http",
            "--large-database",
            str(tmp_path / "large.db"),
            "--work-dir",
            str(tmp_path / "work"),
            "--json",
            str(report_json),
            "--write-docs",
            "--docs-file",
            str(docs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(report_json.read_text(encoding="utf-8"))
    assert set(report["sections"]) == SECTIONS
    failed = {name: section["failed"] for name, section in report["sections"].items() if "failed" in section}
    assert failed == {}
    written = docs.read_text(encoding="utf-8")
    assert "### 1. Tool-call latency" in written
    assert "\nSection 5 (HTTP on PostgreSQL) was skipped with --skip-http.\n" in written
    assert "was skipped with --skip-scale" not in written
    assert "old figures" not in written
    assert written.startswith("intro\n<!-- bench:begin -->\n")
    assert written.endswith("<!-- bench:end -->\noutro\n")


def _generated_store_as_fixtures(path, folder):
    """Write the rows of a generated store as a fixture folder in the format of docs/fixtures.md."""
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        billers = [
            dict(row)
            for row in connection.execute(
                "SELECT id, name, organisation_number, vat_number, bankgiro, plusgiro, swish_number, "
                "industry, default_locale FROM biller"
            )
        ]
        customers = [
            dict(row)
            for row in connection.execute(
                "SELECT biller_id, customer_number, kind, name, identity_number, email, phone, locale, "
                "street, postal_code, city FROM customer"
            )
        ]
        numbers = {
            row["id"]: (row["biller_id"], row["customer_number"])
            for row in connection.execute("SELECT id, biller_id, customer_number FROM customer")
        }
        methods = []
        for row in connection.execute("SELECT * FROM paymentmethod"):
            biller_id, customer_number = numbers[row["customer_id"]]
            methods.append(
                {
                    "biller_id": biller_id,
                    "customer_number": customer_number,
                    "kind": row["kind"],
                    "status": row["status"],
                    "details": json.loads(row["details"]),
                    "applies_from_issue_date": row["applies_from_issue_date"],
                    "created_at": row["created_at"].replace(" ", "T")[:19] + "Z",
                }
            )
        invoices = []
        for row in connection.execute("SELECT * FROM invoice ORDER BY id"):
            biller_id, customer_number = numbers[row["customer_id"]]
            lines = [
                {
                    "position": line["position"],
                    "category": line["category"],
                    "product_code": line["product_code"],
                    "description": line["description"],
                    "quantity": str(line["quantity"]),
                    "unit": line["unit"],
                    "unit_price_minor": str(line["unit_price_minor"]),
                    "net_amount_minor": line["net_amount_minor"],
                    "vat_rate_basis_points": line["vat_rate_basis_points"],
                    "vat_amount_minor": line["vat_amount_minor"],
                    "period_start": line["period_start"],
                    "period_end": line["period_end"],
                    "country_code": line["country_code"],
                }
                for line in connection.execute(
                    "SELECT * FROM invoiceline WHERE invoice_id = ? ORDER BY position", (row["id"],)
                )
            ]
            payments = [
                dict(payment)
                for payment in connection.execute(
                    "SELECT paid_on, amount_minor, currency, method, reference FROM payment WHERE invoice_id = ?",
                    (row["id"],),
                )
            ]
            invoices.append(
                {
                    "biller_id": biller_id,
                    "customer_number": customer_number,
                    **{
                        key: row[key]
                        for key in (
                            "invoice_number",
                            "kind",
                            "issue_date",
                            "due_date",
                            "period_start",
                            "period_end",
                            "currency",
                            "net_total_minor",
                            "vat_total_minor",
                            "rounding_minor",
                            "total_minor",
                            "status",
                            "reminder_count",
                            "ocr_reference",
                            "payment_method_kind",
                        )
                    },
                    "lines": lines,
                    "payments": payments,
                }
            )
    finally:
        connection.close()
    folder.mkdir()
    for name, records in (
        ("billers", billers),
        ("customers", customers),
        ("payment_methods", methods),
        ("invoices", invoices),
    ):
        (folder / f"{name}.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def test_generated_store_passes_fixture_loader(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        import generate_large_store
    finally:
        sys.path.remove(str(REPO_ROOT / "tools"))
    generated = tmp_path / "store.db"
    report = generate_large_store.generate(generated, invoices=60, customers=6, lines_per_invoice=12)
    _generated_store_as_fixtures(generated, tmp_path / "fixtures")
    engine = make_engine("sqlite://")
    upgrade(engine)

    # The loader rejects the whole set, naming each broken record, if any rule is broken.
    loaded = load_fixtures(engine, tmp_path / "fixtures")

    assert report.lines == 60 * 12
    assert loaded.invoices == 60
    assert loaded.lines == 60 * 12
    assert loaded.payments == report.payments
