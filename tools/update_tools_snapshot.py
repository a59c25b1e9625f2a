"""Regenerate tests/server/tools_snapshot.json from the current server's tools/list."""

from __future__ import annotations

import json
from pathlib import Path

from invoice_mcp.domain.principal import Principal
from invoice_mcp.policy_file import load_policies
from invoice_mcp.server.app import ServerSettings, build_server, dump_tools
from invoice_mcp.store.engine import make_engine

SNAPSHOT = Path(__file__).resolve().parents[1] / "tests" / "server" / "tools_snapshot.json"


def main() -> None:
    settings = ServerSettings(
        engine=make_engine("sqlite://"),
        principal=Principal(kind="customer", biller_id="snapshot", customer_number="0"),
        policies=load_policies(),
    )
    tools = dump_tools(build_server(settings))
    SNAPSHOT.write_text(
        json.dumps(tools, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {SNAPSHOT} ({len(tools)} tools)")


if __name__ == "__main__":
    main()
