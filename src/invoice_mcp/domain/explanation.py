"""Break an invoice amount into causes against a baseline invoice.

Lines of the two invoices are matched by (category, product code). Each group
of matched lines yields at most one cause whose amount is the change in its
gross amount (net plus VAT), and the change in öresavrundning is a cause of its
own. Because an invoice total is the sum of its line gross amounts plus its
rounding, the causes add up exactly to the difference of the totals.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from invoice_mcp.domain.errors import BillingError
from invoice_mcp.domain.invoices import InvoiceFacts, LineFacts

BaselineKind = Literal["previous", "same_period_last_year", "typical"]
BASELINE_KINDS: tuple[str, ...] = BaselineKind.__args__  # type: ignore[attr-defined]

# How many line positions a cause lists before it only counts them.
MAX_LISTED_POSITIONS = 12
# A shared beginning of line descriptions shorter than this says nothing ("S", "Sa").
SHARED_DESCRIPTION_MIN_LENGTH = 3
# How many causes an explanation lists; the rest are folded into causes with their sums.
MAX_LISTED_CAUSES = 5
# Categories a recipient asks about even when the amount is small. When categories compete
# for places, they weigh PRIORITY_WEIGHT times their amount.
PRIORITY_CATEGORIES = frozenset({"fee", "interest", "discount", "credit", "carried_over"})
# How much more a cause of a priority category weighs when categories compete for places.
PRIORITY_WEIGHT = 3
# A category that weighs less than 1/50 (2%) of all causes together counts as small.
SMALL_SHARE_DIVISOR = 50
# Calendar months are 28 to 31 days long, so periods up to this far apart count as equal.
MONTH_LENGTH_VARIATION_DAYS = 3
# Regular invoices that make up the "typical" baseline.
TYPICAL_WINDOW = 6

# Cause kind by (category, change). A change is "added", "removed" or "changed".
_CAUSE_KINDS: dict[tuple[str, str], str] = {
    ("subscription", "added"): "subscription_added",
    ("subscription", "removed"): "subscription_removed",
    ("subscription", "changed"): "subscription_change",
    ("usage", "added"): "usage_added",
    ("usage", "removed"): "usage_removed",
    ("usage", "changed"): "usage_change",
    ("roaming", "added"): "roaming_added",
    ("roaming", "removed"): "roaming_ended",
    ("roaming", "changed"): "roaming_change",
    ("one_off", "added"): "one_off_purchase",
    ("one_off", "removed"): "one_off_no_longer_charged",
    ("one_off", "changed"): "one_off_change",
    ("discount", "added"): "discount_started",
    ("discount", "removed"): "discount_ended",
    ("discount", "changed"): "discount_change",
    ("fee", "added"): "fee_added",
    ("fee", "removed"): "fee_removed",
    ("fee", "changed"): "fee_change",
    ("interest", "added"): "interest_added",
    ("interest", "removed"): "interest_removed",
    ("interest", "changed"): "interest_change",
    ("carried_over", "added"): "carried_over_balance",
    ("carried_over", "removed"): "carried_over_balance_removed",
    ("carried_over", "changed"): "carried_over_balance_change",
    ("credit", "added"): "credit_added",
    ("credit", "removed"): "credit_removed",
    ("credit", "changed"): "credit_change",
    ("rounding", "added"): "rounding",
    ("rounding", "removed"): "rounding",
    ("rounding", "changed"): "rounding",
}


class ExplanationError(BillingError):
    code = "cannot_explain"


@dataclass(frozen=True)
class LineGroup:
    """Lines of one invoice that share a category and product code, summed."""

    category: str
    product_code: str
    description: str
    gross_minor: int
    quantity: Decimal
    unit: str | None
    unit_price_minor: Decimal | None
    positions: tuple[int, ...]
    countries: tuple[str, ...]
    net_minor: int = 0
    vat_minor: int = 0
    # None when the lines carry different rates.
    vat_rate_basis_points: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    # True for a charge or credit covering only part of the invoice period (proration).
    part_period: bool = False


@dataclass(frozen=True)
class Cause:
    """One reason the amount differs from the baseline, with its signed amount in minor units."""

    kind: str
    category: str
    product_code: str
    description: str
    amount_minor: int
    current: LineGroup | None = None
    baseline: LineGroup | None = None
    # Set when a plan change merges several subscription and credit groups.
    parts: tuple[Cause, ...] = ()
    # Set on a cause that folds several smaller causes (see condense_causes).
    members: tuple[Cause, ...] = ()

    @property
    def countries(self) -> tuple[str, ...]:
        """Country codes of the lines behind the cause, or behind its members when it folds others."""
        causes = self.members or (self,)
        return tuple(
            sorted({code for c in causes for g in (c.current, c.baseline) if g for code in g.countries})
        )

    @property
    def is_price_change(self) -> bool:
        return (
            self.current is not None
            and self.baseline is not None
            and self.current.unit_price_minor is not None
            and self.baseline.unit_price_minor is not None
            and self.current.unit_price_minor != self.baseline.unit_price_minor
        )


@dataclass(frozen=True)
class Explanation:
    invoice: InvoiceFacts
    baseline: InvoiceFacts | None
    baseline_kind: str | None
    difference_minor: int
    causes: tuple[Cause, ...]
    composition: tuple[tuple[str, int], ...]  # (category, gross minor) for the invoice
    no_baseline_reason: str | None = None
    # (this invoice, baseline) period lengths in days, set only when they differ.
    period_days: tuple[int, int] | None = None


GroupKey = tuple[str, str, bool]  # (category, product code, part period)


def _is_part_period(line: LineFacts, invoice: InvoiceFacts) -> bool:
    """True for a subscription or credit line whose own period is shorter than the invoice's."""
    if (
        line.category not in ("subscription", "credit")
        or line.period_start is None
        or line.period_end is None
    ):
        return False
    days = (line.period_end - line.period_start).days + 1
    invoice_days = invoice.period_days
    return invoice_days is not None and days < invoice_days


def group_lines(invoice: InvoiceFacts) -> dict[GroupKey, LineGroup]:
    """Sum lines that share a category, product code and part-period flag, keeping their positions."""
    buckets: dict[GroupKey, list[LineFacts]] = {}
    for line in invoice.lines:
        key = (line.category, line.product_code, _is_part_period(line, invoice))
        buckets.setdefault(key, []).append(line)
    groups: dict[GroupKey, LineGroup] = {}
    for key, members in buckets.items():
        prices = {line.unit_price_minor for line in members}
        units = {line.unit for line in members}
        rates = {line.vat_rate_basis_points for line in members}
        starts = [line.period_start for line in members if line.period_start]
        ends = [line.period_end for line in members if line.period_end]
        groups[key] = LineGroup(
            category=key[0],
            product_code=key[1],
            description=_shared_description([line.description for line in members]),
            gross_minor=sum(line.gross_minor for line in members),
            quantity=sum((line.quantity for line in members), Decimal(0)),
            unit=units.pop() if len(units) == 1 else None,
            unit_price_minor=prices.pop() if len(prices) == 1 else None,
            positions=tuple(line.position for line in members),
            countries=tuple(sorted({line.country_code for line in members if line.country_code})),
            net_minor=sum(line.net_minor for line in members),
            vat_minor=sum(line.vat_minor for line in members),
            vat_rate_basis_points=rates.pop() if len(rates) == 1 else None,
            period_start=min(starts) if starts else None,
            period_end=max(ends) if ends else None,
            part_period=key[2],
        )
    return groups


def _shared_description(descriptions: list[str]) -> str:
    """Return what the descriptions of a line group have in common.

    Lines grouped by product code often differ only in a number or a date ("Samtal 1,
    2026-09-01", "Samtal 2, 2026-09-02"). Quoting the first of them would make one call
    look like the whole amount, so the shared beginning is used when it is a word or more.
    """
    first = descriptions[0]
    if all(description == first for description in descriptions):
        return first
    shared = first
    for description in descriptions[1:]:
        while not description.startswith(shared):
            shared = shared[:-1]
    shared = shared.rstrip(" ,.;:-–(0123456789")
    return shared if len(shared) >= SHARED_DESCRIPTION_MIN_LENGTH else first


def composition_by_category(invoice: InvoiceFacts) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = {}
    for line in invoice.lines:
        totals[line.category] = totals.get(line.category, 0) + line.gross_minor
    if invoice.rounding_minor:
        totals["rounding"] = totals.get("rounding", 0) + invoice.rounding_minor
    return tuple(sorted(totals.items(), key=lambda item: -abs(item[1])))


def check_consistent(invoice: InvoiceFacts) -> None:
    """Raise unless the invoice total equals its lines plus rounding, so causes can add up."""
    computed = invoice.lines_gross_minor + invoice.rounding_minor
    if computed != invoice.total_minor:
        raise ExplanationError(
            f"invoice {invoice.invoice_number} total {invoice.total_minor} differs from its lines "
            f"plus rounding ({computed}) by {invoice.total_minor - computed} minor units; "
            "the billing data must be corrected before the amount can be explained",
            code="inconsistent_invoice",
            invoice_number=invoice.invoice_number,
        )


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _causes_for(key: GroupKey, current: LineGroup | None, baseline: LineGroup | None) -> list[Cause]:
    """Return the causes of one matched group; their amounts add up to its change in gross amount."""
    current_minor = current.gross_minor if current else 0
    baseline_minor = baseline.gross_minor if baseline else 0
    amount = current_minor - baseline_minor
    if amount == 0:
        # Nothing changed in money, or a zero-amount line came or went: nothing to explain.
        return []
    change = "changed" if current and baseline else ("added" if current else "removed")
    category = key[0]
    if key[2] and category == "subscription":
        kind = f"part_period_{'change' if change == 'changed' else change}"
    else:
        kind = _CAUSE_KINDS.get((category, change), f"{category}_{change}")
    chosen = current or baseline
    assert chosen is not None

    def cause(kind: str, amount_minor: int) -> Cause:
        return Cause(
            kind=kind,
            category=category,
            product_code=key[1],
            description=chosen.description,
            amount_minor=amount_minor,
            current=current,
            baseline=baseline,
        )

    if current is None or baseline is None:
        return [cause(kind, amount)]
    causes: list[Cause] = []
    remaining = amount
    # A changed VAT rate: the VAT this invoice's net amount would have had at the old rate.
    if (
        current.vat_rate_basis_points is not None
        and baseline.vat_rate_basis_points is not None
        and current.vat_rate_basis_points != baseline.vat_rate_basis_points
    ):
        at_old_rate = _round_half_up(Decimal(current.net_minor) * baseline.vat_rate_basis_points / 10000)
        vat_effect = current.vat_minor - at_old_rate
        if vat_effect:
            causes.append(cause("vat_rate_change", vat_effect))
            remaining -= vat_effect
    prices_differ = (
        current.unit_price_minor is not None
        and baseline.unit_price_minor is not None
        and current.unit_price_minor != baseline.unit_price_minor
    )
    if prices_differ and current.quantity == baseline.quantity:
        causes.append(cause("price_change", remaining))
    elif prices_differ and baseline.quantity > 0 and current.unit == baseline.unit:
        # Split into volume (this quantity at the old average price) and price (the rest).
        at_old_price = _round_half_up(Decimal(baseline.gross_minor) * current.quantity / baseline.quantity)
        volume_effect = at_old_price - baseline.gross_minor
        price_effect = remaining - volume_effect
        if volume_effect:
            causes.append(cause(kind, volume_effect))
        if price_effect:
            causes.append(cause("price_change", price_effect))
    elif remaining:
        causes.append(cause(kind, remaining))
    return causes


def _merge_plan_change(causes: list[Cause]) -> list[Cause]:
    """Merge an old plan leaving, a new plan arriving, its part period and the credits into one cause."""
    added = [c for c in causes if c.kind == "subscription_added"]
    removed = [c for c in causes if c.kind == "subscription_removed"]
    if not added or not removed:
        return causes
    part_period = [c for c in causes if c.kind == "part_period_added"]
    credits = [c for c in causes if c.category == "credit" and c.kind == "credit_added"]
    parts = tuple(removed + added + part_period + credits)
    rest = [c for c in causes if c not in parts]
    plan = Cause(
        kind="plan_change",
        category="subscription",
        product_code=added[0].product_code,
        description=added[0].description,
        amount_minor=sum(c.amount_minor for c in parts),
        current=added[0].current,
        baseline=removed[0].baseline,
        parts=parts,
    )
    return [plan, *rest]


def explain(
    invoice: InvoiceFacts,
    baseline: InvoiceFacts | None,
    baseline_kind: str | None = None,
    no_baseline_reason: str | None = None,
) -> Explanation:
    """Explain `invoice` against `baseline`; without a baseline, explain its composition.

    Raises:
        ExplanationError: a total does not match its lines, or the currencies differ.
    """
    check_consistent(invoice)
    composition = composition_by_category(invoice)
    if baseline is None:
        return Explanation(
            invoice=invoice,
            baseline=None,
            baseline_kind=None,
            difference_minor=0,
            causes=(),
            composition=composition,
            no_baseline_reason=no_baseline_reason
            or ("credit_note" if invoice.kind == "credit_note" else "no_earlier_invoice"),
        )
    check_consistent(baseline)
    if baseline.currency != invoice.currency:
        raise ExplanationError(
            f"invoice {invoice.invoice_number} is in {invoice.currency} but the baseline "
            f"{baseline.invoice_number} is in {baseline.currency}; only invoices in the same "
            "currency can be compared",
            code="currency_mismatch",
        )
    current_groups = group_lines(invoice)
    baseline_groups = group_lines(baseline)
    keys = list(dict.fromkeys([*baseline_groups, *current_groups]))
    causes = [
        cause for key in keys for cause in _causes_for(key, current_groups.get(key), baseline_groups.get(key))
    ]
    rounding_change = invoice.rounding_minor - baseline.rounding_minor
    if rounding_change:
        causes.append(
            Cause(
                kind="rounding",
                category="rounding",
                product_code="rounding",
                description="Öresavrundning",
                amount_minor=rounding_change,
            )
        )
    causes = _merge_plan_change(causes)
    causes.sort(key=lambda c: (-abs(c.amount_minor), c.kind, c.product_code))
    difference = invoice.total_minor - baseline.total_minor
    # The construction guarantees this; the check guards against a future edit breaking it.
    assert sum(c.amount_minor for c in causes) == difference
    period_days = None
    # Calendar months differ by up to three days; only a longer or shorter billing period is worth saying.
    if (
        invoice.period_days
        and baseline.period_days
        and abs(invoice.period_days - baseline.period_days) > MONTH_LENGTH_VARIATION_DAYS
    ):
        period_days = (invoice.period_days, baseline.period_days)
    return Explanation(
        invoice=invoice,
        baseline=baseline,
        baseline_kind=baseline_kind,
        difference_minor=difference,
        causes=tuple(causes),
        composition=composition,
        period_days=period_days,
    )


def choose_baseline(
    invoice: InvoiceFacts, earlier: Sequence[InvoiceFacts], kind: str
) -> tuple[InvoiceFacts | None, str | None]:
    """Pick the baseline invoice of `kind` among `earlier` (issued before `invoice`, any order).

    Returns the baseline, or None with the reason there is none. A credit note has no
    baseline: it is explained by its composition and the invoice it credits. Only invoices in
    the same currency are compared, because amounts in minor units of two currencies do not
    subtract.
    """
    if invoice.kind == "credit_note":
        return None, "credit_note"
    regular = sorted(
        (e for e in earlier if e.is_regular and e.issue_date < invoice.issue_date),
        key=lambda e: e.issue_date,
    )
    if not regular:
        return None, "no_earlier_invoice"
    regular = [e for e in regular if e.currency == invoice.currency]
    if not regular:
        return None, "no_earlier_invoice_in_currency"
    if kind == "previous":
        return regular[-1], None
    if kind == "same_period_last_year":
        target = invoice.issue_date.replace(year=invoice.issue_date.year - 1, day=1)
        same_month = [
            e for e in regular if (e.issue_date.year, e.issue_date.month) == (target.year, target.month)
        ]
        if not same_month:
            return None, "no_invoice_same_period_last_year"
        return same_month[-1], None
    if kind == "typical":
        window = regular[-TYPICAL_WINDOW:]
        median = statistics.median_low([e.total_minor for e in window])
        # The latest invoice with the median total stands for the typical amount.
        return [e for e in window if e.total_minor == median][-1], None
    raise ExplanationError(
        f"baseline '{kind}' is invalid: use one of {', '.join(BASELINE_KINDS)}",
        code="invalid_field",
        field="baseline",
        value=kind,
    )


def condense_causes(causes: Sequence[Cause], limit: int = MAX_LISTED_CAUSES) -> tuple[Cause, ...]:
    """Return at most `limit` causes that still add up to the same difference, largest first.

    Causes are first folded by category (`usage_changes`, `fee_changes`, ...; a plan change
    stays on its own), so that a folded cause never nets fees against usage. When there are
    more categories than `limit`, the categories that weigh least are merged into one
    `other_changes` cause. A category weighs the sum of its causes' absolute amounts, times
    PRIORITY_WEIGHT for fees, interest, discounts, credits, balances carried over and plan
    changes, which a recipient asks about even when they are small. The largest category and
    the category of the largest single cause are always kept. When the categories fit, those that weigh under 2% of the whole are merged
    into `other_changes` (if there are two or more), and the largest single causes are taken
    out of their categories and listed on their own until the list is full.
    """
    if limit < 2:
        raise ValueError(f"limit must be 2 or more, not {limit}: one listed cause and one folded cause")
    if len(causes) <= limit:
        return tuple(sorted(causes, key=_size_order))
    groups = _fold_by_category(causes)
    # The category of the largest single cause and the largest category are always shown.
    top_cause = min(causes, key=_size_order)
    with_top = next(g for g in groups if g is top_cause or any(m is top_cause for m in g.members))
    largest = max(groups, key=_gross)
    if len(groups) > limit:
        ranked = sorted(groups, key=lambda g: -_weight(g))
        first = [with_top] if with_top is largest else [with_top, largest]
        kept = [*first, *(g for g in ranked if not any(g is f for f in first))][: limit - 1]
        merged = [g for g in groups if not any(g is k for k in kept)]
        return tuple(sorted([*kept, _other_changes(merged)], key=_size_order))
    # Categories that weigh almost nothing (rounding, a few öre of roaming) are merged to make
    # room for the largest single causes, which are then listed on their own.
    total = sum(_weight(g) for g in groups)
    small = [g for g in groups if _weight(g) * SMALL_SHARE_DIVISOR < total and g is not with_top]
    if len(small) >= 2:
        groups = [g for g in groups if not any(g is t for t in small)] + [_other_changes(small)]
    listed = list(groups)
    for _ in range(limit - len(groups)):
        folded = [g for g in listed if g.members and g.kind != "other_changes"]
        if not folded:
            break
        group = max(folded, key=lambda g: abs(g.members[0].amount_minor))
        first, rest = group.members[0], group.members[1:]
        remainder = rest[0] if len(rest) == 1 else _folded(group.kind, group.category, rest)
        listed = [c for c in listed if c is not group] + [first, remainder]
    return tuple(sorted(listed, key=_size_order))


def _gross(cause: Cause) -> int:
    """Return the sum of the absolute amounts behind a cause, so that +50 and -25 count as 75."""
    return (
        sum(abs(member.amount_minor) for member in cause.members)
        if cause.members
        else abs(cause.amount_minor)
    )


def _weight(cause: Cause) -> int:
    return _gross(cause) * (PRIORITY_WEIGHT if _is_priority(cause) else 1)


def _is_priority(cause: Cause) -> bool:
    return cause.category in PRIORITY_CATEGORIES or cause.kind == "plan_change"


def _fold_by_category(causes: Sequence[Cause]) -> list[Cause]:
    """Return one cause per category, with its members largest first; a cause alone in its
    category, and a plan change, stay as they are."""
    by_category: dict[str, list[Cause]] = {}
    for cause in sorted(causes, key=_size_order):
        key = "plan_change" if cause.kind == "plan_change" else cause.category
        by_category.setdefault(key, []).append(cause)
    return [
        members[0]
        if len(members) == 1
        else _folded(f"{members[0].category}_changes", members[0].category, tuple(members))
        for members in by_category.values()
    ]


def _other_changes(groups: Sequence[Cause]) -> Cause:
    """Merge causes and folded causes of several categories into one `other_changes` cause."""
    members = tuple(member for group in groups for member in (group.members or (group,)))
    return _folded("other_changes", "other", members)


def _folded(kind: str, category: str, members: tuple[Cause, ...]) -> Cause:
    return Cause(
        kind=kind,
        category=category,
        product_code="",
        description="",
        amount_minor=sum(c.amount_minor for c in members),
        members=members,
    )


def _size_order(cause: Cause) -> tuple[int, str, str]:
    return (-abs(cause.amount_minor), cause.kind, cause.product_code)
