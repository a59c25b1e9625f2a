"""Load fixture files (billers, customers, payment methods, invoices) into the billing store.

`load_fixtures(engine, directory)` reads the four JSON files that docs/fixtures.md
describes, validates every record on its own and against the others and the
database, and writes them in one transaction. Any problem raises `SeedError`
before the first insert, so a failed load leaves the database unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, ValidationError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from stdnum import luhn

from invoice_mcp.domain.bank_accounts import validate_bank_account
from invoice_mcp.domain.errors import BillingError, InvalidFieldError
from invoice_mcp.store.engine import is_sqlite
from invoice_mcp.store.models import Biller, Customer, Invoice, InvoiceLine, Payment, PaymentMethod

logger = logging.getLogger(__name__)

BILLERS_FILE = "billers.json"
CUSTOMERS_FILE = "customers.json"
PAYMENT_METHODS_FILE = "payment_methods.json"
INVOICES_FILE = "invoices.json"
FIXTURE_FILES = (BILLERS_FILE, CUSTOMERS_FILE, PAYMENT_METHODS_FILE, INVOICES_FILE)

# The error message and `SeedError.problems` list at most this many problems. `problem_count` counts all.
MAX_REPORTED_PROBLEMS = 20
# Keys per SELECT ... IN (...) when looking up existing records, below SQLite's bound-parameter limit.
LOOKUP_CHUNK_SIZE = 500

LineCategory = Literal[
    "subscription",
    "usage",
    "roaming",
    "one_off",
    "discount",
    "fee",
    "interest",
    "carried_over",
    "credit",
    "rounding",
]
LineUnit = Literal["mån", "dag", "kWh", "GB", "MB", "min", "st", "sms"]
VatRate = Literal[0, 600, 1200, 2500]  # basis points: 0, 6, 12 and 25 %, the Swedish rates
InvoiceKind = Literal["invoice", "credit_note"]
InvoiceStatus = Literal["open", "paid", "reminded", "collection", "credited", "written_off"]
PaymentMethodKind = Literal["autogiro", "e_invoice", "kivra", "swish", "email_pdf", "paper", "card"]
PaymentMethodStatus = Literal["active", "pending_signature", "superseded", "cancelled"]
PaymentChannel = Literal["bankgiro", "plusgiro", "autogiro", "e_invoice", "swish", "card"]
Industry = Literal["telecom", "energy", "insurance", "parking"]
CustomerKind = Literal["consumer", "business"]
Locale = Literal["sv", "en"]

LINE_CATEGORIES: tuple[str, ...] = get_args(LineCategory)
INVOICE_STATUSES: tuple[str, ...] = get_args(InvoiceStatus)
PAYMENT_METHOD_KINDS: tuple[str, ...] = get_args(PaymentMethodKind)
CREDIT_NOTE_STATUSES = ("open", "paid")
UNPAID_STATUSES = ("open", "reminded", "collection", "written_off")
NON_POSITIVE_CATEGORIES = ("discount", "credit")

# Field names whose values an error message masks: identity numbers keep the birth date
# or organisation prefix, account numbers and card tokens only their last four characters.
IDENTITY_FIELDS = frozenset({"identity_number", "account_holder_identity_number"})
ACCOUNT_FIELDS = frozenset({"account_number", "card_token"})


# --- Errors ------------------------------------------------------------------------


@dataclass(frozen=True)
class FixtureProblem:
    """One invalid value in the fixture files: where it is, the value as shown, and why it is invalid.

    `record` is the 0-based index in the file's JSON array. `value` is already masked
    for identity and account numbers, and None when the problem has no single value.
    """

    file: str
    record: int | None
    key: str | None
    field: str | None
    value: str | None
    reason: str

    def describe(self) -> str:
        location = self.file
        if self.record is not None:
            location += f" record {self.record}"
            if self.key:
                location += f" ({self.key})"
        if self.field is None:
            return f"{location}: {self.reason}"
        value_text = f" {self.value}" if self.value is not None else ""
        return f"{location}: {self.field}{value_text} is invalid: {self.reason}"


class SeedError(BillingError):
    """Fixture files that cannot be loaded. Nothing was written.

    `problems` holds up to MAX_REPORTED_PROBLEMS problems and `problem_count` counts all of them.
    """

    code = "invalid_fixture"

    def __init__(self, directory: Path, problems: Sequence[FixtureProblem]) -> None:
        listed = tuple(problems[:MAX_REPORTED_PROBLEMS])
        lines = [
            f"nothing was loaded from {directory} ({len(problems)} problem{'' if len(problems) == 1 else 's'}):"
        ]
        lines.extend(f"- {problem.describe()}" for problem in listed)
        if len(problems) > len(listed):
            lines.append(f"- and {len(problems) - len(listed)} more problems")
        super().__init__(
            "\n".join(lines),
            problems=[asdict(problem) for problem in listed],
            problem_count=len(problems),
        )
        self.problems = listed
        self.problem_count = len(problems)


@dataclass(frozen=True)
class SeedReport:
    """Numbers of records written by one load. `invoices` includes the credit notes."""

    billers: int
    customers: int
    payment_methods: int
    invoices: int
    credit_notes: int
    lines: int
    payments: int

    def __str__(self) -> str:
        def count(number: int, noun: str) -> str:
            return f"{number} {noun}" if number == 1 else f"{number} {noun}s"

        credit_notes = "a credit note" if self.credit_notes == 1 else "credit notes"
        return (
            f"{count(self.billers, 'biller')}, {count(self.customers, 'customer')}, "
            f"{count(self.payment_methods, 'payment method')}, {count(self.invoices, 'invoice')} "
            f"({self.credit_notes} of them {credit_notes}), {count(self.lines, 'line')} "
            f"and {count(self.payments, 'payment')}"
        )


# --- Identifier checks ------------------------------------------------------------


def personal_identity_number_problem(value: str) -> str | None:
    """Return why `value` is not a personnummer or samordningsnummer in the form YYYYMMDD-NNNN, or None."""
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})-(\d{4})", value)
    if match is None:
        return "must be a personal identity number in the form YYYYMMDD-NNNN"
    year, month, day = (int(part) for part in match.groups()[:3])
    if day > 60:  # a samordningsnummer adds 60 to the day of birth
        day -= 60
    try:
        dt.date(year, month, day)
    except ValueError:
        return "must start with a valid date of birth (YYYYMMDD, day + 60 for a samordningsnummer)"
    if not luhn.is_valid(value[2:8] + value[9:]):
        return "has a wrong check digit (Luhn over YYMMDDNNNN)"
    return None


def organisation_number_problem(value: str) -> str | None:
    """Return why `value` is not a Swedish organisation number in the form NNNNNN-NNNN, or None."""
    if re.fullmatch(r"\d{6}-\d{4}", value) is None:
        return "must be an organisation number in the form NNNNNN-NNNN"
    if int(value[2]) < 2:
        return "must have 2 or more as its third digit, as organisation numbers do"
    if not luhn.is_valid(value.replace("-", "")):
        return "has a wrong check digit (Luhn)"
    return None


def _check_with(problem: Callable[[str], str | None]) -> Callable[[str], str]:
    def validate(value: str) -> str:
        reason = problem(value)
        if reason is not None:
            raise ValueError(reason)
        return value

    return validate


def _pattern(pattern: str, description: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def validate(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise ValueError(f"must be {description}")
        return value

    return AfterValidator(validate)


def _giro_problem(name: str, digits_pattern: str, lengths: str, example: str) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        if re.fullmatch(digits_pattern, value) is None:
            return f"must be a {name} number of {lengths} digits, such as {example}"
        if not luhn.is_valid(value.replace("-", "")):
            return f"has a wrong check digit (Luhn); {name} numbers end in a Luhn digit"
        return None

    return problem


def ocr_reference_problem(value: str) -> str | None:
    if re.fullmatch(r"\d{2,25}", value) is None:
        return "must be an OCR reference of 2 to 25 digits"
    if not luhn.is_valid(value):
        return "has a wrong check digit: an OCR reference ends in a Luhn (mod 10) digit"
    return None


def account_holder_identity_problem(value: str) -> str | None:
    """Return why `value` is neither an organisation number nor a personal identity number, or None."""
    if re.fullmatch(r"\d{6}-\d{4}", value):
        return organisation_number_problem(value)
    if re.fullmatch(r"\d{8}-\d{4}", value):
        return personal_identity_number_problem(value)
    return "must be an organisation number NNNNNN-NNNN or a personal identity number YYYYMMDD-NNNN"


def customer_identity_problem(kind: str, value: str) -> str | None:
    """Return why `value` does not identify a customer of `kind`, or None.

    A consumer has a personnummer or samordningsnummer. A business has an organisation
    number, except a sole trader, whose organisation number is the owner's personnummer.
    """
    if kind == "business":
        return account_holder_identity_problem(value)
    if re.fullmatch(r"\d{6}-\d{4}", value):
        return (
            "must be a personal identity number YYYYMMDD-NNNN; an organisation number needs kind 'business'"
        )
    return personal_identity_number_problem(value)


# --- Record models ------------------------------------------------------------------


def _parse_iso_date(value: Any) -> Any:
    if not isinstance(value, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is None:
        raise ValueError("must be a date string in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real calendar date in the form YYYY-MM-DD") from None


def _parse_timestamp(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(
            "must be an ISO 8601 timestamp string with a time zone, such as 2026-02-09T08:41:00Z"
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "must be an ISO 8601 timestamp with a time zone, such as 2026-02-09T08:41:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError("must include a time zone, such as Z or +01:00")
    return parsed.astimezone(dt.UTC)


def _decimal_text_check(integer_digits: int, decimals: int, example: str) -> Callable[[Any], Any]:
    """Return a check for a decimal written as a JSON string, so that no float rounding reaches the store."""
    compiled = re.compile(rf"-?\d{{1,{integer_digits}}}(\.\d{{1,{decimals}}})?")
    description = (
        f'a decimal number written as a JSON string with at most {decimals} decimals, such as "{example}"'
    )

    def validate(value: Any) -> Any:
        if not isinstance(value, str) or compiled.fullmatch(value) is None:
            raise ValueError(f"must be {description}")
        return value

    return validate


IsoDate = Annotated[dt.date, BeforeValidator(_parse_iso_date)]
Timestamp = Annotated[dt.datetime, BeforeValidator(_parse_timestamp)]
BillerId = Annotated[str, _pattern(r"[a-z0-9][a-z0-9_-]{0,39}", "1 to 40 lower-case letters, digits, _ or -")]
CustomerNumber = Annotated[str, _pattern(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}", "1 to 40 letters, digits or -")]
InvoiceNumber = Annotated[
    str, _pattern(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,39}", "1 to 40 letters, digits, /, _ or -")
]
CurrencyCode = Annotated[str, _pattern(r"[A-Z]{3}", "an ISO 4217 code of 3 upper-case letters, such as SEK")]
CountryCode = Annotated[str, _pattern(r"[A-Z]{2}", "an ISO 3166 code of 2 upper-case letters, such as NO")]
ProductCode = Annotated[str, _pattern(r"\S{1,40}", "1 to 40 characters without spaces")]
QuantityText = Annotated[str, BeforeValidator(_decimal_text_check(15, 3, "412.5"))]
UnitPriceText = Annotated[str, BeforeValidator(_decimal_text_check(14, 4, "95.31"))]
Email = Annotated[str, _pattern(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an e-mail address"), Field(max_length=200)]
PhoneNumber = Annotated[str, _pattern(r"\+\d{7,15}", "a phone number in E.164 form, such as +46701740605")]
PostalCode = Annotated[str, _pattern(r"\d{3} \d{2}", "a Swedish postal code in the form NNN NN")]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
BankgiroNumber = Annotated[
    str, AfterValidator(_check_with(_giro_problem("bankgiro", r"\d{3,4}-\d{4}", "7 or 8", "5417-2630")))
]
PlusgiroNumber = Annotated[
    str, AfterValidator(_check_with(_giro_problem("plusgiro", r"\d{1,7}-?\d", "2 to 8", "489312-9")))
]


class FixtureRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BillerRecord(FixtureRecord):
    id: BillerId
    name: Text200
    organisation_number: Annotated[str, AfterValidator(_check_with(organisation_number_problem))]
    vat_number: str | None = None
    bankgiro: BankgiroNumber | None = None
    plusgiro: PlusgiroNumber | None = None
    swish_number: (
        Annotated[str, _pattern(r"123\d{7}", "a Swish Handel number: 123 and 7 more digits")] | None
    ) = None
    industry: Industry
    default_locale: Locale = "sv"


class CustomerRecord(FixtureRecord):
    biller_id: BillerId
    customer_number: CustomerNumber
    kind: CustomerKind
    name: Text200
    # Checked against `kind` after parsing: a personnummer for a consumer, an organisation
    # number for a business.
    identity_number: Annotated[str, Field(max_length=20)]
    email: Email | None = None
    phone: PhoneNumber | None = None
    locale: Locale = "sv"
    street: Text200 | None = None
    postal_code: PostalCode | None = None
    city: Annotated[str, Field(min_length=1, max_length=100)] | None = None


# Payment-method details use the names under which change_payment_method stores them
# (REQUIRED_DETAILS and OPTIONAL_DETAILS in invoice_mcp.domain.payment_methods). The tools
# show no other name, so any other name is rejected as an unknown field.
BankName = Annotated[str, Field(min_length=1, max_length=60)]


class AutogiroDetails(FixtureRecord):
    """Autogiro details. `_Validator` also checks the account with the rules of change_payment_method."""

    # The tools store the bank's name, looked up from the clearing number, with each mandate.
    bank_name: BankName | None = None
    clearing_number: Annotated[
        str, _pattern(r"\d{4,5}", "a clearing number of 4 digits (5 for Swedbank 8xxx-x)")
    ]
    account_number: Annotated[str, _pattern(r"\d{1,12}", "an account number of 1 to 12 digits")]
    account_holder_identity_number: Annotated[
        str, AfterValidator(_check_with(account_holder_identity_problem))
    ]


class EInvoiceDetails(FixtureRecord):
    bank_name: BankName | None = None


class EmailPdfDetails(FixtureRecord):
    email: Email


class SwishDetails(FixtureRecord):
    phone: PhoneNumber


class CardDetails(FixtureRecord):
    """A card stored as the payment provider's token. There is no field for the card number."""

    card_token: Annotated[
        str,
        _pattern(
            r"[a-z]{2,8}_[A-Za-z0-9_]{8,64}",
            "a payment provider's card token: 2 to 8 lower-case letters, _ and 8 to 64 letters, "
            "digits or _, such as pm_1QxAbCdEfGh",
        ),
    ]


class NoDetails(FixtureRecord):
    """Details of a method that needs none (paper, kivra): an empty object."""


DETAILS_MODELS: dict[str, type[FixtureRecord]] = {
    "autogiro": AutogiroDetails,
    "e_invoice": EInvoiceDetails,
    "kivra": NoDetails,
    "swish": SwishDetails,
    "email_pdf": EmailPdfDetails,
    "paper": NoDetails,
    "card": CardDetails,
}


def _unknown_detail_reason(kind: str) -> str:
    """Return the reason for an unknown detail of a `kind` payment method, listing the details it takes."""
    fields = DETAILS_MODELS[kind].model_fields
    if not fields:
        return f"unknown field; payment method '{kind}' takes no details, so details must be {{}}"
    required = [name for name, info in fields.items() if info.is_required()]
    optional = [f"{name} (optional)" for name, info in fields.items() if not info.is_required()]
    names = ", ".join(required + optional)
    return f"unknown field; payment method '{kind}' takes only {names}. Remove or rename it"


class PaymentMethodRecord(FixtureRecord):
    biller_id: BillerId
    customer_number: CustomerNumber
    kind: PaymentMethodKind
    status: PaymentMethodStatus
    # Checked against `kind` after parsing, with the model in DETAILS_MODELS.
    details: dict[str, Any] = Field(default_factory=dict)
    applies_from_issue_date: IsoDate | None = None
    created_at: Timestamp


class LineRecord(FixtureRecord):
    position: Annotated[StrictInt, Field(ge=1)]
    category: LineCategory
    product_code: ProductCode
    description: Annotated[str, Field(min_length=1, max_length=300)]
    quantity: QuantityText = "1"
    unit: LineUnit | None = None
    unit_price_minor: UnitPriceText | None = None
    net_amount_minor: StrictInt
    vat_rate_basis_points: VatRate
    vat_amount_minor: StrictInt
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    country_code: CountryCode | None = None


class PaymentRecord(FixtureRecord):
    paid_on: IsoDate
    amount_minor: StrictInt
    currency: CurrencyCode
    method: PaymentChannel
    reference: Annotated[str, Field(min_length=1, max_length=40)] | None = None


class InvoiceRecord(FixtureRecord):
    biller_id: BillerId
    customer_number: CustomerNumber
    invoice_number: InvoiceNumber
    kind: InvoiceKind = "invoice"
    credited_invoice_number: InvoiceNumber | None = None
    issue_date: IsoDate
    due_date: IsoDate
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    currency: CurrencyCode
    net_total_minor: StrictInt
    vat_total_minor: StrictInt
    rounding_minor: StrictInt
    total_minor: StrictInt
    status: InvoiceStatus
    reminder_count: Annotated[StrictInt, Field(ge=0)] = 0
    ocr_reference: Annotated[str, AfterValidator(_check_with(ocr_reference_problem))] | None = None
    payment_method_kind: PaymentMethodKind
    delivery_note: Annotated[str, Field(max_length=500)] | None = None
    lines: Annotated[list[LineRecord], Field(min_length=1)]
    payments: list[PaymentRecord] = Field(default_factory=list)


# --- Problem collection -----------------------------------------------------------


def _mask(value: str, field_name: str) -> str:
    if field_name in ACCOUNT_FIELDS:
        return "****" + value[-4:] if len(value) > 4 else "****"
    # An identity number keeps everything but its last four digits: 19840317-****.
    return value[:-4] + "****" if len(value) > 4 else "****"


def _show(value: Any, field_path: str | None) -> str:
    """Render a value for an error message: scalars only, identity and account numbers masked."""
    last_name = field_path.rsplit(".", 1)[-1] if field_path else ""
    if last_name == "details":
        return "(not shown)"  # a malformed details value may hold account or identity numbers
    if last_name in IDENTITY_FIELDS or last_name in ACCOUNT_FIELDS:
        return f"'{_mask(str(value), last_name)}'"
    if isinstance(value, dict):
        return "(an object)"
    if isinstance(value, list):
        return "(an array)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"'{text}'"


def _field_path(location: Iterable[int | str]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


@dataclass
class _Problems:
    items: list[FixtureProblem] = field(default_factory=list)

    def add(
        self,
        file: str,
        record: int | None,
        key: str | None,
        field_path: str | None,
        value: Any,
        reason: str,
        *,
        show_value: bool = True,
    ) -> None:
        display_value = _show(value, field_path) if show_value and field_path is not None else None
        self.items.append(FixtureProblem(file, record, key, field_path, display_value, reason))

    def add_file_problem(self, file: str, reason: str) -> None:
        self.items.append(FixtureProblem(file, None, None, None, None, reason))

    def add_validation_error(
        self,
        file: str,
        record: int,
        key: str | None,
        error: ValidationError,
        prefix: str = "",
        *,
        unknown_field_reason: str = "unknown field; remove it",
    ) -> None:
        for detail in error.errors(include_url=False):
            path = _field_path(detail["loc"])
            if prefix:
                path = f"{prefix}.{path}" if path else prefix
            kind = detail["type"]
            if kind == "missing":
                self.add(file, record, key, path, None, "required field is missing", show_value=False)
            elif kind == "extra_forbidden":
                # The value of an unknown field is never shown: it could be a card or identity number.
                self.add(file, record, key, path, None, unknown_field_reason, show_value=False)
            else:
                reason = detail["msg"].removeprefix("Value error, ")
                self.add(file, record, key, path, detail["input"], reason)


# --- Reading and parsing ------------------------------------------------------------

RecordModel = TypeVar("RecordModel", bound=FixtureRecord)
T = TypeVar("T")


@dataclass(frozen=True)
class _Entry(Generic[RecordModel]):
    """One record of a fixture file: its index, natural key, raw JSON and the parsed model if it is valid."""

    index: int
    key: str | None
    raw: Any
    record: RecordModel | None


def _text(raw: Any, name: str) -> str | None:
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _biller_key(raw: Any) -> str | None:
    biller_id = _text(raw, "id")
    return f"biller {biller_id}" if biller_id else None


def _customer_key(raw: Any) -> str | None:
    biller_id, number = _text(raw, "biller_id"), _text(raw, "customer_number")
    return f"customer {biller_id}/{number}" if biller_id and number else None


def _payment_method_key(raw: Any) -> str | None:
    kind, number = _text(raw, "kind"), _text(raw, "customer_number")
    return f"{kind} payment method of customer {number}" if kind and number else None


def _invoice_key(raw: Any) -> str | None:
    number = _text(raw, "invoice_number")
    if not number:
        return None
    return f"credit note {number}" if _text(raw, "kind") == "credit_note" else f"invoice {number}"


def _read_files(directory: Path, problems: _Problems) -> dict[str, list[Any]]:
    """Read each fixture file as a JSON array and add file-level problems to `problems`."""
    contents: dict[str, list[Any]] = {}
    if not directory.exists():
        problems.add_file_problem(directory.name or str(directory), f"{directory} does not exist")
        return contents
    if not directory.is_dir():
        problems.add_file_problem(directory.name or str(directory), f"{directory} is not a directory")
        return contents
    for file_name in FIXTURE_FILES:
        path = directory / file_name
        if not path.is_file():
            problems.add_file_problem(file_name, "file is missing; all four fixture files are required")
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            problems.add_file_problem(file_name, f"file is not UTF-8 text: {error.reason}")
            continue
        except json.JSONDecodeError as error:
            problems.add_file_problem(
                file_name,
                f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}",
            )
            continue
        if not isinstance(data, list):
            problems.add_file_problem(file_name, "top level must be a JSON array of records")
            continue
        contents[file_name] = data
    return contents


def _parse(
    file_name: str,
    raw_records: list[Any],
    model: type[RecordModel],
    key_of: Callable[[Any], str | None],
    problems: _Problems,
) -> list[_Entry[RecordModel]]:
    entries: list[_Entry[RecordModel]] = []
    for index, raw in enumerate(raw_records):
        key = key_of(raw)
        if not isinstance(raw, dict):
            problems.add(file_name, index, key, None, None, "record must be a JSON object")
            entries.append(_Entry(index, key, raw, None))
            continue
        try:
            record = model.model_validate(raw)
        except ValidationError as error:
            problems.add_validation_error(file_name, index, key, error)
            record = None
        entries.append(_Entry(index, key, raw, record))
    return entries


@dataclass(frozen=True)
class _ParsedFixtures:
    billers: list[_Entry[BillerRecord]]
    customers: list[_Entry[CustomerRecord]]
    payment_methods: list[_Entry[PaymentMethodRecord]]
    invoices: list[_Entry[InvoiceRecord]]


# --- Existing records in the database ---------------------------------------------


@dataclass(frozen=True)
class _StoredInvoice:
    id: int
    kind: str
    customer_id: int
    total_minor: int


@dataclass
class _Existing:
    """Records already in the database that the fixtures refer to or would duplicate."""

    biller_ids: set[str] = field(default_factory=set)
    customer_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    invoices: dict[tuple[str, str], _StoredInvoice] = field(default_factory=dict)
    customers_with_active_method: set[int] = field(default_factory=set)
    payment_method_keys: set[tuple[int, str, dt.datetime]] = field(default_factory=set)


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), LOOKUP_CHUNK_SIZE):
        yield items[start : start + LOOKUP_CHUNK_SIZE]


def _naive_utc(value: dt.datetime) -> dt.datetime:
    """Return the UTC wall time without tzinfo, because SQLite returns stored timestamps without a zone."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _load_existing(session: Session, parsed: _ParsedFixtures) -> _Existing:
    """Query the database for the billers, customers and invoices that the fixture records name."""
    existing = _Existing()
    all_raw = [
        entry.raw
        for entries in (parsed.customers, parsed.payment_methods, parsed.invoices)
        for entry in entries
    ]
    biller_ids = {_text(entry.raw, "id") for entry in parsed.billers} | {
        _text(raw, "biller_id") for raw in all_raw
    }
    for chunk in _chunks(sorted(value for value in biller_ids if value)):
        existing.biller_ids.update(session.exec(select(Biller.id).where(col(Biller.id).in_(chunk))))

    customer_numbers = sorted({number for raw in all_raw if (number := _text(raw, "customer_number"))})
    for chunk in _chunks(customer_numbers):
        rows = session.exec(
            select(Customer.id, Customer.biller_id, Customer.customer_number).where(
                col(Customer.customer_number).in_(chunk)
            )
        )
        for customer_id, biller_id, number in rows:
            if customer_id is not None:
                existing.customer_ids[(biller_id, number)] = customer_id

    invoice_numbers = sorted(
        {
            number
            for entry in parsed.invoices
            for name in ("invoice_number", "credited_invoice_number")
            if (number := _text(entry.raw, name))
        }
    )
    for chunk in _chunks(invoice_numbers):
        rows = session.exec(
            select(
                Invoice.id,
                Invoice.biller_id,
                Invoice.invoice_number,
                Invoice.kind,
                Invoice.customer_id,
                Invoice.total_minor,
            ).where(col(Invoice.invoice_number).in_(chunk))
        )
        for invoice_id, biller_id, number, kind, customer_id, total in rows:
            if invoice_id is not None:
                existing.invoices[(biller_id, number)] = _StoredInvoice(invoice_id, kind, customer_id, total)

    stored_customer_ids = sorted(existing.customer_ids.values())
    for chunk in _chunks(stored_customer_ids):
        rows = session.exec(
            select(
                PaymentMethod.customer_id, PaymentMethod.kind, PaymentMethod.status, PaymentMethod.created_at
            ).where(col(PaymentMethod.customer_id).in_(chunk))
        )
        for customer_id, kind, status, created_at in rows:
            existing.payment_method_keys.add((customer_id, kind, _naive_utc(created_at)))
            if status == "active":
                existing.customers_with_active_method.add(customer_id)
    return existing


# --- Cross-record checks ----------------------------------------------------------

# Callback that adds a problem of the current record, given the field path, the raw value
# (None: not shown) and the reason.
_Report: TypeAlias = Callable[[str, Any, str], None]


def round_half_up(value: Decimal) -> int:
    """Round to a whole number of minor units, halves away from zero (Decimal ROUND_HALF_UP)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _vat_number_for(organisation: str) -> str:
    return "SE" + organisation.replace("-", "") + "01"


class _Validator:
    """Cross-record checks of the parsed records against each other and the stored rows."""

    def __init__(self, parsed: _ParsedFixtures, existing: _Existing, problems: _Problems) -> None:
        self.parsed = parsed
        self.existing = existing
        self.problems = problems
        # References resolve against every record that names a key, valid or not, so that one
        # invalid customer does not also report each of its invoices.
        self.file_biller_ids = {value for entry in parsed.billers if (value := _text(entry.raw, "id"))}
        self.file_customers = {
            (biller_id, number)
            for entry in parsed.customers
            if (biller_id := _text(entry.raw, "biller_id"))
            and (number := _text(entry.raw, "customer_number"))
        }
        self.file_invoices: dict[tuple[str, str], InvoiceRecord] = {}

    def run(self) -> None:
        billers = [entry.record for entry in self.parsed.billers if entry.record is not None]
        customers = [entry.record for entry in self.parsed.customers if entry.record is not None]
        if (
            billers
            and customers
            and all(biller.id in self.existing.biller_ids for biller in billers)
            and all((c.biller_id, c.customer_number) in self.existing.customer_ids for c in customers)
        ):
            # One line instead of one per record: the usual cause is running seed twice.
            self.problems.add_file_problem(
                BILLERS_FILE,
                "every biller and customer in these fixtures is already in the database, so they look "
                "loaded already; seed loads fixtures into a store that does not have them yet",
            )
            return
        self._check_billers()
        self._check_customers()
        self._check_payment_methods()
        self._check_invoices()

    # Billers

    def _check_billers(self) -> None:
        seen: dict[str, int] = {}
        for entry in self.parsed.billers:
            record = entry.record
            if record is None:
                continue
            report = self._reporter(BILLERS_FILE, entry)
            if record.id in seen:
                report("id", record.id, f"already used by record {seen[record.id]} of {BILLERS_FILE}")
            elif record.id in self.existing.biller_ids:
                report("id", record.id, "a biller with this id already exists in the database")
            seen.setdefault(record.id, entry.index)
            expected_vat = _vat_number_for(record.organisation_number)
            if record.vat_number is not None and record.vat_number != expected_vat:
                report(
                    "vat_number",
                    record.vat_number,
                    f"must be SE, the 10 digits of organisation_number and 01: {expected_vat}",
                )

    # Customers

    def _check_customers(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for entry in self.parsed.customers:
            record = entry.record
            if record is None:
                continue
            report = self._reporter(CUSTOMERS_FILE, entry)
            self._check_biller_reference(report, record.biller_id)
            customer = (record.biller_id, record.customer_number)
            if customer in seen:
                report(
                    "customer_number",
                    record.customer_number,
                    f"already used for this biller by record {seen[customer]}",
                )
            elif customer in self.existing.customer_ids:
                report(
                    "customer_number",
                    record.customer_number,
                    f"customer {record.customer_number} of biller {record.biller_id} "
                    "already exists in the database",
                )
            seen.setdefault(customer, entry.index)
            reason = customer_identity_problem(record.kind, record.identity_number)
            if reason is not None:
                report("identity_number", record.identity_number, reason)

    # Payment methods

    def _check_payment_methods(self) -> None:
        seen: dict[tuple[str, str, str, dt.datetime], int] = {}
        active: dict[tuple[str, str], int] = {}
        for entry in self.parsed.payment_methods:
            record = entry.record
            if record is None:
                continue
            report = self._reporter(PAYMENT_METHODS_FILE, entry)
            customer = (record.biller_id, record.customer_number)
            stored_customer_id = self.existing.customer_ids.get(customer)
            self._check_customer_reference(report, record.biller_id, record.customer_number)
            try:
                details = DETAILS_MODELS[record.kind].model_validate(record.details)
            except ValidationError as error:
                self.problems.add_validation_error(
                    PAYMENT_METHODS_FILE,
                    entry.index,
                    entry.key,
                    error,
                    prefix="details",
                    unknown_field_reason=_unknown_detail_reason(record.kind),
                )
            else:
                if isinstance(details, AutogiroDetails):
                    self._check_bank_account(report, details)

            created = _naive_utc(record.created_at)
            duplicate_key = (*customer, record.kind, created)
            shown_time = record.created_at.isoformat()
            if duplicate_key in seen:
                report(
                    "created_at", shown_time, f"same customer, kind and time as record {seen[duplicate_key]}"
                )
                continue
            seen[duplicate_key] = entry.index
            if (
                stored_customer_id is not None
                and (stored_customer_id, record.kind, created) in self.existing.payment_method_keys
            ):
                report("created_at", shown_time, "this payment method already exists in the database")
                continue

            if record.status != "active":
                continue
            if customer in active:
                report(
                    "status",
                    record.status,
                    f"record {active[customer]} is already the customer's active method; "
                    "at most one may be active",
                )
            elif stored_customer_id in self.existing.customers_with_active_method:
                report(
                    "status",
                    record.status,
                    "the customer already has an active method in the database; at most one may be active",
                )
            active.setdefault(customer, entry.index)

    def _check_bank_account(self, report: _Report, details: AutogiroDetails) -> None:
        """Report an account that change_payment_method would reject, or a bank_name of another bank."""
        try:
            account = validate_bank_account(details.clearing_number, details.account_number)
        except InvalidFieldError as error:
            name = str(error.details["field"])
            value = details.clearing_number if name == "clearing_number" else details.account_number
            report(f"details.{name}", value, str(error.details["allowed"]))
            return
        if details.bank_name is not None and details.bank_name != account.bank_name:
            report(
                "details.bank_name",
                details.bank_name,
                f"must be {account.bank_name}, the bank of clearing number {account.clearing_number}",
            )

    # Invoices

    def _check_invoices(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for entry in self.parsed.invoices:
            record = entry.record
            if record is None:
                continue
            key = (record.biller_id, record.invoice_number)
            if key in seen:
                self._reporter(INVOICES_FILE, entry)(
                    "invoice_number",
                    record.invoice_number,
                    f"already used for this biller by record {seen[key]}",
                )
            elif key in self.existing.invoices:
                self._reporter(INVOICES_FILE, entry)(
                    "invoice_number",
                    record.invoice_number,
                    f"invoice {record.invoice_number} of biller {record.biller_id} "
                    "already exists in the database",
                )
            else:
                self.file_invoices[key] = record
            seen.setdefault(key, entry.index)

        credited_sums: dict[tuple[str, str], int] = defaultdict(int)
        for entry in self.parsed.invoices:
            record = entry.record
            if record is None:
                continue
            report = self._reporter(INVOICES_FILE, entry)
            self._check_customer_reference(report, record.biller_id, record.customer_number)
            self._check_invoice_dates(report, record)
            self._check_lines(report, record)
            self._check_totals(report, record)
            self._check_payments(report, record)
            if record.kind == "credit_note":
                self._check_credit_note(report, record)
                if record.credited_invoice_number is not None:
                    credited_sums[(record.biller_id, record.credited_invoice_number)] += record.total_minor
            elif record.credited_invoice_number is not None:
                report(
                    "credited_invoice_number",
                    record.credited_invoice_number,
                    "only a credit note may refer to a credited invoice",
                )

        for entry in self.parsed.invoices:
            record = entry.record
            if record is None or record.kind != "invoice" or record.status != "credited":
                continue
            credited = credited_sums.get((record.biller_id, record.invoice_number), 0)
            if credited != -record.total_minor:
                self._reporter(INVOICES_FILE, entry)(
                    "status",
                    record.status,
                    "a credited invoice must be fully credited: credit notes in "
                    f"{INVOICES_FILE} that refer to it "
                    f"total {credited}, not {-record.total_minor}",
                )

    def _check_invoice_dates(self, report: _Report, record: InvoiceRecord) -> None:
        if record.due_date < record.issue_date:
            report(
                "due_date",
                record.due_date.isoformat(),
                f"must be on or after issue_date {record.issue_date.isoformat()}",
            )
        self._check_period(report, "", record.period_start, record.period_end)
        if record.status == "reminded" and record.reminder_count < 1:
            report("reminder_count", record.reminder_count, "must be 1 or more when status is 'reminded'")

    def _check_period(self, report: _Report, prefix: str, start: dt.date | None, end: dt.date | None) -> None:
        if (start is None) != (end is None):
            missing = "period_end" if end is None else "period_start"
            report(
                f"{prefix}{missing}",
                None,
                "period_start and period_end must be given together or both be null",
            )
        elif start is not None and end is not None and end < start:
            report(
                f"{prefix}period_end",
                end.isoformat(),
                f"must be on or after period_start {start.isoformat()}",
            )

    def _check_lines(self, report: _Report, record: InvoiceRecord) -> None:
        positions: dict[int, int] = {}
        for index, line in enumerate(record.lines):
            prefix = f"lines[{index}]."
            if line.position in positions:
                report(
                    f"{prefix}position", line.position, f"already used by lines[{positions[line.position]}]"
                )
            positions.setdefault(line.position, index)
            if line.unit_price_minor is not None:
                expected_net = round_half_up(Decimal(line.quantity) * Decimal(line.unit_price_minor))
                if line.net_amount_minor != expected_net:
                    report(
                        f"{prefix}net_amount_minor",
                        line.net_amount_minor,
                        f"must be {expected_net}: quantity {line.quantity} × unit_price_minor "
                        f"{line.unit_price_minor}, rounded half up",
                    )
            expected_vat = round_half_up(Decimal(line.net_amount_minor) * line.vat_rate_basis_points / 10000)
            if line.vat_amount_minor != expected_vat:
                report(
                    f"{prefix}vat_amount_minor",
                    line.vat_amount_minor,
                    f"must be {expected_vat}: net_amount_minor {line.net_amount_minor} "
                    f"× vat_rate_basis_points "
                    f"{line.vat_rate_basis_points} / 10000, rounded half up",
                )
            if line.category == "roaming" and line.country_code is None:
                report(
                    f"{prefix}country_code", None, "a roaming line needs the country where the usage happened"
                )
            if (
                line.category in NON_POSITIVE_CATEGORIES
                and record.kind == "invoice"
                and line.net_amount_minor > 0
            ):
                report(
                    f"{prefix}net_amount_minor",
                    line.net_amount_minor,
                    f"must be 0 or negative on a {line.category} line",
                )
            self._check_period(report, prefix, line.period_start, line.period_end)

    def _check_totals(self, report: _Report, record: InvoiceRecord) -> None:
        net_total = sum(line.net_amount_minor for line in record.lines)
        vat_total = sum(line.vat_amount_minor for line in record.lines)
        if record.net_total_minor != net_total:
            report(
                "net_total_minor",
                record.net_total_minor,
                f"must be {net_total}, the sum of the lines' net_amount_minor",
            )
        if record.vat_total_minor != vat_total:
            report(
                "vat_total_minor",
                record.vat_total_minor,
                f"must be {vat_total}, the sum of the lines' vat_amount_minor",
            )
        lowest, highest = (-50, 49) if record.kind == "credit_note" else (-49, 50)
        document = "a credit note" if record.kind == "credit_note" else "an invoice"
        if not lowest <= record.rounding_minor <= highest:
            report(
                "rounding_minor",
                record.rounding_minor,
                f"must be between {lowest} and {highest} for {document}",
            )
        expected_total = net_total + vat_total + record.rounding_minor
        if record.total_minor != expected_total:
            report(
                "total_minor",
                record.total_minor,
                f"must be {expected_total}: the lines' net {net_total} + VAT {vat_total} "
                f"+ rounding_minor {record.rounding_minor}",
            )
        elif record.rounding_minor != 0 and record.total_minor % 100 != 0:
            report(
                "rounding_minor",
                record.rounding_minor,
                "a non-zero rounding must make total_minor whole kronor (a multiple of 100)",
            )

    def _check_payments(self, report: _Report, record: InvoiceRecord) -> None:
        if record.kind == "credit_note":
            if record.payments:
                report(
                    "payments", None, "a credit note has no payments; it settles against the credited invoice"
                )
            return
        for index, payment in enumerate(record.payments):
            prefix = f"payments[{index}]."
            if payment.currency != record.currency:
                report(
                    f"{prefix}currency", payment.currency, f"must be the invoice currency {record.currency}"
                )
            if payment.amount_minor <= 0:
                report(f"{prefix}amount_minor", payment.amount_minor, "must be positive")
            if payment.paid_on < record.issue_date:
                report(
                    f"{prefix}paid_on",
                    payment.paid_on.isoformat(),
                    f"must be on or after issue_date {record.issue_date.isoformat()}",
                )
        paid = sum(payment.amount_minor for payment in record.payments)
        if record.total_minor < 0:
            report(
                "total_minor",
                record.total_minor,
                "an invoice's total must be 0 or more; an amount owed to the customer is a credit note",
            )
        elif record.status in UNPAID_STATUSES and record.total_minor == 0:
            report("status", record.status, "an invoice with total_minor 0 has nothing to pay; use 'paid'")
        if record.status == "paid" and paid != record.total_minor:
            report(
                "status",
                record.status,
                f"a paid invoice needs payments totalling total_minor {record.total_minor}, not {paid}",
            )
        elif record.status in UNPAID_STATUSES and paid >= record.total_minor and record.total_minor > 0:
            report(
                "status",
                record.status,
                f"payments total {paid}, which settles total_minor {record.total_minor}; use 'paid'",
            )

    def _check_credit_note(self, report: _Report, record: InvoiceRecord) -> None:
        if record.status not in CREDIT_NOTE_STATUSES:
            report(
                "status",
                record.status,
                f"a credit note's status must be one of {', '.join(CREDIT_NOTE_STATUSES)}",
            )
        if record.total_minor > 0:
            report("total_minor", record.total_minor, "a credit note's total must be 0 or negative")
        number = record.credited_invoice_number
        if number is None:
            report("credited_invoice_number", None, "a credit note must name the invoice it credits")
            return
        key = (record.biller_id, number)
        in_file = self.file_invoices.get(key)
        stored = self.existing.invoices.get(key)
        if number == record.invoice_number:
            report("credited_invoice_number", number, "a credit note cannot credit itself")
        elif in_file is not None:
            if in_file.kind != "invoice":
                report("credited_invoice_number", number, "must name an invoice, not another credit note")
            if in_file.customer_number != record.customer_number:
                report(
                    "credited_invoice_number",
                    number,
                    f"belongs to customer {in_file.customer_number}, not {record.customer_number}",
                )
            if -record.total_minor > in_file.total_minor:
                report(
                    "total_minor",
                    record.total_minor,
                    f"credits more than the credited invoice's total {in_file.total_minor}",
                )
        elif stored is not None:
            if stored.kind != "invoice":
                report("credited_invoice_number", number, "must name an invoice, not another credit note")
            if stored.customer_id != self.existing.customer_ids.get(
                (record.biller_id, record.customer_number)
            ):
                report(
                    "credited_invoice_number",
                    number,
                    f"belongs to another customer than {record.customer_number}",
                )
            if -record.total_minor > stored.total_minor:
                report(
                    "total_minor",
                    record.total_minor,
                    f"credits more than the credited invoice's total {stored.total_minor}",
                )
        else:
            report(
                "credited_invoice_number",
                number,
                f"no invoice {number} of biller {record.biller_id} in {INVOICES_FILE} or the database",
            )

    # References

    def _check_biller_reference(self, report: _Report, biller_id: str) -> bool:
        if biller_id in self.file_biller_ids or biller_id in self.existing.biller_ids:
            return True
        report("biller_id", biller_id, f"no biller with this id in {BILLERS_FILE} or the database")
        return False

    def _check_customer_reference(self, report: _Report, biller_id: str, customer_number: str) -> None:
        if not self._check_biller_reference(report, biller_id):
            return
        customer = (biller_id, customer_number)
        if customer not in self.file_customers and customer not in self.existing.customer_ids:
            report(
                "customer_number",
                customer_number,
                f"no customer {customer_number} of biller {biller_id} in {CUSTOMERS_FILE} or the database",
            )

    def _reporter(self, file_name: str, entry: _Entry[Any]) -> _Report:
        def report(field_path: str, value: Any, reason: str) -> None:
            self.problems.add(
                file_name, entry.index, entry.key, field_path, value, reason, show_value=value is not None
            )

        return report


# --- Writing ------------------------------------------------------------------------


def _valid(entries: list[_Entry[RecordModel]]) -> list[RecordModel]:
    return [entry.record for entry in entries if entry.record is not None]


def _insert(session: Session, parsed: _ParsedFixtures, existing: _Existing) -> SeedReport:
    """Insert every record with bulk adds and a flush per dependency level."""
    billers = [Biller(**record.model_dump()) for record in _valid(parsed.billers)]
    session.add_all(billers)
    customers = [Customer(**record.model_dump()) for record in _valid(parsed.customers)]
    session.add_all(customers)
    session.flush()

    customer_ids = dict(existing.customer_ids)
    customer_ids.update({(row.biller_id, row.customer_number): _id(row.id) for row in customers})

    methods = [
        PaymentMethod(
            customer_id=customer_ids[(record.biller_id, record.customer_number)],
            kind=record.kind,
            status=record.status,
            details=record.details,
            applies_from_issue_date=record.applies_from_issue_date,
            created_at=record.created_at,
        )
        for record in _valid(parsed.payment_methods)
    ]
    session.add_all(methods)

    invoice_records = _valid(parsed.invoices)
    invoice_ids = {key: stored.id for key, stored in existing.invoices.items()}
    rows_by_record: list[tuple[InvoiceRecord, Invoice]] = []
    # Invoices go first so that each credit note can take the id of the invoice it credits.
    for kind in ("invoice", "credit_note"):
        batch = [
            (record, _invoice_row(record, customer_ids, invoice_ids))
            for record in invoice_records
            if record.kind == kind
        ]
        session.add_all([row for _, row in batch])
        session.flush()
        invoice_ids.update({(row.biller_id, row.invoice_number): _id(row.id) for _, row in batch})
        rows_by_record.extend(batch)

    lines = [_line_row(line, _id(row.id)) for record, row in rows_by_record for line in record.lines]
    payments = [
        Payment(invoice_id=_id(row.id), **payment.model_dump())
        for record, row in rows_by_record
        for payment in record.payments
    ]
    session.add_all(lines)
    session.add_all(payments)
    session.flush()
    return SeedReport(
        billers=len(billers),
        customers=len(customers),
        payment_methods=len(methods),
        invoices=len(rows_by_record),
        credit_notes=sum(1 for record in invoice_records if record.kind == "credit_note"),
        lines=len(lines),
        payments=len(payments),
    )


def _id(value: int | None) -> int:
    if value is None:
        raise RuntimeError("the database returned no primary key after flush")
    return value


def _invoice_row(
    record: InvoiceRecord, customer_ids: dict[tuple[str, str], int], invoice_ids: dict[tuple[str, str], int]
) -> Invoice:
    credited_id = None
    if record.credited_invoice_number is not None:
        credited_id = invoice_ids[(record.biller_id, record.credited_invoice_number)]
    return Invoice(
        **record.model_dump(exclude={"customer_number", "credited_invoice_number", "lines", "payments"}),
        customer_id=customer_ids[(record.biller_id, record.customer_number)],
        credited_invoice_id=credited_id,
    )


def _line_row(line: LineRecord, invoice_id: int) -> InvoiceLine:
    values = line.model_dump(exclude={"quantity", "unit_price_minor"})
    unit_price = Decimal(line.unit_price_minor) if line.unit_price_minor is not None else None
    return InvoiceLine(
        invoice_id=invoice_id, quantity=Decimal(line.quantity), unit_price_minor=unit_price, **values
    )


# --- Entry point ----------------------------------------------------------------------


def load_fixtures(engine: Engine, path: Path) -> SeedReport:
    """Validate the fixture files in the folder `path` and insert them in one transaction.

    Raises:
        SeedError: a file is missing or malformed, a record breaks a rule of
            docs/fixtures.md, or a record already exists in the database. The
            database is unchanged.
    """
    directory = Path(path)
    problems = _Problems()
    contents = _read_files(directory, problems)
    if problems.items:
        raise SeedError(directory, problems.items)

    parsed = _ParsedFixtures(
        billers=_parse(BILLERS_FILE, contents[BILLERS_FILE], BillerRecord, _biller_key, problems),
        customers=_parse(CUSTOMERS_FILE, contents[CUSTOMERS_FILE], CustomerRecord, _customer_key, problems),
        payment_methods=_parse(
            PAYMENT_METHODS_FILE,
            contents[PAYMENT_METHODS_FILE],
            PaymentMethodRecord,
            _payment_method_key,
            problems,
        ),
        invoices=_parse(INVOICES_FILE, contents[INVOICES_FILE], InvoiceRecord, _invoice_key, problems),
    )

    with engine.connect() as connection:
        _begin_for_write(engine, connection)
        with connection.begin(), Session(bind=connection) as session:
            existing = _load_existing(session, parsed)
            _Validator(parsed, existing, problems).run()
            if problems.items:
                raise SeedError(directory, _in_file_order(problems.items))
            try:
                report = _insert(session, parsed, existing)
            except IntegrityError as error:
                logger.warning(
                    "Fixture load from %s conflicted with a concurrent write: %s", directory, error.orig
                )
                problems.add_file_problem(
                    directory.name,
                    "a record was written to the database by someone else during the load; "
                    "load again to see which",
                )
                raise SeedError(directory, problems.items) from error
    logger.info(
        "Loaded fixtures from %s: %d billers, %d customers, %d payment methods, %d invoices, "
        "%d lines, %d payments",
        directory,
        report.billers,
        report.customers,
        report.payment_methods,
        report.invoices,
        report.lines,
        report.payments,
    )
    return report


seed_fixtures = load_fixtures


def _begin_for_write(engine: Engine, connection: Connection) -> None:
    """Make SQLite start the transaction with BEGIN IMMEDIATE, so the checks and the inserts see one state."""
    if is_sqlite(engine):
        connection.info["sqlite_begin"] = "IMMEDIATE"


def _in_file_order(problems: list[FixtureProblem]) -> list[FixtureProblem]:
    order = {name: position for position, name in enumerate(FIXTURE_FILES)}
    return sorted(problems, key=lambda problem: (order.get(problem.file, -1), problem.record or 0))
