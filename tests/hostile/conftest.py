"""Helpers shared by the hostile-input tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, inspect, text


def table_digests(engine: Engine) -> dict[str, str]:
    """Return a SHA-256 of every table's rows, independent of row order, by table name."""
    digests = {}
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            lines = sorted(repr(tuple(row)) for row in rows)
            digests[name] = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()
    return digests


def strings_in(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (path, string) for every string in a JSON value. A list step is written as []."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item, f"{path}[]")


def result_json(result: Any) -> Any:
    """Return a tool result's JSON: the structured content, or the parsed text of an error."""
    if result.structured_content is not None:
        return result.structured_content
    try:
        return json.loads(result.content[0].text)
    except ValueError:
        return result.content[0].text
