"""Least privilege on PostgreSQL: `ledger migrate --grant-to ROLE` (run as the owner) gives the
serving role SELECT and INSERT on events and what serving needs. Connected as that role the
ledger appends and serves, but no UPDATE, DELETE, TRUNCATE, trigger change or
`session_replication_role = replica` gets past the append-only guard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from conftest import bearer, make_ledger
from ledger.app import create_app
from ledger.cli.main import app
from ledger.config import Settings
from ledger.container import build_ledger
from ledger.security.roles import Role
from ledger.store.privileges import excess_privileges

pytestmark = pytest.mark.postgres

EVENT = {"type": "PersonProfiled", "data": {"name": "A Person"}, "sources": [{"title": "s"}]}


@pytest.fixture
def app_role(fresh_database_url: Any) -> Iterator[tuple[str, str]]:
    """(owner URL, app URL) for a fresh schema and a role of its own, dropped afterwards."""
    owner_url = fresh_database_url("postgres")
    role = f"ledger_app_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(owner_url).set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        yield owner_url, make_url(owner_url).set(username=role).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_the_serving_role_appends_and_reads_but_cannot_rewrite_history(
    app_role: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner_url, app_url = app_role
    make_ledger(owner_url).close()
    role = make_url(app_url).username or ""
    monkeypatch.setenv("LEDGER_DATABASE_URL", owner_url)
    granted = CliRunner().invoke(app, ["migrate", "--grant-to", role])
    assert granted.exit_code == 0, granted.output

    owner = build_ledger(Settings(database_url=owner_url))
    headers = bearer(owner, Role.EDITOR)
    assert excess_privileges(owner.engine)  # postgres: a superuser
    owner.close()

    ledger = build_ledger(Settings(database_url=app_url))
    try:
        assert excess_privileges(ledger.engine) == []
        with TestClient(create_app(ledger=ledger)) as client:
            path = "/v1/streams/person-a/events"
            assert client.post(path, json={"events": [EVENT]}, headers=headers).status_code == 201
            assert len(client.get("/v1/events").json()["events"]) == 1
            persons = client.post("/graphql", json={"query": "{ persons { totalCount } }"})
            assert persons.json()["data"]["persons"]["totalCount"] == 1
        for attack in (
            "UPDATE events SET recorded_by = 'x'",
            "DELETE FROM events",
            "TRUNCATE events",
            "SET session_replication_role = replica",
            "ALTER TABLE events DISABLE TRIGGER ALL",
            "DROP TRIGGER events_no_update_delete ON events",
            "UPDATE tokens SET role = 'admin'",
        ):
            with (
                pytest.raises(DBAPIError, match=r"denied|must be owner"),
                ledger.engine.begin() as connection,
            ):
                connection.execute(text(attack))
        assert ledger.store.head().position == 1
    finally:
        ledger.close()


def test_granting_to_a_missing_role_says_so(
    fresh_database_url: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database_url("postgres")
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["migrate", "--grant-to", "no_such_role_" + uuid.uuid4().hex])
    assert result.exit_code != 0
    assert "create it first" in result.output
