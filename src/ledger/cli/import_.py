"""``ledger import FILE``: replay an export into an empty store; the hashes must come out equal."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Annotated

import typer

from ledger.cli.console import fail, out, progress
from ledger.cli.context import open_ledger
from ledger.domain.errors import LedgerError
from ledger.service.transfer import ImportLineError, check_export, write_export


def import_(
    file: Annotated[Path, typer.Argument(help="an export written by `ledger export`")],
) -> None:
    """Check the whole file's hash chain, then write it into an empty (migrated) database."""
    if not file.exists():
        fail(f"{file}: no such file")
    if file.is_dir():
        fail(f"{file} is a directory: give the file that 'ledger export FILE' wrote")
    if not file.is_file():
        # The file is read twice (checked whole, then written), which a pipe or device cannot do.
        fail(f"{file} is not a regular file: save the export to a file and import that")

    def open_lines() -> IO[str]:
        return file.open(encoding="utf-8")

    ledger = open_ledger()
    try:
        with progress("checking", None) as advance:
            count = check_export(ledger.store, open_lines, advance)
        with progress("importing", count) as advance:
            write_export(ledger.service, open_lines, advance)
    except ImportLineError as exc:
        fail(exc.located(file))
    except LedgerError as exc:
        fail(f"{file}: {exc}")
    head = ledger.store.head()
    out.print(
        f"imported {count} events; head {head.position} {head.hash}",
        highlight=False,
        soft_wrap=True,
    )
