"""Run the command line with `python -m invoice_mcp`."""

import sys

from invoice_mcp.cli import main

sys.exit(main())
