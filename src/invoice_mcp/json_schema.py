"""Shorten the JSON schemas that pydantic generates, without changing what they accept.

Clients put the tools' input schemas, and some clients the output schemas too, into the
model's context. So the parts that add bytes and no meaning go: titles derived from field
names, `default: null` on optional fields and `additionalProperties: true` (the JSON Schema
default). `anyOf: [X, {"type": "null"}]` becomes `X` with "null" added to its type.
"""

from __future__ import annotations

from typing import Any

# Keywords that only annotate or that constrain only values of their own type, so null stays
# valid when "null" joins the type list.
_TYPE_SPECIFIC_KEYWORDS = frozenset(
    {
        "type",
        "format",
        "description",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "items",
        "minItems",
        "maxItems",
        "enum",
    }
)


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Compact `schema` in place, with its properties, array items and definitions; return it."""
    schema.pop("title", None)
    if schema.get("additionalProperties") is True:
        del schema["additionalProperties"]
    for prop in schema.get("properties", {}).values():
        compact_property(prop)
    for definition in schema.get("$defs", {}).values():
        compact_schema(definition)
    if isinstance(schema.get("items"), dict):
        compact_schema(schema["items"])
    return schema


def compact_property(prop: dict[str, Any]) -> None:
    """Compact one property schema in place."""
    prop.pop("title", None)
    if "default" in prop and prop["default"] is None:
        del prop["default"]
    options = prop.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(option for option in options if option != {"type": "null"})
        if isinstance(other.get("type"), str) and set(other) <= _TYPE_SPECIFIC_KEYWORDS:
            del prop["anyOf"]
            prop.update({key: value for key, value in other.items() if key not in prop})
            prop["type"] = [other["type"], "null"]
            if "enum" in other:
                prop["enum"] = [*other["enum"], None]
    if isinstance(prop.get("items"), dict):
        compact_schema(prop["items"])
