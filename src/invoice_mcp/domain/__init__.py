"""Pure billing rules. Nothing here imports `mcp`, `sqlmodel` or reads the clock."""
