"""``ledger token create|list|revoke``: API bearer tokens, shown once, stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ledger.cli.console import fail, out
from ledger.cli.context import open_ledger
from ledger.domain.errors import LedgerError
from ledger.security.roles import Role
from ledger.security.tokens import create_token, list_tokens, revoke_token

app = typer.Typer(help="Manage API bearer tokens.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option(help="who the token is for; recorded as recordedBy")],
    role: Annotated[Role, typer.Option(help="reader, editor or admin")],
) -> None:
    """Print a new token once; only its hash is stored."""
    try:
        token = create_token(open_ledger().engine, name, role)
    except LedgerError as exc:
        fail(str(exc))
    print(token)


@app.command("list")
def list_() -> None:
    """Names, roles, creation and last use — never the tokens."""
    table = Table("name", "role", "created", "last used", "revoked")
    for info in list_tokens(open_ledger().engine):
        table.add_row(
            info.name,
            info.role.value,
            info.created_at.isoformat(timespec="seconds"),
            info.last_used_at.isoformat(timespec="seconds") if info.last_used_at else "-",
            info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "-",
        )
    out.print(table)


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="the token's name")]) -> None:
    """Revoke the active token of that name; requests carrying it then get 401."""
    try:
        revoke_token(open_ledger().engine, name)
    except LedgerError as exc:
        fail(str(exc))
    out.print(f"revoked '{name}'")
