"""Bearer tokens end to end: the CLI creates, lists and revokes them; HTTP honours that at once."""

from __future__ import annotations

import base64
import getpass
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from ledger.cli.context import cli_recorder
from ledger.cli.main import app as cli
from ledger.container import Ledger
from ledger.security.roles import Role
from ledger.security.tokens import TOKENS, authenticate, create_token

TOKEN_SHAPE = re.compile(r"^ldg_[A-Za-z0-9_-]{43}$")

runner = CliRunner()


def ledger_cli(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"LEDGER_DATABASE_URL": database_url})
    return result.exit_code, result.output


def stored_rows(ledger: Ledger) -> list[tuple[object, ...]]:
    with ledger.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(TOKENS))]


def test_cli_token_lifecycle_is_honoured_over_http(
    ledger: Ledger, client: TestClient, database_url: str
) -> None:
    code, output = ledger_cli(database_url, "token", "create", "--name", "ed-1", "--role", "editor")
    assert code == 0, output
    token = output.strip()
    assert TOKEN_SHAPE.match(token), "the token is printed alone, on one line"
    assert len(base64.urlsafe_b64decode(token[4:] + "=")) >= 32, "at least 256 bits of entropy"

    rows = stored_rows(ledger)
    assert len(rows) == 1
    assert not any(token in str(value) or token[4:] in str(value) for value in rows[0]), (
        "only a hash of the token is stored"
    )

    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/healthz", headers=headers).status_code == 200

    code, listing = ledger_cli(database_url, "token", "list")
    assert code == 0
    assert "ed-1" in listing and "editor" in listing
    assert token[4:12] not in listing, "the list never shows a token"

    code, output = ledger_cli(database_url, "token", "revoke", "ed-1")
    assert code == 0, output
    answer = client.get("/v1/events", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert authenticate(ledger.engine, token).rejected_token


def test_cli_refusals(ledger: Ledger, database_url: str) -> None:
    assert ledger_cli(database_url, "token", "create", "--name", "a", "--role", "reader")[0] == 0
    code, output = ledger_cli(database_url, "token", "create", "--name", "a", "--role", "admin")
    assert code == 1 and "exists" in output, "an active name is not reused"
    code, output = ledger_cli(database_url, "token", "create", "--name", "b", "--role", "root")
    assert code == 1 and "'--role'" in output, "unknown roles are refused by the option parser"
    code, output = ledger_cli(
        database_url, "token", "create", "--name", "x'; --", "--role", "admin"
    )
    assert code == 1 and "name" in output
    code, output = ledger_cli(database_url, "token", "revoke", "nobody")
    assert code == 1 and "nobody" in output
    assert [row[1] for row in stored_rows(ledger)] == ["a"]


def test_last_used_is_recorded_and_revocation_is_final(ledger: Ledger) -> None:
    token = create_token(ledger.engine, "reader-1", Role.READER)
    caller = authenticate(ledger.engine, token)
    assert (caller.name, caller.role) == ("reader-1", Role.READER)
    assert ledger_tokens(ledger)["reader-1"] is not None
    assert authenticate(ledger.engine, token + "x").rejected_token
    assert authenticate(ledger.engine, token[:-1]).rejected_token
    assert authenticate(ledger.engine, "").rejected_token


def ledger_tokens(ledger: Ledger) -> dict[str, object]:
    with ledger.engine.connect() as connection:
        return {r.name: r.last_used_at for r in connection.execute(select(TOKENS))}


def test_cli_writes_are_recorded_as_cli_and_the_os_user() -> None:
    assert cli_recorder() == f"cli:{getpass.getuser()}"
