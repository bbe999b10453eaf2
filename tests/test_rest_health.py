"""``/healthz`` answers 503 when the database does not, so load balancers take the node out."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ledger.app import create_app
from ledger.config import Settings
from ledger.container import build_ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.source import Source
from ledger.http import health

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")


def test_healthy_with_a_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/ledger?connect_timeout=2",
        "sqlite:///{missing}/ledger.db",
    ],
    ids=["postgres-closed-port", "sqlite-unreadable-path"],
)
def test_503_when_the_database_does_not_answer(url: str, tmp_path: Path) -> None:
    ledger = build_ledger(Settings(database_url=url.format(missing=tmp_path / "no" / "such")))
    try:
        with TestClient(create_app(ledger=ledger)) as client:
            response = client.get("/healthz")
    finally:
        ledger.close()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["headPosition"] is None


def test_the_answer_is_kept_for_a_second(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Monitors poll often: one database check per second per process, whatever the rate."""
    original = health._check
    calls: list[int] = []

    def counted(ledger: Any) -> Any:
        calls.append(1)
        return original(ledger)

    monkeypatch.setattr(health, "_check", counted)
    now = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: now[0])
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(calls) == 1
    now[0] += client.app.state.ledger.settings.health_cache_seconds  # type: ignore[attr-defined]
    assert client.get("/healthz").json()["headPosition"] == 0
    assert len(calls) == 2


def test_steady_polling_has_the_answer_checked_ahead_without_waiting_for_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the kept answer's last tenth a poll is answered at once, from the kept answer, and
    one check starts in the background; its answer is the next poll's, never an expired one."""
    original = health._check
    calls: list[int] = []
    release = threading.Event()

    def held(ledger: Any) -> Any:
        calls.append(1)
        if len(calls) > 1:
            assert release.wait(10)  # the check ahead stays under way until released
        return original(ledger)

    monkeypatch.setattr(health, "_check", held)
    now = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: now[0])
    kept = client.app.state.ledger.settings.health_cache_seconds  # type: ignore[attr-defined]
    first = client.get("/healthz").json()
    client.app.state.ledger.service.append(  # type: ignore[attr-defined]
        "person-polled",
        [NewEvent("PersonProfiled", {"name": "Polled"}, (Source(title="fixture"),))],
        recorded_by="fixture",
    )
    now[0] += kept * 0.95
    assert client.get("/healthz").json() == first  # at once: the check is held
    assert client.get("/healthz").json() == first
    release.set()
    for _ in range(200):
        if client.get("/healthz").json()["headPosition"] == 1:
            break
        time.sleep(0.05)
    assert client.get("/healthz").json()["headPosition"] == 1
    assert len(calls) == 2  # one check ahead, however many polls came meanwhile


def test_pollers_arriving_together_when_the_answer_expires_share_one_check(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight monitors polling at once after the kept answer expired wait for one refresh, not
    for eight checks queued two at a time (that queue was /healthz's tail at c=8)."""
    original = health._check
    calls: list[int] = []

    def slow(ledger: Any) -> Any:
        calls.append(1)
        time.sleep(0.2)  # long enough that all eight arrive while it runs
        return original(ledger)

    monkeypatch.setattr(health, "_check", slow)

    async def poll_together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ledger") as http:
            return await asyncio.gather(*(http.get("/healthz") for _ in range(8)))

    responses = asyncio.run(poll_together())
    assert [response.status_code for response in responses] == [200] * 8
    assert len(calls) == 1
