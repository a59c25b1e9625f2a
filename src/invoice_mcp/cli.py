"""Command line: `invoice-mcp serve | demo | db | seed | import | token | audit | activate-mandate`.

Heavy modules are imported inside each command so that `serve` starts fast and
`--help` needs no database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

from invoice_mcp import __version__
from invoice_mcp.http_arguments import allowed_host, allowed_origin, bind_host, http_url

logger = logging.getLogger("invoice_mcp")

ENV_BILLER = "INVOICE_MCP_BILLER"
ENV_CUSTOMER = "INVOICE_MCP_CUSTOMER"
ENV_POLICY = "INVOICE_MCP_POLICY"
ENV_TODAY = "INVOICE_MCP_TODAY"
ENV_LOG_LEVEL = "INVOICE_MCP_LOG_LEVEL"


class CommandError(Exception):
    """A user error on the command line: printed as one line on stderr, exit status 2."""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date in the form YYYY-MM-DD") from exc


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the billing store (default: $INVOICE_MCP_DATABASE_URL, "
        "else an SQLite file in the user data folder)",
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(value: str) -> str:
    # argparse also passes a string default through this, so $INVOICE_MCP_LOG_LEVEL is checked too.
    level = value.upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not DEBUG, INFO, WARNING or ERROR (upper or lower case)"
        )
    return level


def _add_log_level_option(parser: argparse.ArgumentParser, default: str | None = argparse.SUPPRESS) -> None:
    # Accepted before and after the command; a subcommand's copy only overrides when given.
    parser.add_argument(
        "--log-level",
        default=default,
        type=_log_level,
        choices=LOG_LEVELS,
        help="level of the stderr log (default: $INVOICE_MCP_LOG_LEVEL, else WARNING for demo and INFO otherwise)",
    )


def _whole_number(minimum: int, maximum: int | None, allowed: str) -> Callable[[str], int]:
    """Return an argparse type that takes a whole number from `minimum` to `maximum`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{value} is not {allowed}") from exc
        if number < minimum or (maximum is not None and number > maximum):
            raise argparse.ArgumentTypeError(f"{value} is not {allowed}")
        return number

    return parse


_positive_int = _whole_number(1, None, "a positive whole number")


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    # float() also accepts "nan" and "inf", and neither sets a time limit.
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of seconds")
    return seconds


# Port 0 would bind a random free port, but the log line and the OAuth metadata URLs would
# still name port 0.
_port = _whole_number(1, 65535, "a port number from 1 to 65535")


# Ten years. A token that must work for longer should be replaced before it expires. Without a
# maximum, a lifetime of about 2.9 million days overflowed Python's datetime, which ends in 9999.
MAX_TOKEN_DAYS = 3650
_token_lifetime_days = _whole_number(1, MAX_TOKEN_DAYS, f"a number of days from 1 to {MAX_TOKEN_DAYS}")


AUDITED_ACTIONS = ("grant_deferral", "change_payment_method", "activate_autogiro_mandate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="invoice-mcp",
        description="MCP server that explains invoices and acts on them for the invoice recipient.",
    )
    parser.add_argument("--version", action="version", version=f"invoice-mcp {__version__}")
    _add_log_level_option(parser, default=os.environ.get(ENV_LOG_LEVEL) or None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="serve MCP: over stdio for one customer, or over HTTP with bearer tokens"
    )
    _add_database_option(serve)
    serve.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio: one customer, fixed here; http: streamable HTTP, the principal from each request's "
        "bearer token (default: stdio)",
    )
    serve.add_argument(
        "--host",
        type=bind_host,
        default="127.0.0.1",
        help="http: IP address or host name to bind (default: 127.0.0.1)",
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="http: TCP port to listen on, 1 to 65535 (default: 8000)"
    )
    serve.add_argument(
        "--public-url",
        type=http_url,
        help="http: base URL clients use, when behind a reverse proxy (e.g. https://mcp.example.se)",
    )
    serve.add_argument(
        "--allowed-host",
        type=allowed_host,
        action="append",
        default=[],
        help="http: extra accepted Host header, e.g. mcp.example.se or mcp.example.se:* (repeatable)",
    )
    serve.add_argument(
        "--allowed-origin",
        type=allowed_origin,
        action="append",
        default=[],
        help="http: extra accepted Origin header, e.g. https://app.example.se (repeatable)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=256 * 1024,
        help="http: request body limit (default: 262144)",
    )
    serve.add_argument(
        "--max-request-seconds",
        type=_positive_seconds,
        default=30.0,
        help="http: time limit per request in seconds (default: 30)",
    )
    serve.add_argument(
        "--dev-principal",
        metavar="BILLER/CUSTOMER",
        help="http, loopback only: serve without authorization, as this customer (for conformance suites "
        "and local tools; never in production)",
    )
    serve.add_argument(
        "--jwt-key-file", type=Path, help="http: PEM public key or JWKS file for JWT bearer tokens"
    )
    serve.add_argument(
        "--output-schemas",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="list each tool's output schema in tools/list (default: on). --no-output-schemas makes "
        "tools/list about 14 KB smaller, for clients that put the whole listing into the model's "
        "context; results still carry structured content",
    )
    serve.add_argument(
        "--jwt-issuer",
        type=http_url,
        help="http: required JWT issuer (iss), an http or https URL that the OAuth metadata names as the "
        "authorization server",
    )
    serve.add_argument("--jwt-audience", help="http: required JWT audience (aud)")
    serve.add_argument(
        "--biller", default=os.environ.get(ENV_BILLER), help="biller id (or $INVOICE_MCP_BILLER)"
    )
    serve.add_argument(
        "--customer",
        default=os.environ.get(ENV_CUSTOMER),
        help="customer number the server acts for (or $INVOICE_MCP_CUSTOMER)",
    )
    serve.add_argument(
        "--policy",
        type=Path,
        default=os.environ.get(ENV_POLICY),
        help="policy TOML file (or $INVOICE_MCP_POLICY)",
    )
    serve.add_argument(
        "--today",
        type=_date,
        default=os.environ.get(ENV_TODAY),
        help="pin the calendar date, YYYY-MM-DD (demos and tests; default: today in Stockholm)",
    )

    demo = commands.add_parser("demo", help="seed a fresh demo database and run a scripted conversation")
    demo.add_argument("--keep", action="store_true", help="keep the demo database and print its path")

    db = commands.add_parser("db", help="database schema commands")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="create or upgrade the schema to the newest version")
    _add_database_option(upgrade)
    current = db_commands.add_parser("current", help="print the schema version of the database")
    _add_database_option(current)

    seed = commands.add_parser("seed", help="load billers, customers and invoices from a fixture folder")
    seed.add_argument(
        "path", type=Path, help="folder with billers.json, customers.json, ... (see docs/fixtures.md)"
    )
    _add_database_option(seed)

    token = commands.add_parser("token", help="create, list and revoke API tokens for the HTTP transport")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="TOKEN_COMMAND")
    create = token_commands.add_parser("create", help="create a token and print it once")
    _add_database_option(create)
    create.add_argument("--biller", required=True, help="biller id")
    principal_kind = create.add_mutually_exclusive_group(required=True)
    principal_kind.add_argument("--customer", help="a customer token: the customer number")
    principal_kind.add_argument(
        "--operator", help="an operator token: the operator's id (e.g. an e-mail or staff id)"
    )
    create.add_argument(
        "--scope",
        action="append",
        choices=["read", "act"],
        help="read and/or act (repeatable; default: both)",
    )
    create.add_argument(
        "--expires-in-days",
        type=_token_lifetime_days,
        default=90,
        help=f"lifetime in days, 1 to {MAX_TOKEN_DAYS} (default: 90)",
    )
    create.add_argument("--name", help="a note to recognise the token by")
    listing = token_commands.add_parser("list", help="list tokens (never the tokens themselves)")
    _add_database_option(listing)
    listing.add_argument("--biller", help="only this biller")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    _add_database_option(revoke)
    revoke.add_argument("id", type=int, help="token id from 'token list'")

    from invoice_mcp.importers import add_import_arguments

    add_import_arguments(
        commands.add_parser(
            "import",
            help="import Peppol BIS Billing 3.0 / EN 16931 e-invoices (UBL 2.1 or CII) into the store",
        )
    )

    mandate = commands.add_parser(
        "activate-mandate", help="activate a customer's autogiro mandate after the payer signed it"
    )
    _add_database_option(mandate)
    mandate.add_argument("--biller", required=True, help="biller id")
    mandate.add_argument("--customer", required=True, help="customer number")

    audit = commands.add_parser("audit", help="list audit events, newest first")
    _add_database_option(audit)
    audit.add_argument("--biller", help="only this biller")
    audit.add_argument("--customer", help="only this customer number (needs --biller)")
    audit.add_argument("--since", type=_date, help="only events on or after this date, YYYY-MM-DD (UTC)")
    audit.add_argument("--action", choices=AUDITED_ACTIONS, help="only this action")
    audit.add_argument("--outcome", choices=["quoted", "applied", "refused"], help="only this outcome")
    audit.add_argument(
        "--limit", type=_positive_int, default=50, help="at most this many events (default: 50)"
    )
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    for subparser in [
        *commands.choices.values(),
        *db_commands.choices.values(),
        *token_commands.choices.values(),
    ]:
        _add_log_level_option(subparser)
    return parser


def _configure_logging(level: str) -> None:
    # stdout carries the MCP stdio transport, so every log line goes to stderr.
    logging.basicConfig(
        level=getattr(logging, level),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic logs each of its plugins at INFO when it loads; only the migrations themselves are news.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(logging.WARNING, logging.getLogger().level))


def _engine(url: str | None, *, create: bool = False):  # type: ignore[no-untyped-def]
    """Open the store; unless `create` is set, a missing SQLite file is an error, not a new file."""
    from sqlalchemy import make_url

    from invoice_mcp.store.engine import make_engine, resolve_database_url

    resolved = resolve_database_url(url)
    parsed = make_url(resolved)
    if not create and parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database).expanduser()
        if not path.exists():
            raise CommandError(
                f"database file {path} does not exist; create it with 'invoice-mcp db upgrade'"
            )
    return make_engine(resolved)


def open_store(url: str | None):  # type: ignore[no-untyped-def]
    """Open an existing store at the newest schema, as every command but `db` and `demo` needs.

    Raises CommandError when the SQLite file does not exist or the schema is missing or old,
    in place of a "no such table" error from the command's first query.
    """
    from invoice_mcp.store.migrate import is_up_to_date

    engine = _engine(url)
    if not is_up_to_date(engine):
        engine.dispose()
        raise CommandError("the database schema is missing or old: run 'invoice-mcp db upgrade' first")
    return engine


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve MCP. Arguments and the policy file are checked before serving.

    Over HTTP the store is opened and checked before serving as well. Over stdio that happens
    right after the transport is up (`_open_stdio_store`), because importing SQLAlchemy and the
    table models would otherwise delay the responses to initialize and tools/list by a few
    hundred milliseconds.
    """
    from invoice_mcp.policy_file import load_policies

    if args.transport == "stdio" and (not args.biller or not args.customer):
        raise CommandError(
            "serve needs --biller and --customer (or INVOICE_MCP_BILLER and INVOICE_MCP_CUSTOMER): "
            "the stdio server acts for exactly one customer"
        )
    policies = load_policies(args.policy)
    if args.transport == "http":
        return _serve_http(args, open_store(args.database_url), policies)
    return _serve_stdio(args, policies)


def _serve_stdio(args: argparse.Namespace, policies) -> int:  # type: ignore[no-untyped-def]
    import anyio

    from invoice_mcp.domain.principal import Principal
    from invoice_mcp.server.app import PendingStore, ServerSettings, build_server
    from invoice_mcp.server.stdio import serve_stdio

    store = PendingStore()
    settings = ServerSettings(
        engine=store,
        principal=Principal(kind="customer", biller_id=args.biller, customer_number=args.customer),
        policies=policies,
        today=args.today,
    )
    server = build_server(settings, output_schemas=args.output_schemas)

    async def serve() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(anyio.to_thread.run_sync, _open_stdio_store, args, policies, store)
            await serve_stdio(server)

    logger.info(
        "serving stdio for customer %s of biller %s while the billing store opens", args.customer, args.biller
    )
    anyio.run(serve)
    logger.info("stdio session ended")
    return 0


def _open_stdio_store(args: argparse.Namespace, policies, store) -> None:  # type: ignore[no-untyped-def]
    """Open the store and check the principal while the stdio transport already serves.

    On success, requests waiting in `store` go on. On failure the process prints the error as
    `main` would and exits at once with status 2 (1 for an unexpected error), without responding
    to the requests that wait for the store.
    """
    try:
        engine = open_store(args.database_url)
        _check_principal(engine, args.biller, args.customer, policies)
    except Exception as exc:
        message = _format_user_error(exc)
        status = 2
        if message is None:
            logger.exception("opening the billing store failed")
            message, status = f"opening the billing store failed: {exc!r}", 1
        print(f"invoice-mcp: error: {message}", file=sys.stderr)
        sys.stderr.flush()
        # End the process here, because the transport's worker thread is blocked reading stdin.
        # anyio cannot cancel it, and a normal exit would wait until the client writes or closes stdin.
        os._exit(status)
    store.set_engine(engine)
    logger.info("billing store is open and customer %s of biller %s exists", args.customer, args.biller)


def _run_http(server, verifier, options) -> None:  # type: ignore[no-untyped-def]
    """Serve HTTP until stopped; an address that cannot be bound is a usage error."""
    from invoice_mcp.server.http import ListenError, run_http

    try:
        run_http(server, verifier, options)
    except ListenError as exc:
        raise CommandError(str(exc)) from exc


def _serve_http(args: argparse.Namespace, engine, policies) -> int:  # type: ignore[no-untyped-def]
    from invoice_mcp.server.app import ServerSettings, build_server
    from invoice_mcp.server.http import (
        HttpOptions,
        InvoiceTokenVerifier,
        JwtSettings,
        auth_settings,
        check_jwt_key_file,
    )

    if args.biller or args.customer:
        raise CommandError(
            "--biller and --customer are for stdio; over HTTP each bearer token names its principal"
        )
    jwt = None
    jwt_options = (args.jwt_key_file, args.jwt_issuer, args.jwt_audience)
    if any(jwt_options):
        if not all(jwt_options):
            raise CommandError(
                "JWT verification needs --jwt-key-file, --jwt-issuer and --jwt-audience together"
            )
        if not args.jwt_key_file.exists():
            raise CommandError(f"JWT key file {args.jwt_key_file} does not exist")
        try:
            check_jwt_key_file(args.jwt_key_file)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        jwt = JwtSettings(key_file=args.jwt_key_file, issuer=args.jwt_issuer, audience=args.jwt_audience)
    options = HttpOptions(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        allowed_hosts=tuple(args.allowed_host),
        allowed_origins=tuple(args.allowed_origin),
        max_body_bytes=args.max_body_bytes,
        max_request_seconds=args.max_request_seconds,
        jwt=jwt,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("binding to %s: put TLS in front (a reverse proxy) before exposing it", args.host)
    if args.dev_principal:
        return _serve_http_without_authorization(args, engine, policies, options)
    _warn_unknown_policy_billers(engine, policies)
    # The SDK logs every stateless request's session end at INFO.
    logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)
    verifier = InvoiceTokenVerifier(engine=engine, jwt=jwt)
    settings = ServerSettings(engine=engine, principal=None, policies=policies, today=args.today)
    server = build_server(
        settings,
        output_schemas=args.output_schemas,
        auth=auth_settings(options),
        token_verifier=verifier,
    )
    _run_http(server, verifier, options)
    return 0


def _serve_http_without_authorization(args: argparse.Namespace, engine, policies, options) -> int:  # type: ignore[no-untyped-def]
    from invoice_mcp.domain.principal import Principal
    from invoice_mcp.server.app import ServerSettings, build_server

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise CommandError(
            "--dev-principal turns authorization off, so it only binds to 127.0.0.1, localhost or ::1"
        )
    biller, _, customer = args.dev_principal.partition("/")
    if not biller or not customer:
        raise CommandError(
            f"--dev-principal '{args.dev_principal}' is invalid: use BILLER/CUSTOMER, e.g. nordvag/100234"
        )
    _check_principal(engine, biller, customer, policies)
    principal = Principal(kind="customer", biller_id=biller, customer_number=customer)
    logger.warning("authorization is off: every request acts for %s", principal.label)
    settings = ServerSettings(engine=engine, principal=principal, policies=policies, today=args.today)
    _run_http(build_server(settings, output_schemas=args.output_schemas), None, options)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from invoice_mcp.domain.principal import Principal
    from invoice_mcp.service import tokens
    from invoice_mcp.store.repository import as_utc

    engine = open_store(args.database_url)
    now = dt.datetime.now(dt.UTC)
    if args.token_command == "create":
        _check_biller_and_customer(engine, args.biller, args.customer)
        if args.customer:
            principal = Principal(kind="customer", biller_id=args.biller, customer_number=args.customer)
        else:
            principal = Principal(kind="operator", biller_id=args.biller, operator_id=args.operator)
        scopes = tuple(args.scope or ("read", "act"))
        if "read" not in scopes:
            logger.warning("a token without the read scope gets 403 for every request; add --scope read")
        token, row = tokens.create_token(
            engine,
            principal,
            scopes,
            now=now,
            expires_in=dt.timedelta(days=args.expires_in_days),
            name=args.name,
        )
        print(token)
        expires = row.expires_at.date().isoformat() if row.expires_at else "never"
        print(
            f"token {row.id} for {principal.label}, scopes {row.scopes}, expires {expires}; "
            "it is shown only now",
            file=sys.stderr,
        )
        return 0
    if args.token_command == "list":
        if args.biller:
            # A misspelt biller would otherwise look like a biller without tokens.
            _check_biller_and_customer(engine, args.biller, None)
        rows = tokens.list_tokens(engine, args.biller)
        for row in rows:
            expires_at = as_utc(row.expires_at)
            state = "active"
            if row.revoked_at:
                state = "revoked"
            elif expires_at and expires_at <= now:
                state = "expired"
            holder = row.customer_number if row.kind == "customer" else row.operator_id
            expires = row.expires_at.date().isoformat() if row.expires_at else "never"
            print(
                f"{row.id}\t{row.token_prefix}…\t{row.kind}:{row.biller_id}/{holder}\t{row.scopes}\t"
                f"expires {expires}\t{state}\t{row.name or ''}"
            )
        if not rows:
            # On stderr, so that stdout stays empty for scripts that read the list.
            print("no tokens match", file=sys.stderr)
        return 0
    row = tokens.revoke_token(engine, args.id, now)
    print(f"token {row.id} is revoked")
    return 0


def _check_principal(engine, biller_id: str, customer_number: str, policies) -> None:  # type: ignore[no-untyped-def]
    """Fail at startup when the biller or customer does not exist, instead of on every call."""
    _check_biller_and_customer(engine, biller_id, customer_number)
    _warn_unknown_policy_billers(engine, policies)


def _check_biller_and_customer(engine, biller_id: str, customer_number: str | None) -> None:  # type: ignore[no-untyped-def]
    """Raise CommandError unless the biller exists and has the customer, when one is given."""
    from sqlmodel import Session, select

    from invoice_mcp.store.models import Biller, Customer

    with Session(engine) as session:
        known = set(session.exec(select(Biller.id)).all())
        if biller_id not in known:
            raise CommandError(
                f"biller '{biller_id}' not found; known billers: {', '.join(sorted(known)) or 'none'}"
            )
        if customer_number is None:
            return
        customer = session.exec(
            select(Customer.id).where(
                Customer.biller_id == biller_id, Customer.customer_number == customer_number
            )
        ).first()
    if customer is None:
        raise CommandError(f"customer '{customer_number}' not found for biller '{biller_id}'")


def _warn_unknown_policy_billers(engine, policies) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from invoice_mcp.store.models import Biller

    with Session(engine) as session:
        known = set(session.exec(select(Biller.id)).all())
    for unknown in sorted(set(policies.per_biller) - known):
        logger.warning(
            "the policy file has a section for biller '%s', which is not in the database; its rules are unused",
            unknown,
        )


def cmd_db(args: argparse.Namespace) -> int:
    from invoice_mcp.store.migrate import current_revision, upgrade

    engine = _engine(args.database_url, create=args.db_command == "upgrade")
    if args.db_command == "upgrade":
        upgrade(engine)
        print(
            f"schema is at version {current_revision(engine)} ({engine.url.render_as_string(hide_password=True)})"
        )
        return 0
    revision = current_revision(engine)
    print(revision or "no schema")
    return 0 if revision else 1


def cmd_seed(args: argparse.Namespace) -> int:
    from invoice_mcp.store.seed import load_fixtures

    engine = open_store(args.database_url)
    report = load_fixtures(engine, args.path)
    print(f"loaded {report} from {args.path}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from sqlmodel import Session, col, select

    from invoice_mcp.store.models import AuditEvent, Customer
    from invoice_mcp.store.repository import as_utc

    if args.customer and not args.biller:
        raise CommandError("--customer needs --biller: customer numbers are unique per biller")
    engine = open_store(args.database_url)
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(args.limit)
    if args.biller:
        # A misspelt filter would otherwise look like a biller or customer without events.
        _check_biller_and_customer(engine, args.biller, args.customer)
        query = query.where(AuditEvent.biller_id == args.biller)
    if args.customer:
        customer_ids = select(Customer.id).where(
            Customer.biller_id == args.biller, Customer.customer_number == args.customer
        )
        query = query.where(col(AuditEvent.customer_id).in_(customer_ids))
    if args.since:
        query = query.where(AuditEvent.occurred_at >= dt.datetime.combine(args.since, dt.time(), dt.UTC))
    if args.action:
        query = query.where(AuditEvent.action == args.action)
    if args.outcome:
        query = query.where(AuditEvent.outcome == args.outcome)
    with Session(engine) as session:
        events = session.exec(query).all()
        for event in events:
            occurred = as_utc(event.occurred_at)
            if args.json:
                row = event.model_dump(mode="json")
                row["occurred_at"] = occurred.isoformat() if occurred else None
                print(json.dumps(row, ensure_ascii=False))
            else:
                params = json.dumps(event.parameters, ensure_ascii=False, sort_keys=True)
                print(
                    f"{occurred:%Y-%m-%d %H:%M:%S%z} {event.actor} {event.action} {event.outcome}"
                    f"{' ' + event.code if event.code else ''} invoice_id={event.invoice_id} {params}"
                )
    if not events:
        # The notice goes to stderr, so that stdout stays empty and --json output valid JSON Lines.
        print("no audit events match", file=sys.stderr)
    return 0


def cmd_activate_mandate(args: argparse.Namespace) -> int:
    from invoice_mcp.domain.principal import Principal
    from invoice_mcp.service.actions import activate_autogiro_mandate

    principal = Principal(kind="operator", biller_id=args.biller, operator_id="cli")
    engine = open_store(args.database_url)
    _check_biller_and_customer(engine, args.biller, args.customer)
    mandate = activate_autogiro_mandate(engine, principal, args.customer, dt.datetime.now(dt.UTC))
    print(f"autogiro mandate {mandate.id} of customer {args.customer} is active")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from invoice_mcp.importers import run_import

    return run_import(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from invoice_mcp.demo import run_demo

    return run_demo(keep=args.keep)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(getattr(args, "log_level", None) or ("WARNING" if args.command == "demo" else "INFO"))
    handlers = {
        "serve": cmd_serve,
        "db": cmd_db,
        "seed": cmd_seed,
        "audit": cmd_audit,
        "demo": cmd_demo,
        "activate-mandate": cmd_activate_mandate,
        "token": cmd_token,
        "import": cmd_import,
    }
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        # The reader went away (`invoice-mcp audit | head`); send the rest of the output nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        message = _format_user_error(exc)
        if message is None:
            raise
        print(f"invoice-mcp: error: {message}", file=sys.stderr)
        return 2


POSTGRES_URL_EXAMPLE = "postgresql+psycopg://USER@HOST/DBNAME"


def _format_user_error(exc: Exception) -> str | None:
    """Return the one-line message for an error that the user can fix, or None for any other error."""
    from invoice_mcp.domain.errors import BillingError

    if isinstance(exc, CommandError | BillingError):
        return str(exc)
    # Imported here, not at the top, because SQLAlchemy takes a few hundred milliseconds to import
    # and `serve` over stdio responds to its first requests before it needs the database.
    from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

    if isinstance(exc, OperationalError):
        # Connection failures: one line, without the SQL or the URL's password.
        return f"the database is unavailable: {exc.orig}"
    if isinstance(exc, DatabaseError):
        return f"the database could not be read: {exc.orig}"
    if isinstance(exc, NoSuchModuleError):
        # The message names the missing dialect, never the URL.
        return f"the database URL names an unknown database kind: {exc}; use sqlite:///PATH or {POSTGRES_URL_EXAMPLE}"
    if isinstance(exc, ArgumentError):
        # The message may quote the URL and its password, so it is not shown.
        return f"the database URL is invalid; use sqlite:///PATH or {POSTGRES_URL_EXAMPLE}"
    if isinstance(exc, ModuleNotFoundError):
        # SQLAlchemy imports a URL's driver when the engine is created.
        return (
            f"the database driver {exc.name!r} is not installed; use sqlite:///PATH, or PostgreSQL through "
            f"psycopg ({POSTGRES_URL_EXAMPLE}) with the postgres extra: pip install 'invoice-mcp[postgres]'"
        )
    return None


if __name__ == "__main__":
    sys.exit(main())
