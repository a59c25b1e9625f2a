import pytest

from invoice_mcp.importers.errors import UnreadableDocumentError
from invoice_mcp.importers.parse import parse_document
from invoice_mcp.importers.xml_safety import parse_xml, read_limited
from tests.importers.conftest import NORRSKEN_JANUARY

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol3;</Invoice>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&secret;</ID></Invoice>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/invoice.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(BILLION_LAUGHS, "has a DTD or entity declaration", id="entity-expansion-bomb"),
        pytest.param(EXTERNAL_ENTITY, "has a DTD or entity declaration", id="external-entity"),
        pytest.param(EXTERNAL_DTD, "has a DTD or entity declaration", id="external-dtd"),
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"  \n ", "the file is empty", id="blank"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not well-formed XML", id="pdf"),
        pytest.param(b"<Invoice><cbc:ID>1</cbc:ID>", "not well-formed XML", id="unbound-prefix"),
        pytest.param(NORRSKEN_JANUARY.read_bytes()[:2000], "not well-formed XML", id="truncated"),
        pytest.param(
            b'<Invoice xmlns="urn:example:not-ubl"/>',
            "is not a UBL 2.1 Invoice or CreditNote",
            id="unknown-namespace",
        ),
        pytest.param(b"<Invoice/>", "is not a UBL 2.1 Invoice or CreditNote", id="no-namespace"),
        pytest.param(
            b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
            "{urn:oasis:names:specification:ubl:schema:xsd:Order-2}Order",
            id="ubl-order",
        ),
    ],
)
def test_unreadable_documents_are_refused(data, expected):
    with pytest.raises(UnreadableDocumentError) as raised:
        parse_document(data)

    assert expected in raised.value.message
    assert raised.value.code == "unreadable_document"


def test_entity_bomb_is_refused_before_expansion():
    # The expanded text would be 3 000 times "lol"; the refusal must come from the DTD itself.
    with pytest.raises(UnreadableDocumentError) as raised:
        parse_xml(BILLION_LAUGHS)

    assert "DTDForbidden" in raised.value.message


def test_size_limit_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b"<a>" + b"x" * 2000 + b"</a>")

    with pytest.raises(UnreadableDocumentError) as raised:
        read_limited(big, max_bytes=1000)

    assert "larger than the limit of 1000 bytes" in raised.value.message


def test_size_limit_allows_file_at_limit(tmp_path):
    exact = tmp_path / "exact.xml"
    exact.write_bytes(b"<a>" + b"x" * 993 + b"</a>")

    assert len(read_limited(exact, max_bytes=1000)) == 1000


def test_parse_xml_enforces_size_limit():
    with pytest.raises(UnreadableDocumentError):
        parse_xml(b"<a>xxxxxxxx</a>", max_bytes=10)


def test_unreadable_file_names_os_error(tmp_path):
    with pytest.raises(UnreadableDocumentError) as raised:
        read_limited(tmp_path)

    assert "cannot read the file" in raised.value.message
