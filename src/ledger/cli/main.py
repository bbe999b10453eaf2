"""``ledger``: migrate, load, serve, rebuild, verify, tokens — all built by the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import ledger
from ledger.cli import export, import_, openapi, schema, tokens
from ledger.cli.batch import batch_collection
from ledger.cli.console import err, fail, out, progress
from ledger.cli.context import cli_recorder, open_ledger
from ledger.cli.errors import LedgerGroup
from ledger.dataset.files import DatasetError, read_dataset
from ledger.dataset.loader import load_dataset
from ledger.dataset.schemas import write_schemas
from ledger.domain.errors import LedgerError
from ledger.projections.rebuild import (
    newest_projected_knowledge,
    projected_event_count,
    rebuild,
    verify_projections,
)
from ledger.store.migrate import upgrade
from ledger.store.privileges import excess_privileges, grant_app_role
from ledger.store.verification import head_reached, parse_head, verify_chain

app = typer.Typer(
    cls=LedgerGroup,
    help="Ledger: an event-sourced, bitemporal record of human-rights accountability.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(tokens.app, name="token")


def _version(value: bool) -> None:
    if value:
        out.print(f"ledger {ledger.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="LEDGER_DEBUG", help="On an error, show the traceback as well."
        ),
    ] = False,
) -> None:
    """Configure with LEDGER_DATABASE_URL (default: sqlite:///ledger.db in this directory)."""


@app.command()
def migrate(
    grant_to: Annotated[
        str | None,
        typer.Option(
            "--grant-to",
            metavar="ROLE",
            help="PostgreSQL: grant ROLE what `ledger serve` needs and no more (run as owner)",
        ),
    ] = None,
) -> None:
    """Create or upgrade the database schema (alembic, from migrations/)."""
    ledger = open_ledger(migrating=True)
    upgrade(ledger.engine)
    out.print(f"migrated {ledger.database_kind} database to the latest schema")
    if grant_to is not None:
        try:
            grant_app_role(ledger.engine, grant_to)
        except LedgerError as exc:
            fail(f"--grant-to: {exc.message}")
        out.print(f"granted {grant_to} SELECT and INSERT on events and what serving needs")


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="the data set folder")] = Path("events"),
) -> None:
    """Validate every file of the data set, then append it; loading twice stores nothing new."""
    with batch_collection():
        try:
            dataset = read_dataset(path)
        except DatasetError as exc:
            fail(str(exc))
        ledger = open_ledger()
        try:
            with progress("loading", len(dataset.streams)) as advance:
                report = load_dataset(
                    ledger.service,
                    path,
                    recorded_by=cli_recorder(),
                    progress=advance,
                    dataset=dataset,
                )
        except DatasetError as exc:
            fail(str(exc))
        except LedgerError as exc:
            fail(f"{path}: {exc}")
        finally:
            ledger.close()
    out.print(
        f"{report.streams} streams, {report.events_read} events read;"
        f" {report.events_stored} new events stored"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="server processes, each with its own connection pool (LEDGER_DB_POOL_SIZE);"
            " about one per CPU core",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option(help="log each request (off when a proxy in front logs them)")
    ] = True,
) -> None:
    """Serve GraphQL at /graphql, REST under /v1, OpenAPI at /openapi.json, health at /healthz.

    Refuses a database that is missing or not at this ledger's schema (run `ledger migrate`).
    """
    from ledger.http.serving import CannotListen
    from ledger.http.serving import serve as serve_app

    ledger = open_ledger(serving=True)  # a bad LEDGER_DATABASE_URL fails here, once, in one line
    for excess in excess_privileges(ledger.engine):
        err.print(
            f"warning: the database role {excess}: serve as a role granted by"
            " `ledger migrate --grant-to ROLE` (see README, Least privilege)",
            highlight=False,
            soft_wrap=True,
        )
    base = f"http://{host}:{port}"
    out.print(f"GraphQL  {base}/graphql\nREST     {base}/v1\nOpenAPI  {base}/openapi.json")
    out.print(f"Health   {base}/healthz\nDatabase {ledger.database_kind}, {workers} worker(s)")
    request_timeout = ledger.settings.request_timeout
    ledger.close()
    try:
        # An import string, not an app object: each worker process builds its own app (and
        # engine) from the environment with the factory.
        serve_app(
            "ledger.app:create_app",
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            # requests past their deadline are cancelled; stopping waits no longer than that
            graceful_seconds=round(request_timeout) + 5,
        )
    except CannotListen as exc:
        fail(f"cannot listen on {exc}")


#: Said whenever the events themselves are in doubt: rebuilding would bless the damage.
RESTORE = "the events were altered: restore them from a backup; do not run `ledger rebuild`"


@app.command()
def head() -> None:
    """Print the newest POSITION:HASH. Keep it elsewhere (publish it): `ledger verify --head`
    then proves that no event up to it was deleted or rewritten since."""
    newest = open_ledger().store.head()
    out.print(f"{newest.position}:{newest.hash}", highlight=False, soft_wrap=True)


@app.command()
def verify(
    published: Annotated[
        str | None,
        typer.Option(
            "--head",
            metavar="POSITION:HASH",
            help="a head printed by `ledger head` earlier: fail unless the chain reaches it",
        ),
    ] = None,
) -> None:
    """Check the hash chain (and the projections); exit non-zero naming the first bad position."""
    try:
        expected = parse_head(published) if published is not None else None
    except ValueError as exc:
        fail(f"--head: {exc}")
    ledger = open_ledger()
    newest = ledger.store.head()
    with progress("verifying chain", newest.position) as advance:
        report = verify_chain(ledger.store, advance)
    if not report.ok:
        fail(
            f"hash chain broken at position {report.first_bad_position}: {report.reason}; {RESTORE}"
        )
    out.print(f"hash chain ok: {report.checked} events")
    if expected is not None:
        missed = head_reached(ledger.store, *expected)
        if missed is not None:
            fail(f"the chain does not reach the published head {published}: {missed}; {RESTORE}")
        out.print(f"published head {expected[0]} reached unchanged")
    known = newest_projected_knowledge(ledger.engine)
    if known is not None and (newest.recorded_at is None or known > newest.recorded_at):
        fail(
            f"the projections hold what was recorded at {known.isoformat()}, after the newest"
            f" event ({newest.position}): events were deleted from the end of the log; {RESTORE}"
        )
    with progress("verifying projections", projected_event_count(ledger.engine)) as advance:
        projections = verify_projections(ledger.engine, advance)
    if not projections.ok:
        where = f" (stream from position {projections.first_bad_position})"
        advice = (
            "run `ledger rebuild`"
            if expected is not None
            else "if `ledger verify --head` with a head published earlier passes, run"
            " `ledger rebuild`; if it fails, the events were altered: restore from a backup"
        )
        fail(
            f"projections differ from a fresh fold for stream '{projections.first_bad_stream}'"
            f"{where if projections.first_bad_position is not None else ''}: {advice}"
        )
    out.print(f"projections ok: {projections.streams} streams, {projections.rows} state versions")


@app.command("rebuild")
def rebuild_command() -> None:
    """Drop every projection and rebuild it from the events (streaming, one stream at a time)."""
    ledger = open_ledger()
    total = projected_event_count(ledger.engine)
    with batch_collection(), progress("rebuilding projections", total) as advance:
        report = rebuild(ledger.engine, advance)
    ledger.close()
    out.print(
        f"rebuilt {report.streams} streams from {report.events} events:"
        f" {report.rows} state versions"
    )


@app.command("event-schemas")
def event_schemas(
    folder: Annotated[Path, typer.Argument(help="where to write them")] = Path("events/schemas"),
) -> None:
    """Write the JSON Schema of every event type (one file per type) for editors of events/."""
    written = write_schemas(folder)
    out.print(f"wrote {len(written)} schemas to {folder}")


app.command("export")(export.export)
app.command("import")(import_.import_)
app.command("openapi")(openapi.openapi)
app.command("schema")(schema.schema)
