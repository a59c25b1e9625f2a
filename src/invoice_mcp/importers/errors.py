"""Reasons an e-invoice is refused. Each is a `BillingError` with a stable `code`.

DocumentError
├── UnreadableDocumentError   not XML, malformed, too large, forbidden DTD, unknown root element
├── InvalidDocumentError      XML of a known format with a missing or invalid value
├── TotalsRuleError           amounts that break an EN 16931 calculation rule
└── ConflictingDocumentError  a valid document that does not fit the data already stored
"""

from __future__ import annotations

from typing import Any

from invoice_mcp.domain.errors import BillingError


class DocumentError(BillingError):
    """A document that the importer refuses. Nothing of it was written."""

    code = "document_refused"


class UnreadableDocumentError(DocumentError):
    code = "unreadable_document"


class InvalidDocumentError(DocumentError):
    code = "invalid_document"


class ConflictingDocumentError(DocumentError):
    code = "conflicting_document"


class TotalsRuleError(DocumentError):
    """An amount differs from what an EN 16931 calculation rule gives.

    `stated_minor` is the document's amount and `expected_minor` the rule's result, both in
    minor units of `currency`. `difference_minor` is stated minus expected.
    """

    code = "totals_rule_broken"

    def __init__(
        self, message: str, *, rule: str, stated_minor: int, expected_minor: int, currency: str
    ) -> None:
        details: dict[str, Any] = {
            "rule": rule,
            "stated_minor": stated_minor,
            "expected_minor": expected_minor,
            "difference_minor": stated_minor - expected_minor,
            "currency": currency,
        }
        super().__init__(message, **details)
        self.rule = rule
        self.stated_minor = stated_minor
        self.expected_minor = expected_minor
        self.difference_minor = stated_minor - expected_minor
