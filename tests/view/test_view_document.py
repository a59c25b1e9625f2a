"""The view document as the package ships it, checked without a browser."""

import re

from invoice_mcp.server.view import VIEW_URI, invoice_view_html


def test_view_html_is_self_contained():
    html = invoice_view_html()

    assert html.startswith("<!doctype html>")
    assert VIEW_URI == "ui://invoice-mcp/invoice-view.html"
    assert re.findall(r"https?://", html) == []
    assert re.search(r"<script[^>]*\bsrc=", html) is None
    assert "<link" not in html
    assert "@import" not in html
    assert "url(" not in html
    assert "fetch(" not in html
    assert "XMLHttpRequest" not in html
    assert "WebSocket" not in html


def test_view_never_logs_or_stores():
    html = invoice_view_html()

    assert "console." not in html
    assert "localStorage" not in html
    assert "sessionStorage" not in html
    assert "document.cookie" not in html
    assert "indexedDB" not in html


def _label_keys(block: str) -> list[str]:
    # Keys of the texts object: six spaces for a label, eight for one inside a nested group.
    return re.findall(r"^ {6,8}(\w+):", block, flags=re.MULTILINE)


def test_every_label_exists_in_swedish_and_english():
    html = invoice_view_html()
    texts = html[html.index("const TEXTS = {") : html.index("\n  };", html.index("const TEXTS = {"))]
    swedish, english = texts.split("\n    en: {")

    assert _label_keys(swedish) == _label_keys(english)
    assert len(_label_keys(swedish)) > 100
