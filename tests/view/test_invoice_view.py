"""The invoice view (an MCP App) in real headless Chromium, fed real results of the in-process server.

The test host page embeds the view in a sandboxed iframe, responds to its ui/initialize request,
sends it a real explain_amount result and forwards its tools/call requests to the server. The checks
read the view's DOM and the host's record of the messages, and drive the view by keyboard.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from invoice_mcp.domain.money import format_money

if TYPE_CHECKING:
    # The CDP client needs websockets, which the browser fixture checks before importing it.
    from tests.view.cdp import Browser, Page

pytestmark = pytest.mark.slow

INVOICE = "NV-2026-0031745"
# A Swedbank account and a personal identity number that pass the server's check digits.
CLEARING = "8327"
ACCOUNT = "9234567890"
WRONG_ACCOUNT = "9234567891"
IDENTITY_NUMBER = "198112189876"


def structured(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("isError"), result
    return result["structuredContent"]


def refusal(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("isError"), result
    return json.loads(result["content"][0]["text"])


def open_view(
    browser: Browser,
    host_server,
    tool_result: dict[str, Any],
    host_context: dict[str, Any] | None = None,
) -> Page:
    """Load the host page with this tool result and wait until the view shows chart and causes."""
    host_server.scenario = {
        "toolInput": {"invoice_number": INVOICE},
        "toolResult": tool_result,
        "hostContext": host_context or {},
    }
    page = browser.open_page(900, 900)
    page.navigate(host_server.base_url + "/host.html")
    page.wait_in_view(
        "document.querySelectorAll('.bar').length > 0 && !!document.getElementById('causes-table')"
    )
    return page


# WCAG 2.1 contrast: each visible text against the first opaque background behind it must reach
# 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). Bars need 3:1 against the page.
CONTRAST_PROBLEMS_JS = """
(() => {
  const parse = (value) => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return { rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => {
    const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (high + 0.05) / (low + 0.05);
  };
  const background = (node) => {
    for (let current = node; current; current = current.parentElement) {
      const color = parse(getComputedStyle(current).backgroundColor);
      if (color.alpha === 1) return color.rgb;
    }
    return parse(getComputedStyle(document.documentElement).backgroundColor).rgb;
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const node = text.parentElement;
    if (!text.textContent.trim() || !node.getClientRects().length || node.closest('.vh, noscript')) continue;
    const style = getComputedStyle(node);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const value = ratio(parse(style.color).rgb, background(node));
    if (value < (large ? 3 : 4.5)) problems.push(text.textContent.trim() + ': ' + value.toFixed(2));
  }
  const page = background(document.body);
  for (const bar of document.querySelectorAll('.bar:not(.is-baseline)')) {
    const value = ratio(parse(getComputedStyle(bar).backgroundColor).rgb, page);
    if (value < 3) problems.push('bar ' + bar.dataset.invoice + ': ' + value.toFixed(2));
  }
  for (const bar of document.querySelectorAll('.bar.is-baseline')) {
    const value = ratio(parse(getComputedStyle(bar).borderTopColor).rgb, page);
    if (value < 3) problems.push('baseline bar border: ' + value.toFixed(2));
  }
  return problems;
})()
"""


def view_text(page: Page, selector: str) -> str:
    return page.evaluate_in_view(f"document.querySelector({json.dumps(selector)}).textContent")


def view_texts(page: Page, selector: str) -> list[str]:
    return page.evaluate_in_view(
        f"[...document.querySelectorAll({json.dumps(selector)})].map((node) => node.textContent)"
    )


def focused_id(page: Page) -> str:
    return page.evaluate_in_view("document.activeElement ? document.activeElement.id : ''")


def tab_until(page: Page, element_id: str, max_presses: int = 40) -> list[str]:
    """Press Tab until the element has focus, and return the ids focused on the way."""
    visited = []
    for _ in range(max_presses):
        page.press("Tab")
        visited.append(focused_id(page))
        if visited[-1] == element_id:
            return visited
    raise AssertionError(f"Tab never reached #{element_id}. Focus went through {visited}")


def tool_calls(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("hostLog.toolCalls")


def recorded_results(page: Page, name: str) -> list[dict[str, Any]]:
    return [entry["result"] for entry in page.evaluate("hostLog.toolResults") if entry["name"] == name]


def wait_for_calls(page: Page, count: int) -> list[dict[str, Any]]:
    page.wait_in_host(f"hostLog.toolCalls.length >= {count} && hostLog.toolResults.length >= {count}")
    return tool_calls(page)


def settle_and_screenshot(page: Page, path):
    # Let the view report its final height so that the host grows the iframe before the picture.
    time.sleep(0.3)
    return page.screenshot(path)


def test_view_renders_explanation_in_swedish(browser, host_server, bridge, tmp_path):
    result = bridge.call("explain_amount", {"invoice_number": INVOICE})
    explanation = structured(result)
    listing = structured(bridge.call("list_invoices", {"limit": 12}))
    page = open_view(browser, host_server, result)

    assert page.evaluate_in_view("document.documentElement.lang") == "sv"
    assert view_text(page, "h1") == f"Faktura {INVOICE}"
    assert view_text(page, "#invoice-total") == explanation["total"]["formatted"]
    assert view_text(page, "#invoice-due-date") == explanation["payment_status"]["due_date"]
    assert view_text(page, "#invoice-status").endswith(explanation["payment_status"]["status_label"])
    assert view_text(page, "#summary") == explanation["summary"]

    causes = explanation["causes"]
    assert view_texts(page, ".cause-text") == [cause["text"] for cause in causes]
    assert view_texts(page, ".cause-amount") == [
        f"+{format_money(cause['amount_minor'], explanation['currency'], 'sv')}" for cause in causes
    ]
    assert sum(cause["amount_minor"] for cause in causes) == explanation["difference"]["amount_minor"]
    assert view_text(page, "#difference") == f"+{explanation['difference']['formatted']}"

    invoices = [item for item in listing["invoices"] if item["kind"] == "invoice"]
    bars = page.evaluate_in_view("[...document.querySelectorAll('.bar')].map((bar) => bar.dataset.invoice)")
    assert len(bars) <= 12
    assert bars == [item["invoice_number"] for item in reversed(invoices[:12])]
    current = page.evaluate_in_view(
        "[...document.querySelectorAll('.bar.is-current')].map((b) => b.dataset.invoice)"
    )
    assert current == [INVOICE]
    baseline = page.evaluate_in_view(
        "[...document.querySelectorAll('.bar.is-baseline')].map((b) => b.dataset.invoice)"
    )
    assert baseline == [explanation["baseline"]["invoice_number"]]
    assert page.evaluate_in_view("!!document.getElementById('baseline-line')")

    chart_label = page.evaluate_in_view("document.getElementById('history-chart').getAttribute('aria-label')")
    assert page.evaluate_in_view("document.getElementById('history-chart').getAttribute('role')") == "img"
    for item in invoices[:12]:
        assert f"{item['issue_date']} {item['total']['formatted']}" in chart_label
    table_rows = view_texts(page, "#history-table tbody th")
    assert table_rows == [item["invoice_number"] for item in reversed(invoices[:12])]

    assert view_text(page, "#causes-heading") == "Varför beloppet skiljer sig"
    assert view_text(page, "#extension-request") == "Be om anstånd"
    assert view_text(page, "#method-request") == "Visa vad som ändras"
    assert view_texts(page, "#days label") == ["7 dagar", "14 dagar", "30 dagar"]

    assert tool_calls(page)[0] == {"name": "list_invoices", "arguments": {"limit": 12, "locale": "sv"}}
    initialize = page.evaluate("hostLog.initializeParams")
    assert initialize["protocolVersion"] == "2026-01-26"
    assert initialize["appInfo"]["name"]
    assert page.evaluate_in_view(CONTRAST_PROBLEMS_JS) == []
    assert page.uncaught_exceptions() == []
    assert set(host_server.requested_paths) <= {
        "/host.html",
        "/view.html",
        "/scenario",
        "/call",
        "/favicon.ico",
    }

    shot = settle_and_screenshot(page, tmp_path / "invoice-view-sv.png")
    assert shot.stat().st_size > 0
    # A narrow chat column: the layout must still read without sideways scrolling.
    page.resize(380, 900)
    time.sleep(0.3)
    assert page.evaluate_in_view("document.documentElement.scrollWidth <= window.innerWidth")
    settle_and_screenshot(page, tmp_path / "invoice-view-sv-narrow.png")
    page.close()


def test_view_renders_get_invoice_with_lines(browser, host_server, bridge, tmp_path):
    result = bridge.call("get_invoice", {"invoice_number": INVOICE})
    detail = structured(result)
    page = open_view(browser, host_server, result)

    assert view_text(page, "h1") == f"Faktura {INVOICE}"
    assert view_text(page, "#invoice-issue-date") == detail["issue_date"]
    assert view_text(page, "#invoice-biller") == detail["biller_name"]
    descriptions = view_texts(page, "#lines-table tbody tr td:first-child")
    assert descriptions == [line["description"] for line in detail["lines"]]
    line_amounts = view_texts(page, "#lines-table tbody td.amount")
    assert line_amounts == [line["amount"]["formatted"] for line in detail["lines"]]
    assert view_text(page, "#how-to-pay") == detail["payment_instructions"]["text"]

    # get_invoice carries no causes, so the view requests them and the invoices up to this one.
    calls = {call["name"]: call["arguments"] for call in tool_calls(page)}
    assert calls["explain_amount"] == {"invoice_number": INVOICE, "locale": "sv"}
    assert calls["list_invoices"] == {"limit": 12, "locale": "sv", "issued_to": detail["issue_date"]}
    assert len(view_texts(page, ".cause-text")) == len(
        structured(recorded_results(page, "explain_amount")[0])["causes"]
    )
    assert page.uncaught_exceptions() == []

    settle_and_screenshot(page, tmp_path / "invoice-view-get-invoice.png")
    page.close()


def test_view_shows_reason_of_refused_tool_result(browser, host_server, bridge):
    result = bridge.call("explain_amount", {"invoice_number": "NV-2026-9999999"})
    reason = refusal(result)["reason"]
    host_server.scenario = {"toolInput": {"invoice_number": "NV-2026-9999999"}, "toolResult": result}
    page = browser.open_page(900, 600)
    page.navigate(host_server.base_url + "/host.html")

    assert page.wait_in_view(f"document.getElementById('notice')?.textContent === {json.dumps(reason)}")
    assert tool_calls(page) == []
    page.close()


def test_view_uses_english_and_dark_host_theme(browser, host_server, bridge, tmp_path):
    result = bridge.call("explain_amount", {"invoice_number": INVOICE, "locale": "en"})
    explanation = structured(result)
    page = open_view(browser, host_server, result, {"theme": "dark", "locale": "sv-SE"})

    assert page.evaluate_in_view("document.documentElement.lang") == "en"
    assert view_text(page, "h1") == f"Invoice {INVOICE}"
    assert view_text(page, "#invoice-total") == explanation["total"]["formatted"]
    assert view_text(page, "#causes-heading") == "Why the amount differs"
    assert view_text(page, "#history-heading") == "Your latest invoices"
    assert view_text(page, "#extension-request") == "Ask for an extension"
    assert view_text(page, "#method-request") == "Show what changes"
    assert view_texts(page, "#days label") == ["7 days", "14 days", "30 days"]
    assert view_text(page, "#compared-with").startswith("Compared with the previous invoice")
    assert view_texts(page, ".cause-text") == [cause["text"] for cause in explanation["causes"]]
    # The view formats cause amounts itself; they must read as the server formats amounts.
    assert view_texts(page, ".cause-amount") == [
        ("+" if cause["amount_minor"] > 0 else "") + format_money(cause["amount_minor"], "SEK", "en")
        for cause in explanation["causes"]
    ]
    assert tool_calls(page)[0]["arguments"]["locale"] == "en"

    # The host's dark theme wins over the light system setting of headless Chromium.
    background = page.evaluate_in_view("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(22, 24, 28)"
    assert page.evaluate_in_view(CONTRAST_PROBLEMS_JS) == []
    assert page.uncaught_exceptions() == []

    settle_and_screenshot(page, tmp_path / "invoice-view-en-dark.png")
    page.close()


def test_extension_by_keyboard_quotes_then_confirms(browser, host_server, bridge, tmp_path):
    page = open_view(browser, host_server, bridge.call("explain_amount", {"invoice_number": INVOICE}))
    calls_before = len(tool_calls(page))

    visited = tab_until(page, "extension-request")
    assert "days-14" in visited, "Tab enters the day choices at the checked one"
    assert visited.index("days-14") < visited.index("extension-request")
    focus_style = page.evaluate_in_view(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focus_style == ["solid", "3px"]

    # Pick 7 days with the arrow keys, as a keyboard user would, then ask for the quote.
    page.evaluate_in_view("document.getElementById('days-14').focus()")
    page.press("ArrowLeft")
    assert page.evaluate_in_view("document.getElementById('days-7').checked")
    page.press("Tab")
    assert focused_id(page) == "extension-request"
    page.press("Enter")

    calls = wait_for_calls(page, calls_before + 1)
    assert calls[-1] == {
        "name": "grant_deferral",
        "arguments": {"invoice_number": INVOICE, "days": 7, "locale": "sv"},
    }
    quote = structured(recorded_results(page, "grant_deferral")[-1])
    assert quote["status"] == "needs_confirmation"
    page.wait_in_view("!!document.getElementById('extension-quote')")
    quote_text = view_text(page, "#extension-quote")
    assert quote["new_due_date"] in quote_text
    assert quote["interest"]["amount"]["formatted"] in quote_text
    assert quote["fee"]["formatted"] in quote_text
    assert quote["message"] in quote_text
    assert focused_id(page) == "extension-quote", "focus moves to the quote, not straight to Confirm"
    settle_and_screenshot(page, tmp_path / "invoice-view-extension-quote.png")

    page.press("Tab")
    assert focused_id(page) == "extension-confirm"
    assert view_text(page, "#extension-confirm") == "Bekräfta"
    page.press("Enter")

    calls = wait_for_calls(page, calls_before + 2)
    assert calls[-1] == {
        "name": "grant_deferral",
        "arguments": {
            "invoice_number": INVOICE,
            "days": 7,
            "locale": "sv",
            "confirmation_token": quote["confirmation_token"],
        },
    }
    granted = structured(recorded_results(page, "grant_deferral")[-1])
    assert granted["status"] == "granted"
    page.wait_in_view("!!document.getElementById('extension-done')")
    assert focused_id(page) == "extension-done", "focus moves from the removed Confirm button to the outcome"
    assert granted["new_due_date"] in view_text(page, "#extension-done")
    assert view_text(page, "#invoice-due-date") == granted["new_due_date"]
    assert page.evaluate("hostLog.modelContext")[-1]["content"][0]["text"] == granted["message"]

    # The server refuses a second extension of the same invoice, and the view shows the reason.
    page.evaluate_in_view("document.getElementById('extension-request').focus()")
    page.press("Enter")
    wait_for_calls(page, calls_before + 3)
    refused = refusal(recorded_results(page, "grant_deferral")[-1])
    page.wait_in_view("!!document.getElementById('extension-error')")
    assert view_text(page, "#extension-error .reason") == refused["reason"]
    assert page.evaluate_in_view("document.getElementById('extension-error').getAttribute('role')") == "alert"
    assert page.uncaught_exceptions() == []

    settle_and_screenshot(page, tmp_path / "invoice-view-extension.png")
    page.close()


def test_payment_method_form_sends_typed_details(browser, host_server, bridge, tmp_path):
    page = open_view(browser, host_server, bridge.call("explain_amount", {"invoice_number": INVOICE}))
    calls_before = len(tool_calls(page))
    assert page.evaluate_in_view("document.querySelector('option[value=card]') === null")
    # The only inputs are the three day choices and the five detail fields. None takes a card number.
    assert page.evaluate_in_view("document.querySelectorAll('input').length") == 3 + 5

    tab_until(page, "method")
    page.type_character("a")
    assert page.evaluate_in_view("document.getElementById('method').value") == "autogiro"
    visible = page.evaluate_in_view(
        "[...document.querySelectorAll('.field[id^=field-]:not([hidden]) input')].map((i) => i.id)"
    )
    assert visible == [
        "detail-clearing_number",
        "detail-account_number",
        "detail-account_holder_identity_number",
    ]

    def type_details(account: str) -> None:
        for element_id, value in [
            ("detail-clearing_number", CLEARING),
            ("detail-account_number", account),
            ("detail-account_holder_identity_number", IDENTITY_NUMBER),
        ]:
            page.evaluate_in_view(f"document.getElementById('{element_id}').value = ''")
            tab_until(page, element_id)
            page.type_text(value)
        tab_until(page, "method-request")
        page.press("Enter")

    # A mistyped account number: the refusal's reason is shown and the field is marked.
    type_details(WRONG_ACCOUNT)
    wait_for_calls(page, calls_before + 1)
    refused = refusal(recorded_results(page, "change_payment_method")[-1])
    page.wait_in_view("!!document.getElementById('method-error')")
    assert view_text(page, "#method-error .reason") == refused["reason"]
    assert refused["field"] == "details.account_number"
    assert (
        page.evaluate_in_view("document.getElementById('detail-account_number').getAttribute('aria-invalid')")
        == "true"
    )
    assert focused_id(page) == "detail-account_number"

    page.evaluate_in_view("document.getElementById('method').focus()")
    type_details(ACCOUNT)
    calls = wait_for_calls(page, calls_before + 2)
    details = {
        "clearing_number": CLEARING,
        "account_number": ACCOUNT,
        "account_holder_identity_number": IDENTITY_NUMBER,
    }
    assert calls[-1] == {
        "name": "change_payment_method",
        "arguments": {"method": "autogiro", "locale": "sv", "details": details},
    }
    quote = structured(recorded_results(page, "change_payment_method")[-1])
    page.wait_in_view("!!document.getElementById('method-quote')")
    quote_text = view_text(page, "#method-quote")
    assert quote["message"] in quote_text
    assert quote["details"]["account_number"] in quote_text, "the masked account number is shown"
    markup = page.evaluate_in_view("document.documentElement.outerHTML + document.body.innerText")
    assert ACCOUNT not in markup
    assert IDENTITY_NUMBER not in markup
    settle_and_screenshot(page, tmp_path / "invoice-view-payment-method-quote.png")

    page.press("Tab")
    assert focused_id(page) == "method-confirm"
    page.press("Enter")
    calls = wait_for_calls(page, calls_before + 3)
    assert calls[-1] == {
        "name": "change_payment_method",
        "arguments": {
            "method": "autogiro",
            "locale": "sv",
            "details": details,
            "confirmation_token": quote["confirmation_token"],
        },
    }
    applied = structured(recorded_results(page, "change_payment_method")[-1])
    assert applied["status"] == "applied"
    page.wait_in_view("!!document.getElementById('method-done')")
    assert focused_id(page) == "method-done"
    assert applied["message"] in view_text(page, "#method-done")
    values = page.evaluate_in_view("[...document.querySelectorAll('input[id^=detail-]')].map((i) => i.value)")
    assert values == ["", "", "", "", ""]
    for message in page.console_output():
        assert ACCOUNT not in message
        assert IDENTITY_NUMBER not in message
    assert page.uncaught_exceptions() == []

    settle_and_screenshot(page, tmp_path / "invoice-view-payment-method.png")
    page.close()
