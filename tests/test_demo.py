"""The demo, run with the command the README gives a new user."""

import subprocess
import sys


def test_demo_conversation_completes():
    finished = subprocess.run(
        [sys.executable, "-m", "invoice_mcp", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    output = finished.stdout
    assert (
        "tools: list_invoices, get_invoice, explain_amount, grant_deferral, change_payment_method" in output
    )
    assert "causes add up to 304,00 kr; the difference is 304,00 kr" in output
    assert "+166,60 kr" in output
    assert "status: granted" in output
    assert "status: applied" in output
    assert "19840317-****" in output
