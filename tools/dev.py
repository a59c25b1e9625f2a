"""Set up a virtual environment on first use, then run the demo or the tests.

    python3 tools/dev.py demo          # the scripted conversation on fresh SQLite demo data
    python3 tools/dev.py test [ARGS]   # the test suite; ARGS go to pytest
    python3 tools/dev.py run ARGS      # any invoice-mcp command, e.g. `run serve --help`

Needs only Python 3.11 or newer and access to PyPI. The environment lives in `.venv`
beside pyproject.toml and is reinstalled when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("INVOICE_MCP_VENV", ROOT / ".venv"))
STAMP = VENV / ".invoice-mcp-installed"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    """Create `.venv` and install the project with its test extras, unless already current."""
    # This script runs under whatever python3 the user has, before anything is installed.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"invoice-mcp needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists():
        print(f"creating virtual environment {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing invoice-mcp and its test dependencies (first run only)", file=sys.stderr)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--editable", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted + "\n")
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "run"):
        print(__doc__, file=sys.stderr)
        return 2
    python = ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        args = [str(python), "-m", "invoice_mcp", "demo", *rest]
    elif command == "test":
        args = [str(python), "-m", "pytest", *rest]
    else:
        args = [str(python), "-m", "invoice_mcp", *rest]
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
