"""Identifiers of e-invoice parties: normalized for matching, and masked when they are personal.

A Swedish sole trader's organisation number is the owner's personal identity number, and
the Swedish VAT number of a sole trader contains it too ("SE" + the number + "01"). Such
numbers are personal data: `PartyKeys.shown` is the only form that goes into messages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from invoice_mcp.domain.errors import InvalidFieldError
from invoice_mcp.domain.identifiers import (
    mask_identity_number,
    validate_organisation_number,
    validate_personal_identity_number,
)
from invoice_mcp.importers.mapping import fold
from invoice_mcp.importers.model import Party

# Peppol participant identifier scheme (ISO 6523 ICD) of Swedish organisation numbers.
SWEDISH_ORGANISATION_SCHEME = "0007"
IDENTITY_MAX_LENGTH = 20
ENDPOINT_MAX_LENGTH = 80
SLUG_MAX_LENGTH = 36  # leaves room for a "-2" style suffix within the 40 characters of Biller.id

_SWEDISH_VAT = re.compile(r"SE(\d{10})01")
_SWEDISH_NUMBER = re.compile(r"(16|19|20)?\d{6}[-+]?\d{4}")


@dataclass(frozen=True)
class PartyKeys:
    """The identifiers of one party, normalized.

    `organisation_number` is "NNNNNN-NNNN" for a valid Swedish organisation number and the
    legal registration id as written otherwise. `personal_number` is "YYYYMMDD-NNNN" when the
    party's legal id or VAT number is a Swedish personal identity number.
    """

    organisation_number: str | None
    personal_number: str | None
    vat_number: str | None
    endpoint_id: str | None
    party_id: str | None

    @property
    def is_personal(self) -> bool:
        return self.personal_number is not None

    @property
    def identity_number(self) -> str | None:
        """The number for Customer.identity_number: organisation number, else personal number."""
        return self.organisation_number or self.personal_number

    def shown(self) -> str:
        """Describe the party's main identifier for messages, masking a personal number."""
        if self.organisation_number:
            return f"organisation number {self.organisation_number}"
        if self.personal_number:
            return f"personal identity number {mask_identity_number(self.personal_number)}"
        if self.vat_number:
            return f"VAT number {self.vat_number}"
        if self.endpoint_id:
            return f"endpoint {self.endpoint_id}"
        if self.party_id:
            return f"party id {self.party_id}"
        return "no identifier"


def party_keys(party: Party, *, today: dt.date) -> PartyKeys:
    """Normalize a party's identifiers. `today` resolves the century of 10-digit personal numbers."""
    organisation_number = None
    personal_number = None
    vat_number = _compact(party.vat_number)

    # The legal registration id first, then the number inside a Swedish VAT number, then an
    # electronic address in the Swedish organisation number scheme.
    candidates = [party.legal_id]
    swedish_vat = _SWEDISH_VAT.fullmatch(vat_number or "")
    if swedish_vat:
        candidates.append(swedish_vat.group(1))
    if party.endpoint_scheme == SWEDISH_ORGANISATION_SCHEME:
        candidates.append(party.endpoint_id)
    for candidate in candidates:
        if candidate:
            organisation_number, personal_number = _classify(candidate, today=today)
            if organisation_number or personal_number:
                break

    if personal_number is not None:
        # The VAT number of a sole trader contains the personal number, so it is not kept apart.
        vat_number = None

    endpoint_id = None
    if party.endpoint_id:
        endpoint = (
            f"{party.endpoint_scheme}:{party.endpoint_id}" if party.endpoint_scheme else party.endpoint_id
        )
        endpoint_id = endpoint[:ENDPOINT_MAX_LENGTH]

    return PartyKeys(
        organisation_number=organisation_number,
        personal_number=personal_number,
        vat_number=vat_number if vat_number and len(vat_number) <= IDENTITY_MAX_LENGTH else None,
        endpoint_id=endpoint_id,
        party_id=party.party_ids[0][:IDENTITY_MAX_LENGTH] if party.party_ids else None,
    )


def _classify(value: str, *, today: dt.date) -> tuple[str | None, str | None]:
    """Return (organisation number, personal number) for a legal registration id; at most one is set."""
    compact = "".join(value.split())
    if _SWEDISH_NUMBER.fullmatch(compact):
        try:
            return validate_organisation_number(compact), None
        except InvalidFieldError:
            pass
        try:
            personal = validate_personal_identity_number(compact, today=today)
            return None, f"{personal[:8]}-{personal[8:]}"
        except InvalidFieldError:
            pass
    if len(compact) > IDENTITY_MAX_LENGTH:
        return None, None
    return compact, None


def _compact(value: str | None) -> str | None:
    if value is None:
        return None
    compact = "".join(value.split()).upper()
    return compact or None


def organisation_number_forms(number: str) -> list[str]:
    """Return the stored forms a number may have: "556814-3027" also as "5568143027"."""
    forms = [number]
    if re.fullmatch(r"\d{6}-\d{4}", number):
        forms.append(number.replace("-", ""))
    return forms


def slug(name: str) -> str:
    """Turn a company name into a biller id: "Telefonitjänster AB" -> "telefonitjanster-ab"."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    text = "-".join(words)[:SLUG_MAX_LENGTH].strip("-")
    return text or "biller"
