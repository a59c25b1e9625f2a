"""Import a batch of e-invoice files: one outcome per file, one transaction per document.

A file that cannot be read, parsed, checked or stored is refused with its reason, and the
batch goes on with the next file.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from invoice_mcp.domain.errors import BillingError
from invoice_mcp.importers.convert import plan_invoice
from invoice_mcp.importers.errors import DocumentError
from invoice_mcp.importers.load import load_planned
from invoice_mcp.importers.parse import parse_document
from invoice_mcp.importers.totals import check_totals
from invoice_mcp.importers.xml_safety import DEFAULT_MAX_BYTES, read_limited

logger = logging.getLogger(__name__)

Status = Literal["imported", "duplicate", "refused"]


class ImportPathError(BillingError):
    """A path on the command line that does not exist. Nothing was imported."""

    code = "import_path_not_found"


@dataclass(frozen=True)
class ImportOutcome:
    """The outcome of importing one file. `reason` and `code` are set for a refused file."""

    path: Path
    status: Status
    reason: str | None = None
    code: str | None = None
    invoice_number: str | None = None
    kind: str | None = None
    biller_id: str | None = None
    customer_number: str | None = None
    total_minor: int | None = None
    currency: str | None = None
    warnings: tuple[str, ...] = ()
    content_differs: bool | None = None
    stored_kind: str | None = None

    def describe(self) -> str:
        """Return one line for the summary: the file, then what happened and why."""
        if self.status == "refused":
            return f"{self.path}: {self.reason}"
        document = (
            f"{(self.kind or 'invoice').replace('_', ' ')} {self.invoice_number} of biller {self.biller_id}"
        )
        if self.status == "imported":
            return f"{self.path}: {document}, customer {self.customer_number}"
        stored = "already stored"
        if self.stored_kind is not None and self.stored_kind != self.kind:
            stored += " as a credit note" if self.stored_kind == "credit_note" else " as an invoice"
        if self.content_differs is None:
            return f"{self.path}: {document} is {stored}; it was not imported from a document, so nothing was compared"
        if self.content_differs:
            return f"{self.path}: {document} is {stored} with different content, which was kept"
        return f"{self.path}: {document} is {stored} with the same content"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "status": self.status,
            "reason": self.reason,
            "code": self.code,
            "invoice_number": self.invoice_number,
            "kind": self.kind,
            "biller_id": self.biller_id,
            "customer_number": self.customer_number,
            "total_minor": self.total_minor,
            "currency": self.currency,
            "warnings": list(self.warnings),
            "content_differs": self.content_differs,
            "stored_kind": self.stored_kind,
        }


@dataclass(frozen=True)
class ImportReport:
    outcomes: tuple[ImportOutcome, ...]

    def with_status(self, status: Status) -> list[ImportOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def imported(self) -> list[ImportOutcome]:
        return self.with_status("imported")

    @property
    def duplicates(self) -> list[ImportOutcome]:
        return self.with_status("duplicate")

    @property
    def refused(self) -> list[ImportOutcome]:
        return self.with_status("refused")

    @property
    def exit_status(self) -> int:
        """0 when nothing was refused, else 1."""
        return 1 if self.refused else 0

    def counts_line(self) -> str:
        return (
            f"imported {len(self.imported)}, skipped as duplicates {len(self.duplicates)}, "
            f"refused {len(self.refused)}"
        )

    def summary_lines(self) -> list[str]:
        """Return the summary: counts, documents per biller, then refusals, duplicates and warnings."""
        lines = [self.counts_line()]
        per_biller = Counter((outcome.biller_id, outcome.kind) for outcome in self.imported)
        for (biller_id, kind), count in sorted(
            per_biller.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))
        ):
            noun = "credit note" if kind == "credit_note" else "invoice"
            lines.append(f"  biller {biller_id}: {count} {noun}{'' if count == 1 else 's'}")
        for title, outcomes in (("refused", self.refused), ("skipped as duplicates", self.duplicates)):
            if outcomes:
                lines.append(f"{title}:")
                lines.extend(f"  {outcome.describe()}" for outcome in outcomes)
        warned = [outcome for outcome in self.outcomes if outcome.warnings]
        if warned:
            lines.append("warnings:")
            lines.extend(f"  {outcome.path}: {warning}" for outcome in warned for warning in outcome.warnings)
        return lines


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """Expand the paths into files: a file as given, a folder as its *.xml files at any depth, sorted.

    Hidden files and folders (names starting with ".") inside a folder are skipped, and a
    file named twice is imported once.

    Raises:
        ImportPathError: a path does not exist.
    """
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise ImportPathError(f"no such file or folder: {', '.join(missing)}", paths=missing)
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        for file in [path] if path.is_file() else _xml_files(path):
            resolved = file.resolve()
            if resolved not in seen:
                seen.add(resolved)
                files.append(file)
    return files


def _xml_files(folder: Path) -> Iterator[Path]:
    found: list[Path] = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        found.extend(
            Path(directory) / name
            for name in names
            if name.lower().endswith(".xml") and not name.startswith(".")
        )
    yield from sorted(found)


def import_file(engine: Engine, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportOutcome:
    """Read, parse, check and store one file. A problem with the document makes a refused outcome."""
    try:
        document = parse_document(read_limited(path, max_bytes), max_bytes=max_bytes)
        tolerated = check_totals(document)
        plan = plan_invoice(document)
        plan = replace(plan, warnings=(*tolerated, *plan.warnings))
        result = load_planned(engine, document, plan)
    except DocumentError as error:
        logger.warning("Refused e-invoice %s: %s", path, error.message)
        return ImportOutcome(path=path, status="refused", reason=error.message, code=error.code)
    return ImportOutcome(
        path=path,
        status=result.status,
        invoice_number=result.invoice_number,
        kind=result.kind,
        biller_id=result.biller_id,
        customer_number=result.customer_number,
        total_minor=result.total_minor,
        currency=result.currency,
        warnings=result.warnings,
        content_differs=result.content_differs,
        stored_kind=result.stored_kind,
    )


def import_paths(
    engine: Engine, paths: list[Path], *, progress: bool, max_bytes: int = DEFAULT_MAX_BYTES
) -> ImportReport:
    """Import every e-invoice file under `paths` and report each file's outcome.

    With `progress`, a progress bar runs on stderr while stderr is a terminal.

    Raises:
        ImportPathError: a path does not exist; nothing was imported.
    """
    files = collect_files(paths)
    show_bar = progress and sys.stderr.isatty()
    outcomes: list[ImportOutcome] = []
    if show_bar:
        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        bar = tqdm(files, desc="importing", unit="file", file=sys.stderr)
        # Log lines go through tqdm.write, so they do not break the bar.
        with logging_redirect_tqdm(), bar:
            for path in bar:
                outcomes.append(import_file(engine, path, max_bytes=max_bytes))
    else:
        outcomes.extend(import_file(engine, path, max_bytes=max_bytes) for path in files)
    report = ImportReport(outcomes=tuple(outcomes))
    logger.info("E-invoice import of %d files: %s", len(files), report.counts_line())
    return report
