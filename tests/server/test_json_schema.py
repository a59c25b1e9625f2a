"""Compacted schemas must accept exactly what the schemas pydantic generates accept."""

import copy

import jsonschema
import pytest
from mcp.server import MCPServer
from pydantic import BaseModel, Field

from invoice_mcp.json_schema import compact_schema
from invoice_mcp.service import outputs as out

# Values that test each kind of property: null, wrong types, enum members and non-members,
# strings at and past their length limits, nested objects with extra keys.
SAMPLE_VALUES = [
    None,
    "",
    "sv",
    "xx",
    "previous",
    "x" * 40,
    "x" * 41,
    "x" * 201,
    0,
    -3,
    14,
    1.5,
    True,
    [],
    ["a"],
    {},
    {"clearing_number": "6789"},
    {"clearing_number": 6789},
    {"unknown": "value"},
]


def agree(original, compacted, instance):
    accepts_original = jsonschema.Draft202012Validator(original).is_valid(instance)
    accepts_compacted = jsonschema.Draft202012Validator(compacted).is_valid(instance)
    return accepts_original == accepts_compacted


async def test_input_schemas_accept_same_arguments(demo_server):
    generated = {tool.name: tool.input_schema for tool in await MCPServer.list_tools(demo_server)}
    listed = {tool.name: tool.input_schema for tool in await demo_server.list_tools()}

    assert listed.keys() == generated.keys()
    for name, original in generated.items():
        compacted = listed[name]
        assert "title" not in compacted, name
        for field in original["properties"]:
            for value in SAMPLE_VALUES:
                instance = {key: "x" for key in original.get("required", [])} | {field: value}
                assert agree(original, compacted, instance), (name, field, value)


class Nested(BaseModel):
    code: str = Field(max_length=3)


class Sample(BaseModel):
    locale: str | None = Field(default=None, pattern="^(sv|en)$")
    kind: int | None = None
    nested: Nested | None = None
    tags: list[str] | None = Field(default=None, max_length=2)
    mode: str = "previous"


@pytest.mark.parametrize(
    "instance",
    [
        {},
        {"locale": None},
        {"locale": "sv"},
        {"locale": "fi"},
        {"kind": None},
        {"kind": "1"},
        {"nested": None},
        {"nested": {"code": "SEK"}},
        {"nested": {"code": "SEKS"}},
        {"tags": None},
        {"tags": ["a", "b"]},
        {"tags": ["a", "b", "c"]},
        {"tags": [1]},
        {"mode": None},
    ],
)
def test_compacted_model_schema_agrees(instance):
    original = Sample.model_json_schema()
    compacted = compact_schema(copy.deepcopy(original))

    assert agree(original, compacted, instance)


def test_compacted_schema_drops_titles_and_null_defaults():
    compacted = compact_schema(Sample.model_json_schema())

    assert "title" not in compacted
    assert compacted["properties"]["locale"] == {"pattern": "^(sv|en)$", "type": ["string", "null"]}
    assert compacted["properties"]["mode"] == {"default": "previous", "type": "string"}
    assert "title" not in compacted["$defs"]["Nested"]


def test_output_schema_of_money_has_no_titles():
    schema = out.Money.model_json_schema()

    assert "title" not in schema
    assert all("title" not in prop for prop in schema["properties"].values())
