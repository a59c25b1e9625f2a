from decimal import Decimal

import pytest

from invoice_mcp.policy_file import PolicyFileError, load_policies


def write(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_defaults_match_documented_values():
    policy = load_policies().defaults

    assert policy.deferral.max_days == 30
    assert policy.deferral.once_per_invoice is True
    assert policy.deferral.max_per_rolling_12_months == 2
    assert policy.deferral.allowed_statuses == ("open",)
    assert policy.deferral.interest_percent_per_year == Decimal("10.00")
    assert policy.payment_methods.lead_days["autogiro"] == 21
    assert policy.confirmation.required is True


def test_biller_section_overrides_only_that_biller(tmp_path):
    path = write(
        tmp_path,
        """
[defaults.deferral]
fee_minor = 1000

[billers.alvkraft.deferral]
max_days = 20

[billers.alvkraft.payment_methods]
offered = ["autogiro", "paper"]
""",
    )

    policies = load_policies(path)

    alvkraft = policies.for_biller("alvkraft")
    assert alvkraft.deferral.max_days == 20
    assert alvkraft.deferral.fee_minor == 1000
    assert alvkraft.payment_methods.offered == ("autogiro", "paper")
    assert policies.for_biller("nordvag").deferral.max_days == 30
    assert policies.for_biller("nordvag").deferral.fee_minor == 1000


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param("[defaults.deferral]\nmax_days = 0\n", "defaults.deferral.max_days", id="too-small"),
        pytest.param("[billers.x.deferral]\nmax_dayz = 5\n", "billers.x.deferral.max_dayz", id="unknown-key"),
        pytest.param(
            '[defaults.payment_methods]\noffered = ["cash"]\n',
            "defaults.payment_methods.offered.0",
            id="bad-method",
        ),
    ],
)
def test_invalid_value_names_file_and_field(tmp_path, text, field):
    path = write(tmp_path, text)

    with pytest.raises(PolicyFileError) as caught:
        load_policies(path)

    assert str(path) in caught.value.message
    assert caught.value.details["field"] == field


def test_not_toml_names_file(tmp_path):
    path = write(tmp_path, "max_days = [")

    with pytest.raises(PolicyFileError) as caught:
        load_policies(path)

    assert "not valid TOML" in caught.value.message


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(PolicyFileError) as caught:
        load_policies(tmp_path / "absent.toml")

    assert "cannot be read" in caught.value.message


def test_unknown_top_level_table_is_rejected(tmp_path):
    with pytest.raises(PolicyFileError) as caught:
        load_policies(write(tmp_path, "[deferral]\nmax_days = 5\n"))

    assert "unknown top-level table" in caught.value.message
