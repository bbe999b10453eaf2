"""The global feed: cursor paging, limits, and a consumer polling while writers append."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.domain.new_event import NewEvent, parse_new_event


def detained() -> NewEvent:
    return parse_new_event(
        {
            "type": "PersonDetained",
            "occurredOn": "2019-12-27",
            "data": {"kind": "PRE_TRIAL_DETENTION"},
            "sources": [{"title": "Report"}],
        }
    )


def test_pages_follow_the_cursor(client: TestClient, ledger: Ledger) -> None:
    for index in range(5):
        ledger.service.append(f"person-{index % 2}", [detained()], recorded_by="t")
    first = client.get("/v1/events", params={"limit": 2}).json()
    assert [e["position"] for e in first["events"]] == [1, 2] and first["next"] == 2
    second = client.get("/v1/events", params={"after": first["next"], "limit": 2}).json()
    assert [e["position"] for e in second["events"]] == [3, 4] and second["next"] == 4
    rest = client.get("/v1/events", params={"after": 4}).json()
    assert [e["position"] for e in rest["events"]] == [5] and rest["next"] == 5
    caught_up = client.get("/v1/events", params={"after": 5}).json()
    assert caught_up == {"events": [], "next": 5}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 1001}, "limit"), ({"limit": 0}, "limit"), ({"after": -1}, "after")],
)
def test_out_of_range_parameters_are_problems(
    client: TestClient, params: dict[str, int], field: str
) -> None:
    response = client.get("/v1/events", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == [field]


def test_a_polling_consumer_sees_every_event_once_in_order_while_writers_append(
    client: TestClient, database_url: str
) -> None:
    """Writers on their own connections; the consumer polls over HTTP with small pages."""
    writers, appends = 4, 40
    done = threading.Event()
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        own = build_ledger(Settings(database_url=database_url))
        try:
            for index in range(appends):
                stream = "person-shared" if index % 3 == 0 else f"person-w{worker}-{index % 5}"
                own.service.append(stream, [detained()], recorded_by=f"w{worker}")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    seen: list[int] = []
    after = 0
    watcher = threading.Thread(target=lambda: ([t.join() for t in threads], done.set()))
    watcher.start()
    while True:
        finished = done.is_set()
        page: dict[str, Any] = client.get("/v1/events", params={"after": after, "limit": 7}).json()
        seen.extend(e["position"] for e in page["events"])
        after = page["next"]
        if finished and not page["events"]:
            break
    watcher.join()
    assert not failures
    assert seen == list(range(1, writers * appends + 1))
