"""``ledger export [FILE]``: the full log as NDJSON — the way to back up or move a ledger."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ledger.cli.console import err, fail, progress
from ledger.cli.context import cli_recorder, open_ledger
from ledger.rest.transfer import export_lines
from ledger.security.roles import Caller, Role
from ledger.store.verification import ChainBroken


def export(
    file: Annotated[
        Path | None,
        typer.Argument(help="where to write the export (default: standard output)", dir_okay=False),
    ] = None,
) -> None:
    """Write every event, restricted ones included, as NDJSON in position order.

    The export carries everything the hash chain covers: `ledger import` rebuilds an identical
    ledger from it on SQLite or PostgreSQL.
    """
    ledger = open_ledger()
    # The operator holds the database itself: the export is full, as an admin's would be.
    operator = Caller(name=cli_recorder(), role=Role.ADMIN)
    total = ledger.store.head().position
    try:
        target: TextIO = (
            file.open("w", encoding="utf-8", newline="\n") if file is not None else sys.stdout
        )
    except OSError as exc:
        fail(f"{file}: cannot write: {exc.strerror}")
    count = 0
    with progress("exporting", total) as advance:
        try:
            for line in export_lines(ledger.store, operator):
                target.write(line)
                count += 1
                advance()
        except ChainBroken as broken:
            fail(f"{broken}: the export stops before it; run `ledger verify`")
        finally:
            if file is not None:
                target.close()
    if file is not None:
        err.print(f"exported {count} events to {file}", highlight=False, soft_wrap=True)
