"""The `invoice-mcp import` command: arguments, run, summary and exit status.

Exit status: 0 when every file was imported or skipped as a duplicate, and 1 when some
files were refused, although the others are still imported. A usage error, such as a
missing path or a database whose schema is not up to date, exits with 2.

The database modules are imported inside `run_import`, so that building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from invoice_mcp.importers.xml_safety import DEFAULT_MAX_BYTES, MEBIBYTE

USAGE_ERROR = 2


def _positive_mebibytes(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size <= 0:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number of MiB")
    return size


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of `invoice-mcp import` to its subparser."""
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="e-invoice file (UBL 2.1 or CII XML), or folder whose *.xml files are imported at any depth",
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the billing store (default: $INVOICE_MCP_DATABASE_URL, "
        "else an SQLite file in the user data folder)",
    )
    parser.add_argument(
        "--max-file-size",
        type=_positive_mebibytes,
        default=DEFAULT_MAX_BYTES // MEBIBYTE,
        metavar="MIB",
        help=f"refuse files larger than this many MiB without parsing them (default: {DEFAULT_MAX_BYTES // MEBIBYTE})",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it is shown only when stderr is a terminal)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per file instead of the summary (the counts still go to stderr)",
    )


def run_import(args: argparse.Namespace) -> int:
    """Run `invoice-mcp import` and return its exit status."""
    from invoice_mcp.cli import CommandError, open_store
    from invoice_mcp.importers.batch import ImportPathError, collect_files, import_paths

    try:
        collect_files(args.paths)
    except ImportPathError as error:
        return _usage_error(str(error))
    try:
        engine = open_store(args.database_url)
    except CommandError as error:
        return _usage_error(str(error))
    try:
        report = import_paths(
            engine, list(args.paths), progress=not args.no_progress, max_bytes=args.max_file_size * MEBIBYTE
        )
    finally:
        engine.dispose()

    if args.json:
        for outcome in report.outcomes:
            print(json.dumps(outcome.to_json(), ensure_ascii=False))
        print(report.counts_line(), file=sys.stderr)
    else:
        print("\n".join(report.summary_lines()))
    return report.exit_status


def _usage_error(message: str) -> int:
    print(f"invoice-mcp: error: {message}", file=sys.stderr)
    return USAGE_ERROR
