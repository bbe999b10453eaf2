"""``ledger schema``: print or write the GraphQL SDL from the served schema.

The committed ``schema.graphql`` is this command's output (front-end code generators read it); a
test fails when it differs from the served schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.console import fail, out

DEFAULT_PATH = Path("schema.graphql")


def schema(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="write to this file (schema.graphql at the root)"),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="write nothing; fail if the file is out of date")
    ] = False,
) -> None:
    """Print the GraphQL schema (SDL); with --output, write it; with --check, compare it."""
    from ledger.graphql.schema import print_sdl

    text = print_sdl()
    if check:
        path = output or DEFAULT_PATH
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            fail(f"{path} is out of date: run `ledger schema --output {path}`")
        out.print(f"{path} is up to date", highlight=False)
        return
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror}")
    out.print(f"wrote {output}", highlight=False)
