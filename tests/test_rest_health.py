"""``/healthz`` answers 503 when the database does not, so load balancers take the node out."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ledger.app import create_app
from ledger.config import Settings
from ledger.container import build_ledger
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
