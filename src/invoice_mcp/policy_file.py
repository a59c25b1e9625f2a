"""Load biller policies from TOML: the shipped defaults, then the operator's file.

A file has an optional `[defaults]` table that applies to every biller and
optional `[billers.<id>]` tables for one biller each. Each table has the
sections `deferral`, `payment_methods` and `confirmation`; a value left out
keeps the shipped default.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from invoice_mcp.domain.errors import BillingError
from invoice_mcp.domain.policy import BillerPolicy


class PolicyFileError(BillingError):
    code = "invalid_policy"


class PolicySet:
    """Policies by biller id, falling back to the file's defaults."""

    def __init__(self, defaults: BillerPolicy, per_biller: dict[str, BillerPolicy]) -> None:
        self.defaults = defaults
        self.per_biller = per_biller

    def for_biller(self, biller_id: str) -> BillerPolicy:
        return self.per_biller.get(biller_id, self.defaults)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(f"policy file {source} is not valid TOML: {exc}", file=source) from exc


def _build(raw: dict[str, Any], source: str, where: str) -> BillerPolicy:
    try:
        return BillerPolicy.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise PolicyFileError(
            f"policy file {source}: {where}.{field} = {first.get('input')!r} is invalid: {first['msg']}",
            file=source,
            field=f"{where}.{field}",
        ) from exc


def shipped_defaults_text() -> str:
    return resources.files("invoice_mcp").joinpath("policy/default.toml").read_text(encoding="utf-8")


def load_policies(path: Path | None = None) -> PolicySet:
    """Read the shipped defaults and, when `path` is given, the operator's overrides.

    Raises:
        PolicyFileError: the file is missing, is not TOML, or a value breaks a rule;
            the message names the file and the field.
    """
    shipped = _read_toml(shipped_defaults_text(), "default.toml")
    base = shipped.get("defaults", {})
    overrides: dict[str, Any] = {}
    source = "default.toml"
    if path is not None:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyFileError(f"policy file {path} cannot be read: {exc.strerror}", file=source) from exc
        overrides = _read_toml(text, source)
        unknown = set(overrides) - {"defaults", "billers"}
        if unknown:
            raise PolicyFileError(
                f"policy file {path}: unknown top-level table(s) {sorted(unknown)}; "
                "allowed are [defaults] and [billers.<id>]",
                file=source,
            )
    defaults_raw = _deep_merge(base, overrides.get("defaults", {}))
    defaults = _build(defaults_raw, source, "defaults")
    per_biller = {
        biller_id: _build(_deep_merge(defaults_raw, raw), source, f"billers.{biller_id}")
        for biller_id, raw in overrides.get("billers", {}).items()
    }
    return PolicySet(defaults, per_biller)
