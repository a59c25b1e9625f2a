"""Read untrusted XML files without the usual XML attacks.

defusedxml parses with the standard library's expat parser but rejects every document
type declaration (DTD). That rules out external entities, which could read local files
or fetch URLs, and entity expansion bombs ("billion laughs"), both of which need a DTD.
UBL and CII are defined by XML Schemas, so an e-invoice has no use for one. A size limit, checked before the file is read,
bounds the memory one document can take.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from invoice_mcp.importers.errors import UnreadableDocumentError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MEBIBYTE = 1024 * 1024
# E-invoices can embed attachments such as a PDF copy of the invoice as base64 text, so a
# real document may run to several MiB. The limit leaves room for that and can be raised.
DEFAULT_MAX_BYTES = 20 * MEBIBYTE


def read_limited(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file of at most `max_bytes` bytes.

    Raises:
        UnreadableDocumentError: the file is larger than `max_bytes` or cannot be read.
    """
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise UnreadableDocumentError(f"cannot read the file: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise UnreadableDocumentError(
            f"the file is larger than the limit of {max_bytes} bytes, so it was not parsed",
            max_bytes=max_bytes,
        )
    return data


def parse_xml(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Element:
    """Parse `data` as XML and return the root element.

    Raises:
        UnreadableDocumentError: the data is larger than `max_bytes`, is not well-formed
            XML (which includes truncated and empty files), or has a DTD.
    """
    if len(data) > max_bytes:
        raise UnreadableDocumentError(f"the document is larger than the limit of {max_bytes} bytes")
    if not data.strip():
        raise UnreadableDocumentError("the file is empty, so it is not an XML document")
    # Imported here because the command line reads this module's size limits to build its
    # parser, and `serve` should not load the XML parser for that.
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnreadableDocumentError(
            f"the document has a DTD or entity declaration ({type(error).__name__}), "
            "which e-invoices never need and which can expand entities or read external files, "
            "so it was not parsed"
        ) from error
    except ParseError as error:
        raise UnreadableDocumentError(f"the file is not well-formed XML: {error}") from error
