"""tools/list is part of the interface an LLM reads: changes to it must be reviewed.

After an intended change, regenerate the snapshot with `python tools/update_tools_snapshot.py`
and review the diff.
"""

import json
from pathlib import Path

from invoice_mcp.server.app import dump_tools

SNAPSHOT = Path(__file__).with_name("tools_snapshot.json")


def test_tools_list_matches_snapshot(demo_server):
    current = dump_tools(demo_server)

    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8")), (
        "tools/list changed; run `python tools/update_tools_snapshot.py` and review the diff"
    )
