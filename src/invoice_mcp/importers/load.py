"""Write one planned e-invoice into the billing store, in one transaction.

The transaction finds or creates the biller and the customer. It skips a document whose
(biller, invoice number) is already stored, and otherwise inserts the invoice with its lines
and its prepaid amount. It links credit notes to the invoices they credit, whichever of the
two arrives first. Any error rolls all of it back, so a refused document leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col, select

from invoice_mcp.domain.money import format_money
from invoice_mcp.importers.convert import PlannedInvoice
from invoice_mcp.importers.errors import ConflictingDocumentError, InvalidDocumentError
from invoice_mcp.importers.model import Document, Party
from invoice_mcp.importers.parties import PartyKeys, organisation_number_forms, party_keys, slug
from invoice_mcp.store.engine import is_sqlite
from invoice_mcp.store.models import Biller, Customer, Invoice, InvoiceLine, Payment

logger = logging.getLogger(__name__)

CUSTOMER_NUMBER_MAX_LENGTH = 40
IMPORTED_INDUSTRY = "other"  # Biller.industry for billers created from e-invoices


@dataclass(frozen=True)
class LoadResult:
    """The outcome of writing one document to the store."""

    status: Literal["imported", "duplicate"]
    biller_id: str
    customer_number: str | None
    invoice_number: str
    kind: str
    total_minor: int
    currency: str
    warnings: tuple[str, ...]
    # For a duplicate: True when the stored invoice came from a document with other content,
    # None when the stored invoice was not imported from a document.
    content_differs: bool | None = None
    stored_kind: str | None = None  # for a duplicate, the kind of the stored invoice


def load_planned(engine: Engine, document: Document, plan: PlannedInvoice) -> LoadResult:
    """Write `plan` in one transaction, retrying once when a concurrent import wrote the same rows.

    Raises:
        InvalidDocumentError: a party has no identifier to match it by, or the database
            rejected a value.
        ConflictingDocumentError: the document's buyer reference or customer number belongs to
            another customer, or a concurrent write conflicted twice.
    """
    for attempt in (1, 2):
        try:
            return _load_once(engine, document, plan)
        except DataError as error:
            # The checks before the write should leave nothing for the database to reject.
            logger.error("The database rejected a value of document %s: %s", plan.invoice_number, error.orig)
            raise InvalidDocumentError(
                f"the database rejected a value of the document: {error.orig}"
            ) from error
        except IntegrityError as error:
            logger.info(
                "Import of document %s conflicted with a concurrent write (attempt %d): %s",
                plan.invoice_number,
                attempt,
                error.orig,
            )
    raise ConflictingDocumentError(
        f"another writer changed the same biller, customer or invoice twice during the import of "
        f"{plan.invoice_number}; import the file again"
    )


def _load_once(engine: Engine, document: Document, plan: PlannedInvoice) -> LoadResult:
    seller = party_keys(document.seller, today=document.issue_date)
    buyer = party_keys(document.buyer, today=document.issue_date)
    with engine.connect() as connection:
        if is_sqlite(engine):
            # Take the write lock before the first read, so the checks and the inserts see one state.
            connection.info["sqlite_begin"] = "IMMEDIATE"
        with connection.begin(), Session(bind=connection) as session:
            return _Loader(session, document, plan, seller, buyer).run()


class _Loader:
    def __init__(
        self, session: Session, document: Document, plan: PlannedInvoice, seller: PartyKeys, buyer: PartyKeys
    ) -> None:
        self.session = session
        self.document = document
        self.plan = plan
        self.seller = seller
        self.buyer = buyer
        self.warnings = list(plan.warnings)

    def run(self) -> LoadResult:
        plan = self.plan
        biller = self._find_biller()
        if biller is not None:
            stored = self.session.exec(
                select(Invoice).where(
                    Invoice.biller_id == biller.id, Invoice.invoice_number == plan.invoice_number
                )
            ).first()
            if stored is not None:
                customer = self.session.get(Customer, stored.customer_id)
                return LoadResult(
                    status="duplicate",
                    biller_id=biller.id,
                    customer_number=customer.customer_number if customer else None,
                    invoice_number=plan.invoice_number,
                    kind=plan.kind,
                    total_minor=plan.total_minor,
                    currency=plan.currency,
                    warnings=(),
                    content_differs=None
                    if stored.source_hash is None
                    else stored.source_hash != plan.source_hash,
                    stored_kind=stored.kind,
                )
        else:
            biller = self._create_biller()
        self._complete_biller(biller)
        customer = self._customer(biller)
        invoice = self._insert_invoice(biller, customer)
        if invoice.kind == "invoice":
            self._link_waiting_credit_notes(invoice)
        self.session.flush()
        logger.debug(
            "Imported %s %s for biller %s, customer id %s",
            invoice.kind,
            invoice.invoice_number,
            biller.id,
            customer.id,
        )
        return LoadResult(
            status="imported",
            biller_id=biller.id,
            customer_number=customer.customer_number,
            invoice_number=plan.invoice_number,
            kind=invoice.kind,
            total_minor=invoice.total_minor,
            currency=invoice.currency,
            warnings=tuple(self.warnings),
        )

    # Biller

    def _find_biller(self) -> Biller | None:
        keys = self.seller
        conditions = []
        if keys.organisation_number:
            conditions.append(
                col(Biller.organisation_number).in_(organisation_number_forms(keys.organisation_number))
            )
        if keys.personal_number:
            conditions.append(Biller.organisation_number == keys.personal_number)
        if keys.vat_number:
            conditions.append(Biller.vat_number == keys.vat_number)
        if keys.endpoint_id:
            conditions.append(Biller.endpoint_id == keys.endpoint_id)
        if not conditions:
            raise InvalidDocumentError(
                "the seller has no legal registration id (BT-30), VAT number (BT-31) or electronic "
                "address (BT-34), so it cannot be matched to a biller"
            )
        # Order by the strongest key: the organisation number, then the VAT number, then the endpoint.
        for condition in conditions:
            found = self.session.exec(select(Biller).where(condition).order_by(col(Biller.id))).first()
            if found is not None:
                return found
        return None

    def _create_biller(self) -> Biller:
        seller = self.document.seller
        base = slug(seller.name)
        existing_ids = set(self.session.exec(select(Biller.id).where(col(Biller.id).startswith(base))).all())
        biller_id = base
        suffix = 2
        while biller_id in existing_ids:
            biller_id = f"{base}-{suffix}"
            suffix += 1
        biller = Biller(
            id=biller_id,
            name=seller.name[:200],
            organisation_number=self.seller.identity_number or "",
            vat_number=self.seller.vat_number,
            industry=IMPORTED_INDUSTRY,
            default_locale=_locale(seller, self.document.currency),
            endpoint_id=self.seller.endpoint_id,
        )
        self.session.add(biller)
        self.session.flush()
        logger.info(
            "Created biller %s (%s) from document %s",
            biller_id,
            self.seller.shown(),
            self.plan.invoice_number,
        )
        return biller

    def _complete_biller(self, biller: Biller) -> None:
        """Fill the biller's missing giro numbers and endpoint, and warn when the document names others."""
        plan = self.plan
        for field, value in (("bankgiro", plan.bankgiro), ("plusgiro", plan.plusgiro)):
            if value is None:
                continue
            stored = getattr(biller, field)
            if stored is None:
                setattr(biller, field, value)
            elif stored != value:
                self.warnings.append(
                    f"the document gives {field} {value}, but biller {biller.id} has {stored}; "
                    f"payment instructions show {stored}"
                )
        if biller.endpoint_id is None and self.seller.endpoint_id:
            biller.endpoint_id = self.seller.endpoint_id
        self.session.add(biller)

    # Customer

    def _customer(self, biller: Biller) -> Customer:
        keys = self.buyer
        reference = self.document.buyer_reference
        identity = keys.identity_number or keys.vat_number
        if reference and len(reference) <= CUSTOMER_NUMBER_MAX_LENGTH:
            by_reference = self._customer_by_number(biller, reference)
            if by_reference is not None:
                self._check_same_buyer(by_reference, identity, f"buyer reference {reference}")
                return by_reference
        conditions = []
        if identity:
            conditions.append(col(Customer.identity_number).in_(organisation_number_forms(identity)))
        if keys.endpoint_id:
            conditions.append(Customer.endpoint_id == keys.endpoint_id)
        for condition in conditions:
            found = self.session.exec(
                select(Customer).where(Customer.biller_id == biller.id, condition).order_by(col(Customer.id))
            ).first()
            if found is not None:
                return found
        return self._create_customer(biller, identity)

    def _customer_by_number(self, biller: Biller, number: str) -> Customer | None:
        return self.session.exec(
            select(Customer).where(Customer.biller_id == biller.id, Customer.customer_number == number)
        ).first()

    def _check_same_buyer(self, customer: Customer, identity: str | None, label: str) -> None:
        if not identity or not customer.identity_number:
            return
        if customer.identity_number in organisation_number_forms(identity):
            return
        raise ConflictingDocumentError(
            f"{label} is customer {customer.customer_number} of biller {customer.biller_id}, "
            f"but that customer has another identity number than this document's buyer ({self.buyer.shown()}); "
            "correct the buyer reference or the stored customer"
        )

    def _create_customer(self, biller: Biller, identity: str | None) -> Customer:
        number = self._new_customer_number()
        holder = self._customer_by_number(biller, number)
        if holder is not None:
            self._check_same_buyer(holder, identity, f"customer number {number}")
            return holder
        buyer: Party = self.document.buyer
        customer = Customer(
            biller_id=biller.id,
            customer_number=number,
            kind="business" if self.buyer.organisation_number or buyer.vat_number else "consumer",
            name=buyer.name[:200],
            identity_number=identity or "",
            email=_fits(buyer.email, 200),
            phone=_fits(buyer.phone, 20),
            locale=_locale(buyer, self.document.currency),
            street=_fits(buyer.street, 200),
            postal_code=_fits(buyer.postal_code, 10),
            city=_fits(buyer.city, 100),
            endpoint_id=self.buyer.endpoint_id,
        )
        self.session.add(customer)
        self.session.flush()
        return customer

    def _new_customer_number(self) -> str:
        """Return the buyer reference, else the buyer's identifier. A personal number is hashed."""
        keys = self.buyer
        reference = self.document.buyer_reference
        if reference and len(reference) <= CUSTOMER_NUMBER_MAX_LENGTH:
            return reference
        for candidate in (keys.organisation_number, keys.vat_number, keys.endpoint_id, keys.party_id):
            if candidate and len(candidate) <= CUSTOMER_NUMBER_MAX_LENGTH and not keys.is_personal:
                return candidate
        if keys.personal_number:
            # Customer numbers are shown to the model and the user, so a personal number never is one.
            return "P" + hashlib.sha256(keys.personal_number.encode()).hexdigest()[:12]
        raise InvalidDocumentError(
            "the buyer has no buyer reference (BT-10), legal registration id (BT-47), VAT number (BT-48) "
            "or electronic address (BT-49), so it cannot be matched to a customer"
        )

    # Invoice

    def _insert_invoice(self, biller: Biller, customer: Customer) -> Invoice:
        plan = self.plan
        assert customer.id is not None
        credited = self._credited_invoice(biller, customer)
        invoice = Invoice(
            biller_id=biller.id,
            customer_id=customer.id,
            invoice_number=plan.invoice_number,
            kind=plan.kind,
            credited_invoice_id=credited.id if credited else None,
            issue_date=plan.issue_date,
            due_date=plan.due_date,
            period_start=plan.period_start,
            period_end=plan.period_end,
            currency=plan.currency,
            net_total_minor=plan.net_total_minor,
            vat_total_minor=plan.vat_total_minor,
            rounding_minor=plan.rounding_minor,
            total_minor=plan.total_minor,
            status=plan.status,
            ocr_reference=plan.ocr_reference,
            payment_method_kind=plan.payment_method_kind,
            credited_invoice_number=plan.credited_invoice_number,
            source_format=plan.source_format,
            source_hash=plan.source_hash,
            payee_iban=plan.payee_iban,
        )
        self.session.add(invoice)
        self.session.flush()
        assert invoice.id is not None

        self._insert_lines(invoice.id)
        self._insert_prepaid(invoice.id)
        self.session.flush()
        if credited is not None:
            self._mark_if_fully_credited(credited)
        return invoice

    def _insert_lines(self, invoice_id: int) -> None:
        self.session.add_all(
            InvoiceLine(
                invoice_id=invoice_id,
                position=line.position,
                category=line.category,
                product_code=line.product_code,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_minor=line.unit_price_minor,
                net_amount_minor=line.net_amount_minor,
                vat_rate_basis_points=line.vat_rate_basis_points,
                vat_amount_minor=line.vat_amount_minor,
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in self.plan.lines
        )

    def _insert_prepaid(self, invoice_id: int) -> None:
        """Store an invoice's paid amount (BT-113) as a payment on the issue date, so its balance is the amount due."""
        plan = self.plan
        if not plan.prepaid_minor:
            return
        if plan.kind != "invoice":
            self.warnings.append(
                f"the credit note states a paid amount (BT-113) of "
                f"{format_money(-plan.prepaid_minor, plan.currency, 'en')}, which is not stored because credit "
                "notes are stored as settled"
            )
            return
        self.session.add(
            Payment(
                invoice_id=invoice_id,
                paid_on=plan.issue_date,
                amount_minor=plan.prepaid_minor,
                currency=plan.currency,
                method="prepaid",
            )
        )

    def _credited_invoice(self, biller: Biller, customer: Customer) -> Invoice | None:
        number = self.plan.credited_invoice_number
        if number is None:
            return None
        found = self.session.exec(
            select(Invoice).where(Invoice.biller_id == biller.id, Invoice.invoice_number == number)
        ).first()
        if found is None:
            self.warnings.append(
                f"the credited invoice {number} is not in the store; its number is kept, and the credit "
                "note is linked when that invoice is imported"
            )
            return None
        if found.kind != "invoice" or found.customer_id != customer.id:
            self.warnings.append(
                f"the credited invoice {number} is stored as "
                f"{'a credit note' if found.kind == 'credit_note' else 'an invoice'} "
                f"{'of this customer' if found.customer_id == customer.id else 'of another customer'}, "
                "so the credit note is not linked to it"
            )
            return None
        return found

    def _link_waiting_credit_notes(self, invoice: Invoice) -> None:
        waiting = self.session.exec(
            select(Invoice).where(
                Invoice.biller_id == invoice.biller_id,
                Invoice.customer_id == invoice.customer_id,
                Invoice.kind == "credit_note",
                Invoice.credited_invoice_number == invoice.invoice_number,
                col(Invoice.credited_invoice_id).is_(None),
            )
        ).all()
        for credit_note in waiting:
            credit_note.credited_invoice_id = invoice.id
            self.session.add(credit_note)
        if waiting:
            self.session.flush()
            self._mark_if_fully_credited(invoice)

    def _mark_if_fully_credited(self, invoice: Invoice) -> None:
        """Set an open invoice to "credited" once its credit notes cancel its total."""
        credited = sum(
            note.total_minor
            for note in self.session.exec(
                select(Invoice).where(
                    Invoice.credited_invoice_id == invoice.id, Invoice.kind == "credit_note"
                )
            )
        )
        remaining = invoice.total_minor + credited
        if remaining == 0 and invoice.status == "open":
            invoice.status = "credited"
            self.session.add(invoice)
        elif (remaining < 0) != (invoice.total_minor < 0) and remaining != 0:
            self.warnings.append(
                f"the credit notes of invoice {invoice.invoice_number} credit more than its total "
                f"({-credited} against {invoice.total_minor} minor units)"
            )


def _fits(value: str | None, max_length: int) -> str | None:
    return value if value is not None and len(value) <= max_length else None


def _locale(party: Party, currency: str) -> str:
    """Swedish for a party in Sweden (or without a country on a SEK document), else English."""
    if party.country:
        return "sv" if party.country.upper() == "SE" else "en"
    return "sv" if currency == "SEK" else "en"
