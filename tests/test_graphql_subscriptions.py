"""Live updates over graphql-transport-ws, against real servers on both databases: each event once,
in position order, resumable with `after`, filtered, restricted data withheld below admin; the
token in connection_init; bounded subscriptions, idle connections closed, the legacy subprotocol
and mutations refused; and on PostgreSQL an append in one `ledger serve` process reaches the
subscribers of another."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from conftest import BACKENDS, bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.graphql.ids import encode_global_id
from ledger.http.connection_share import ShareTable
from ledger.http.server import BoundedH11Protocol
from ledger.live.hub import FeedHub
from ledger.security.roles import Role
from live_servers import server_process, server_thread

PROTOCOL = Subprotocol("graphql-transport-ws")
EVENTS = """subscription($stream: String, $types: [String!], $after: Int) {
  eventsAppended(streamId: $stream, types: $types, after: $after) {
    id position streamId type data restricted sources { title }
  }
}"""
LIMITS = {
    "ws_max_subscriptions_per_connection": 3,
    "ws_max_subscriptions_per_token": 4,
    "ws_idle_seconds": 2.0,
}


class Socket:
    """A graphql-transport-ws client, every wait bounded."""

    def __init__(self, base: str, subprotocol: Subprotocol = PROTOCOL) -> None:
        url = base.replace("http://", "ws://") + "/graphql"
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(
            connect(url, subprotocols=[subprotocol], open_timeout=10)
        )

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def receive(self, timeout: float = 10) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
            if message["type"] != "ping":
                return message
            self.send({"type": "pong"})

    def init(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        self.send({"type": "connection_init", "payload": headers or {}})
        return self.receive()

    def subscribe(self, operation_id: str, **variables: Any) -> None:
        payload = {"query": EVENTS, "variables": variables}
        self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    def events(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        found = []
        for _ in range(count):
            message = self.receive(timeout)
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
            found.append(message["payload"]["data"]["eventsAppended"])
        return found

    def silent(self, seconds: float = 0.3) -> bool:
        try:
            self.receive(seconds)
        except TimeoutError:
            return True
        return False

    def close_code(self, timeout: float = 10) -> int | None:
        with pytest.raises(ConnectionClosed) as closed:
            self.receive(timeout)
        return closed.value.rcvd.code if closed.value.rcvd is not None else None

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[Any]:
    ledger = make_ledger(fresh_database_url(request.param), **LIMITS)
    app = create_app(ledger=ledger)
    with server_thread(app) as base:
        yield ledger, base, app.state.feed_hub
    ledger.close()


@pytest.fixture
def base(served: tuple[Ledger, str, FeedHub]) -> str:
    return served[1]


@pytest.fixture
def ledger(served: tuple[Ledger, str, FeedHub]) -> Ledger:
    return served[0]


@pytest.fixture
def hub(served: tuple[Ledger, str, FeedHub]) -> FeedHub:
    return served[2]


def until_live(hub: FeedHub, count: int) -> None:
    """Waits until exactly ``count`` subscriptions are live (those of earlier tests' closed
    sockets gone). A subscription without ``after`` starts from the feed's position when the
    server registers it, and nothing in the protocol tells the client when that is: an append
    sent before it would rightly not reach it."""
    deadline = time.monotonic() + 10
    while hub.live_subscriptions != count:
        assert time.monotonic() < deadline, f"{hub.live_subscriptions} of {count} live"
        time.sleep(0.01)


def append(base: str, headers: dict[str, str], stream: str, *events: dict[str, Any]) -> Any:
    answer = httpx.post(
        f"{base}/v1/streams/{stream}/events", json={"events": list(events)}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["events"]


def profiled(name: str, restricted: bool = False) -> dict[str, Any]:
    return {
        "type": "PersonProfiled",
        "data": {"name": name},
        "sources": [{"title": f"source of {name}"}],
        "restricted": restricted,
    }


def fresh_stream() -> str:
    return f"person-live-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def socket(base: str) -> Iterator[Socket]:
    opened = Socket(base)
    assert opened.init()["type"] == "connection_ack"
    yield opened
    opened.close()


def test_each_append_reaches_a_subscriber_once_in_position_order(
    ledger: Ledger, base: str, hub: FeedHub, socket: Socket
) -> None:
    stream = fresh_stream()
    socket.subscribe("1", stream=stream)
    until_live(hub, 1)
    editor = bearer(ledger, Role.EDITOR)
    stored = append(base, editor, stream, profiled("A"), profiled("B"))
    stored += append(base, editor, stream, profiled("C"))
    received = socket.events(3)
    assert [e["position"] for e in received] == [e["position"] for e in stored]
    assert [e["data"]["name"] for e in received] == ["A", "B", "C"]
    assert socket.silent(), "each event once"


def test_after_resumes_from_a_position_then_goes_on_live(
    ledger: Ledger, base: str, socket: Socket
) -> None:
    stream = fresh_stream()
    editor = bearer(ledger, Role.EDITOR)
    stored = append(base, editor, stream, profiled("A"), profiled("B"), profiled("C"))
    socket.subscribe("1", stream=stream, after=stored[0]["position"])
    assert [e["data"]["name"] for e in socket.events(2)] == ["B", "C"]
    append(base, editor, stream, profiled("D"))
    assert [e["data"]["name"] for e in socket.events(1)] == ["D"]
    assert socket.silent()


def test_stream_and_type_filters_and_person_ids_name_the_stream(
    ledger: Ledger, base: str, hub: FeedHub, socket: Socket
) -> None:
    stream, other = fresh_stream(), fresh_stream()
    socket.subscribe("1", stream=encode_global_id("Person", stream), types=["PersonProfiled"])
    socket.subscribe("2", types=["PersonCharged"])
    until_live(hub, 2)
    editor = bearer(ledger, Role.EDITOR)
    append(base, editor, other, profiled("elsewhere"))
    append(base, editor, stream, profiled("here"))
    charged = {
        "type": "PersonCharged",
        "occurredOn": "2020-01",
        "data": {"article": "174"},
        "sources": [{"title": "s"}],
    }
    append(base, editor, stream, charged)
    first, second = socket.receive(), socket.receive()
    by_id = {m["id"]: m["payload"]["data"]["eventsAppended"] for m in (first, second)}
    assert by_id["1"]["streamId"] == stream and by_id["1"]["type"] == "PersonProfiled"
    assert by_id["2"]["type"] == "PersonCharged"
    assert socket.silent()


def test_restricted_events_are_withheld_below_admin(
    ledger: Ledger, base: str, hub: FeedHub, socket: Socket
) -> None:
    admin = Socket(base)
    assert admin.init(bearer(ledger, Role.ADMIN))["type"] == "connection_ack"
    stream = fresh_stream()
    socket.subscribe("1", stream=stream)
    admin.subscribe("1", stream=stream)
    until_live(hub, 2)
    append(base, bearer(ledger, Role.EDITOR), stream, profiled("Hidden Witness", restricted=True))
    public, full = socket.events(1)[0], admin.events(1)[0]
    assert public["restricted"] and public["data"] == {} and public["sources"] == []
    assert full["data"]["name"] == "Hidden Witness"
    assert "Hidden Witness" not in json.dumps(public)
    admin.close()


def test_a_bad_token_in_connection_init_closes_with_4403(ledger: Ledger, base: str) -> None:
    for payload in ({"Authorization": "Bearer ldg_not-a-token"}, {"Authorization": 42}):
        refused = Socket(base)
        refused.send({"type": "connection_init", "payload": payload})
        assert refused.close_code() == 4403


def test_a_private_deployment_closes_a_socket_without_a_token_with_4403(
    fresh_database_url: Any,
) -> None:
    ledger = make_ledger(fresh_database_url("sqlite"), read_requires_token=True)
    with server_thread(create_app(ledger=ledger)) as private:
        anonymous = Socket(private)
        anonymous.send({"type": "connection_init", "payload": {}})
        assert anonymous.close_code() == 4403
        reader = Socket(private)
        assert reader.init(bearer(ledger, Role.READER))["type"] == "connection_ack"
        reader.close()
    ledger.close()


def test_subscribing_before_connection_init_closes_with_4401(base: str) -> None:
    early = Socket(base)
    early.subscribe("1")
    assert early.close_code() == 4401


def test_the_legacy_graphql_ws_subprotocol_is_refused(base: str) -> None:
    legacy = Socket(base, Subprotocol("graphql-ws"))
    assert legacy.ws.subprotocol is None
    assert legacy.close_code() == 4406


def test_too_many_subscriptions_per_connection_is_an_error_not_a_hang(socket: Socket) -> None:
    for index in range(3):
        socket.subscribe(str(index))
    socket.subscribe("3")
    refused = socket.receive()
    assert refused["type"] == "error" and refused["id"] == "3"
    assert "limit" in refused["payload"][0]["message"]


def test_too_many_subscriptions_per_token_is_an_error(ledger: Ledger, base: str) -> None:
    reader = bearer(ledger, Role.READER)
    sockets = [Socket(base), Socket(base)]
    for opened in sockets:
        assert opened.init(reader)["type"] == "connection_ack"
        opened.subscribe("a")
        opened.subscribe("b")
    sockets[1].subscribe("c")
    refused = sockets[1].receive()
    assert refused["type"] in ("next", "error"), refused
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert errors[0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
    for opened in sockets:
        opened.close()


def test_a_connection_holding_no_subscription_is_closed_when_idle(base: str) -> None:
    idle = Socket(base)
    assert idle.init()["type"] == "connection_ack"
    assert idle.close_code(timeout=LIMITS["ws_idle_seconds"] + 5) == 1000


def test_mutations_are_refused_over_the_websocket(ledger: Ledger, base: str) -> None:
    editor = Socket(base)
    assert editor.init(bearer(ledger, Role.EDITOR))["type"] == "connection_ack"
    mutation = """mutation {
      retractEvent(input: {eventId: "x", reason: "r", sources: []}) { errors { code } } }"""
    editor.send({"id": "m", "type": "subscribe", "payload": {"query": mutation}})
    refused = editor.receive()
    assert refused["type"] == "error" and "HTTP POST" in refused["payload"][0]["message"]
    editor.close()


@pytest.mark.postgres
def test_an_append_in_one_server_process_reaches_subscribers_of_every_process(
    fresh_database_url: Any,
) -> None:
    url = fresh_database_url("postgres")
    ledger = make_ledger(url)
    editor = bearer(ledger, Role.EDITOR)
    with server_process(url) as first, server_process(url) as second:
        sockets = [Socket(first), Socket(second)]
        stream = fresh_stream()
        # from a known position: another process's registration cannot be watched from here
        head = ledger.store.head().position
        for opened in sockets:
            assert opened.init()["type"] == "connection_ack"
            opened.subscribe("1", stream=stream, after=head)
        stored = append(first, editor, stream, profiled("from the first"))
        stored += append(second, editor, stream, profiled("from the second"))
        for opened in sockets:
            received = opened.events(2)
            assert [e["position"] for e in received] == [e["position"] for e in stored]
            assert opened.silent()
            opened.close()
    ledger.close()


class QuickHeaderTimeout(BoundedH11Protocol):
    header_timeout = 0.3


def test_a_subscription_outlives_the_servers_header_timeout(fresh_database_url: Any) -> None:
    """`ledger serve` closes connections whose request headers are slow; a websocket, once
    upgraded, has no more headers to send and must stay open."""
    ledger = make_ledger(fresh_database_url("sqlite"))
    with server_thread(create_app(ledger=ledger), http=QuickHeaderTimeout) as base:
        opened = Socket(base)
        assert opened.init()["type"] == "connection_ack"
        stream = fresh_stream()
        opened.subscribe("1", stream=stream)
        time.sleep(1.0)
        append(base, bearer(ledger, Role.EDITOR), stream, profiled("after the timeout"))
        assert opened.events(1)[0]["data"]["name"] == "after the timeout"
        opened.close()
    ledger.close()


@dataclass
class Worker:
    share_slot: int | None = None


def test_a_subscription_leaves_its_workers_count_of_connections(fresh_database_url: Any) -> None:
    """Under several workers the HTTP protocol counts its worker's connections, to ask one over
    its share to reconnect (ledger.http.connection_share); a websocket cannot be asked that, so
    once upgraded it leaves the count, and lives on."""
    ledger = make_ledger(fresh_database_url("sqlite"))
    table = ShareTable(1)
    this, other = Worker(), Worker()
    table.claim(None, this)
    table.claim(None, other)
    assert this.share_slot is not None
    counted = BoundedH11Protocol.sharing(table.share(this.share_slot))
    with server_thread(create_app(ledger=ledger), http=counted) as base:
        opened = Socket(base)
        assert opened.init()["type"] == "connection_ack"
        deadline = time.monotonic() + 10
        while table.counts[this.share_slot] != 0:  # the health check's connection, closing
            assert time.monotonic() < deadline, table.counts[this.share_slot]
            time.sleep(0.01)
        stream = fresh_stream()
        opened.subscribe("1", stream=stream)
        with httpx.Client(base_url=base) as client:
            # one connection of one against the other worker's none: not over its share
            assert "connection" not in client.get("/healthz").headers
            assert table.counts[this.share_slot] == 1
        append(base, bearer(ledger, Role.EDITOR), stream, profiled("to the socket"))
        assert opened.events(1)[0]["data"]["name"] == "to the socket"
        opened.close()
    ledger.close()
