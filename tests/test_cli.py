"""The command line as an operator uses it."""

import datetime as dt
import json
import socket
import sqlite3
from pathlib import Path

import pytest

from invoice_mcp.cli import ENV_LOG_LEVEL, build_parser, main
from invoice_mcp.domain.identifiers import luhn_check_digit
from invoice_mcp.domain.policy import BillerPolicy, ConfirmationPolicy
from invoice_mcp.server.http import HttpOptions, JwtSettings, auth_settings
from invoice_mcp.service import actions, tokens
from invoice_mcp.store.engine import make_engine
from invoice_mcp.store.migrate import upgrade
from tests.conftest import ANNA, DEMO_FIXTURES, DEMO_TODAY, REPO_ROOT, serve_until_exit

EINVOICES = REPO_ROOT / "fixtures" / "einvoices"
HOLDER = "19840317" + "123" + luhn_check_digit("840317123")


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert main(["seed", str(DEMO_FIXTURES), "--database-url", url]) == 0
    return url


def run_actions(url):
    import datetime as dt

    engine = make_engine(url)
    ctx = actions.ActionContext(
        engine=engine,
        principal=ANNA,
        policy=BillerPolicy(confirmation=ConfirmationPolicy(required=False)),
        today=DEMO_TODAY,
        now=dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC),
    )
    actions.grant_deferral(ctx, "NV-2026-0031745", 14)
    with pytest.raises(actions.BillingError):
        actions.grant_deferral(ctx, "NV-2026-0031745", 14)
    details = {
        "clearing_number": "6789",
        "account_number": "123456789",
        "account_holder_identity_number": HOLDER,
    }
    actions.change_payment_method(ctx, "autogiro", details)
    engine.dispose()


def test_audit_lists_and_filters(database, capsys):
    run_actions(database)
    capsys.readouterr()

    assert main(["audit", "--database-url", database, "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["audit", "--database-url", database, "--outcome", "refused", "--json"]) == 0
    refused = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["audit", "--database-url", database, "--biller", "nordvag", "--customer", "100871"]) == 0
    other_customer = capsys.readouterr().out

    assert [e["outcome"] for e in events] == ["applied", "refused", "applied"]
    assert [e["code"] for e in refused] == ["already_deferred"]
    assert other_customer == ""
    assert HOLDER not in json.dumps(events)
    assert all(e["occurred_at"].endswith("+00:00") for e in events)


def test_audit_customer_needs_biller(database, capsys):
    assert main(["audit", "--database-url", database, "--customer", "100234"]) == 2
    assert "--biller" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(
            ["--biller", "nope"],
            "biller 'nope' not found; known billers: alvkraft, lyra, nordvag",
            id="biller",
        ),
        pytest.param(
            ["--biller", "nordvag", "--customer", "999"],
            "customer '999' not found for biller 'nordvag'",
            id="customer",
        ),
    ],
)
def test_audit_rejects_unknown_filter(database, filters, expected, capsys):
    assert main(["audit", "--database-url", database, *filters]) == 2
    assert capsys.readouterr().err == f"invoice-mcp: error: {expected}\n"


@pytest.mark.parametrize("output", [pytest.param([], id="text"), pytest.param(["--json"], id="json")])
def test_audit_without_matches(database, output, capsys):
    assert main(["audit", "--database-url", database, "--biller", "nordvag", *output]) == 0

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "no audit events match\n"


def test_activate_mandate_after_signature(database, capsys):
    run_actions(database)

    assert (
        main(["activate-mandate", "--database-url", database, "--biller", "nordvag", "--customer", "100234"])
        == 0
    )
    assert "is active" in capsys.readouterr().out
    assert (
        main(["activate-mandate", "--database-url", database, "--biller", "nordvag", "--customer", "100234"])
        == 2
    )
    assert "no autogiro mandate waiting" in capsys.readouterr().err


def test_seed_broken_fixture_loads_nothing(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'broken.db'}"
    broken = tmp_path / "fixtures"
    broken.mkdir()
    for source in DEMO_FIXTURES.glob("*.json"):
        (broken / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    billers = json.loads((broken / "billers.json").read_text(encoding="utf-8"))
    billers[0]["bankgiro"] = "123"
    (broken / "billers.json").write_text(json.dumps(billers), encoding="utf-8")
    assert main(["db", "upgrade", "--database-url", url]) == 0

    assert main(["seed", str(broken), "--database-url", url]) == 2
    error = capsys.readouterr().err
    assert "billers.json" in error
    assert "bankgiro" in error
    assert "'123'" in error
    assert main(["audit", "--database-url", url]) == 0


@pytest.mark.parametrize(
    ("biller", "customer", "expected"),
    [
        pytest.param("nosuch", "1", "biller 'nosuch' not found", id="unknown-biller"),
        pytest.param(
            "nordvag", "5001234", "customer '5001234' not found for biller 'nordvag'", id="other-biller"
        ),
    ],
)
def test_serve_refuses_unknown_principal(database, biller, customer, expected):
    # The stdio server checks the principal after its transport is up, so a real process runs.
    status, error = serve_until_exit("--database-url", database, "--biller", biller, "--customer", customer)

    assert status == 2
    assert expected in error


def test_serve_rejects_bad_policy_before_serving(database, tmp_path, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text("[defaults.deferral]\nmax_days = -1\n", encoding="utf-8")

    arguments = ["--database-url", database, "--biller", "nordvag", "--customer", "100234"]
    status = main(["serve", *arguments, "--policy", str(policy)])

    assert status == 2
    assert "defaults.deferral.max_days" in capsys.readouterr().err


def test_missing_database_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "absent.db"

    assert main(["db", "current", "--database-url", f"sqlite:///{path}"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not path.exists()


def test_db_current_without_schema_fails(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    (tmp_path / "empty.db").touch()

    assert main(["db", "current", "--database-url", url]) == 1
    assert "no schema" in capsys.readouterr().out


def test_foreign_sqlite_file_keeps_journal_mode(tmp_path, capsys):
    path = tmp_path / "other-program.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE note (body TEXT)")
    other.close()

    assert main(["db", "current", "--database-url", f"sqlite:///{path}"]) == 1

    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    check.close()
    assert not path.with_name(path.name + "-wal").exists()


def test_new_store_uses_wal(tmp_path):
    path = tmp_path / "store.db"

    assert main(["db", "upgrade", "--database-url", f"sqlite:///{path}"]) == 0

    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    check.close()


def test_log_level_after_command(database):
    assert main(["db", "current", "--database-url", database, "--log-level", "WARNING"]) == 0


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param(["--log-level", "debug", "db", "current"], id="before-command"),
        pytest.param(["db", "current", "--log-level", "Debug"], id="after-command"),
    ],
)
def test_log_level_in_any_case(arguments):
    assert build_parser().parse_args(arguments).log_level == "DEBUG"


def test_log_level_from_environment_in_any_case(monkeypatch):
    monkeypatch.setenv(ENV_LOG_LEVEL, "warning")

    assert build_parser().parse_args(["db", "current"]).log_level == "WARNING"


def test_log_level_from_environment_invalid(monkeypatch, capsys):
    monkeypatch.setenv(ENV_LOG_LEVEL, "verbose")

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["db", "current"])

    assert exit_info.value.code == 2
    assert "'verbose' is not DEBUG, INFO, WARNING or ERROR" in capsys.readouterr().err


def test_audit_rejects_unknown_action(database, capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--database-url", database, "--action", "grant_deferal"])

    assert "invalid choice" in capsys.readouterr().err


def test_dev_principal_only_on_loopback(database, capsys):
    status = main(
        [
            "serve",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--database-url",
            database,
            "--dev-principal",
            "nordvag/100234",
        ]
    )

    assert status == 2
    assert "only binds to 127.0.0.1" in capsys.readouterr().err


def test_http_refuses_stdio_principal_options(database, capsys):
    status = main(["serve", "--transport", "http", "--database-url", database, "--biller", "nordvag"])

    assert status == 2
    assert "each bearer token names its principal" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense://", "the database URL names an unknown database kind"),
        ("not a url", "the database URL is invalid; use sqlite:///PATH or"),
        ("postgresql+pg8000://user@127.0.0.1/x", "the database driver 'pg8000' is not installed"),
    ],
)
def test_bad_database_url_is_one_line(url, expected, capsys):
    assert main(["db", "upgrade", "--database-url", url]) == 2

    error = capsys.readouterr().err
    assert error.startswith(f"invoice-mcp: error: {expected}")
    assert "Traceback" not in error


def test_file_that_is_no_database_is_one_line(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database\n" * 200, encoding="utf-8")

    assert main(["db", "upgrade", "--database-url", f"sqlite:///{path}"]) == 2

    assert (
        capsys.readouterr().err
        == "invoice-mcp: error: the database could not be read: file is not a database\n"
    )
    assert path.read_text(encoding="utf-8").startswith("this is not a database")


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "0", "eighty"])
def test_serve_rejects_invalid_port(port, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--transport", "http", f"--port={port}"])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"argument --port: {port} is not a port number from 1 to 65535" in error
    assert "Traceback" not in error


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--max-request-seconds", "-5", "-5 is not a positive number of seconds"),
        ("--max-request-seconds", "0", "0 is not a positive number of seconds"),
        ("--max-request-seconds", "nan", "nan is not a positive number of seconds"),
        ("--max-request-seconds", "inf", "inf is not a positive number of seconds"),
        ("--max-request-seconds", "soon", "soon is not a positive number of seconds"),
        ("--max-body-bytes", "0", "0 is not a positive whole number"),
        ("--max-body-bytes", "1.5", "1.5 is not a positive whole number"),
    ],
)
def test_serve_rejects_invalid_limit(option, value, expected, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--transport", "http", f"{option}={value}"])

    assert exit_info.value.code == 2
    assert f"argument {option}: {expected}" in capsys.readouterr().err


SCHEMA_ERROR = (
    "invoice-mcp: error: the database schema is missing or old: run 'invoice-mcp db upgrade' first\n"
)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["token", "create", "--biller", "nordvag", "--customer", "100234"], id="token-create"),
        pytest.param(["token", "list"], id="token-list"),
        pytest.param(["token", "revoke", "1"], id="token-revoke"),
        pytest.param(["audit"], id="audit"),
        pytest.param(
            ["activate-mandate", "--biller", "nordvag", "--customer", "100234"], id="activate-mandate"
        ),
        pytest.param(["seed", str(DEMO_FIXTURES)], id="seed"),
        pytest.param(["import", str(EINVOICES)], id="import"),
        pytest.param(["serve", "--transport", "http"], id="serve-http"),
    ],
)
def test_store_command_without_schema(command, tmp_path, capsys):
    path = tmp_path / "empty.db"
    path.touch()

    assert main([*command, "--database-url", f"sqlite:///{path}"]) == 2
    assert capsys.readouterr().err == SCHEMA_ERROR


def test_token_list_on_old_schema(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0002")
    engine.dispose()

    assert main(["token", "list", "--database-url", url]) == 2
    assert capsys.readouterr().err == SCHEMA_ERROR


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--public-url", "not a url", "'not a url' is not an http or https URL with a host"),
        ("--public-url", "ftp://x", "'ftp://x' is not an http or https URL with a host"),
        ("--public-url", "https://", "'https://' is not an http or https URL with a host"),
        ("--public-url", "https://x:99999", "'https://x:99999' is not an http or https URL with a host"),
        (
            "--public-url",
            "https://x/?a=1",
            "'https://x/?a=1' must not contain a user name, query or fragment",
        ),
        ("--public-url", "https://u@x", "'https://u@x' must not contain a user name, query or fragment"),
        ("--jwt-issuer", "nordvag-idp", "'nordvag-idp' is not an http or https URL with a host"),
        (
            "--host",
            "bad host!",
            "'bad host!' is not an IP address or host name, e.g. 127.0.0.1, ::1 or localhost",
        ),
        ("--host", "[::1]", "'[::1]' is not an IP address or host name"),
        ("--host", "1.2.3.999", "'1.2.3.999' is not an IP address or host name"),
    ],
)
def test_serve_rejects_invalid_address(option, value, expected, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--transport", "http", f"{option}={value}"])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"argument {option}: {expected}" in error
    assert "Traceback" not in error


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--host", "::1"),
        ("--host", "0.0.0.0"),
        ("--host", "localhost"),
        ("--public-url", "https://mcp.example.se/invoices/"),
        ("--public-url", "https://fakturor.åäö.se"),
        ("--public-url", "http://[::1]:8000"),
        ("--jwt-issuer", "https://login.example.se/realms/nordvag"),
    ],
)
def test_serve_accepts_valid_address(option, value):
    args = build_parser().parse_args(["serve", "--transport", "http", option, value])
    jwt = JwtSettings(key_file=Path("key.pem"), issuer=args.jwt_issuer, audience="invoice-mcp")

    settings = auth_settings(
        HttpOptions(host=args.host, public_url=args.public_url, jwt=jwt if args.jwt_issuer else None)
    )

    assert settings.resource_server_url is not None


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--allowed-host", "https://mcp.example.se", "is not a host with an optional :PORT or :*"),
        ("--allowed-host", "mcp.example.se/mcp", "is not a host with an optional :PORT or :*"),
        ("--allowed-host", "::1", "is not a host with an optional :PORT or :*"),
        ("--allowed-host", "mcp.example.se:99999", "is not a host with an optional :PORT or :*"),
        ("--allowed-host", "fakturor.åäö.se", "is not ASCII: give an international domain name in its"),
        ("--allowed-origin", "app.example.se", "is not an origin, SCHEME://HOST with an optional :PORT"),
        ("--allowed-origin", "https://app.example.se/", "is not an origin, SCHEME://HOST with an optional"),
        ("--allowed-origin", "null", "is not an origin, SCHEME://HOST with an optional :PORT or :*"),
        ("--allowed-origin", "https://åäö.se", "is not ASCII: give an international domain name in its"),
    ],
)
def test_serve_rejects_unmatchable_allowed_header(option, value, expected, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--transport", "http", f"{option}={value}"])

    assert exit_info.value.code == 2
    assert f"argument {option}: '{value}' {expected}" in capsys.readouterr().err


def test_serve_allowed_headers_in_lower_case():
    args = build_parser().parse_args(
        [
            "serve",
            "--allowed-host=MCP.Example.se:*",
            "--allowed-host=[2001:DB8::1]:8443",
            "--allowed-origin=HTTPS://App.Example.se",
            "--allowed-origin=http://localhost:*",
        ]
    )

    assert args.allowed_host == ["mcp.example.se:*", "[2001:db8::1]:8443"]
    assert args.allowed_origin == ["https://app.example.se", "http://localhost:*"]


def test_token_list_rejects_unknown_biller(database, capsys):
    assert main(["token", "list", "--database-url", database, "--biller", "nope"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "invoice-mcp: error: biller 'nope' not found; known billers: alvkraft, lyra, nordvag\n"
    )


@pytest.mark.parametrize(
    "filters", [pytest.param([], id="all"), pytest.param(["--biller", "nordvag"], id="biller")]
)
def test_token_list_without_matches(database, filters, capsys):
    assert main(["token", "list", "--database-url", database, *filters]) == 0

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "no tokens match\n"


def test_token_list_filters_by_biller(database, capsys):
    create = ["token", "create", "--database-url", database, "--operator", "kundtjanst-7"]
    assert main([*create, "--biller", "nordvag"]) == 0
    assert main([*create, "--biller", "lyra"]) == 0
    capsys.readouterr()

    assert main(["token", "list", "--database-url", database, "--biller", "lyra"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert "\toperator:lyra/kundtjanst-7\t" in lines[0]


UNKNOWN_BILLER = "biller 'nope' not found; known billers: alvkraft, lyra, nordvag"
UNKNOWN_CUSTOMER = "customer '999' not found for biller 'nordvag'"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            ["token", "create", "--biller", "nope", "--operator", "kundtjanst-7"],
            UNKNOWN_BILLER,
            id="token-create-biller",
        ),
        pytest.param(
            ["token", "create", "--biller", "nordvag", "--customer", "999"],
            UNKNOWN_CUSTOMER,
            id="token-create-customer",
        ),
        pytest.param(
            ["activate-mandate", "--biller", "nope", "--customer", "100234"],
            UNKNOWN_BILLER,
            id="activate-mandate-biller",
        ),
        pytest.param(
            ["activate-mandate", "--biller", "nordvag", "--customer", "999"],
            UNKNOWN_CUSTOMER,
            id="activate-mandate-customer",
        ),
    ],
)
def test_command_rejects_unknown_principal(database, command, expected, capsys):
    assert main([*command, "--database-url", database]) == 2
    assert capsys.readouterr().err == f"invoice-mcp: error: {expected}\n"


@pytest.mark.parametrize("days", ["3000000", "3651", "0", "-1", "ninety"])
def test_token_create_rejects_invalid_lifetime(days, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "create", "--biller", "nordvag", "--customer", "100234", f"--expires-in-days={days}"])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"argument --expires-in-days: {days} is not a number of days from 1 to 3650" in error
    assert "Traceback" not in error


def test_token_create_max_lifetime(database):
    arguments = ["--biller", "nordvag", "--customer", "100234", "--expires-in-days", "3650"]

    assert main(["token", "create", "--database-url", database, *arguments]) == 0

    engine = make_engine(database)
    [row] = tokens.list_tokens(engine)
    engine.dispose()
    assert row.expires_at - row.created_at == dt.timedelta(days=3650)


def test_serve_on_port_in_use_is_one_line(database, capsys):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        status = main(["serve", "--transport", "http", "--port", str(port), "--database-url", database])
    finally:
        holder.close()

    error = capsys.readouterr().err
    assert status == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in error
    assert "serving streamable HTTP" not in error


def test_token_without_read_is_warned(database, caplog):
    arguments = ["token", "create", "--database-url", database, "--biller", "nordvag", "--customer", "100234"]

    assert main([*arguments, "--scope", "act"]) == 0

    assert "without the read scope" in caplog.text


@pytest.mark.parametrize(
    "content", ["not a key\n", '{"keys": []}', "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_serve_rejects_unusable_jwt_key_file(database, tmp_path, capsys, content):
    key_file = tmp_path / "idp.pem"
    key_file.write_text(content, encoding="utf-8")
    jwt_options = ["--jwt-issuer", "https://idp.example.se", "--jwt-audience", "invoice-mcp"]

    status = main(
        [
            "serve",
            "--transport",
            "http",
            "--database-url",
            database,
            "--jwt-key-file",
            str(key_file),
            *jwt_options,
        ]
    )

    assert status == 2
    assert "contains neither a PEM public key nor a JWKS" in capsys.readouterr().err
