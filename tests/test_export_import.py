"""Export and import: NDJSON with data as stored, redaction, and the round trip
SQLite → PostgreSQL → SQLite with identical hashes and identical tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import bearer, make_ledger
from ledger.app import create_app
from ledger.cli.main import app as cli
from ledger.container import Ledger
from ledger.domain.hash_chain import GENESIS, event_hash
from ledger.domain.new_event import parse_new_event
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source
from ledger.security.roles import Role
from ledger.service.commands import ImportEvents
from ledger.store.tables import Base
from ledger.store.verification import verify_chain

NDJSON = {"content-type": "application/x-ndjson"}


def old_profile() -> RecordedEvent:
    """A schema-version-1 profile, as an older ledger stored it (appends today write v2)."""
    draft = RecordedEvent(
        id=uuid4(),
        position=1,
        stream_id="person-old",
        version=1,
        type="PersonProfiled",
        schema_version=1,
        occurred_on=None,
        recorded_at=datetime(2020, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
        recorded_by="editor-2020",
        data={"fullName": "Maks Bokayev", "otherNames": ["Max Bokaev"]},
        sources=({"title": "NGO report", "published": "2020-02"},),
        hash="",
        previous_hash=GENESIS,
    )
    return draft._replace(hash=event_hash(draft, GENESIS))


def populate(ledger: Ledger) -> None:
    """Old and new schema versions, several streams, a restricted event, a retraction."""
    ledger.service.import_events(ImportEvents((old_profile(),)))

    def event(kind: str, on: str, **extra: Any) -> Any:
        return parse_new_event(
            {
                "type": "PersonDetained",
                "occurredOn": on,
                "data": {"kind": kind, "place": "Almaty — SIZO №1"},
                "sources": [{"title": "Report", "url": "https://example.org/r"}],
                **extra,
            }
        )

    first = ledger.service.append(
        "person-old", [event("PRE_TRIAL_DETENTION", "2019-12")], recorded_by="alice"
    )
    ledger.service.append(
        "person-b", [event("HOUSE_ARREST", "2020", restricted=True)], recorded_by="bob"
    )
    ledger.service.retract(
        first.events[0].id, "wrong date", [Source(title="Correction")], recorded_by="alice"
    )


def export_lines(client: TestClient, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = client.get("/v1/export", headers=headers or {})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def tables(ledger: Ledger) -> dict[str, list[str]]:
    """Every table but the tokens, rows sorted: equal across databases after a round trip."""
    dump: dict[str, list[str]] = {}
    with ledger.engine.connect() as connection:
        for name, table in Base.metadata.tables.items():
            if name == "tokens":
                continue
            rows = connection.execute(select(table)).mappings()
            dump[name] = sorted(repr(sorted(dict(row).items())) for row in rows)
    return dump


def test_export_carries_data_as_stored_and_reads_upcast(client: TestClient, ledger: Ledger) -> None:
    populate(ledger)
    lines = export_lines(client, bearer(ledger, Role.ADMIN))
    assert [line["position"] for line in lines] == [1, 2, 3, 4]
    assert lines[0]["schemaVersion"] == 1 and lines[0]["data"]["fullName"] == "Maks Bokayev"
    assert lines[0]["recordedAt"] == "2020-03-01T12:00:00.123456+00:00"
    assert set(lines[0]) == {
        "id", "position", "streamId", "version", "type", "schemaVersion", "occurredOn",
        "recordedAt", "recordedBy", "data", "sources", "restricted", "hash", "previousHash", "salt",
        "note", "disputes",
    }  # fmt: skip
    read = client.get(f"/v1/events/{lines[0]['id']}").json()
    assert read["schemaVersion"] == 2 and read["data"]["name"] == "Maks Bokayev"
    assert read["hash"] == lines[0]["hash"]
    assert lines[2]["restricted"] and lines[2]["data"]["kind"] == "HOUSE_ARREST"


def test_a_non_admin_export_is_redacted_and_cannot_be_reimported(
    client: TestClient, ledger: Ledger, fresh_database_url: Any, tmp_path: Path
) -> None:
    populate(ledger)
    for headers in ({}, bearer(ledger, Role.EDITOR)):
        restricted = export_lines(client, headers)[2]
        assert restricted["restricted"] and restricted["data"] == {} and restricted["sources"] == []
    redacted = client.get("/v1/export").content
    target = make_ledger(fresh_database_url("sqlite"))
    try:
        with TestClient(create_app(ledger=target)) as other:
            response = other.post(
                "/v1/import", content=redacted, headers={**NDJSON, **bearer(target, Role.ADMIN)}
            )
        assert response.status_code == 422
        assert "admin" in response.json()["detail"] and response.json()["field"] == ["hash"]
        assert target.store.head().position == 0
    finally:
        target.close()


def test_rest_import_replays_an_export_into_an_empty_store(
    client: TestClient, ledger: Ledger, fresh_database_url: Any, backend: str
) -> None:
    populate(ledger)
    export = client.get("/v1/export", headers=bearer(ledger, Role.ADMIN)).content
    target = make_ledger(fresh_database_url(backend))
    try:
        with TestClient(create_app(ledger=target)) as other:
            admin = {**NDJSON, **bearer(target, Role.ADMIN)}
            assert other.post("/v1/import", content=export).status_code == 401
            editor = {**NDJSON, **bearer(target, Role.EDITOR)}
            assert other.post("/v1/import", content=export, headers=editor).status_code == 403
            response = other.post("/v1/import", content=export, headers=admin)
            assert response.status_code == 200, response.text
            head = ledger.store.head()
            assert response.json() == {
                "imported": 4, "headPosition": 4, "headHash": head.hash
            }  # fmt: skip
            again = other.post("/v1/import", content=export, headers=admin)
            assert again.status_code == 409 and again.json()["code"] == "STORE_NOT_EMPTY"
        assert tables(target) == tables(ledger)
    finally:
        target.close()


@pytest.mark.parametrize(
    ("mangle", "line", "field"),
    [
        (lambda lines: [lines[0], "{not json", *lines[1:]], 2, []),
        (lambda lines: [lines[0], lines[2]], 2, ["position"]),
        (
            lambda lines: [lines[0], lines[1].replace('"alice"', '"mallory"'), *lines[2:]],
            2,
            ["hash"],
        ),
        (lambda lines: [lines[0].replace('"version":1', '"version":"one"')], 1, ["version"]),
        (lambda lines: [lines[0].replace('"restricted":false,', "")], 1, ["restricted"]),
    ],
    ids=["not-json", "gap", "tampered", "wrong-type", "missing-field"],
)
def test_a_broken_export_stores_nothing_and_names_the_line(
    client: TestClient,
    ledger: Ledger,
    fresh_database_url: Any,
    mangle: Any,
    line: int,
    field: list[str],
) -> None:
    populate(ledger)
    lines = client.get("/v1/export", headers=bearer(ledger, Role.ADMIN)).text.splitlines()
    broken = "\n".join(mangle(lines)) + "\n"
    target = make_ledger(fresh_database_url("sqlite"))
    try:
        with TestClient(create_app(ledger=target)) as other:
            response = other.post(
                "/v1/import",
                content=broken.encode(),
                headers={**NDJSON, **bearer(target, Role.ADMIN)},
            )
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith(f"line {line}: ")
        assert response.json()["field"] == field
        assert target.store.head().position == 0
    finally:
        target.close()


@pytest.mark.postgres
def test_round_trip_sqlite_postgres_sqlite_keeps_hashes_and_tables(
    fresh_database_url: Any, tmp_path: Path
) -> None:
    runner = CliRunner()
    urls = [
        fresh_database_url("sqlite"),
        fresh_database_url("postgres"),
        fresh_database_url("sqlite"),
    ]
    ledgers = [make_ledger(url) for url in urls]
    try:
        populate(ledgers[0])
        for index in range(len(urls)):
            env = {"LEDGER_DATABASE_URL": urls[index]}
            if index > 0:
                imported = runner.invoke(
                    cli, ["import", str(tmp_path / f"{index - 1}.ndjson")], env=env
                )
                assert imported.exit_code == 0, imported.output
            exported = runner.invoke(cli, ["export", str(tmp_path / f"{index}.ndjson")], env=env)
            assert exported.exit_code == 0, exported.output
        files = [(tmp_path / f"{index}.ndjson").read_bytes() for index in range(len(urls))]
        assert files[0] == files[1] == files[2]
        assert all(verify_chain(ledger.store).ok for ledger in ledgers)
        assert tables(ledgers[0]) == tables(ledgers[1]) == tables(ledgers[2])
        assert ledgers[1].database_kind == "postgresql"
    finally:
        for ledger in ledgers:
            ledger.close()
