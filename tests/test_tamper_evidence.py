"""Truncation and rewrite are caught. Someone with the database's keys deletes the newest events
or rewrites them (re-chaining every hash after): `ledger verify --head` with a head published
earlier fails, and a rebuild cannot launder it; `verify` never advises a rebuild when the events
themselves are broken. A row that does not match its hash is never served by the feed or the
export, and /healthz says so."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.container import Ledger
from ledger.domain.hash_chain import GENESIS, canonical_value, event_hash
from ledger.domain.new_event import parse_new_event
from ledger.store.verification import ChainBroken

runner = CliRunner()


def profile(name: str) -> Any:
    return parse_new_event(
        {"type": "PersonProfiled", "data": {"name": name}, "sources": [{"title": "s"}]}
    )


def seed(ledger: Ledger, count: int = 6) -> None:
    for index in range(count):
        ledger.service.append(f"person-{index}", [profile(f"Person {index}")], recorded_by="t")


def tamper(ledger: Ledger, statement: str, **values: Any) -> None:
    """As an intruder holding the database's keys would: past the append-only triggers."""
    with ledger.engine.begin() as connection:
        if ledger.database_kind == "sqlite":
            connection.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS events_no_delete"))
        else:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(statement), values)


def cli(ledger: Ledger, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("LEDGER_DATABASE_URL", ledger.engine.url.render_as_string(False))
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_ledger_head_prints_position_and_hash(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(ledger, monkeypatch, "head")[1].strip() == f"0:{GENESIS}"
    seed(ledger)
    newest = ledger.store.head()
    code, output = cli(ledger, monkeypatch, "head")
    assert code == 0
    assert output.strip() == f"6:{newest.hash}"
    code, output = cli(ledger, monkeypatch, "verify", "--head", output.strip())
    assert code == 0, output
    assert "published head 6 reached unchanged" in output


def test_deleting_the_newest_events_is_caught_and_no_rebuild_launders_it(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(ledger)
    published = cli(ledger, monkeypatch, "head")[1].strip()
    tamper(ledger, "DELETE FROM events WHERE position > 3")

    code, output = cli(ledger, monkeypatch, "verify")
    assert code != 0
    assert "events were deleted" in output
    assert "do not run `ledger rebuild`" in output

    code, output = cli(ledger, monkeypatch, "verify", "--head", published)
    assert code != 0
    assert "the log ends at position 3, before the published head 6" in output

    assert cli(ledger, monkeypatch, "rebuild")[0] == 0
    code, output = cli(ledger, monkeypatch, "verify", "--head", published)
    assert code != 0, "a rebuild must not make a truncated log pass"
    assert "events were deleted" in output


def test_rewriting_the_newest_events_with_fresh_hashes_is_caught_by_the_published_head(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(ledger)
    published = cli(ledger, monkeypatch, "head")[1].strip()
    rewrite_from(ledger, 5, {"name": "Someone Else"})
    assert cli(ledger, monkeypatch, "verify")[1].count("hash chain ok") == 1
    code, output = cli(ledger, monkeypatch, "verify", "--head", published)
    assert code != 0
    assert "were rewritten" in output
    assert "do not run `ledger rebuild`" in output


def rewrite_from(ledger: Ledger, position: int, data: dict[str, Any]) -> None:
    """Change one event's data and re-chain it and every hash after it."""
    events = ledger.store.read_feed(position - 1, 1000)
    previous = events[0].previous_hash
    statement = (
        "UPDATE events SET data = :data, hash = :hash, previous_hash = :previous"
        " WHERE position = :position"
        if ledger.database_kind == "sqlite"
        else "UPDATE events SET data = CAST(:data AS JSON), hash = :hash,"
        " previous_hash = :previous WHERE position = :position"
    )
    for index, event in enumerate(events):
        changed = event._replace(data=data) if index == 0 else event
        changed = changed._replace(previous_hash=previous)
        digest = event_hash(changed, previous)
        tamper(
            ledger,
            statement,
            data=canonical_value(changed.data),
            hash=digest,
            previous=previous,
            position=event.position,
        )
        previous = digest


def test_a_changed_row_is_not_served_by_the_feed_or_export_and_health_says_so(
    ledger: Ledger, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(ledger)
    assert client.get("/healthz").json()["chain"] == {
        "checked": 6,
        "ok": True,
        "firstBadPosition": None,
    }
    tamper(ledger, "UPDATE events SET recorded_by = 'nobody' WHERE position = 3")

    page = client.get("/v1/events", params={"after": 0, "limit": 10}).json()
    assert [event["position"] for event in page["events"]] == [1, 2]
    assert page["next"] == 2
    refused = client.get("/v1/events", params={"after": 2})
    assert refused.status_code == 500
    assert refused.json()["code"] == "CHAIN_BROKEN"
    assert "position 3" in refused.json()["detail"]
    assert [e["position"] for e in client.get("/v1/events?after=3").json()["events"]] == [4, 5, 6]

    with pytest.raises(ChainBroken):
        client.get("/v1/export")
    code, output = cli(ledger, monkeypatch, "export")
    assert code != 0 and "position 3" in output

    time.sleep(ledger.settings.health_cache_seconds)  # /healthz keeps its answer that long
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "chain-broken"
    assert health.json()["chain"]["firstBadPosition"] == 3

    code, output = cli(ledger, monkeypatch, "verify")
    assert code != 0
    assert "position 3" in output and "do not run `ledger rebuild`" in output
