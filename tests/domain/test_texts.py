from decimal import Decimal

import pytest

from invoice_mcp.domain import texts
from invoice_mcp.domain.explanation import Cause, LineGroup

CAUSE_KINDS = sorted(texts._CAUSE_TEMPLATES["sv"])


def group(gross, price, unit="kWh"):
    return LineGroup(
        category="usage",
        product_code="P",
        description="Elhandel rörligt pris",
        gross_minor=gross,
        quantity=Decimal(100),
        unit=unit,
        unit_price_minor=Decimal(price),
        positions=(1,),
        countries=("NO",),
        vat_rate_basis_points=2500,
    )


@pytest.mark.parametrize("kind", CAUSE_KINDS)
def test_every_cause_kind_reads_in_both_languages(kind):
    cause = Cause(
        kind=kind,
        category="usage",
        product_code="P",
        description="Elhandel rörligt pris",
        amount_minor=12345,
        current=group(20000, "150"),
        baseline=group(7655, "120"),
    )

    swedish = texts.describe_cause(cause, "SEK", "sv")
    english = texts.describe_cause(cause, "SEK", "en")

    assert "123,45 kr" in swedish
    assert "SEK 123.45" in english
    assert "{" not in swedish + english
    assert swedish != english


def test_templates_cover_the_same_kinds_in_both_languages():
    assert set(texts._CAUSE_TEMPLATES["sv"]) == set(texts._CAUSE_TEMPLATES["en"])


def test_price_change_names_old_and_new_unit_price():
    cause = Cause(
        kind="price_change",
        category="subscription",
        product_code="FIXED",
        description="Fast avgift",
        amount_minor=750,
        current=group(5625, "4500", unit="mån"),
        baseline=group(4875, "3900", unit="mån"),
    )

    # The unit prices are net; the text shows them with 25 % VAT like the amounts.
    assert "från 48,75 kr/mån till 56,25 kr/mån" in texts.describe_cause(cause, "SEK", "sv")
    assert "from SEK 48.75/month to SEK 56.25/month" in texts.describe_cause(cause, "SEK", "en")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("sv-SE", "sv"), ("en_GB", "en"), ("EN", "en"), ("de", "sv"), (None, "sv"), ("", "sv")],
)
def test_pick_locale(tag, expected):
    assert texts.pick_locale(tag) == expected


def folded(category: str, count: int, amount_minor: int) -> Cause:
    member = Cause(kind="usage_change", category="usage", product_code="P", description="x", amount_minor=0)
    return Cause(
        kind=f"{category}_changes",
        category=category,
        product_code="",
        description="",
        amount_minor=amount_minor,
        members=(member,) * count,
    )


@pytest.mark.parametrize(
    ("category", "locale", "expected"),
    [
        ("usage", "sv", "298 ändringar av förbrukning (+1 003,36 kr)"),
        ("usage", "en", "298 changes in usage (+SEK 1,003.36)"),
        ("other", "sv", "298 andra ändringar (+1 003,36 kr)"),
        ("other", "en", "298 other changes (+SEK 1,003.36)"),
    ],
)
def test_folded_cause_names_count_and_category(category, locale, expected):
    cause = folded(category, 298, 100336)

    assert texts.describe_cause(cause, "SEK", locale) == expected


@pytest.mark.parametrize(
    ("status", "kind", "locale", "expected"),
    [
        ("paid", "invoice", "sv", "betald"),
        ("paid", "credit_note", "sv", "avräknad"),
        ("paid", "credit_note", "en", "settled"),
        ("open", "credit_note", "sv", "ej avräknad"),
        ("open", "invoice", "sv", texts.STATUS_LABELS["sv"]["open"]),
    ],
)
def test_status_label_of_settled_credit_note(status, kind, locale, expected):
    assert texts.status_label(status, kind, locale) == expected


def named(category: str, description: str, amount_minor: int, country: str | None = None) -> Cause:
    current = None
    if country:
        current = LineGroup(
            category=category,
            product_code=description,
            description=description,
            gross_minor=amount_minor,
            quantity=Decimal(1),
            unit=None,
            unit_price_minor=None,
            positions=(1,),
            countries=(country,),
        )
    return Cause(
        kind=f"{category}_added",
        category=category,
        product_code=description,
        description=description,
        amount_minor=amount_minor,
        current=current,
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", "engångsköp: ”Laddare” och ”Mobilskal” (+448,00 kr)"),
        ("en", "one-off purchases: “Laddare” and “Mobilskal” (+SEK 448.00)"),
    ],
)
def test_small_folded_cause_names_its_members(locale, expected):
    members = (named("one_off", "Laddare", 24900), named("one_off", "Mobilskal", 19900))
    cause = Cause(
        kind="one_off_changes",
        category="one_off",
        product_code="",
        description="",
        amount_minor=44800,
        members=members,
    )

    assert texts.describe_cause(cause, "SEK", locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", "roaming i Storbritannien, Turkiet och USA (+1 247,19 kr)"),
        ("en", "roaming in United Kingdom, Türkiye and the USA (+SEK 1,247.19)"),
    ],
)
def test_folded_roaming_names_countries(locale, expected):
    members = (
        named("roaming", "Surf i USA", 99800, "US"),
        named("roaming", "Samtal", 12469, "GB"),
        named("roaming", "Surf", 12450, "TR"),
    )
    cause = Cause(
        kind="roaming_changes",
        category="roaming",
        product_code="",
        description="",
        amount_minor=124719,
        members=members,
    )

    assert texts.describe_cause(cause, "SEK", locale) == expected


@pytest.mark.parametrize(
    ("locale", "details", "expected"),
    [
        ("en", {"field": "invoice_number", "missing": True}, "The invoice number is missing."),
        ("en", {"field": "days"}, "The number of days is not valid."),
        ("en", {"field": "details.provider"}, "The payment detail is not valid."),
        ("sv", {"field": "details.provider"}, "Uppgiften för betalsättet är inte giltig."),
        ("sv", {"field": "baseline"}, "Uppgiften jämförelse är inte giltig."),
    ],
)
def test_argument_reason_names_field_in_words(locale, details, expected):
    assert texts.refusal_reason("invalid_argument", locale, details) == expected


@pytest.mark.parametrize(
    ("number", "locale", "expected"),
    [(2, "sv", "två"), (12, "en", "twelve"), (13, "sv", "13"), (0, "en", "zero")],
)
def test_number_word(number, locale, expected):
    assert texts.number_word(number, locale) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Samtal till utländska nummer, 2026-03-21–2026-04-20", "Samtal till utländska nummer"),
        ("Mobil Fri 20 GB, december 2025", "Mobil Fri 20 GB"),
        ("Elnät (2026-01-01 - 2026-01-31)", "Elnät"),
        ("Surf i Norge", "Surf i Norge"),
        ("2026-01-01", "2026-01-01"),
    ],
)
def test_without_trailing_period(text, expected):
    assert texts.without_trailing_period(text) == expected
