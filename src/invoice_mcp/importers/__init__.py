"""Import Peppol BIS Billing 3.0 / EN 16931 e-invoices (UBL 2.1 and CII) into the billing store.

    parse_document   bytes -> Document (xml_safety, ubl, cii); pure
    check_totals     Document -> warnings, or TotalsRuleError (totals); pure
    plan_invoice     Document -> PlannedInvoice with categories and line VAT (convert, mapping); pure
    load_planned     PlannedInvoice -> rows, one transaction per document (load)
    import_paths     files and folders -> ImportReport (batch)

Only the command functions are imported here, so that the command line can build its
parser without loading the database modules. The other names are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from invoice_mcp.importers.command import add_import_arguments, run_import

if TYPE_CHECKING:
    from invoice_mcp.importers.batch import ImportOutcome, ImportReport, import_paths

__all__ = ["ImportOutcome", "ImportReport", "add_import_arguments", "import_paths", "run_import"]


def __getattr__(name: str) -> Any:
    if name in ("ImportOutcome", "ImportReport", "import_paths"):
        from invoice_mcp.importers import batch

        return getattr(batch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
