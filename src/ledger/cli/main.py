"""``ledger``: migrate, load, serve, rebuild, verify, tokens — all built by the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger import __version__
from ledger.cli import export, import_, openapi, tokens
from ledger.cli.console import fail, out, progress
from ledger.cli.context import cli_recorder, open_ledger
from ledger.cli.errors import LedgerGroup
from ledger.dataset.files import DatasetError, read_dataset
from ledger.dataset.loader import load_dataset
from ledger.dataset.schemas import write_schemas
from ledger.domain.errors import LedgerError
from ledger.graphql import sdl_command
from ledger.projections.rebuild import projected_event_count, rebuild, verify_projections
from ledger.store.migrate import upgrade
from ledger.store.verification import verify_chain

app = typer.Typer(
    cls=LedgerGroup,
    help="Ledger: an event-sourced, bitemporal record of human-rights accountability.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(tokens.app, name="token")


def _version(value: bool) -> None:
    if value:
        out.print(f"ledger {__version__}")
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
def migrate() -> None:
    """Create or upgrade the database schema (alembic, from migrations/)."""
    ledger = open_ledger(migrating=True)
    upgrade(ledger.engine)
    out.print(f"migrated {ledger.database_kind} database to the latest schema")


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="the data set folder")] = Path("events"),
) -> None:
    """Validate every file of the data set, then append it; loading twice stores nothing new."""
    try:
        dataset = read_dataset(path)
    except DatasetError as exc:
        fail(str(exc))
    ledger = open_ledger()
    try:
        with progress("loading", len(dataset.streams)) as advance:
            report = load_dataset(
                ledger.store, path, recorded_by=cli_recorder(), progress=advance, dataset=dataset
            )
    except LedgerError as exc:
        fail(f"{path}: {exc}")
    out.print(
        f"{report.streams} streams, {report.events_read} events read;"
        f" {report.events_stored} new events stored"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
) -> None:
    """Serve GraphQL at /graphql, REST under /v1, OpenAPI at /openapi.json, health at /healthz.

    Refuses a database that is missing or not at this ledger's schema (run `ledger migrate`).
    """
    import uvicorn

    from ledger.app import create_app

    ledger = open_ledger()
    base = f"http://{host}:{port}"
    out.print(f"GraphQL  {base}/graphql\nREST     {base}/v1\nOpenAPI  {base}/openapi.json")
    out.print(f"Health   {base}/healthz\nDatabase {ledger.database_kind}")
    uvicorn.run(create_app(ledger=ledger), host=host, port=port, log_level="info")


@app.command()
def verify() -> None:
    """Check the hash chain (and the projections); exit non-zero naming the first bad position."""
    ledger = open_ledger()
    with progress("verifying chain", ledger.store.head().position) as advance:
        report = verify_chain(ledger.store, advance)
    if not report.ok:
        fail(f"hash chain broken at position {report.first_bad_position}: {report.reason}")
    out.print(f"hash chain ok: {report.checked} events")
    with progress("verifying projections", projected_event_count(ledger.engine)) as advance:
        projections = verify_projections(ledger.engine, advance)
    if not projections.ok:
        where = f" (stream from position {projections.first_bad_position})"
        fail(
            f"projections differ from a fresh fold for stream '{projections.first_bad_stream}'"
            f"{where if projections.first_bad_position is not None else ''}: run `ledger rebuild`"
        )
    out.print(f"projections ok: {projections.streams} streams, {projections.rows} state versions")


@app.command("rebuild")
def rebuild_command() -> None:
    """Drop every projection and rebuild it from the events (streaming, one stream at a time)."""
    ledger = open_ledger()
    with progress("rebuilding projections", projected_event_count(ledger.engine)) as advance:
        report = rebuild(ledger.engine, advance)
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
app.command("schema")(sdl_command.schema)
