"""Recipient-facing text in Swedish and English, built from templates.

Everything here is read by the invoice recipient (or spoken to them by an
agent), so it comes in both languages. Engineering text stays in English
elsewhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Literal

from invoice_mcp.domain.explanation import Cause, Explanation, LineGroup
from invoice_mcp.domain.money import format_date, format_money

Locale = Literal["sv", "en"]
LOCALES: tuple[str, ...] = ("sv", "en")

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "subscription": "abonnemang",
        "usage": "förbrukning",
        "roaming": "roaming",
        "one_off": "engångsköp",
        "discount": "rabatt",
        "fee": "avgifter",
        "interest": "ränta",
        "carried_over": "överfört saldo",
        "credit": "kredit",
        "rounding": "öresavrundning",
    },
    "en": {
        "subscription": "subscription",
        "usage": "usage",
        "roaming": "roaming",
        "one_off": "one-off purchases",
        "discount": "discounts",
        "fee": "fees",
        "interest": "interest",
        "carried_over": "balance carried over",
        "credit": "credits",
        "rounding": "rounding",
    },
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "open": "obetald",
        "partly_paid": "delvis betald",
        "partly_credited": "delvis krediterad",
        "paid": "betald",
        "overdue": "förfallen",
        "reminded": "påmind",
        "collection": "hos inkasso",
        "credited": "krediterad",
        "written_off": "avskriven",
    },
    "en": {
        "open": "unpaid",
        "partly_paid": "partly paid",
        "partly_credited": "partly credited",
        "paid": "paid",
        "overdue": "overdue",
        "reminded": "reminder sent",
        "collection": "with debt collection",
        "credited": "credited",
        "written_off": "written off",
    },
}


def status_label(status: str, kind: str, locale: Locale) -> str:
    """Return the recipient's word for a status. A settled credit note is not "paid" but offset
    against the invoice it credits."""
    if kind == "credit_note" and status == "paid":
        return "avräknad" if locale == "sv" else "settled"
    if kind == "credit_note" and status == "open":
        return "ej avräknad" if locale == "sv" else "not yet settled"
    return STATUS_LABELS[locale].get(status, status)


BASELINE_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "previous": "förra fakturan",
        "same_period_last_year": "samma period förra året",
        "typical": "ditt vanliga belopp",
    },
    "en": {
        "previous": "the previous invoice",
        "same_period_last_year": "the same period last year",
        "typical": "your typical amount",
    },
}

PAYMENT_METHOD_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "autogiro": "autogiro",
        "e_invoice": "e-faktura",
        "kivra": "Kivra",
        "email_pdf": "PDF-faktura via e-post",
        "swish": "Swish",
        "card": "kort",
        "paper": "pappersfaktura",
    },
    "en": {
        "autogiro": "direct debit (autogiro)",
        "e_invoice": "e-invoice in your internet bank",
        "kivra": "Kivra digital mailbox",
        "email_pdf": "PDF invoice by e-mail",
        "swish": "Swish",
        "card": "card",
        "paper": "paper invoice",
    },
}

# Templates for one cause. Fields: {description}, {amount} (absolute, formatted),
# {where} (country list or empty), {old_price}, {new_price}.
_CAUSE_TEMPLATES: dict[str, dict[str, str]] = {
    "sv": {
        "roaming_added": "roaming{where} ({description}) {amount}",
        "roaming_group": "roaming{where} {amount}",
        "roaming_change": "roaming{where} som {direction} med {change} ({description})",
        "roaming_ended": "ingen roaming{where} denna gång ({description}) {amount}",
        "usage_added": "ny förbrukning ({description}) {amount}",
        "usage_removed": "ingen förbrukning av {description} {amount}",
        "usage_change": "förbrukning som {direction} med {change} ({description})",
        "one_off_purchase": "engångsköp: {description} {amount}",
        "one_off_no_longer_charged": "engångsköpet {description} finns inte med denna gång {amount}",
        "one_off_change": "engångsköp som {direction} med {change} ({description})",
        "price_change": "prisändring för {description} från {old_price} till {new_price} {amount}",
        "subscription_added": "nytt abonnemang: {description} {amount}",
        "subscription_removed": "abonnemanget {description} finns inte med {amount}",
        "subscription_change": "abonnemanget {description}, som {direction} med {change}",
        "plan_change": "byte av abonnemang till {description} {amount}",
        "part_period_added": "delperiod: {description} {amount}",
        "part_period_removed": "ingen delperiod denna gång ({description}) {amount}",
        "part_period_change": "en ändrad delperiod ({description}) {amount}",
        "vat_rate_change": "ändrad momssats för {description} {amount}",
        "discount_started": "ny rabatt: {description} {amount}",
        "discount_ended": "rabatten {description} har upphört {amount}",
        "discount_change": "en ändrad rabatt, {description} {amount}",
        "fee_added": "avgift: {description} {amount}",
        "fee_removed": "avgiften {description} finns inte med {amount}",
        "fee_change": "en ändrad avgift, {description} {amount}",
        "interest_added": "ränta: {description} {amount}",
        "interest_removed": "ingen ränta denna gång {amount}",
        "interest_change": "ändrad ränta {amount}",
        "carried_over_balance": "överfört obetalt belopp: {description} {amount}",
        "carried_over_balance_removed": "inget överfört belopp denna gång {amount}",
        "carried_over_balance_change": "ett ändrat överfört belopp {amount}",
        "credit_added": "kreditering: {description} {amount}",
        "credit_removed": "ingen kreditering denna gång ({description}) {amount}",
        "credit_change": "en ändrad kreditering ({description}) {amount}",
        "rounding": "öresavrundning {amount}",
    },
    "en": {
        "roaming_added": "roaming{where} ({description}) {amount}",
        "roaming_group": "roaming{where} {amount}",
        "roaming_change": "roaming{where} that {direction} by {change} ({description})",
        "roaming_ended": "no roaming{where} this time ({description}) {amount}",
        "usage_added": "new usage ({description}) {amount}",
        "usage_removed": "no usage of {description} {amount}",
        "usage_change": "usage that {direction} by {change} ({description})",
        "one_off_purchase": "one-off purchase: {description} {amount}",
        "one_off_no_longer_charged": "the one-off purchase {description} is not on this invoice {amount}",
        "one_off_change": "one-off purchases that {direction} by {change} ({description})",
        "price_change": "price change for {description} from {old_price} to {new_price} {amount}",
        "subscription_added": "new subscription: {description} {amount}",
        "subscription_removed": "the subscription {description} is no longer charged {amount}",
        "subscription_change": "the subscription {description}, which {direction} by {change}",
        "plan_change": "plan change to {description} {amount}",
        "part_period_added": "part period: {description} {amount}",
        "part_period_removed": "no part-period charge this time ({description}) {amount}",
        "part_period_change": "a changed part-period charge ({description}) {amount}",
        "vat_rate_change": "changed VAT rate for {description} {amount}",
        "discount_started": "new discount: {description} {amount}",
        "discount_ended": "the discount {description} has ended {amount}",
        "discount_change": "a changed discount, {description} {amount}",
        "fee_added": "fee: {description} {amount}",
        "fee_removed": "the fee {description} is no longer charged {amount}",
        "fee_change": "a changed fee, {description} {amount}",
        "interest_added": "interest: {description} {amount}",
        "interest_removed": "no interest this time {amount}",
        "interest_change": "changed interest {amount}",
        "carried_over_balance": "unpaid balance carried over: {description} {amount}",
        "carried_over_balance_removed": "no balance carried over this time {amount}",
        "carried_over_balance_change": "a changed balance carried over {amount}",
        "credit_added": "credit: {description} {amount}",
        "credit_removed": "no credit this time ({description}) {amount}",
        "credit_change": "a changed credit ({description}) {amount}",
        "rounding": "rounding {amount}",
    },
}

_COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "sv": {"NO": "Norge", "DK": "Danmark", "FI": "Finland", "DE": "Tyskland", "US": "USA", "ES": "Spanien"},
    "en": {"NO": "Norway", "DK": "Denmark", "FI": "Finland", "DE": "Germany", "US": "the USA", "ES": "Spain"},
}


def pick_locale(value: str | None, fallback: str = "sv") -> Locale:
    """Map a locale tag such as 'sv-SE' or 'en_GB' to 'sv' or 'en'; anything else gets the fallback."""
    if value:
        language = value.replace("_", "-").split("-")[0].lower()
        if language in LOCALES:
            return language  # type: ignore[return-value]
    return fallback if fallback in LOCALES else "sv"  # type: ignore[return-value]


def signed_money(amount_minor: int, currency: str, locale: str) -> str:
    text = format_money(abs(amount_minor), currency, locale)
    if amount_minor > 0:
        return f"+{text}"
    if amount_minor < 0:
        return f"-{text}"
    return text


def country_list(codes: tuple[str, ...], locale: str) -> str:
    names = [_COUNTRY_NAMES[locale].get(code) or _territory_name(code, locale) for code in codes]
    if not names:
        return ""
    preposition = " i " if locale == "sv" else " in "
    return preposition + joined_list(names, locale)


_NUMBER_WORDS = {
    "sv": ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv"),
    "en": (
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ),
}


def number_word(number: int, locale: str) -> str:
    """Write a count up to twelve in words, as running text does, and a larger one in digits."""
    words = _NUMBER_WORDS.get(locale, _NUMBER_WORDS["en"])
    return words[number] if 0 <= number < len(words) else str(number)


def joined_list(words: list[str], locale: str) -> str:
    """Join words as a sentence lists them: "a, b och c" in Swedish, "a, b and c" in English."""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + (" och " if locale == "sv" else " and ") + words[-1]


@lru_cache(maxsize=512)
def _territory_name(code: str, locale: str) -> str:
    """Return CLDR's name of a country (via Babel), or the code itself when CLDR has none."""
    from babel import Locale as BabelLocale

    return BabelLocale.parse(locale).territories.get(code.upper(), code)


# Characters that show nothing: controls, format characters (zero-width, bidirectional
# overrides, tags) and line or paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
# How much of a line description a cause text or summary quotes.
QUOTED_TEXT_MAX = 80


def invoice_text(value: str, max_length: int) -> str:
    """Return biller-provided text as data: line breaks and tabs as spaces, other invisible
    characters removed, cut to `max_length` characters with a trailing "…"."""
    text = "".join(
        " " if char in "\t\n\r\u2028\u2029" else char
        for char in value
        if char in "\t\n\r\u2028\u2029" or unicodedata.category(char) not in _INVISIBLE
    )
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


def quoted(text: str, locale: Locale) -> str:
    """Put quotation marks around `text` as the language writes them: ”…” in Swedish, “…” in English."""
    return f"”{text}”" if locale == "sv" else f"“{text}”"


_MONTHS = (
    "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|"
    "january|february|march|may|june|july|august|october"
)
_TRAILING_PERIOD = re.compile(
    r"[\s,:(-]*(?:"
    r"\d{4}-\d{2}-\d{2}(?:\s*[–—-]\s*\d{4}-\d{2}-\d{2})?"
    rf"|(?:{_MONTHS})\s+\d{{4}}(?:\s*[–—-]\s*(?:{_MONTHS})\s+\d{{4}})?"
    r")\)?\s*$",
    re.IGNORECASE,
)


def without_trailing_period(description: str) -> str:
    """Drop a period (a date, a date range or a month) that ends a line text, if anything is left."""
    stripped = _TRAILING_PERIOD.sub("", description)
    return stripped if stripped.strip() else description


def describe_cause(cause: Cause, currency: str, locale: Locale) -> str:
    """Return one recipient-facing phrase for a cause, with its signed amount."""
    if cause.members:
        return _describe_folded(cause, currency, locale)
    template = _CAUSE_TEMPLATES[locale].get(cause.kind, "{description} {amount}")
    if cause.amount_minor >= 0:
        direction = "ökade" if locale == "sv" else "went up"
    else:
        direction = "minskade" if locale == "sv" else "went down"
    old_price = new_price = ""
    if cause.is_price_change and cause.current and cause.baseline:
        unit = f"/{unit_label(cause.current.unit, locale)}" if cause.current.unit else ""
        old_price = _unit_price(cause.baseline, currency, locale) + unit
        new_price = _unit_price(cause.current, currency, locale) + unit
    description = cause.description
    if cause.kind.endswith("_removed"):
        # The text is the baseline line's, whose period is not this invoice's: "no usage of
        # 'Calls, 2026-03-21–2026-04-20'" would read as if that period went unused.
        description = without_trailing_period(description)
    return template.format(
        description=quoted(invoice_text(description, QUOTED_TEXT_MAX), locale),
        amount=f"({signed_money(cause.amount_minor, currency, locale)})",
        change=format_money(abs(cause.amount_minor), currency, locale),
        where=country_list(cause.countries, locale),
        direction=direction,
        old_price=old_price,
        new_price=new_price,
    )


# A folded cause with at most this many members names each of them; a larger one counts them.
FOLDED_NAMES_LISTED = 3


def _describe_folded(cause: Cause, currency: str, locale: Locale) -> str:
    """Describe a cause that folds several others: what they are and their sum."""
    members = cause.members
    amount = signed_money(cause.amount_minor, currency, locale)
    label = CATEGORY_LABELS[locale].get(cause.category)
    if label is None:
        heading = (
            f"{len(members)} andra ändringar ({amount})"
            if locale == "sv"
            else f"{len(members)} other changes ({amount})"
        )
        if len(members) <= FOLDED_NAMES_LISTED and any(member.is_price_change for member in members):
            # A price change is what recipients ask about, so it is not hidden among a few others.
            return f"{heading}: " + "; ".join(describe_cause(member, currency, locale) for member in members)
        return heading
    if cause.category == "roaming" and cause.countries:
        return f"roaming{country_list(cause.countries, locale)} ({amount})"
    if len(members) <= FOLDED_NAMES_LISTED:
        names = [quoted(invoice_text(m.description, QUOTED_TEXT_MAX), locale) for m in members]
        return f"{label}: {joined_list(names, locale)} ({amount})"
    if locale == "sv":
        return f"{len(members)} ändringar av {label} ({amount})"
    return f"{len(members)} changes in {label} ({amount})"


def _unit_price(group: LineGroup, currency: str, locale: str) -> str:
    """Format a group's unit price including VAT, as the amounts beside it are."""
    price = Decimal(str(group.unit_price_minor))
    if group.vat_rate_basis_points:
        price = price * (10000 + group.vat_rate_basis_points) / 10000
    # Unit prices may carry fractions of an öre; whole minor units are enough to read.
    return format_money(int(price.quantize(Decimal(1), rounding=ROUND_HALF_UP)), currency, locale)


_UNIT_LABELS = {"en": {"mån": "month", "st": "pcs", "dag": "day", "år": "year"}}


def unit_label(unit: str, locale: str) -> str:
    return _UNIT_LABELS.get(locale, {}).get(unit, unit)


def summarize(
    explanation: Explanation,
    locale: Locale,
    listed: Sequence[Cause] | None = None,
    credited: tuple[int, int] | None = None,
) -> str:
    """Write a one-to-three sentence summary of an explanation from templates.

    `listed` are the causes the recipient sees (see `condense_causes`); the summary names the
    largest of them, so that it never names a cause the list does not show. `credited` is
    (amount credited, balance left) when credit notes took part of the invoice off; the last
    sentence then says so, because the total alone would overstate what is owed.
    """
    invoice = explanation.invoice
    currency = invoice.currency
    total = format_money(invoice.total_minor, currency, locale)
    if explanation.baseline is None:
        summary = _summarize_without_baseline(explanation, total, locale)
        if credited is not None:
            summary += " " + _credited_sentence(*credited, currency, locale)
        return summary
    baseline = explanation.baseline
    label = BASELINE_LABELS[locale].get(explanation.baseline_kind or "previous", "")
    base_total = format_money(baseline.total_minor, currency, locale)
    diff = format_money(abs(explanation.difference_minor), currency, locale)
    if explanation.difference_minor == 0:
        # The typical amount is a median, not one invoice, so no invoice number is named for it.
        reference = "" if explanation.baseline_kind == "typical" else f" ({baseline.invoice_number})"
        first = (
            f"Faktura {invoice.invoice_number} på {total} är lika stor som {label}{reference}."
            if locale == "sv"
            else f"Invoice {invoice.invoice_number} for {total} is the same as {label}{reference}."
        )
    elif locale == "sv":
        word = "högre" if explanation.difference_minor > 0 else "lägre"
        first = f"Faktura {invoice.invoice_number} på {total} är {diff} {word} än {label} ({base_total})."
    else:
        word = "higher" if explanation.difference_minor > 0 else "lower"
        first = f"Invoice {invoice.invoice_number} for {total} is {diff} {word} than {label} ({base_total})."
    items = _summary_causes(explanation.causes if listed is None else tuple(listed))
    main = items[:2]
    sentences = [first]
    if main:
        phrases = [describe_cause(c, currency, locale) for c in main]
        if locale == "sv":
            lead = "Den största orsaken: " if len(phrases) == 1 else "De största orsakerna: "
            sentences.append(lead + "; ".join(phrases) + ".")
        else:
            lead = "The main cause: " if len(phrases) == 1 else "The main causes: "
            sentences.append(lead + "; ".join(phrases) + ".")
    rest = len(items) - len(main)
    if credited is not None:
        sentences.append(_credited_sentence(*credited, currency, locale))
    elif explanation.period_days:
        days, base_days = explanation.period_days
        sentences.append(
            f"Perioden är {days} dagar mot {base_days} dagar."
            if locale == "sv"
            else f"The period is {days} days against {base_days}."
        )
    elif rest > 0:
        count = number_word(rest, locale)
        if locale == "sv":
            sentences.append(
                "Ytterligare en mindre orsak står i listan."
                if rest == 1
                else f"Ytterligare {count} mindre orsaker står i listan."
            )
        else:
            sentences.append(
                "One smaller cause is listed too."
                if rest == 1
                else f"{count.capitalize()} smaller causes are listed too."
            )
    return " ".join(sentences)


def _credited_sentence(credited_minor: int, balance_minor: int, currency: str, locale: Locale) -> str:
    credited = format_money(credited_minor, currency, locale)
    balance = format_money(balance_minor, currency, locale)
    if locale == "sv":
        return f"En kreditnota har dragit av {credited}, så kvar att betala är {balance}."
    return f"A credit note has taken {credited} off, so {balance} is left to pay."


# How many parts the summary of an invoice without a baseline names, "other items" included.
COMPOSITION_PARTS_NAMED = 3


def _composition_text(
    composition: Sequence[tuple[str, int]], total_minor: int, currency: str, locale: Locale
) -> str:
    """Write what an invoice is made up of: "abonnemang 249,00 kr och samtal 50,00 kr, minus rabatt 32,00 kr".

    Parts with the sign of the total are named, the largest first, with the rest summed as
    other items. Parts of the other sign, such as a discount on an invoice, follow as one
    sum, so that no part reads as a negative amount of "other items". Öresavrundning comes
    last on its own, so that every other amount is one that is on the invoice.
    """
    sign = -1 if total_minor < 0 else 1
    parts = [(category, amount) for category, amount in composition if category != "rounding"]
    rounding = sum(amount for category, amount in composition if category == "rounding")
    named = [(category, amount) for category, amount in parts if amount * sign > 0]
    deducted = [(category, amount) for category, amount in parts if amount * sign < 0]
    if len(named) > COMPOSITION_PARTS_NAMED:
        # Name the largest categories and sum the rest, so that the parts add up to the total.
        largest = COMPOSITION_PARTS_NAMED - 1
        named = [*named[:largest], ("other", sum(amount for _, amount in named[largest:]))]
    other_label = "övrigt" if locale == "sv" else "other items"
    words = [
        f"{CATEGORY_LABELS[locale].get(category, other_label)} {format_money(amount, currency, locale)}"
        for category, amount in named
    ]
    text = joined_list(words, locale) if words else ""
    if deducted:
        amount = format_money(abs(sum(amount for _, amount in deducted)), currency, locale)
        if len(deducted) == 1:
            label = CATEGORY_LABELS[locale].get(deducted[0][0], other_label)
        else:
            label = "avdrag" if locale == "sv" else "deductions"
        # A credit note's parts are negative, so a part of the other sign adds to it.
        if sign < 0:
            joiner = "plus"
        elif locale == "sv":
            joiner = "minus"
        else:
            joiner = "less"
        text = f"{text}, {joiner} {label} {amount}" if text else f"{label} {amount}"
    if rounding:
        rounded = f"{CATEGORY_LABELS[locale]['rounding']} {signed_money(rounding, currency, locale)}"
        text = f"{text}, {rounded}" if text else rounded
    return text


def _summarize_without_baseline(explanation: Explanation, total: str, locale: Locale) -> str:
    invoice = explanation.invoice
    currency = invoice.currency
    top = _composition_text(explanation.composition, invoice.total_minor, currency, locale)
    reason = explanation.no_baseline_reason
    number = invoice.invoice_number
    credited = invoice.credited_invoice_number
    if locale == "sv":
        if reason == "credit_note":
            first = f"Kreditnota {number} är på {total}" + (
                f" och krediterar faktura {credited}." if credited else "."
            )
        elif reason == "no_invoice_same_period_last_year":
            first = f"Det finns ingen faktura från samma period förra året att jämföra faktura {number} på {total} med."
        elif reason == "no_earlier_invoice_in_currency":
            first = (
                f"Det finns ingen tidigare faktura i {currency} att jämföra faktura {number} på {total} med."
            )
        else:
            first = (
                f"Faktura {number} på {total} är din första faktura, så den jämförs inte med någon tidigare."
            )
        return f"{first} Den består av {top}." if top else first
    if reason == "credit_note":
        first = f"Credit note {number} is for {total}" + (
            f" and credits invoice {credited}." if credited else "."
        )
    elif reason == "no_invoice_same_period_last_year":
        first = f"There is no invoice from the same period last year to compare invoice {number} for {total} with."
    elif reason == "no_earlier_invoice_in_currency":
        first = f"There is no earlier invoice in {currency} to compare invoice {number} for {total} with."
    else:
        first = f"Invoice {number} for {total} is your first invoice, so there is nothing to compare it with."
    return f"{first} It is made up of {top}." if top else first


def _summary_causes(causes: tuple[Cause, ...]) -> list[Cause]:
    """Return the causes worth a sentence, with roaming added in the same countries merged into one."""
    merged: list[Cause] = []
    roaming: dict[tuple[str, ...], int] = {}
    for cause in causes:
        if cause.kind == "rounding":
            continue
        if cause.kind == "roaming_added" and cause.current is not None:
            countries = cause.current.countries
            if countries in roaming:
                index = roaming[countries]
                merged[index] = replace(
                    merged[index], amount_minor=merged[index].amount_minor + cause.amount_minor
                )
                continue
            roaming[countries] = len(merged)
            merged.append(replace(cause, kind="roaming_group"))
            continue
        merged.append(cause)
    return sorted(merged, key=lambda c: -abs(c.amount_minor))


def format_day(day: dt.date, locale: Locale) -> str:
    return format_date(day, locale)


# Refusal reasons for the recipient, by error code. A reason may use the error's fields
# ({field}, {limit}, {offered}, ...); codes without an entry get a general reason.
_REFUSAL_REASONS: dict[str, dict[str, str]] = {
    "sv": {
        "invoice_not_found": "Vi hittar ingen sådan faktura för dig.",
        "customer_not_found": "Vi hittar inte kunden.",
        "customer_required": "Ange kundnumret för den kund det gäller.",
        "invoice_reminded": "Fakturan har redan gått till påminnelse, så anstånd går inte längre att få. Kontakta kundtjänst.",
        "invoice_paid": "Fakturan är redan betald.",
        "invoice_credited": "Fakturan är krediterad, så det finns inget kvar att betala.",
        "invoice_not_eligible": "Den här fakturan kan inte få anstånd.",
        "not_an_invoice": "En kreditnota kan inte få anstånd.",
        "past_due_date": "Förfallodagen har passerat, så anstånd går inte att få här. Kontakta kundtjänst.",
        "already_deferred": "Fakturan har redan fått anstånd en gång.",
        "too_many_deferrals": "Du har redan fått {limit} anstånd de senaste tolv månaderna, vilket är det högsta antalet.",
        "amount_over_cap": "Beloppet är för stort för anstånd här. Kontakta kundtjänst.",
        "too_many_days": "Så långt anstånd går inte att få: högst {limit} dagar efter förfallodagen.",
        "raw_card_number": "Skicka aldrig kortnummer. Kortet registreras hos betaltjänsten.",
        "method_not_offered": "Det betalsättet erbjuds inte. Du kan välja: {offered}.",
        "method_unchanged": "Du har redan det betalsättet.",
        "mandate_pending": "Ett autogiromedgivande för det kontot väntar redan på att du godkänner det med BankID i din internetbank.",
        "confirmation_token_expired": "Förslaget har gått ut. Be om ett nytt.",
        "confirmation_token_invalid": "Bekräftelsen gäller inte längre. Be om ett nytt förslag.",
        "confirmation_token_mismatch": "Bekräftelsen gäller ett annat förslag. Be om ett nytt.",
        "confirmation_token_used": "Förslaget är redan genomfört.",
        "idempotency_key_reused": "Begäran krockar med en tidigare begäran.",
        "quote_outdated": "Förutsättningarna har ändrats sedan förslaget. Be om ett nytt.",
        "invalid_field": "Uppgiften {field} är inte giltig.",
        "detail_not_used": "Uppgiften {field} behövs inte för {method}.",
        "invalid_argument": "Uppgiften {field} är inte giltig.",
        "unknown_argument": "Frågan innehåller en uppgift som inte används här.",
        "cannot_explain": "Fakturan kan inte förklaras just nu. Kontakta kundtjänst.",
        "inconsistent_invoice": "Fakturan kan inte förklaras just nu. Kontakta kundtjänst.",
        "currency_mismatch": "Fakturorna har olika valuta och kan inte jämföras.",
        "database_unavailable": "Tjänsten är tillfälligt upptagen. Försök igen om en stund.",
    },
    "en": {
        "invoice_not_found": "We cannot find that invoice for you.",
        "customer_not_found": "We cannot find the customer.",
        "customer_required": "Give the customer number of the customer it is about.",
        "invoice_reminded": "A reminder has already been sent for this invoice, so an extension is no longer possible. Please contact customer service.",
        "invoice_paid": "The invoice is already paid.",
        "invoice_credited": "The invoice has been credited, so there is nothing left to pay.",
        "invoice_not_eligible": "This invoice cannot get an extension.",
        "not_an_invoice": "A credit note cannot get an extension.",
        "past_due_date": "The due date has passed, so an extension is not possible here. Please contact customer service.",
        "already_deferred": "This invoice has already had an extension.",
        "too_many_deferrals": "You have already had {limit} extensions in the last twelve months, which is the maximum.",
        "amount_over_cap": "The amount is too large for an extension here. Please contact customer service.",
        "too_many_days": "An extension that long is not possible: at most {limit} days after the due date.",
        "raw_card_number": "Never send a card number. The card is registered with the payment provider.",
        "method_not_offered": "That payment method is not offered. You can choose: {offered}.",
        "method_unchanged": "You already use that payment method.",
        "mandate_pending": "An autogiro mandate for that account is already waiting for you to approve it with BankID in your internet bank.",
        "confirmation_token_expired": "The quote has expired. Please ask for a new one.",
        "confirmation_token_invalid": "The confirmation is no longer valid. Please ask for a new quote.",
        "confirmation_token_mismatch": "The confirmation belongs to another quote. Please ask for a new one.",
        "confirmation_token_used": "The quote has already been carried out.",
        "idempotency_key_reused": "The request clashes with an earlier one.",
        "quote_outdated": "Things have changed since the quote. Please ask for a new one.",
        "invalid_field": "The {field} is not valid.",
        "detail_not_used": "The {field} is not needed for {method}.",
        "invalid_argument": "The {field} is not valid.",
        "unknown_argument": "The request contains a detail that is not used here.",
        "cannot_explain": "The invoice cannot be explained right now. Please contact customer service.",
        "inconsistent_invoice": "The invoice cannot be explained right now. Please contact customer service.",
        "currency_mismatch": "The invoices are in different currencies and cannot be compared.",
        "database_unavailable": "The service is busy right now. Please try again in a moment.",
    },
}
# Argument names as the recipient would call them, for refusal reasons.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "days": "antal dagar",
        "invoice_number": "fakturanummer",
        "customer_number": "kundnummer",
        "method": "betalsätt",
        "details.clearing_number": "clearingnummer",
        "details.account_number": "kontonummer",
        "details.account_holder_identity_number": "kontoinnehavarens personnummer",
        "details.email": "e-postadress",
        "details.phone": "mobilnummer",
        "details.card_token": "kortreferens",
        "details.bank_name": "bankens namn",
        "idempotency_key": "idempotensnyckel",
        "confirmation_token": "bekräftelse",
        "details": "för betalsättet",
        "baseline": "jämförelse",
        "locale": "språk",
        "status": "status",
        "issued_from": "från datum",
        "issued_to": "till datum",
        "cursor": "sidmarkör",
        "limit": "antal fakturor",
    },
    "en": {
        "days": "number of days",
        "invoice_number": "invoice number",
        "customer_number": "customer number",
        "method": "payment method",
        "details.clearing_number": "clearing number",
        "details.account_number": "account number",
        "details.account_holder_identity_number": "account holder's personal identity number",
        "details.email": "e-mail address",
        "details.phone": "mobile number",
        "details.card_token": "card reference",
        "details.bank_name": "bank name",
        "idempotency_key": "idempotency key",
        "confirmation_token": "confirmation",
        "details": "payment detail",
        "baseline": "comparison",
        "locale": "language",
        "status": "status",
        "issued_from": "from date",
        "issued_to": "to date",
        "cursor": "page marker",
        "limit": "number of invoices",
    },
}
_MISSING_REASONS: dict[str, dict[str, str]] = {
    "sv": {"invalid_field": "Uppgiften {field} saknas.", "invalid_argument": "Uppgiften {field} saknas."},
    "en": {
        "invalid_field": "The {field} is missing.",
        "invalid_argument": "The {field} is missing.",
    },
}


def field_label(field: str, locale: Locale) -> str:
    """Return the recipient's name for an argument; an unknown payment detail is named as one."""
    labels = FIELD_LABELS[locale]
    if field in labels:
        return labels[field]
    if field.startswith("details."):
        return labels["details"]
    return field


_GENERAL_REASON = {
    "sv": "Det gick inte att genomföra. Kontakta kundtjänst om det behövs.",
    "en": "That could not be done. Please contact customer service if needed.",
}


def refusal_reason(code: str, locale: Locale, details: dict[str, Any] | None = None) -> str:
    """Return the recipient-facing reason for an error code, filled in from the error's fields."""
    template = _REFUSAL_REASONS[locale].get(code)
    if template is None:
        return _GENERAL_REASON[locale]
    values = dict(details or {})
    if values.get("missing") and code in _MISSING_REASONS[locale]:
        template = _MISSING_REASONS[locale][code]
    if isinstance(values.get("field"), str):
        values["field"] = field_label(values["field"], locale)
    if isinstance(values.get("method"), str):
        values["method"] = PAYMENT_METHOD_LABELS[locale].get(values["method"], values["method"])
    if "offered" in values and isinstance(values["offered"], list):
        values["offered"] = ", ".join(
            PAYMENT_METHOD_LABELS[locale].get(kind, kind) for kind in values["offered"]
        )
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        # A field the template names is missing: fall back to the general reason.
        return _GENERAL_REASON[locale]
