"""Turn the bytes of an e-invoice into a `Document`, whatever its syntax. Pure: no database."""

from __future__ import annotations

from invoice_mcp.importers import cii, ubl
from invoice_mcp.importers.errors import UnreadableDocumentError
from invoice_mcp.importers.model import Document
from invoice_mcp.importers.xml_safety import DEFAULT_MAX_BYTES, parse_xml


def parse_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Parse a UBL 2.1 Invoice or CreditNote, or a CII CrossIndustryInvoice.

    Raises:
        UnreadableDocumentError: not safe, well-formed XML, or another root element.
        InvalidDocumentError: a required element is missing or a value is invalid.
    """
    root = parse_xml(data, max_bytes)
    if ubl.is_ubl(root):
        return ubl.parse_ubl(root)
    if cii.is_cii(root):
        return cii.parse_cii(root)
    raise UnreadableDocumentError(
        f"the root element {root.tag[:200]} is not a UBL 2.1 Invoice or CreditNote "
        "or a UN/CEFACT CII CrossIndustryInvoice, so the file is not an e-invoice this importer reads"
    )
