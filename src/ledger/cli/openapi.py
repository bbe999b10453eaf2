"""``ledger openapi``: write the REST API's description from the app itself.

The committed ``openapi/openapi.json`` is this command's output; a test fails when it differs
from what the app serves, so the file never drifts from the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger.cli.console import fail, out
from ledger.config import Settings

DEFAULT_PATH = Path("openapi/openapi.json")


def served_schema() -> dict[str, Any]:
    """The schema the app serves at /openapi.json; building it touches no database."""
    from ledger.app import create_app

    schema: dict[str, Any] = create_app(Settings(database_url="sqlite://")).openapi()
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def openapi(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="the file to write", dir_okay=False)
    ] = DEFAULT_PATH,
    check: Annotated[
        bool, typer.Option("--check", help="write nothing; fail if the file is out of date")
    ] = False,
) -> None:
    """Write the OpenAPI description of the REST API (default: openapi/openapi.json)."""
    text = render(served_schema())
    if check:
        current = output.read_text(encoding="utf-8") if output.is_file() else None
        if current != text:
            fail(f"{output} is out of date: run `ledger openapi`")
        out.print(f"{output} is up to date", highlight=False, soft_wrap=True)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror}")
    out.print(f"wrote {output}", highlight=False, soft_wrap=True)
