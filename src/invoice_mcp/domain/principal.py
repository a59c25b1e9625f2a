"""Who a request acts for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Principal:
    """A customer of one biller, or an operator who may act for any customer of one biller.

    For a customer principal `customer_number` is fixed by the server process or the
    bearer token, never taken from the model.
    """

    kind: Literal["customer", "operator"]
    biller_id: str
    customer_number: str | None = None
    operator_id: str | None = None

    @property
    def label(self) -> str:
        """A stable, non-secret name for audit rows, logs and token binding."""
        if self.kind == "customer":
            return f"customer:{self.biller_id}/{self.customer_number}"
        return f"operator:{self.biller_id}/{self.operator_id or 'unknown'}"
