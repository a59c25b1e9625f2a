import pytest

from invoice_mcp.importers.mapping import (
    PRODUCT_CODE_MAX_LENGTH,
    LineText,
    categorize,
    fit_code,
    normalize_name,
    product_code,
    unit_name,
)


@pytest.mark.parametrize(
    ("line", "net_minor", "expected"),
    [
        # Item classification codes with list id ZZZ come first, in English or Swedish.
        pytest.param(
            LineText("Företag Fri", classifications=(("ZZZ", "subscription"),)),
            29900,
            "subscription",
            id="zzz-english",
        ),
        pytest.param(
            LineText("Paket", classifications=(("ZZZ", "Förbrukning"),)), 100, "usage", id="zzz-swedish"
        ),
        pytest.param(
            LineText("Samtal", classifications=(("ZZZ", "one_off"),)), 100, "one_off", id="zzz-wins"
        ),
        pytest.param(
            LineText("Laptop", classifications=(("STI", "65434568"),)), 100, "one_off", id="other-list"
        ),
        pytest.param(
            LineText("Samtal", classifications=(("ZZZ", "unknown"),)), 100, "usage", id="zzz-unknown"
        ),
        # Allowances and charges.
        pytest.param(LineText("Trogen kund-rabatt", is_allowance=True), -2000, "discount", id="allowance"),
        pytest.param(
            LineText("Allowance, reason code 95", is_allowance=True), -2000, "discount", id="allowance-code"
        ),
        pytest.param(LineText("Pappersfakturaavgift", is_charge=True), 2900, "fee", id="charge"),
        pytest.param(LineText("Freight", is_charge=True), 10000, "fee", id="charge-english"),
        pytest.param(
            LineText("Dröjsmålsränta på faktura 1", is_charge=True), 1240, "interest", id="charge-interest"
        ),
        pytest.param(LineText("Öresavrundning", is_charge=True), 20, "rounding", id="charge-rounding"),
        pytest.param(
            LineText("Tidigare obetalt belopp", is_charge=True),
            5000,
            "carried_over",
            id="charge-carried-over",
        ),
        # Keywords in item names, in rule order.
        pytest.param(LineText("Räntekostnad", unit_code="DAY"), 241616, "interest", id="interest-first"),
        pytest.param(LineText("Dröjsmålsränta"), 500, "interest", id="interest-compound"),
        pytest.param(LineText("Garanterad leverans"), 500, "one_off", id="not-interest"),
        pytest.param(LineText("Roaming Norge, data", unit_code="E34"), 5850, "roaming", id="roaming"),
        pytest.param(LineText("Samtal i utlandet"), 100, "roaming", id="roaming-swedish"),
        pytest.param(LineText("Abonnemang, förlängning"), 10000, "subscription", id="subscription"),
        pytest.param(LineText("Månadsavgift bredband"), 10000, "subscription", id="monthly-fee"),
        pytest.param(LineText("Hemförsäkring Bas"), 18900, "subscription", id="insurance"),
        pytest.param(LineText("Samtal i Sverige: fasta nätet, öppn.avg"), 5390, "usage", id="calls"),
        pytest.param(LineText("El-förbrukning"), 59399, "usage", id="electricity"),
        pytest.param(LineText("Datatrafik: Internet/WAP"), 7967, "usage", id="data"),
        pytest.param(LineText("Påminnelseavgift"), 6000, "fee", id="reminder-fee"),
        pytest.param(LineText("Shipping and handling"), 6000, "fee", id="shipping"),
        pytest.param(LineText("Kampanjrabatt"), -5000, "discount", id="discount"),
        pytest.param(LineText("Kreditering av felaktig avgift"), -5000, "credit", id="credit"),
        pytest.param(LineText("Rabatt på månadsavgift"), -5000, "discount", id="reduction-first"),
        pytest.param(
            LineText("Månadsavgift, ändrad"), -5000, "subscription", id="negative-no-reduction-word"
        ),
        pytest.param(LineText("Tidigare skuld"), 30000, "carried_over", id="carried-over"),
        pytest.param(LineText("Öresavrundning"), 30, "rounding", id="rounding"),
        pytest.param(LineText("Produkt", description="Månadsavgift"), 100, "subscription", id="description"),
        pytest.param(
            LineText("Samtal", description="Månadsavgift"), 100, "usage", id="name-before-description"
        ),
        # Units of quantity.
        pytest.param(LineText("Elcertifikat", unit_code="KWH"), 1063, "usage", id="unit-kwh"),
        pytest.param(LineText("Tillägg", unit_code="MON"), 4900, "subscription", id="unit-month"),
        pytest.param(LineText("Tillägg", unit_code="ANN"), 4900, "subscription", id="unit-year"),
        pytest.param(LineText("Extra SIM-kort", unit_code="C62"), 10000, "one_off", id="unit-piece"),
        # Fallbacks, and reductions only where the amount reduces what is owed.
        pytest.param(LineText("Laptop computer"), 127300, "one_off", id="fallback"),
        pytest.param(LineText("Returned book"), -455, "credit", id="negative-fallback"),
        pytest.param(LineText("Kampanjpris telefon"), 199900, "one_off", id="positive-discount-word"),
        pytest.param(LineText("Kredit, ny telefon"), 199900, "one_off", id="positive-credit-word"),
    ],
)
def test_categorize_invoice_lines(line, net_minor, expected):
    assert categorize(line, net_minor=net_minor, credit_note=False) == expected


@pytest.mark.parametrize(
    ("line", "net_minor", "expected"),
    [
        pytest.param(
            LineText("Fast avgift, januari 2026", unit_code="MON"), -4900, "subscription", id="keeps-kind"
        ),
        pytest.param(LineText("Protection cover"), -1020000, "one_off", id="fallback-one-off"),
        pytest.param(
            LineText("Campaign", is_allowance=True), 191200, "discount", id="allowance-on-credit-note"
        ),
    ],
)
def test_categorize_credit_note_lines(line, net_minor, expected):
    assert categorize(line, net_minor=net_minor, credit_note=True) == expected


@pytest.mark.parametrize(
    ("seller_id", "standard_id", "name", "expected"),
    [
        pytest.param("NM-FRI-25", "7350000000019", "Företag Fri", "NM-FRI-25", id="seller-id"),
        pytest.param(None, "7350000000019", "Laddare", "7350000000019", id="standard-id"),
        pytest.param(" ", None, "Laddare USB-C", "laddare-usb-c", id="blank-seller-id"),
        pytest.param(None, None, "Företag Fri 25 GB, januari 2026", "foretag-fri-25-gb", id="month-and-year"),
        pytest.param(None, None, "Mobil Fri 20 GB, december 2025", "mobil-fri-20-gb", id="other-month"),
        pytest.param(None, None, "Hyra 2026-03-01", "hyra", id="date"),
        pytest.param(None, None, "Årsavgift 2026-03", "arsavgift", id="year-month"),
        pytest.param(None, None, "***", "item", id="no-words"),
    ],
)
def test_product_code(seller_id, standard_id, name, expected):
    assert product_code(seller_id, standard_id, name) == expected


def test_same_product_matches_across_months():
    january = product_code(None, None, "Samtal utöver paketet, januari")
    february = product_code(None, None, "Samtal utöver paketet, februari")

    assert january == february


def test_long_codes_stay_unique():
    first = fit_code("a" * 50)
    second = fit_code("a" * 49 + "b")

    assert len(first) == PRODUCT_CODE_MAX_LENGTH
    assert first != second
    assert fit_code("short") == "short"


def test_normalize_name_folds_accents():
    assert normalize_name("Påminnelseavgift Övrigt") == "paminnelseavgift-ovrigt"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("KWH", "kWh", id="kwh"),
        pytest.param("MON", "mån", id="month"),
        pytest.param("C62", "st", id="piece"),
        pytest.param("4L", "MB", id="megabyte"),
        pytest.param("XYZ", "XYZ", id="unknown-kept"),
        pytest.param(None, None, id="none"),
    ],
)
def test_unit_name(code, expected):
    assert unit_name(code) == expected
