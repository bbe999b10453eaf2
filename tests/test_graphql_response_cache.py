"""Cached GraphQL answers are the answers the resolvers would give: an append anywhere makes
them stale at once, a caller never gets an answer kept for another role or visibility, and what
could depend on the request's clock, errors and mutations are never kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from strawberry.types import ExecutionResult

from conftest import bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.graphql.loop_head import Latest, LoopHead
from ledger.graphql.response_cache import (
    ResponseCache,
    at_head,
    cacheable_document,
    document_key,
)
from ledger.security.roles import Caller, Role
from ledger.service.handlers import LedgerService

#: API layer: SQLite only (see tests/conftest.py), but for the tests of freshness: on PostgreSQL
#: the head of a cache hit is read on the event loop (ledger.graphql.loop_head).
pytestmark = pytest.mark.backends("sqlite")
BOTH = pytest.mark.backends("sqlite", "postgres")

STREAM = "person-cache-subject"
SOURCE = (Source(title="fixture"),)
HISTORY = """{ person(id: "person-cache-subject", asOf: "2021-01-01") {
  custodyStatus events(first: 20) { totalCount edges { node { type data sources { title } } } }
} }"""


def detained(restricted: bool = False, place: str = "Almaty") -> NewEvent:
    return NewEvent(
        "PersonDetained",
        {"kind": "PRE_TRIAL_DETENTION", "place": place},
        SOURCE,
        PartialDate.parse("2020-01-10"),
        restricted=restricted,
    )


def profiled() -> NewEvent:
    return NewEvent("PersonProfiled", {"name": "Cache Subject"}, SOURCE)


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    ledger.service.append(STREAM, [profiled()], recorded_by="fixture")
    with TestClient(create_app(ledger=ledger)) as test_client:
        yield test_client


class Runs:
    """Counts how often the person resolver's read runs."""

    def __init__(self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = ledger.read_model.person_read

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(ledger.read_model, "person_read", counted)


def ask(client: TestClient, query: str = HISTORY, **headers: str) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query}, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@BOTH
def test_a_repeated_query_is_answered_from_the_cache_until_an_append_moves_the_head(
    ledger: Ledger, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = Runs(ledger, monkeypatch)
    first = ask(client)
    assert ask(client) == first
    assert runs.count == 1

    ledger.service.append(STREAM, [detained()], recorded_by="fixture")
    after = ask(client)
    assert runs.count == 2
    assert after["data"]["person"]["custodyStatus"] == "DETAINED"
    assert after["data"]["person"]["events"]["totalCount"] == 2
    assert first["data"]["person"]["events"]["totalCount"] == 1


@BOTH
def test_an_append_in_another_process_makes_the_cached_answer_stale(
    database_url: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process shares only the database: the head is read from it on every request."""
    first = ask(client)
    elsewhere = make_ledger(database_url)
    try:
        elsewhere.service.append(STREAM, [detained()], recorded_by="elsewhere")
    finally:
        elsewhere.close()
    assert ask(client) != first
    assert ask(client)["data"]["person"]["custodyStatus"] == "DETAINED"


def test_a_restricted_viewer_and_a_public_viewer_never_share_a_cached_answer(
    ledger: Ledger, client: TestClient
) -> None:
    ledger.service.append(
        STREAM, [detained(restricted=True, place="SECRET-PLACE")], recorded_by="fixture"
    )
    admin = bearer(ledger, Role.ADMIN)
    reader = bearer(ledger, Role.READER)
    # the admin first: its answer holds the restricted data
    assert "SECRET-PLACE" in str(ask(client, **admin))
    assert "SECRET-PLACE" not in str(ask(client))
    assert "SECRET-PLACE" not in str(ask(client, **reader))
    # and the other way round, on a fresh head
    ledger.service.append(STREAM, [detained(place="Astana")], recorded_by="fixture")
    assert "SECRET-PLACE" not in str(ask(client))
    assert "SECRET-PLACE" in str(ask(client, **admin))
    assert "SECRET-PLACE" not in str(ask(client, **reader))


@BOTH
def test_no_answer_is_kept_while_an_event_carries_a_record_time_after_the_request_clock(
    ledger: Ledger, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known "now", that event is not counted yet, but it will be without any new append."""
    ahead = LedgerService(
        ledger.store,
        ledger.service.projections,
        clock=lambda: datetime.now(UTC) + timedelta(hours=1),
    )
    ahead.append(STREAM, [detained()], recorded_by="a clock running ahead")
    runs = Runs(ledger, monkeypatch)
    assert ask(client)["data"]["person"]["events"]["totalCount"] == 1  # not known yet
    ask(client)
    assert runs.count == 2


def test_answers_with_errors_are_not_kept(
    ledger: Ledger, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = Runs(ledger, monkeypatch)
    query = '{ person(id: "person-cache-subject", asOf: "2021-01-01") { custodyStatus } '
    query += 'recommendations(addressee: "Atlantis") { totalCount } }'
    for _ in range(2):
        assert ask(client, query)["errors"]
    assert runs.count == 2


def test_the_cache_can_be_turned_off(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = make_ledger(database_url, graphql_cache_bytes=0)
    try:
        ledger.service.append(STREAM, [profiled()], recorded_by="fixture")
        runs = Runs(ledger, monkeypatch)
        with TestClient(create_app(ledger=ledger)) as client:
            ask(client)
            ask(client)
        assert runs.count == 2
    finally:
        ledger.close()


@pytest.mark.parametrize(
    ("document", "kept"),
    [
        (HISTORY, True),
        ('{ person(id: "p", knownAt: "2020-01-01T00:00:00Z") { name } }', False),
        ('query($k: DateTime) { person(id: "p", knownAt: $k) { name } }', False),
        (
            '{ streamDiff(streamId: "p", from: {knownAt: "2020-01-01T00:00:00Z"}, to: {}) '
            "{ stopped { type } } }",
            False,
        ),
        ("{ ...F } fragment F on Query { custodySummary(knownAt: $k) { count } }", False),
        ("mutation { appendEvents(input: {}) { streamVersion } }", False),
        ("subscription { eventsAppended { position } }", False),
        ("{ head { position } } mutation M { retractEvent { streamVersion } }", False),
        ("{ unclosed", False),
    ],
)
def test_only_queries_naming_no_known_at_are_kept(document: str, kept: bool) -> None:
    assert cacheable_document(document) is kept


def test_an_answer_is_keyed_on_the_day_and_not_kept_while_an_event_is_recorded_after_now() -> None:
    key = document_key(HISTORY, None, None, Caller(name=None, role=None))
    assert key is not None
    now = datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC)
    tonight = at_head(key, 7, now - timedelta(hours=1), now)
    tomorrow = at_head(key, 7, now - timedelta(hours=1), now + timedelta(seconds=2))
    assert tonight is not None and tomorrow is not None and tonight != tomorrow
    assert at_head(key, 7, now + timedelta(seconds=1), now) is None  # a clock running ahead


def test_the_cache_holds_at_most_its_budget_dropping_the_least_recently_used() -> None:
    cache = ResponseCache(max_bytes=1000)
    base = document_key("{ head { position } }", None, None, Caller(name=None, role=None))
    assert base is not None
    now = datetime.now(UTC)
    keys = [at_head(base, head, None, now) for head in range(20)]
    answer = ExecutionResult(data={"head": {"position": "x" * 60}}, errors=None)
    for key in keys:
        assert key is not None
        cache.put(key, answer)
    kept = [key for key in keys if key is not None and cache.get(key) is not None]
    assert 0 < len(kept) < len(keys)
    assert kept == keys[-len(kept) :]  # the newest
    assert cache.get(kept[0]) == answer
    cache.put(base, ExecutionResult(data={"big": "x" * 200}, errors=None))  # over budget / 8
    assert cache.get(base) is None


@BOTH
def test_answers_stay_fresh_when_the_head_cannot_be_read_on_the_event_loop(
    ledger: Ledger, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed read on the loop (PostgreSQL's reader) sends the request to the worker thread,
    which reads the head itself: the answer is still the fresh one, and still kept."""

    async def unavailable(_self: LoopHead) -> Latest | None:
        return None

    monkeypatch.setattr(LoopHead, "latest", unavailable)
    first = ask(client)
    ledger.service.append(STREAM, [detained()], recorded_by="fixture")
    runs = Runs(ledger, monkeypatch)
    assert ask(client) != first
    assert ask(client)["data"]["person"]["custodyStatus"] == "DETAINED"
    assert runs.count == 1
