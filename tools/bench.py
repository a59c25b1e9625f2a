"""Benchmark invoice-mcp against a minimal MCP server, in one run, side by side.

Sections (docs/benchmarks.md explains each one and shows the latest figures):

1. latency     tool-call latency in process and over stdio, against the `noop` tool of
               tools/bench_noop_server.py, with SQL statements per call;
2. scale       the same tools on a generated store of --invoices invoices against one of
               --small-invoices, with SQL statements per call and full-scan detection;
3. cold start  spawn to the first tools/list response, against the no-op server, and the
               imports that only invoice-mcp loads;
4. context     bytes of tools/list and of a typical result of each tool;
5. http        streamable HTTP on PostgreSQL: concurrent clients, two server processes,
               mixed reads and quotes, against the no-op server under the same load.

Run from the repository root. A run takes about two minutes on a 2-core machine when the
large store exists, and building the one-million-invoice store adds about one minute:

    .venv/bin/python tools/bench.py --write-docs --json /tmp/invoice-mcp-bench/bench.json

The calls in each section are interleaved round by round (every target once per round,
in a shuffled order), so a burst of load from other processes hits all targets alike
and the ratios stay comparable. Timings still depend on the machine and its load; the
report states both.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import importlib.metadata
import json
import logging
import math
import os
import platform
import random
import re
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
from jsonschema.validators import validator_for
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from referencing import Registry
from sqlalchemy import Engine, event

import bench_noop_server
import generate_large_store
from invoice_mcp.domain.principal import Principal
from invoice_mcp.policy_file import load_policies
from invoice_mcp.server.app import ServerSettings, build_server
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import head_revision, upgrade
from invoice_mcp.store.seed import load_fixtures

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
DEMO_FIXTURES = REPOSITORY_ROOT / "fixtures" / "demo"
NOOP_SERVER = Path(__file__).resolve().parent / "bench_noop_server.py"
DOCS_FILE = REPOSITORY_ROOT / "docs" / "benchmarks.md"
DOCS_BEGIN = "<!-- bench:begin -->"
DOCS_END = "<!-- bench:end -->"

# The demo data describes the year up to this date. On it, customer Anna's newest invoice is
# open and can be deferred by 14 days. The generated stores use the same date.
BENCH_TODAY = dt.date(2026, 12, 4)
ANNA = Principal(kind="customer", biller_id="nordvag", customer_number="100234")
ANNA_INVOICE = "NV-2026-0031745"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_URL_ENV = "INVOICE_MCP_TEST_POSTGRES_URL"

# Targets that the report marks as met or missed.
TARGET_STDIO_RATIO = 1.5
TARGET_SCALE_RATIO = 1.5
TARGET_COLD_START_RATIO = 1.25
TARGET_TOOLS_LIST_BYTES = 8 * 1024
TARGET_EXPLAIN_30_LINES_BYTES = 2.5 * 1024
READ_TOOLS = ("explain_amount", "get_invoice", "list_invoices")
TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b", re.IGNORECASE)

logger = logging.getLogger("bench")


# --- measurement helpers --------------------------------------------------------------------


@dataclasses.dataclass
class Stats:
    """Latency figures of one target, in milliseconds."""

    calls: int
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Stats:
        ordered = sorted(seconds)
        # Nearest-rank percentile: with 200 calls, p99 is the second slowest call.
        p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
        return cls(
            calls=len(ordered),
            p50_ms=statistics.median(ordered) * 1000,
            p99_ms=p99 * 1000,
            mean_ms=statistics.fmean(ordered) * 1000,
        )


class QueryCounter:
    """Count and optionally record the SQL statements an engine sends, without transaction control."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.recorded: list[tuple[str, Any]] | None = None
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if TRANSACTION_CONTROL.match(statement):
            return
        self.count += 1
        if self.recorded is not None:
            self.recorded.append((statement, parameters))

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[tuple[str, Any]]]:
        self.recorded = []
        try:
            yield self.recorded
        finally:
            self.recorded = None


Call = Callable[[], Awaitable[Any]]


@dataclasses.dataclass
class Target:
    """One thing to time: a name for the report and a coroutine factory that makes one call."""

    key: tuple[str, ...]
    call: Call


async def checked_call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    """Call a tool and raise if the result is an error, so that a benchmark never times refusals."""
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        text = result.content[0].text if result.content else ""
        raise RuntimeError(f"{tool}({arguments}) returned an error result: {text[:300]}")
    return result


async def run_interleaved(
    targets: list[Target], rounds: int, warmup: int, seed: int = 1
) -> dict[tuple[str, ...], Stats]:
    """Time every target `rounds` times, one call of each per round in a shuffled order."""
    for _ in range(warmup):
        for target in targets:
            await target.call()
    samples: dict[tuple[str, ...], list[float]] = {target.key: [] for target in targets}
    order = list(targets)
    shuffler = random.Random(seed)
    for _ in range(rounds):
        shuffler.shuffle(order)
        for target in order:
            started = time.perf_counter()
            await target.call()
            samples[target.key].append(time.perf_counter() - started)
    return {key: Stats.of(values) for key, values in samples.items()}


def server_settings(engine: Engine, principal: Principal) -> ServerSettings:
    return ServerSettings(engine=engine, principal=principal, policies=load_policies(None), today=BENCH_TODAY)


def serve_command(database_url: str, principal: Principal) -> list[str]:
    return [
        "-m",
        "invoice_mcp",
        "serve",
        "--database-url",
        database_url,
        "--biller",
        principal.biller_id,
        "--customer",
        str(principal.customer_number),
        "--today",
        BENCH_TODAY.isoformat(),
    ]


def stdio_transport(arguments: list[str], log_file: Any) -> Any:
    """Return a transport that starts `python ARGUMENTS` and keeps its stderr out of the report."""
    return stdio_client(StdioServerParameters(command=sys.executable, args=arguments), errlog=log_file)


def prepare_demo_store(path: Path) -> str:
    """Create a fresh SQLite store at `path` with the demo fixtures and return its URL."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        load_fixtures(engine, DEMO_FIXTURES)
    finally:
        engine.dispose()
    return url


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("nan")


# --- 1. latency -----------------------------------------------------------------------------

LATENCY_CALLS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("explain_amount", "explain_amount", {"invoice_number": ANNA_INVOICE}),
    ("get_invoice", "get_invoice", {"invoice_number": ANNA_INVOICE}),
    ("list_invoices", "list_invoices", {}),
    ("grant_deferral quote", "grant_deferral", {"invoice_number": ANNA_INVOICE, "days": 14}),
)


async def measure_latency(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Time each tool in process, over stdio and as a bare handler call, next to the no-op tool.

    A replay server (tools/bench_noop_server.py --replay) returns results recorded from the real
    tools under the same output schemas and does no other work, so its figures show what the
    size of the results and their schemas alone cost.
    """
    url = prepare_demo_store(work / "demo.db")
    engine = make_engine(url)
    counter = QueryCounter(engine)
    server = build_server(server_settings(engine, ANNA))
    noop = bench_noop_server.build_server()
    log_file = (work / "latency-servers.log").open("w")
    try:
        async with AsyncExitStack() as stack:
            invoice_in_process = await stack.enter_async_context(Client(server))
            recorded = {}
            for _label, tool, arguments in LATENCY_CALLS:
                recorded[tool] = (await checked_call(invoice_in_process, tool, arguments)).structured_content
            output_schemas = {
                tool.name: tool.output_schema for tool in (await invoice_in_process.list_tools()).tools
            }
            schema_checks = {
                label: schema_check_stats(output_schemas[tool], recorded[tool], options.rounds)
                for label, tool, _arguments in LATENCY_CALLS
            }
            replay_file = work / "replay.json"
            replay_file.write_text(json.dumps(recorded, ensure_ascii=False), encoding="utf-8")
            clients = {
                ("in-process", "invoice"): invoice_in_process,
                ("in-process", "noop"): await stack.enter_async_context(Client(noop)),
                ("in-process", "replay"): await stack.enter_async_context(
                    Client(bench_noop_server.build_replay_server(recorded))
                ),
                ("stdio", "invoice"): await stack.enter_async_context(
                    Client(stdio_transport(serve_command(url, ANNA), log_file))
                ),
                ("stdio", "noop"): await stack.enter_async_context(
                    Client(stdio_transport([str(NOOP_SERVER)], log_file))
                ),
                ("stdio", "replay"): await stack.enter_async_context(
                    Client(stdio_transport([str(NOOP_SERVER), "--replay", str(replay_file)], log_file))
                ),
            }
            noop_client = clients[("in-process", "noop")]
            schema_checks["noop"] = schema_check_stats(
                (await noop_client.list_tools()).tools[0].output_schema,
                (await checked_call(noop_client, "noop", {})).structured_content,
                options.rounds,
            )
            targets = []
            for transport in ("in-process", "stdio"):
                noop_client = clients[(transport, "noop")]
                targets.append(Target((transport, "noop"), lambda c=noop_client: checked_call(c, "noop", {})))
                for label, tool, arguments in LATENCY_CALLS:
                    for kind, key in (("invoice", transport), ("replay", f"{transport} replay")):
                        client = clients[(transport, kind)]
                        call_arguments = arguments if kind == "invoice" else {}
                        targets.append(
                            Target(
                                (key, label), lambda c=client, t=tool, a=call_arguments: checked_call(c, t, a)
                            )
                        )
            # The server's own share: MCPServer.call_tool without a client, transport or schema check.
            targets.append(Target(("handler", "noop"), lambda: noop.call_tool("noop", {})))
            for label, tool, arguments in LATENCY_CALLS:
                targets.append(Target(("handler", label), lambda t=tool, a=arguments: server.call_tool(t, a)))
            stats = await run_interleaved(targets, options.rounds, options.warmup)

            queries = {}
            for label, tool, arguments in LATENCY_CALLS:
                counter.count = 0
                await checked_call(invoice_in_process, tool, arguments)
                queries[label] = counter.count
    finally:
        log_file.close()
        engine.dispose()

    rows = []
    for label in ["noop", *(call[0] for call in LATENCY_CALLS)]:
        row: dict[str, Any] = {"tool": label, "queries": queries.get(label, 0)}
        if label in schema_checks:
            row["client schema check"] = dataclasses.asdict(schema_checks[label])
        for transport in ("in-process", "stdio", "handler", "in-process replay", "stdio replay"):
            figures = stats.get((transport, label))
            if figures is None:
                continue
            baseline = stats[(transport.split()[0], "noop")]
            row[transport] = dataclasses.asdict(figures)
            row[f"{transport}_ratio"] = ratio(figures.p50_ms, baseline.p50_ms)
        rows.append(row)
    met = all(row["stdio_ratio"] <= TARGET_STDIO_RATIO for row in rows if row["tool"] in READ_TOOLS)
    return {"rows": rows, "rounds": options.rounds, "target_met": met}


def schema_check_stats(schema: dict[str, Any] | None, instance: Any, rounds: int) -> Stats:
    """Time the client's check of one result against the tool's output schema on its own.

    The SDK client compiles a validator once per tool and runs it on every result, as here.
    """
    validator = validator_for(schema)(schema, registry=Registry())
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        problems = list(validator.iter_errors(instance))
        samples.append(time.perf_counter() - started)
        if problems:
            raise SystemExit(f"bench: a recorded result fails its output schema: {problems[0].message}")
    return Stats.of(samples)


def render_latency(result: dict[str, Any]) -> list[str]:
    lines = [
        f"### 1. Tool-call latency ({result['rounds']} calls each, demo data, SQLite)",
        "",
        "Ratios are p50 over the no-op's p50 on the same path. *Replay* is the control server that returns the "
        "same result with the same output schema and does nothing else. *Handler* is `MCPServer.call_tool` "
        "in process, without client, transport or client-side schema check. *Client schema check* is the "
        "SDK client's check of the result against the output schema, timed on its own; it is part of every "
        "client-side figure.",
        "",
        "| tool | SQL statements | in process p50 / p99 ms | ratio | stdio p50 / p99 ms | ratio "
        "| stdio replay p50 ms | ratio | handler p50 ms | ratio | client schema check p50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        cells = [row["tool"], str(row["queries"]) if row["tool"] != "noop" else "-"]
        for transport in ("in-process", "stdio"):
            figures = row[transport]
            cells.append(f"{figures['p50_ms']:.2f} / {figures['p99_ms']:.2f}")
            cells.append(f"{row[f'{transport}_ratio']:.1f}")
        if "stdio replay" in row:
            cells.append(f"{row['stdio replay']['p50_ms']:.2f}")
            cells.append(f"{row['stdio replay_ratio']:.1f}")
        else:
            cells += ["-", "-"]
        cells.append(f"{row['handler']['p50_ms']:.2f}")
        cells.append(f"{row['handler_ratio']:.1f}")
        check = row.get("client schema check")
        cells.append(f"{check['p50_ms']:.2f}" if check else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Target: every read tool at most {TARGET_STDIO_RATIO} times the no-op over stdio (p50): "
        + ("**met**." if result["target_met"] else "**missed**."),
    ]
    return lines


# --- 2. scale -------------------------------------------------------------------------------

SCALE_TOOLS = ("explain_amount", "list_invoices", "get_invoice", "grant_deferral quote")
SCALE_TARGET_TOOLS = ("explain_amount", "list_invoices")
BIG_TABLES = ("invoice", "invoiceline", "payment", "customer", "paymentextension", "paymentmethod")


def ensure_large_store(
    options: argparse.Namespace,
) -> tuple[Path, generate_large_store.GenerationReport, bool]:
    """Return the large store, reusing one that matches the sizes and schema, else generating it."""
    path = options.large_database or generate_large_store.default_path(options.invoices, 10)
    report = generate_large_store.read_report(path)
    reusable = (
        not options.regenerate
        and path.exists()
        and report is not None
        and report.invoices == options.invoices
        and report.customers == options.customers
        and report.lines_per_invoice == 10
        and report.schema_revision == head_revision()
        and report.generator_version == generate_large_store.GENERATOR_VERSION
    )
    if reusable and report is not None:
        return path, report, False
    logger.info("generating %d invoices for %d customers at %s", options.invoices, options.customers, path)
    report = generate_large_store.generate(path, invoices=options.invoices, customers=options.customers)
    return path, report, True


def middle_customer(customers: int) -> Principal:
    """Return a telecom customer near the middle of a generated store (even indexes are telecom)."""
    index = (customers // 2) // 2 * 2
    return Principal(kind="customer", biller_id="benchtel", customer_number=str(700_000 + index))


def full_scans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """Return the tables that SQLite scans in full for any of the SELECT statements."""
    scanned = []
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall():
                detail = str(row[-1])
                match = re.match(r"SCAN (\w+)", detail)
                if match and match.group(1) in BIG_TABLES:
                    scanned.append(detail)
    finally:
        connection.close()
    return sorted(set(scanned))


async def measure_scale(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Compare the tools on the large generated store and a small one, interleaved round by round."""
    large_path, large_report, generated_now = ensure_large_store(options)
    per_customer = max(1, options.invoices // options.customers)
    small_invoices = min(options.small_invoices, options.invoices)
    small_customers = max(1, small_invoices // per_customer)
    small_report = generate_large_store.generate(
        work / "small.db", invoices=small_invoices, customers=small_customers
    )
    stores = {
        "small": (Path(small_report.database), small_customers, small_report),
        "large": (large_path, options.customers, large_report),
    }
    details: dict[str, Any] = {}
    async with AsyncExitStack() as stack:
        targets = []
        engines = {}
        for name, (path, customers, _report) in stores.items():
            engine = make_engine(f"sqlite:///{path}")
            stack.callback(engine.dispose)
            engines[name] = engine
            counter = QueryCounter(engine)
            principal = middle_customer(customers)
            client = await stack.enter_async_context(Client(build_server(server_settings(engine, principal))))
            listing = await checked_call(client, "list_invoices", {"limit": 1})
            invoice = listing.structured_content["invoices"][0]["invoice_number"]
            calls = {
                "explain_amount": ("explain_amount", {"invoice_number": invoice}),
                "list_invoices": ("list_invoices", {}),
                "get_invoice": ("get_invoice", {"invoice_number": invoice}),
                "grant_deferral quote": ("grant_deferral", {"invoice_number": invoice, "days": 14}),
            }
            store_details: dict[str, Any] = {
                "customer": principal.customer_number,
                "invoice": invoice,
                "tools": {},
            }
            for label in SCALE_TOOLS:
                tool, arguments = calls[label]
                await checked_call(client, tool, arguments)
                counter.count = 0
                with counter.recording() as statements:
                    await checked_call(client, tool, arguments)
                store_details["tools"][label] = {
                    "queries": counter.count,
                    "full_scans": full_scans(engine, statements),
                }
                targets.append(
                    Target((name, label), lambda c=client, t=tool, a=arguments: checked_call(c, t, a))
                )
            details[name] = store_details
        stats = await run_interleaved(targets, options.rounds, options.warmup)

    rows = []
    for label in SCALE_TOOLS:
        small, large = stats[("small", label)], stats[("large", label)]
        rows.append(
            {
                "tool": label,
                "small": dataclasses.asdict(small),
                "large": dataclasses.asdict(large),
                "ratio": ratio(large.p50_ms, small.p50_ms),
                "queries_small": details["small"]["tools"][label]["queries"],
                "queries_large": details["large"]["tools"][label]["queries"],
                "full_scans": details["large"]["tools"][label]["full_scans"],
            }
        )
    met = all(row["ratio"] <= TARGET_SCALE_RATIO for row in rows if row["tool"] in SCALE_TARGET_TOOLS)
    return {
        "rows": rows,
        "rounds": options.rounds,
        "stores": {name: dataclasses.asdict(report) for name, (_path, _count, report) in stores.items()},
        "large_generated_in_this_run": generated_now,
        "customers": {name: details[name]["customer"] for name in details},
        "target_met": met,
    }


def render_scale(result: dict[str, Any]) -> list[str]:
    small, large = result["stores"]["small"], result["stores"]["large"]
    lines = [
        f"### 2. Scale ({result['rounds']} calls each, in process, SQLite)",
        "",
        f"Small store: {small['invoices']:,} invoices, {small['customers']:,} customers. "
        f"Large store: {large['invoices']:,} invoices, {large['customers']:,} customers, "
        f"{large['lines']:,} lines, {large['payments']:,} payments; "
        f"generated in {large['seconds']:.0f} s"
        + (
            " during this run."
            if result["large_generated_in_this_run"]
            else f" when it was built ({large.get('created_at') or 'earlier'})."
        )
        + f" The calls act for customer {result['customers']['large']} of the large store and "
        f"{result['customers']['small']} of the small one, telecom customers in the middle of each.",
        "",
        "| tool | small p50 / p99 ms | large p50 / p99 ms | large / small | SQL statements small / large | full scans (large) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in result["rows"]:
        scans = ", ".join(row["full_scans"]) or "none"
        lines.append(
            f"| {row['tool']} | {row['small']['p50_ms']:.2f} / {row['small']['p99_ms']:.2f} "
            f"| {row['large']['p50_ms']:.2f} / {row['large']['p99_ms']:.2f} | {row['ratio']:.2f} "
            f"| {row['queries_small']} / {row['queries_large']} | {scans} |"
        )
    lines += [
        "",
        f"Target: explain_amount and list_invoices at most {TARGET_SCALE_RATIO} times slower (p50) on the large "
        "store: " + ("**met**." if result["target_met"] else "**missed**."),
    ]
    return lines


# --- 3. cold start --------------------------------------------------------------------------


def parse_importtime(stderr: str) -> list[tuple[str, int, int, list[str]]]:
    """Parse `python -X importtime` output into (module, self µs, cumulative µs, importing chain)."""
    entries = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            entries.append(
                (match.group(4), int(match.group(1)), int(match.group(2)), len(match.group(3)) // 2)
            )
    # A module is listed after the modules it imports, one level less indented; walk backwards.
    parsed = []
    chain: list[str] = []
    for name, self_us, cumulative_us, depth in reversed(entries):
        chain = [*chain[:depth], name]
        parsed.append((name, self_us, cumulative_us, chain[:-1]))
    return parsed[::-1]


def import_profile(arguments: list[str]) -> list[tuple[str, int, int, list[str]]]:
    """Start `python -X importtime ARGUMENTS` with stdin at end of file, so it serves nothing and exits."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )
    return parse_importtime(completed.stderr)


def extra_imports(
    invoice: list[tuple[str, int, int, list[str]]], noop: list[tuple[str, int, int, list[str]]]
) -> list[dict[str, Any]]:
    """Group the modules only invoice-mcp imports by top-level package, with the project module that pulls each in."""
    noop_names = {entry[0] for entry in noop}
    groups: dict[str, dict[str, Any]] = {}
    for name, self_us, _cumulative, chain in invoice:
        if name in noop_names:
            continue
        package = name.split(".")[0]
        group = groups.setdefault(
            package, {"package": package, "self_ms": 0.0, "modules": 0, "imported_by": set()}
        )
        group["self_ms"] += self_us / 1000
        group["modules"] += 1
        # The innermost project module on the chain is the import to change.
        project = [module for module in chain if module.startswith("invoice_mcp")]
        if project and package != "invoice_mcp":
            group["imported_by"].add(project[-1])
    ordered = sorted(groups.values(), key=lambda group: -group["self_ms"])
    for group in ordered:
        group["imported_by"] = sorted(group["imported_by"])
        group["self_ms"] = round(group["self_ms"], 1)
    return ordered


async def measure_cold_start(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Time spawn to the first tools/list response for invoice-mcp serve and the no-op server."""
    url = prepare_demo_store(work / "cold.db")
    commands = {"invoice": serve_command(url, ANNA), "noop": [str(NOOP_SERVER)]}

    samples: dict[str, list[float]] = {"invoice": [], "noop": []}
    tool_counts = {}
    with (work / "cold-start-servers.log").open("w") as log_file:
        for index in range(options.cold_starts):
            order = ["invoice", "noop"] if index % 2 == 0 else ["noop", "invoice"]
            for kind in order:
                started = time.perf_counter()
                async with Client(stdio_transport(commands[kind], log_file)) as client:
                    listing = await client.list_tools(cache_mode="bypass")
                    samples[kind].append(time.perf_counter() - started)
                tool_counts[kind] = len(listing.tools)
    stats = {kind: Stats.of(values) for kind, values in samples.items()}

    invoice_imports = import_profile(commands["invoice"])
    noop_imports = import_profile(commands["noop"])
    interpreter = Stats.of([_time_process([sys.executable, "-c", "pass"]) for _ in range(5)])

    result = {
        "starts": options.cold_starts,
        "invoice": dataclasses.asdict(stats["invoice"]),
        "noop": dataclasses.asdict(stats["noop"]),
        "ratio": ratio(stats["invoice"].p50_ms, stats["noop"].p50_ms),
        "interpreter_ms": interpreter.p50_ms,
        "tools": tool_counts,
        "import_self_ms": {
            "invoice": round(sum(entry[1] for entry in invoice_imports) / 1000, 1),
            "noop": round(sum(entry[1] for entry in noop_imports) / 1000, 1),
        },
        "extra_imports": extra_imports(invoice_imports, noop_imports)[:12],
    }
    result["target_met"] = result["ratio"] <= TARGET_COLD_START_RATIO
    return result


def _time_process(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started


def render_cold_start(result: dict[str, Any]) -> list[str]:
    invoice, noop = result["invoice"], result["noop"]
    lines = [
        f"### 3. Cold start ({result['starts']} starts each, stdio, spawn to the first tools/list response)",
        "",
        "| server | p50 ms | p99 ms | ratio | imports (sum of self times) ms |",
        "|---|---:|---:|---:|---:|",
        f"| no-op (`tools/bench_noop_server.py`) | {noop['p50_ms']:.0f} | {noop['p99_ms']:.0f} | 1.0 "
        f"| {result['import_self_ms']['noop']:.0f} |",
        f"| `python -m invoice_mcp serve` | {invoice['p50_ms']:.0f} | {invoice['p99_ms']:.0f} "
        f"| {result['ratio']:.2f} | {result['import_self_ms']['invoice']:.0f} |",
        "",
        f"An empty interpreter (`python -c pass`) starts in {result['interpreter_ms']:.0f} ms. "
        f"Target: at most {TARGET_COLD_START_RATIO} times the no-op: "
        + ("**met**." if result["target_met"] else "**missed**."),
        "",
        "Imports that only invoice-mcp loads, by package (from one `python -X importtime` run each):",
        "",
        "| package | modules | self time ms | imported by (innermost project module) |",
        "|---|---:|---:|---|",
    ]
    for group in result["extra_imports"]:
        importers = ", ".join(f"`{name}`" for name in group["imported_by"][:4]) or "-"
        lines.append(f"| {group['package']} | {group['modules']} | {group['self_ms']:.0f} | {importers} |")
    return lines


# --- 4. context cost ------------------------------------------------------------------------


def json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def result_sizes(result: Any) -> dict[str, int]:
    """Return the bytes of a tool result as the server sends it, and of its text and structured parts."""
    wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = "".join(block.text for block in result.content if getattr(block, "type", None) == "text")
    return {
        "result": json_bytes(wire),
        "text": len(text.encode()),
        "structured": json_bytes(result.structured_content) if result.structured_content is not None else 0,
    }


async def measure_context(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Measure tools/list and typical results of each tool on the demo data, and a 30-line explanation."""
    url = prepare_demo_store(work / "context.db")
    engine = make_engine(url)
    lines30_path = work / "lines30.db"
    generate_large_store.generate(lines30_path, invoices=4, customers=2, lines_per_invoice=30)
    engine30 = make_engine(f"sqlite:///{lines30_path}")
    try:
        async with (
            Client(build_server(server_settings(engine, ANNA))) as client,
            Client(bench_noop_server.build_server()) as noop,
            Client(build_server(server_settings(engine30, middle_customer(2)))) as client30,
            Client(build_server(server_settings(engine, ANNA), output_schemas=False)) as without_schemas,
        ):
            listing = await client.list_tools(cache_mode="bypass")
            short_listing = await without_schemas.list_tools(cache_mode="bypass")
            noop_listing = await noop.list_tools(cache_mode="bypass")
            tools = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listing.tools]
            per_tool = []
            for tool in tools:
                per_tool.append(
                    {
                        "tool": tool["name"],
                        "total": json_bytes(tool),
                        "description": len(tool.get("description", "").encode()),
                        "input_schema": json_bytes(tool.get("inputSchema", {})),
                        "output_schema": json_bytes(tool.get("outputSchema", {})),
                    }
                )
            calls = [
                ("list_invoices", "list_invoices", {}),
                ("get_invoice", "get_invoice", {"invoice_number": ANNA_INVOICE}),
                ("explain_amount", "explain_amount", {"invoice_number": ANNA_INVOICE}),
                ("grant_deferral quote", "grant_deferral", {"invoice_number": ANNA_INVOICE, "days": 14}),
                ("change_payment_method quote", "change_payment_method", {"method": "kivra"}),
            ]
            responses = []
            for label, tool, arguments in calls:
                result = await checked_call(client, tool, arguments)
                responses.append({"call": label, **result_sizes(result)})
            newest = await checked_call(client30, "list_invoices", {"limit": 1})
            invoice30 = newest.structured_content["invoices"][0]["invoice_number"]
            explained = await checked_call(client30, "explain_amount", {"invoice_number": invoice30})
            responses.append({"call": "explain_amount, 30-line invoice", **result_sizes(explained)})
            causes30 = len(explained.structured_content.get("causes", []))
    finally:
        engine.dispose()
        engine30.dispose()

    listing_bytes = json_bytes(listing.model_dump(mode="json", by_alias=True, exclude_none=True))
    model_facing = sum(
        json_bytes({key: tool.get(key) for key in ("name", "description", "inputSchema")}) for tool in tools
    )
    explain30 = responses[-1]
    short_listing_bytes = json_bytes(short_listing.model_dump(mode="json", by_alias=True, exclude_none=True))
    return {
        "tools_list_bytes": listing_bytes,
        "tools_list_without_output_schemas_bytes": short_listing_bytes,
        "tools_list_model_facing_bytes": model_facing,
        "noop_tools_list_bytes": json_bytes(
            noop_listing.model_dump(mode="json", by_alias=True, exclude_none=True)
        ),
        "per_tool": per_tool,
        "responses": responses,
        "explain30_causes": causes30,
        "tools_list_target_met": listing_bytes <= TARGET_TOOLS_LIST_BYTES,
        "tools_list_without_output_schemas_target_met": short_listing_bytes <= TARGET_TOOLS_LIST_BYTES,
        "explain30_target_met": explain30["text"] <= TARGET_EXPLAIN_30_LINES_BYTES,
    }


def render_context(result: dict[str, Any]) -> list[str]:
    lines = [
        "### 4. Context cost (bytes of UTF-8 JSON)",
        "",
        f"tools/list: **{result['tools_list_bytes']:,}** bytes (no-op server: {result['noop_tools_list_bytes']:,}). "
        "Name, description and input schema only, the parts that tool definitions of model APIs "
        f"such as Anthropic's and OpenAI's take: {result['tools_list_model_facing_bytes']:,} bytes. "
        "With `serve --no-output-schemas`, tools/list is "
        f"{result['tools_list_without_output_schemas_bytes']:,} bytes.",
        "",
        "| tool | total | description | input schema | output schema |",
        "|---|---:|---:|---:|---:|",
    ]
    for tool in result["per_tool"]:
        lines.append(
            f"| {tool['tool']} | {tool['total']:,} | {tool['description']:,} | {tool['input_schema']:,} "
            f"| {tool['output_schema']:,} |"
        )
    lines += [
        "",
        "| call (demo customer Anna unless stated) | result | text content | structured content |",
        "|---|---:|---:|---:|",
    ]
    for response in result["responses"]:
        lines.append(
            f"| {response['call']} | {response['result']:,} | {response['text']:,} | {response['structured']:,} |"
        )
    lines += [
        "",
        "A result carries the same JSON twice, as text and as structured content. The targets are "
        "checked on the text copy, which is what a client that passes text content on gives the model. "
        f"The 30-line explanation has {result['explain30_causes']} causes.",
        "",
        f"Targets: tools/list at most {TARGET_TOOLS_LIST_BYTES:,} bytes: "
        + ("**met**" if result["tools_list_target_met"] else "**missed**")
        + " with output schemas, "
        + ("**met**" if result["tools_list_without_output_schemas_target_met"] else "**missed**")
        + " without them"
        + f"; explain_amount of a 30-line invoice at most {TARGET_EXPLAIN_30_LINES_BYTES:,.0f} bytes (text): "
        + ("**met**." if result["explain30_target_met"] else "**missed**."),
    ]
    return lines


# --- 5. HTTP on PostgreSQL ------------------------------------------------------------------


def http_transport_available() -> str | None:
    """Return why the HTTP section cannot run, or None when `serve --transport http` exists."""
    completed = subprocess.run(
        [sys.executable, "-m", "invoice_mcp", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if not re.search(r"--transport \{[^}]*\bhttp\b", completed.stdout):
        return "`invoice-mcp serve --help` lists no `--transport http`"
    completed = subprocess.run(
        [sys.executable, "-m", "invoice_mcp", "token", "create", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        return "`invoice-mcp token create` is not available"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server on port {port} exited with status {process.returncode}:\n{tail}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"server on port {port} did not accept connections within {timeout:.0f} s")


def process_cpu_seconds(pid: int, *, with_ended_children: bool = False) -> float:
    """Return user plus system CPU time of a process, from /proc/PID/stat.

    With `with_ended_children`, the time of its children that have ended and been waited
    for is added, which is where a PostgreSQL server keeps the time of closed connections.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if with_ended_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """Return the CPU time of every process named `postgres` on this machine (0 where /proc is missing)."""
    total = 0.0
    for entry in Path("/proc").glob("[0-9]*"):
        # A process can end between listing and reading; it then simply does not count.
        with contextlib.suppress(OSError, ValueError, IndexError):
            if (entry / "comm").read_text().strip() == "postgres":
                total += process_cpu_seconds(int(entry.name), with_ended_children=True)
    return total


def postgres_sessions(base_url: str, database_url: str) -> int | None:
    """Return how many connections the database has had since statistics were reset (PostgreSQL 14+)."""
    from sqlalchemy import create_engine, make_url

    name = make_url(database_url).database
    engine = create_engine(base_url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)
            ).scalar()
    except Exception:
        # Older servers have no `sessions` column; the figure is then left out.
        logger.warning("could not read pg_stat_database.sessions", exc_info=True)
        return None
    finally:
        engine.dispose()


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """Create a scratch database on the PostgreSQL server, yield its URL, and drop it afterwards."""
    from sqlalchemy import create_engine, make_url

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"invoice_mcp_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextlib.contextmanager
def server_processes(
    commands: list[list[str]], work: Path, name: str
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start one process per command, each logging to its own file, and stop them afterwards."""
    processes = []
    try:
        for index, command in enumerate(commands):
            log_path = work / f"{name}-{index}.log"
            with log_path.open("wb") as log_file:
                processes.append(
                    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file)
                )
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def run_load(
    urls: list[str],
    headers: dict[str, str],
    calls: list[tuple[str, dict[str, Any]]],
    clients: int,
    warmup_seconds: float,
    seconds: float,
) -> dict[str, Any]:
    """Run `clients` concurrent MCP clients, spread over `urls`, each calling `calls` in turn."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    started = time.perf_counter()
    window_start = started + warmup_seconds
    window_end = window_start + seconds
    latencies: dict[str, list[float]] = {tool: [] for tool, _arguments in calls}
    errors: list[str] = []

    async def client_loop(index: int) -> None:
        http = httpx2.AsyncClient(headers=headers, timeout=60)
        async with http, Client(streamable_http_client(urls[index % len(urls)], http_client=http)) as client:
            turn = index
            while time.perf_counter() < window_end:
                tool, arguments = calls[turn % len(calls)]
                turn += 1
                call_started = time.perf_counter()
                try:
                    result = await client.call_tool(tool, arguments)
                    failure = (
                        (result.content[0].text[:200] if result.content else "error")
                        if result.is_error
                        else None
                    )
                except Exception as exc:
                    failure = f"{type(exc).__name__}: {exc}"[:200]
                call_ended = time.perf_counter()
                if window_start <= call_started and call_ended <= window_end:
                    if failure is None:
                        latencies[tool].append(call_ended - call_started)
                    else:
                        errors.append(f"{tool}: {failure}")

    async with anyio.create_task_group() as group:
        for index in range(clients):
            group.start_soon(client_loop, index)
    every = [value for values in latencies.values() for value in values]
    figures = Stats.of(every) if every else Stats(0, float("nan"), float("nan"), float("nan"))
    return {
        "calls_per_second": len(every) / seconds,
        **dataclasses.asdict(figures),
        "per_tool": {
            tool: dataclasses.asdict(Stats.of(values)) for tool, values in latencies.items() if values
        },
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
    }


async def measure_http(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Load two invoice-mcp HTTP processes on PostgreSQL, then two no-op processes the same way."""
    reason = http_transport_available()
    if reason:
        return {"skipped": f"{reason}; the HTTP section needs it"}
    base_url = options.postgres_url
    try:
        from sqlalchemy import create_engine

        probe = create_engine(base_url)
        with probe.connect() as connection:
            server_version = connection.exec_driver_sql("SHOW server_version").scalar()
        probe.dispose()
    except Exception as exc:
        return {"skipped": f"PostgreSQL at {base_url} is not reachable ({type(exc).__name__}: {exc})"}

    cli = [sys.executable, "-m", "invoice_mcp"]
    with postgres_database(base_url) as url:
        for step in (["db", "upgrade"], ["seed", str(DEMO_FIXTURES)]):
            subprocess.run([*cli, *step, "--database-url", url], check=True, capture_output=True, timeout=300)
        created = subprocess.run(
            [
                *cli,
                "token",
                "create",
                "--biller",
                ANNA.biller_id,
                "--customer",
                str(ANNA.customer_number),
                "--scope",
                "read",
                "--scope",
                "act",
                "--database-url",
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        token = created.stdout.strip().splitlines()[-1].strip()
        invoice_ports = [free_port() for _ in range(options.http_processes)]
        noop_ports = [free_port() for _ in range(options.http_processes)]
        invoice_commands = [
            [
                *cli,
                "serve",
                "--transport",
                "http",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--database-url",
                url,
                "--today",
                BENCH_TODAY.isoformat(),
            ]
            for port in invoice_ports
        ]
        noop_commands = [
            [sys.executable, str(NOOP_SERVER), "--transport", "http", "--port", str(port)]
            for port in noop_ports
        ]
        mixed = [
            ("list_invoices", {}),
            ("explain_amount", {"invoice_number": ANNA_INVOICE}),
            ("get_invoice", {"invoice_number": ANNA_INVOICE}),
            ("grant_deferral", {"invoice_number": ANNA_INVOICE, "days": 14}),
        ]
        runs = {}
        for name, commands, ports, headers, calls in (
            ("invoice", invoice_commands, invoice_ports, {"Authorization": f"Bearer {token}"}, mixed),
            ("noop", noop_commands, noop_ports, {}, [("noop", {})]),
        ):
            with server_processes(commands, work, f"http-{name}") as processes:
                for index, (port, process) in enumerate(zip(ports, processes, strict=True)):
                    wait_for_port(port, process, work / f"http-{name}-{index}.log")
                sessions_before = postgres_sessions(base_url, url) if name == "invoice" else None
                cpu_before = sum(process_cpu_seconds(process.pid) for process in processes)
                client_cpu_before = own_cpu_seconds()
                postgres_cpu_before = postgres_cpu_seconds()
                wall_before = time.perf_counter()
                load = await run_load(
                    [f"http://127.0.0.1:{port}/mcp" for port in ports],
                    headers,
                    calls,
                    options.http_clients,
                    options.http_warmup_seconds,
                    options.http_seconds,
                )
                wall = time.perf_counter() - wall_before
                cpu = sum(process_cpu_seconds(process.pid) for process in processes) - cpu_before
                # CPU shares over the whole load run, warm-up included, in percent of one core.
                load["server_cpu_percent"] = 100 * cpu / wall
                load["client_cpu_percent"] = 100 * (own_cpu_seconds() - client_cpu_before) / wall
                load["postgres_cpu_percent"] = 100 * (postgres_cpu_seconds() - postgres_cpu_before) / wall
                if sessions_before is not None:
                    sessions_after = postgres_sessions(base_url, url)
                    calls_made = load["calls_per_second"] * options.http_seconds
                    if sessions_after is not None and calls_made:
                        # Over the whole run, warm-up included, per call completed in the window.
                        load["postgres_connections_opened"] = sessions_after - sessions_before
                        load["postgres_connections_per_call"] = (
                            sessions_after - sessions_before
                        ) / calls_made
                runs[name] = load
    invoice, noop = runs["invoice"], runs["noop"]
    return {
        "postgres_version": server_version,
        "cores": os.cpu_count(),
        "clients": options.http_clients,
        "processes": options.http_processes,
        "seconds": options.http_seconds,
        "mix": "list_invoices, explain_amount, get_invoice, grant_deferral quote, in turn",
        "invoice": invoice,
        "noop": noop,
        "throughput_ratio": ratio(noop["calls_per_second"], invoice["calls_per_second"]),
        "p50_ratio": ratio(invoice["p50_ms"], noop["p50_ms"]),
        "errors_target_met": invoice["errors"] == 0,
    }


def render_http(result: dict[str, Any]) -> list[str]:
    header = "### 5. HTTP on PostgreSQL"
    if "skipped" in result:
        return [header, "", f"Skipped: {result['skipped']}."]
    lines = [
        header,
        "",
        f"PostgreSQL {result['postgres_version']}, {result['processes']} server processes, "
        f"{result['clients']} concurrent clients in one client process, {result['seconds']:.0f} s measured after "
        f"warm-up. invoice-mcp calls: {result['mix']} (three reads to one quote), one customer's bearer token. "
        "CPU is in percent of one core over the whole load run; the machine has "
        f"{result['cores']} cores shared by servers, PostgreSQL and the client.",
        "",
        "| server | calls/s | p50 ms | p99 ms | errors | CPU % servers / PostgreSQL / client |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, label in (("noop", "no-op tool"), ("invoice", "invoice-mcp mixed")):
        run = result[name]
        lines.append(
            f"| {label} | {run['calls_per_second']:.0f} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} "
            f"| {run['errors']} | {run['server_cpu_percent']:.0f} / {run['postgres_cpu_percent']:.0f} "
            f"/ {run['client_cpu_percent']:.0f} |"
        )
    for tool, figures in result["invoice"]["per_tool"].items():
        lines.append(f"| - {tool} | | {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} | | |")
    opened = result["invoice"].get("postgres_connections_opened")
    if opened is not None:
        lines += [
            "",
            f"invoice-mcp opened {opened} PostgreSQL connections during the load run "
            f"({result['invoice']['postgres_connections_per_call']:.2f} per measured call; "
            "from `pg_stat_database.sessions`, warm-up included).",
        ]
    lines += [
        "",
        f"No-op throughput is {result['throughput_ratio']:.1f} times invoice-mcp's; invoice-mcp's p50 is "
        f"{result['p50_ratio']:.1f} times the no-op's. Errors: "
        + (
            "**0**."
            if result["errors_target_met"]
            else f"**{result['invoice']['errors']}**, for example "
            + "; ".join(result["invoice"]["error_examples"])
            + "."
        ),
    ]
    return lines


# --- report ---------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """Describe the machine and software the figures come from."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    packages = {}
    for package in (
        "mcp",
        "pydantic",
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "babel",
        "uvicorn",
        "httpx2",
        "psycopg",
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            packages[package] = importlib.metadata.version(package)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=REPOSITORY_ROOT,
        check=False,
    ).stdout.strip()
    # GIT_OPTIONAL_LOCKS=0 keeps `git status` from writing the index while others work in the tree.
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=REPOSITORY_ROOT,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        check=False,
    ).stdout.strip()
    return {
        "cpu": models[0] if models else platform.processor() or "unknown",
        "cores": len(models) or os.cpu_count(),
        "memory_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": packages,
        "commit": commit + (" with uncommitted changes" if dirty else ""),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


# The sections that a --skip-* option leaves out: option, number and name in the report.
SKIPPABLE_SECTIONS = {
    "scale": ("--skip-scale", 2, "scale"),
    "cold_start": ("--skip-cold-start", 3, "cold start"),
    "http": ("--skip-http", 5, "HTTP on PostgreSQL"),
}


def render_report(report: dict[str, Any]) -> str:
    machine = report["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    lines = [
        f"Run on {machine['date']}: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}; Python {machine['python']}, SQLite {machine['sqlite']}; {packages}; "
        f"commit {machine['commit']}. Load average (1, 5, 15 min) at start {machine['load_average_at_start']}, "
        f"at end {report.get('load_average_at_end')}.",
        "",
        "Command: `" + report["command"] + "`",
        "",
    ]
    renderers = {
        "latency": render_latency,
        "scale": render_scale,
        "cold_start": render_cold_start,
        "context": render_context,
        "http": render_http,
    }
    for name, render in renderers.items():
        section = report["sections"].get(name)
        if section is None:
            # run_sections leaves out exactly the sections whose --skip-* option was given.
            if name in SKIPPABLE_SECTIONS:
                option, number, title = SKIPPABLE_SECTIONS[name]
                lines += [f"Section {number} ({title}) was skipped with {option}.", ""]
            continue
        if "failed" in section:
            lines += [f"### {name}", "", f"Failed: {section['failed']}"]
        else:
            lines += render(section)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_docs(markdown: str, path: Path) -> None:
    """Replace the text between the bench markers of `path` with `markdown`."""
    text = path.read_text(encoding="utf-8")
    begin, end = text.find(DOCS_BEGIN), text.find(DOCS_END)
    if begin < 0 or end < begin:
        raise SystemExit(f"error: {path} has no '{DOCS_BEGIN}' ... '{DOCS_END}' markers to write between")
    path.write_text(text[: begin + len(DOCS_BEGIN)] + "\n" + markdown + text[end:], encoding="utf-8")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark invoice-mcp against a minimal MCP server.")
    parser.add_argument("--rounds", type=int, default=200, help="timed calls per target (default: 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per target first (default: 20)")

    parser.add_argument(
        "--invoices", type=int, default=1_000_000, help="invoices in the large store (default: 1000000)"
    )
    parser.add_argument(
        "--customers", type=int, default=100_000, help="customers in the large store (default: 100000)"
    )
    parser.add_argument(
        "--small-invoices",
        type=int,
        default=1000,
        help="invoices in the small store, at most --invoices (default: 1000)",
    )
    parser.add_argument(
        "--large-database",
        type=Path,
        help="large store to use or build (default: /tmp/invoice-mcp-bench/store-Nx10.db); "
        "reused when its sizes, schema version and generator version match",
    )
    parser.add_argument("--regenerate", action="store_true", help="build the large store even if one matches")

    parser.add_argument("--cold-starts", type=int, default=10, help="process starts per server (default: 10)")
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="folder for the small stores and server logs (default: a new temporary folder)",
    )

    parser.add_argument(
        "--skip-scale", action="store_true", help="skip section 2, scale (builds or reuses the large store)"
    )
    parser.add_argument("--skip-cold-start", action="store_true", help="skip section 3, cold start")
    parser.add_argument("--skip-http", action="store_true", help="skip section 5, HTTP on PostgreSQL")

    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL),
        help=f"PostgreSQL server for section 5; a scratch database is created and dropped on it "
        f"(default: ${POSTGRES_URL_ENV}, else {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--http-clients", type=int, default=32, help="concurrent HTTP clients (default: 32)")
    parser.add_argument("--http-processes", type=int, default=2, help="HTTP server processes (default: 2)")
    parser.add_argument(
        "--http-seconds", type=float, default=20.0, help="measured seconds per load run (default: 20)"
    )
    parser.add_argument(
        "--http-warmup-seconds", type=float, default=3.0, help="unmeasured seconds before that (default: 3)"
    )

    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="also write the Markdown report to this file")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the report into docs/benchmarks.md between its markers",
    )
    parser.add_argument(
        "--docs-file",
        type=Path,
        default=DOCS_FILE,
        help="Markdown file that --write-docs writes into (default: docs/benchmarks.md)",
    )

    options = parser.parse_args(argv)
    if options.rounds < 1 or options.warmup < 0 or options.cold_starts < 1:
        parser.error("--rounds and --cold-starts must be 1 or more, --warmup 0 or more")
    if options.customers < 1 or options.invoices < options.customers:
        parser.error("--invoices must be at least --customers, and --customers at least 1")
    return options


async def run_sections(options: argparse.Namespace, work: Path) -> dict[str, Any]:
    sections: dict[str, Callable[[argparse.Namespace, Path], Awaitable[dict[str, Any]]]] = {
        "latency": measure_latency,
        "context": measure_context,
    }
    if not options.skip_scale:
        sections["scale"] = measure_scale
    if not options.skip_cold_start:
        sections["cold_start"] = measure_cold_start
    if not options.skip_http:
        sections["http"] = measure_http
    results: dict[str, Any] = {}
    for name, measure in sections.items():
        logger.info("measuring %s", name)
        started = time.perf_counter()
        try:
            results[name] = await measure(options, work)
        except Exception as exc:
            logger.exception("section %s failed", name)
            results[name] = {"failed": f"{type(exc).__name__}: {exc}"}
        logger.info("%s took %.0f s", name, time.perf_counter() - started)
    return results


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="bench: %(message)s")
    # httpx2 logs every request at INFO, and Alembic every migration of every scratch store.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="invoice-mcp-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # The in-process servers log every call at INFO like `serve` does; keep those lines in a file.
    server_log = logging.FileHandler(work / "in-process-servers.log")
    for name in ("invoice_mcp", "mcp"):
        logging.getLogger(name).addHandler(server_log)
        logging.getLogger(name).propagate = False
    logger.info("work folder %s", work)

    report: dict[str, Any] = {
        "machine": machine_info(),
        "command": "python tools/bench.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    report["sections"] = anyio.run(run_sections, options, work)
    report["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    markdown = render_report(report)

    print(markdown)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if options.markdown:
        options.markdown.parent.mkdir(parents=True, exist_ok=True)
        options.markdown.write_text(markdown, encoding="utf-8")
    if options.write_docs:
        write_docs(markdown, options.docs_file)
    failed = [name for name, section in report["sections"].items() if "failed" in section]
    if failed:
        print(f"bench: sections failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
