"""Map e-invoice lines to the explanation categories, product codes and display units.

`categorize` decides a line's category by the first rule that matches, in this order:

1. An item classification code (BT-158) with list id "ZZZ" (mutually defined) that names a
   category, in English or Swedish: `<cbc:ItemClassificationCode listID="ZZZ">usage</...>`.
2. An allowance is a `discount`. A charge takes the category of the first keyword rule its
   reason matches, else `fee`.
3. Keywords in the item name (BT-153), or in the item description when the name has none,
   checked in the order of KEYWORD_RULES, so "Räntekostnad" is interest before anything else.
4. The unit of quantity: minutes, hours, kWh, MB or GB mean `usage`, months, quarters and
   years `subscription`.
5. `credit` for a negative line on an invoice, else `one_off`.

On an invoice, `discount` and `credit` are skipped for a positive line, because the store
reads those categories as reductions. For a negative line they come before the other
keyword rules, so "Rabatt på månadsavgift" is a discount. docs/importing.md has the rules
as a table.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

PRODUCT_CODE_MAX_LENGTH = 40

# Category names and Swedish words accepted as "ZZZ" item classification codes.
CLASSIFICATION_CODES: dict[str, str] = {
    "subscription": "subscription",
    "abonnemang": "subscription",
    "usage": "usage",
    "forbrukning": "usage",
    "roaming": "roaming",
    "one_off": "one_off",
    "engangskop": "one_off",
    "discount": "discount",
    "rabatt": "discount",
    "fee": "fee",
    "avgift": "fee",
    "interest": "interest",
    "ranta": "interest",
    "carried_over": "carried_over",
    "tidigare_skuld": "carried_over",
    "credit": "credit",
    "kredit": "credit",
    "rounding": "rounding",
    "oresavrundning": "rounding",
}

# (category, pattern) in order; patterns run on the folded text (lower case, no accents).
# Swedish compounds put the telling word last ("påminnelseavgift"), so Swedish stems match
# inside words, while short English words must stand alone.
KEYWORD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rounding", re.compile(r"avrundning|\brounding\b")),
    ("interest", re.compile(r"\brante|ranta\b|\binterest\b")),
    (
        "carried_over",
        re.compile(
            r"tidigare (skuld|obetal)|obetalt (belopp|saldo)|foregaende faktura|overfort saldo"
            r"|carried over|brought forward|previous balance|unpaid balance"
        ),
    ),
    ("roaming", re.compile(r"roaming|utlandet|utomlands|\babroad\b")),
    (
        "subscription",
        re.compile(
            r"abonnemang|manadsavgift|arsavgift|fast avgift|grundavgift|premie|forsakring"
            r"|\bsubscription\b|\bmonthly fee\b|\bannual fee\b|\bpremium\b"
        ),
    ),
    (
        "usage",
        re.compile(
            r"samtal|\bsms\b|\bmms\b|datatrafik|\bsurf|forbrukning|elanvandning|\bkwh\b|\bmwh\b"
            r"|\bcalls?\b|\bdata\b|\busage\b|\bconsumption\b|\bminutes\b"
        ),
    ),
    ("fee", re.compile(r"avgift|\bporto\b|\bfees?\b|\bfreight\b|\bshipping\b|\bhandling\b")),
    ("discount", re.compile(r"rabatt|kampanj|\bdiscount\b|\brebate\b|\bpromotion\b")),
    ("credit", re.compile(r"kreditering|\bkredit\b|aterbetalning|\bcredit\b|\brefund\b")),
)

# UN/ECE Recommendation 20 unit codes that mark a line as usage or as a subscription.
USAGE_UNITS = frozenset({"SEC", "MIN", "HUR", "KWH", "MWH", "4L", "E34", "2P", "AD"})
SUBSCRIPTION_UNITS = frozenset({"MON", "ANN", "QAN"})

# UN/ECE Recommendation 20 codes and the unit names that the store and its texts use.
UNIT_NAMES: dict[str, str] = {
    "C62": "st",
    "EA": "st",
    "H87": "st",
    "XPP": "st",
    "NAR": "st",
    "SEC": "s",
    "MIN": "min",
    "HUR": "h",
    "DAY": "dag",
    "WEE": "vecka",
    "MON": "mån",
    "QAN": "kvartal",
    "ANN": "år",
    "KWH": "kWh",
    "MWH": "MWh",
    "2P": "kB",
    "4L": "MB",
    "E34": "GB",
    "MTR": "m",
    "KMT": "km",
    "KGM": "kg",
    "LTR": "l",
    "MTQ": "m³",
}
UNIT_MAX_LENGTH = 12

REDUCTION_CATEGORIES = frozenset({"discount", "credit"})

_MONTHS = (
    "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    "|january|february|march|may|june|july|august|october"
)
# Dates, years and month names, which differ between invoices of the same product.
_PERIOD_WORDS = re.compile(rf"\b(\d{{4}}-\d{{2}}(-\d{{2}})?|(19|20)\d{{2}}|{_MONTHS})\b")


@dataclass(frozen=True)
class LineText:
    """The texts and codes of an item line, an allowance or a charge that the mapping reads.

    For an allowance or a charge, `name` is its reason text or reason code.
    """

    name: str
    description: str | None = None
    classifications: tuple[tuple[str | None, str], ...] = ()
    unit_code: str | None = None
    is_allowance: bool = False
    is_charge: bool = False


def fold(text: str) -> str:
    """Lower-case `text` and drop accents, so "Påminnelseavgift" becomes "paminnelseavgift"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def categorize(line: LineText, *, net_minor: int, credit_note: bool) -> str:
    """Return the explanation category of a line whose stored net amount is `net_minor`."""
    classified, inferred = _candidates(line)
    if net_minor < 0 and not credit_note:
        # A negative line on an invoice is a reduction first: "Rabatt på månadsavgift" is a discount.
        inferred = [c for c in inferred if c in REDUCTION_CATEGORIES] + [
            c for c in inferred if c not in REDUCTION_CATEGORIES
        ]
    reductions_allowed = credit_note or net_minor <= 0
    for category in classified + inferred:
        if category in REDUCTION_CATEGORIES and not reductions_allowed:
            continue
        return category
    return "credit" if net_minor < 0 and not credit_note else "one_off"


def _candidates(line: LineText) -> tuple[list[str], list[str]]:
    """Return the categories named by classification codes, and those inferred from the text and unit."""
    classified = []
    for list_id, code in line.classifications:
        if (list_id or "").upper() == "ZZZ":
            category = CLASSIFICATION_CODES.get(fold(code).replace(" ", "_").replace("-", "_"))
            if category:
                classified.append(category)
    if line.is_allowance:
        return classified, ["discount"]
    inferred = _keyword_categories(line.name)
    if not inferred and line.description:
        inferred = _keyword_categories(line.description)
    if line.is_charge:
        return classified, [*inferred, "fee"]
    unit = (line.unit_code or "").upper()
    if unit in USAGE_UNITS:
        inferred.append("usage")
    elif unit in SUBSCRIPTION_UNITS:
        inferred.append("subscription")
    return classified, inferred


def _keyword_categories(text: str) -> list[str]:
    folded = fold(text)
    return [category for category, pattern in KEYWORD_RULES if pattern.search(folded)]


def unit_name(unit_code: str | None) -> str | None:
    """Return the store's name for a UN/ECE unit code, the code itself when unknown, or None."""
    if unit_code is None:
        return None
    return UNIT_NAMES.get(unit_code.upper(), unit_code[:UNIT_MAX_LENGTH])


def product_code(seller_item_id: str | None, standard_item_id: str | None, item_name: str) -> str:
    """Return a product code that is the same for the same product on different invoices.

    The seller's item id comes first, then the standard item id (such as a GTIN), then the
    item name without dates, years and month names, so "Mobil Fri 20 GB, december 2025"
    and "Mobil Fri 20 GB, januari 2026" share "mobil-fri-20-gb".
    """
    for identifier in (seller_item_id, standard_item_id):
        if identifier and identifier.strip():
            return fit_code(identifier.strip())
    return fit_code(normalize_name(item_name))


def normalize_name(name: str) -> str:
    """Fold a name to lower-case ASCII words joined by hyphens, without dates and month names."""
    folded = _PERIOD_WORDS.sub(" ", fold(name))
    words = re.findall(r"[a-z0-9]+", folded)
    return "-".join(words) or "item"


def fit_code(code: str) -> str:
    """Shorten a code to PRODUCT_CODE_MAX_LENGTH characters, keeping it unique with a hash suffix."""
    if len(code) <= PRODUCT_CODE_MAX_LENGTH:
        return code
    digest = hashlib.sha256(code.encode()).hexdigest()[:8]
    return f"{code[: PRODUCT_CODE_MAX_LENGTH - 9]}-{digest}"
