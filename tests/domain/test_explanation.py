import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_mcp.domain.explanation import (
    MAX_LISTED_CAUSES,
    Cause,
    ExplanationError,
    choose_baseline,
    condense_causes,
    explain,
    group_lines,
)
from invoice_mcp.domain.invoices import LINE_CATEGORIES, InvoiceFacts, LineFacts
from invoice_mcp.domain.texts import describe_cause, summarize


def line(
    position, category, code, gross, *, quantity="1", unit=None, price=None, country=None, vat_rate=2500
):
    vat = round(gross * vat_rate / (10000 + vat_rate))
    return LineFacts(
        position=position,
        category=category,
        product_code=code,
        description=code.replace("-", " ").title(),
        net_minor=gross - vat,
        vat_minor=vat,
        vat_rate_basis_points=vat_rate,
        quantity=Decimal(quantity),
        unit=unit,
        unit_price_minor=None if price is None else Decimal(price),
        country_code=country,
    )


def invoice(number, issue, lines, *, rounding=0, currency="SEK", kind="invoice", status="paid", total=None):
    total_minor = sum(item.gross_minor for item in lines) + rounding if total is None else total
    return InvoiceFacts(
        invoice_id=int(number.split("-")[-1]),
        invoice_number=number,
        issue_date=dt.date.fromisoformat(issue),
        due_date=dt.date.fromisoformat(issue) + dt.timedelta(days=30),
        currency=currency,
        total_minor=total_minor,
        rounding_minor=rounding,
        kind=kind,
        status=status,
        lines=tuple(lines),
    )


PLAN = line(1, "subscription", "PLAN-20GB", 24900, unit="mån", price="19920")

SCENARIOS = [
    pytest.param(
        [PLAN],
        [
            PLAN,
            line(2, "roaming", "ROAM-NO-DATA", 13400, quantity="2", unit="GB", price="5360", country="NO"),
        ],
        [("roaming_added", 13400)],
        id="roaming-in-norway",
    ),
    pytest.param(
        [PLAN, line(2, "one_off", "USB-C-CHARGER", 19900)],
        [PLAN],
        [("one_off_no_longer_charged", -19900)],
        id="one-off-gone",
    ),
    pytest.param(
        [PLAN, line(2, "discount", "CAMPAIGN-50", -5000)],
        [PLAN],
        [("discount_ended", 5000)],
        id="campaign-discount-ended",
    ),
    pytest.param(
        [line(1, "subscription", "FIXED-FEE", 4875, unit="mån", price="3900")],
        [line(1, "subscription", "FIXED-FEE", 5625, unit="mån", price="4500")],
        [("price_change", 750)],
        id="price-change-same-product",
    ),
    pytest.param(
        [line(1, "usage", "KWH", 120000, quantity="800", unit="kWh", price="120")],
        [line(1, "usage", "KWH", 180000, quantity="1200", unit="kWh", price="120")],
        [("usage_change", 60000)],
        id="more-usage",
    ),
    pytest.param(
        [PLAN],
        [
            line(1, "subscription", "PLAN-30GB", 29900, unit="mån", price="23920"),
            line(2, "credit", "PLAN-20GB-PRORATA", -12050),
            line(3, "subscription", "PLAN-30GB-PRORATA", 14470),
        ],
        [("plan_change", 29900 - 12050 + 14470 - 24900)],
        id="plan-change-with-proration",
    ),
    pytest.param(
        [PLAN],
        [
            PLAN,
            line(2, "fee", "REMINDER-FEE", 6000, vat_rate=0),
            line(3, "interest", "LATE-INTEREST", 412, vat_rate=0),
        ],
        [("fee_added", 6000), ("interest_added", 412)],
        id="reminder-fee-and-interest",
    ),
    pytest.param(
        [line(1, "usage", "KWH", 100000, quantity="1000", unit="kWh", price="80")],
        [line(1, "usage", "KWH", 180000, quantity="1500", unit="kWh", price="96")],
        # 1500 kWh at the old average price is 150000: +50000 for volume, +30000 for price.
        [("usage_change", 50000), ("price_change", 30000)],
        id="energy-volume-and-price",
    ),
    pytest.param(
        [line(1, "one_off", "BREAD", 10600, vat_rate=600)],
        [line(1, "one_off", "BREAD", 11200, vat_rate=1200)],
        # Net 10000 both times: VAT 1200 instead of 600.
        [("vat_rate_change", 600)],
        id="vat-rate-change",
    ),
    pytest.param(
        [PLAN, line(2, "carried_over", "UNPAID-BALANCE", 0, vat_rate=0)],
        [PLAN, line(2, "carried_over", "UNPAID-BALANCE", 27800, vat_rate=0)],
        [("carried_over_balance_change", 27800)],
        id="balance-carried-over",
    ),
    pytest.param(
        [PLAN],
        [PLAN, line(2, "credit", "GOODWILL", -10000, vat_rate=0)],
        [("credit_added", -10000)],
        id="credit",
    ),
]


@pytest.mark.parametrize(("baseline_lines", "current_lines", "expected"), SCENARIOS)
def test_explain_scenarios(baseline_lines, current_lines, expected):
    baseline = invoice("NV-1", "2026-10-25", baseline_lines)
    current = invoice("NV-2", "2026-11-25", current_lines)

    result = explain(current, baseline, "previous")

    assert [(c.kind, c.amount_minor) for c in result.causes] == expected
    assert result.difference_minor == current.total_minor - baseline.total_minor
    assert sum(c.amount_minor for c in result.causes) == result.difference_minor


def test_explain_part_period_charge_leaving():
    plan = LineFacts(
        1,
        "subscription",
        "PLAN",
        "Plan",
        23920,
        5980,
        2500,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
    )
    partial = LineFacts(
        2,
        "subscription",
        "PLAN",
        "Plan del",
        13889,
        3472,
        2500,
        period_start=dt.date(2026, 8, 14),
        period_end=dt.date(2026, 8, 31),
    )
    baseline = replace(
        invoice(
            "NV-1",
            "2026-08-25",
            [replace(plan, period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 9, 30)), partial],
        ),
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 30),
    )
    current = replace(
        invoice("NV-2", "2026-09-25", [plan]),
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
    )

    result = explain(current, baseline, "previous")

    assert [(c.kind, c.amount_minor) for c in result.causes] == [("part_period_removed", -17361)]
    assert result.period_days is None


def test_explain_notes_longer_billing_period():
    baseline = replace(
        invoice("NV-1", "2026-08-25", [PLAN]),
        period_start=dt.date(2026, 8, 1),
        period_end=dt.date(2026, 8, 31),
    )
    current = replace(
        invoice("NV-2", "2026-10-25", [PLAN]),
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 10, 31),
    )

    result = explain(current, baseline, "previous")

    assert result.period_days == (61, 31)
    assert "61 dagar" in summarize(result, "sv")


def test_explain_rounding_is_its_own_cause():
    baseline = invoice("NV-1", "2026-10-25", [PLAN], rounding=0)
    current = invoice("NV-2", "2026-11-25", [line(1, "subscription", "PLAN-20GB", 24880)], rounding=20)

    result = explain(current, baseline, "previous")

    assert ("rounding", 20) in [(c.kind, c.amount_minor) for c in result.causes]
    assert sum(c.amount_minor for c in result.causes) == result.difference_minor


def test_explain_groups_many_usage_lines():
    calls = [line(i, "usage", "CALL-MIN", 100, quantity="2", unit="min", price="80") for i in range(1, 301)]
    baseline = invoice("NV-1", "2026-10-25", [PLAN])
    current = invoice("NV-2", "2026-11-25", [PLAN, *calls])

    result = explain(current, baseline, "previous")

    assert len(result.causes) == 1
    assert result.causes[0].amount_minor == 30000
    assert result.causes[0].current.quantity == Decimal(600)


def test_explain_without_baseline_gives_composition():
    current = invoice("NV-1", "2026-11-25", [PLAN, line(2, "fee", "PAPER-FEE", 2900, vat_rate=0)])

    result = explain(current, None)

    assert result.causes == ()
    assert result.no_baseline_reason == "no_earlier_invoice"
    assert dict(result.composition) == {"subscription": 24900, "fee": 2900}


def test_explain_rejects_inconsistent_total():
    current = invoice("NV-2", "2026-11-25", [PLAN], total=25000)

    with pytest.raises(ExplanationError) as caught:
        explain(current, invoice("NV-1", "2026-10-25", [PLAN]))

    assert caught.value.code == "inconsistent_invoice"


def test_explain_rejects_other_currency():
    with pytest.raises(ExplanationError) as caught:
        explain(invoice("NV-2", "2026-11-25", [PLAN], currency="EUR"), invoice("NV-1", "2026-10-25", [PLAN]))

    assert caught.value.code == "currency_mismatch"


def test_choose_baseline_previous_skips_credited_and_credit_notes():
    history = [
        invoice("NV-1", "2026-08-25", [PLAN]),
        invoice("NV-2", "2026-09-25", [PLAN], status="credited"),
        invoice("NV-3", "2026-09-30", [line(1, "credit", "CREDIT", -24900)], kind="credit_note"),
    ]
    current = invoice("NV-4", "2026-10-25", [PLAN])

    chosen, reason = choose_baseline(current, history, "previous")

    assert chosen.invoice_number == "NV-1"
    assert reason is None


def test_choose_baseline_same_period_last_year():
    history = [invoice(f"NV-{m}", f"2025-{m:02d}-25", [PLAN]) for m in range(1, 13)]
    current = invoice("NV-99", "2026-11-25", [PLAN])

    chosen, _ = choose_baseline(current, history, "same_period_last_year")

    assert chosen.issue_date == dt.date(2025, 11, 25)


def test_choose_baseline_typical_takes_median_of_six():
    totals = [100, 900, 300, 500, 700, 200, 400]
    history = [
        invoice(f"NV-{i}", f"2026-{i:02d}-25", [line(1, "usage", "KWH", amount)])
        for i, amount in enumerate(totals, start=1)
    ]
    current = invoice("NV-99", "2026-11-25", [PLAN])

    chosen, _ = choose_baseline(current, history, "typical")

    # The last six totals are 900, 300, 500, 700, 200, 400; the low median is 400.
    assert chosen.total_minor == 400


def test_choose_baseline_first_invoice_has_none():
    chosen, reason = choose_baseline(invoice("NV-1", "2026-11-25", [PLAN]), [], "previous")

    assert chosen is None
    assert reason == "no_earlier_invoice"


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_summary_names_difference_and_main_cause(locale):
    baseline = invoice("NV-1", "2026-10-25", [PLAN])
    roaming = line(2, "roaming", "ROAM-NO-DATA", 13400, quantity="2", unit="GB", price="5360", country="NO")
    current = invoice("NV-2", "2026-11-25", [PLAN, roaming])

    text = summarize(explain(current, baseline, "previous"), locale)

    assert ("134,00 kr" if locale == "sv" else "SEK 134.00") in text
    assert ("Norge" if locale == "sv" else "Norway") in text
    assert text.count(".") <= 6


line_strategy = st.builds(
    lambda position, category, code, gross, rate: line(position, category, code, gross, vat_rate=rate),
    st.integers(1, 50),
    st.sampled_from(LINE_CATEGORIES[:-1]),
    st.sampled_from(["A", "B", "C", "D"]),
    st.integers(-500_000, 500_000),
    st.sampled_from([0, 600, 1200, 2500]),
)


@given(
    st.lists(line_strategy, max_size=12),
    st.lists(line_strategy, max_size=12),
    st.integers(-49, 50),
    st.integers(-49, 50),
)
def test_causes_always_add_up_to_difference(baseline_lines, current_lines, base_rounding, rounding):
    baseline = invoice("NV-1", "2026-10-25", baseline_lines, rounding=base_rounding)
    current = invoice("NV-2", "2026-11-25", current_lines, rounding=rounding)

    result = explain(current, baseline, "previous")

    assert sum(c.amount_minor for c in result.causes) == current.total_minor - baseline.total_minor


# --- condensing the listed causes ------------------------------------------------------------


def usage_cause(index: int, amount_minor: int) -> Cause:
    return Cause(
        kind="usage_change",
        category="usage",
        product_code=f"P{index}",
        description=f"Tjänst {index}",
        amount_minor=amount_minor,
    )


def fee_cause(code: str, amount_minor: int) -> Cause:
    return Cause(
        kind="fee_added", category="fee", product_code=code, description="Avgift", amount_minor=amount_minor
    )


def test_condense_keeps_few_causes_largest_first():
    causes = (usage_cause(1, 100), usage_cause(2, -900), usage_cause(3, 500))

    condensed = condense_causes(causes)

    assert [c.amount_minor for c in condensed] == [-900, 500, 100]


def test_condense_folds_rest_and_keeps_sum():
    causes = tuple(usage_cause(i, 1000 - i) for i in range(MAX_LISTED_CAUSES + 4))

    condensed = condense_causes(causes)

    assert len(condensed) == MAX_LISTED_CAUSES
    folded = next(c for c in condensed if c.members)
    assert folded.kind == "usage_changes"
    assert len(folded.members) == 5
    assert sum(c.amount_minor for c in condensed) == sum(c.amount_minor for c in causes)


def test_condense_lists_small_fee_before_larger_usage():
    usage = tuple(usage_cause(i, 5000 - i) for i in range(10))
    fee = fee_cause("REMINDER", 6000 - 5990)

    condensed = condense_causes((*usage, fee))

    assert fee in condensed
    assert [c.kind for c in condensed if c.members] == ["usage_changes"]


def test_condense_always_lists_largest_cause():
    # Many small fees fill the priority places, but a large price change still shows.
    fees = tuple(fee_cause(f"F{i}", 100 + i) for i in range(28))
    price = usage_cause(99, 100000)

    condensed = condense_causes((*fees, price))

    assert condensed[0] == price
    assert len(condensed) == MAX_LISTED_CAUSES
    assert [c.kind for c in condensed if c.members] == ["fee_changes"]


def test_condense_lists_largest_causes_alone_when_room():
    causes = (
        *(usage_cause(i, 1000 - i) for i in range(4)),
        Cause(
            kind="roaming_added", category="roaming", product_code="R", description="Surf", amount_minor=50
        ),
        usage_cause(9, 40),
    )

    condensed = condense_causes(causes)

    assert len(condensed) == MAX_LISTED_CAUSES
    folded = [c for c in condensed if c.members]
    assert [c.kind for c in folded] == ["usage_changes"]
    assert [c.amount_minor for c in folded[0].members] == [997, 40]
    assert [c.amount_minor for c in condensed if not c.members] == [1000, 999, 998, 50]
    assert sum(c.amount_minor for c in condensed) == sum(c.amount_minor for c in causes)


def test_condense_never_nets_fees_against_usage():
    # 300 fee lines gone and 300 usage lines added: two folded causes, one per category.
    fees = tuple(fee_cause(f"F{i}", -300 - i) for i in range(300))
    usage = tuple(usage_cause(i, 800 + i) for i in range(300))

    condensed = condense_causes((*fees, *usage))

    kinds = sorted(c.kind for c in condensed if c.members)
    assert kinds == ["fee_changes", "usage_changes"]
    assert all(m.category == "fee" for c in condensed if c.kind == "fee_changes" for m in c.members)


def test_condense_many_categories_end_in_other_changes():
    categories = ["usage", "roaming", "one_off", "subscription", "fee", "discount"]
    causes = [usage_cause(0, 100000)]
    for index, category in enumerate(categories):
        for repeat in range(2):
            causes.append(
                Cause(
                    kind=f"{category}_change",
                    category=category,
                    product_code=f"{category}-{repeat}",
                    description=category,
                    amount_minor=100 + index * 10 + repeat,
                )
            )

    condensed = condense_causes(causes)

    assert len(condensed) == MAX_LISTED_CAUSES
    # The category of the largest cause is always shown, here folded with its two small usage causes.
    assert condensed[0].kind == "usage_changes"
    assert condensed[0].members[0].amount_minor == 100000
    assert [c.kind for c in condensed if c.kind == "other_changes"] == ["other_changes"]
    assert sum(c.amount_minor for c in condensed) == sum(c.amount_minor for c in causes)


CONDENSE_CATEGORIES = ["usage", "roaming", "one_off", "subscription", "fee", "discount", "interest"]


@given(
    st.lists(
        st.tuples(st.sampled_from(CONDENSE_CATEGORIES), st.integers(min_value=-(10**9), max_value=10**9)),
        max_size=60,
    )
)
def test_condensed_causes_add_up(pairs):
    causes = tuple(
        Cause(
            kind=f"{category}_change",
            category=category,
            product_code=f"P{index}",
            description=category,
            amount_minor=amount,
        )
        for index, (category, amount) in enumerate(pairs)
    )

    condensed = condense_causes(causes)

    assert len(condensed) <= MAX_LISTED_CAUSES
    assert sum(c.amount_minor for c in condensed) == sum(c.amount_minor for c in causes)
    for folded in (c for c in condensed if c.members and c.kind != "other_changes"):
        assert {member.category for member in folded.members} == {folded.category}
    if causes:
        # The largest cause is listed alone or in a group of its own category, never hidden in
        # other_changes.
        top = min(causes, key=lambda c: (-abs(c.amount_minor), c.kind, c.product_code))
        hidden = [m for c in condensed if c.kind == "other_changes" for m in c.members]
        assert all(member is not top for member in hidden)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "sv",
            "De största orsakerna: 27 ändringar av förbrukning (+418,50 kr); "
            "ingen roaming i USA denna gång (”Roam Us”) (-300,00 kr).",
        ),
        (
            "en",
            "The main causes: 27 changes in usage (+SEK 418.50); "
            "no roaming in the USA this time (“Roam Us”) (-SEK 300.00).",
        ),
    ],
)
def test_summary_names_folded_cause_when_largest(locale, expected):
    # Thirty new call lines of 15,50 kr each: the 27 that are folded outweigh the largest
    # single cause, so the summary names them first.
    roaming = line(1, "roaming", "ROAM-US", 30000, unit="GB", country="US")
    calls = [line(10 + i, "usage", f"CALL-{i}", 1550, unit="min") for i in range(30)]
    baseline = invoice("INV-1", "2026-10-25", [PLAN, roaming])
    current = invoice("INV-2", "2026-11-25", [PLAN, *calls])
    result = explain(current, baseline, "previous")

    listed = condense_causes(result.causes)
    summary = summarize(result, locale, listed)

    assert expected in summary
    assert sum(c.amount_minor for c in listed) == result.difference_minor


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", "Den består av abonnemang 249,00 kr, engångsköp 199,00 kr och övrigt 79,00 kr."),
        (
            "en",
            "It is made up of subscription SEK 249.00, one-off purchases SEK 199.00 and other items SEK 79.00.",
        ),
    ],
)
def test_first_invoice_summary_parts_add_up(locale, expected):
    lines = [
        PLAN,
        line(2, "one_off", "USB-C-CHARGER", 19900),
        line(3, "fee", "PAPER-FEE", 2900, vat_rate=0),
        line(4, "usage", "CALLS", 5000),
    ]
    result = explain(invoice("NV-1", "2026-11-25", lines), None)

    assert summarize(result, locale).endswith(expected)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", "Den består av abonnemang 249,00 kr och förbrukning 50,00 kr, minus rabatt 32,00 kr."),
        ("en", "It is made up of subscription SEK 249.00 and usage SEK 50.00, less discounts SEK 32.00."),
    ],
)
def test_first_invoice_summary_deducts_discount(locale, expected):
    lines = [PLAN, line(2, "usage", "CALLS", 5000), line(3, "discount", "WELCOME", -3200)]
    result = explain(invoice("NV-1", "2026-11-25", lines), None)

    summary = summarize(result, locale)

    assert summary.endswith(expected)
    assert "-" not in summary.split(". ")[-1]


def test_first_invoice_summary_keeps_rounding_apart():
    lines = [PLAN, line(2, "fee", "PAPER-FEE", 2900, vat_rate=0), line(3, "discount", "WELCOME", -3200)]
    result = explain(invoice("NV-1", "2026-11-25", lines, rounding=-30), None)

    summary = summarize(result, "sv")

    assert summary.endswith(
        "Den består av abonnemang 249,00 kr och avgifter 29,00 kr, minus rabatt 32,00 kr, öresavrundning -0,30 kr."
    )


def test_first_invoice_summary_sums_several_deductions():
    lines = [
        PLAN,
        line(2, "discount", "WELCOME", -3200),
        line(3, "credit", "GOODWILL", -1000, vat_rate=0),
    ]
    result = explain(invoice("NV-1", "2026-11-25", lines), None)

    assert summarize(result, "sv").endswith("Den består av abonnemang 249,00 kr, minus avdrag 42,00 kr.")
    assert summarize(result, "en").endswith(
        "It is made up of subscription SEK 249.00, less deductions SEK 42.00."
    )


def test_credit_note_summary_adds_part_of_other_sign():
    lines = [line(1, "subscription", "PLAN-20GB", -24900), line(2, "fee", "PAPER-FEE", 2900, vat_rate=0)]
    note = invoice("KR-1", "2026-11-30", lines, kind="credit_note")
    result = explain(note, None, None, "credit_note")

    summary = summarize(result, "sv")

    assert summary.endswith("Den består av abonnemang -249,00 kr, plus avgifter 29,00 kr.")


@pytest.mark.parametrize("kind", ["previous", "typical"])
def test_choose_baseline_skips_other_currency(kind):
    history = [
        invoice("NV-1", "2026-07-25", [PLAN]),
        invoice("NV-2", "2026-08-25", [PLAN]),
        invoice("NV-3", "2026-09-25", [PLAN], currency="EUR"),
        invoice("NV-4", "2026-10-25", [PLAN], currency="EUR"),
    ]
    current = invoice("NV-5", "2026-11-25", [PLAN])

    chosen, reason = choose_baseline(current, history, kind)

    assert chosen is not None
    assert chosen.currency == "SEK"
    assert reason is None


def test_choose_baseline_none_in_same_currency():
    history = [invoice("NV-1", "2026-10-25", [PLAN])]
    current = invoice("NV-2", "2026-11-25", [PLAN], currency="EUR")

    chosen, reason = choose_baseline(current, history, "previous")
    result = explain(current, chosen, None, reason)

    assert chosen is None
    assert reason == "no_earlier_invoice_in_currency"
    assert "ingen tidigare faktura i EUR" in summarize(result, "sv")
    assert "no earlier invoice in EUR" in summarize(result, "en")


@pytest.mark.parametrize(
    ("descriptions", "expected"),
    [
        (["Samtal 1, 2026-09-01", "Samtal 2, 2026-09-02"], "Samtal"),
        (["Surf i Norge", "Surf i Norge"], "Surf i Norge"),
        (["Sms", "Samtal"], "Sms"),
        (["Samtal till 0701234567", "Samtal till 0709876543"], "Samtal till"),
    ],
)
def test_line_group_description_is_shared_part(descriptions, expected):
    lines = [
        replace(line(i + 1, "usage", "CALLS", 1000, unit="min"), description=text)
        for i, text in enumerate(descriptions)
    ]

    groups = group_lines(invoice("NV-1", "2026-11-25", lines))

    assert groups[("usage", "CALLS", False)].description == expected


def test_condense_keeps_fee_out_of_other_changes():
    # The causes of an imported invoice with seven kinds of change.
    def cause(kind, category, amount_minor):
        return Cause(
            kind=kind, category=category, product_code=kind, description=kind, amount_minor=amount_minor
        )

    causes = (
        cause("one_off_no_longer_charged", "one_off", -24875),
        cause("usage_change", "usage", 13475),
        cause("roaming_ended", "roaming", -7313),
        cause("discount_ended", "discount", 6125),
        cause("fee_added", "fee", 6000),
        cause("usage_added", "usage", 1238),
        cause("rounding", "rounding", 50),
    )

    condensed = condense_causes(causes)

    assert {c.kind: c.amount_minor for c in condensed} == {
        "one_off_no_longer_charged": -24875,
        "usage_changes": 13475 + 1238,
        "discount_ended": 6125,
        "fee_added": 6000,
        "other_changes": -7313 + 50,
    }


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", "En kreditnota har dragit av 100,00 kr, så kvar att betala är 482,00 kr."),
        ("en", "A credit note has taken SEK 100.00 off, so SEK 482.00 is left to pay."),
    ],
)
def test_summary_says_what_credit_notes_took_off(locale, expected):
    baseline = invoice("INV-1", "2026-10-25", [PLAN])
    current = invoice("INV-2", "2026-11-25", [PLAN, line(2, "one_off", "USB-C-CHARGER", 19900)])
    result = explain(current, baseline, "previous")

    summary = summarize(result, locale, credited=(10000, 48200))

    assert summary.endswith(expected)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("typical", "Faktura NV-2 på 249,00 kr är lika stor som ditt vanliga belopp."),
        ("previous", "Faktura NV-2 på 249,00 kr är lika stor som förra fakturan (NV-1)."),
    ],
)
def test_equal_summary_names_invoice_only_when_one(kind, expected):
    result = explain(invoice("NV-2", "2026-11-25", [PLAN]), invoice("NV-1", "2026-10-25", [PLAN]), kind)

    assert summarize(result, "sv").startswith(expected)


def test_removed_usage_leaves_out_the_earlier_period():
    calls = replace(
        line(2, "usage", "CALLS-ABROAD", 1993), description="Samtal utomlands, 2026-03-21–2026-04-20"
    )
    result = explain(
        invoice("NV-2", "2026-05-25", [PLAN]), invoice("NV-1", "2026-04-25", [PLAN, calls]), "previous"
    )

    text = describe_cause(result.causes[0], "SEK", "sv")

    assert text == "ingen förbrukning av ”Samtal utomlands” (-19,93 kr)"


def test_first_invoice_summary_names_credit():
    result = explain(invoice("NV-1", "2026-11-25", [PLAN]), None)

    summary = summarize(result, "sv", credited=(6000, 18900))

    assert summary.endswith("En kreditnota har dragit av 60,00 kr, så kvar att betala är 189,00 kr.")
