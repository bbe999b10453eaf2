"""Bounded time per request: past its deadline a request is answered (503, or 408 while its body
is still arriving) and its work cancelled; a client that leaves cancels its work; a client that
sends its headers too slowly is disconnected by the server."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from starlette.requests import Request

from ledger.config import Settings
from ledger.http.guard import RequestGuard
from ledger.http.server import BoundedH11Protocol

Message = dict[str, Any]


class Recorder:
    """An app that reads its body, then waits for ever (or until cancelled)."""

    def __init__(self) -> None:
        self.cancelled = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            while (await receive()).get("more_body", False):
                pass
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled = True
            raise


def run_guard(
    messages: list[Message], timeout: float, path: str = "/v1/events"
) -> tuple[Recorder, list[Message]]:
    app = Recorder()
    guard = RequestGuard(app, Settings(request_timeout=timeout))
    sent: list[Message] = []

    async def scenario() -> None:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        for message in messages:
            queue.put_nowait(message)

        async def receive() -> Message:
            return await queue.get()

        async def send(message: Message) -> None:
            sent.append(message)

        await guard({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send)
        await asyncio.sleep(0.05)  # let the cancelled work unwind

    asyncio.run(scenario())
    return app, sent


def test_a_request_past_its_deadline_is_answered_503_and_its_work_cancelled() -> None:
    app, sent = run_guard([{"type": "http.request", "body": b""}], timeout=0.2)
    assert sent[0]["status"] == 503
    body = json.loads(sent[1]["body"])
    assert body["code"] == "DEADLINE_EXCEEDED"
    assert dict(sent[0]["headers"])[b"x-request-id"].decode() == body["requestId"]
    assert app.cancelled


def test_a_body_still_arriving_at_the_deadline_is_answered_408() -> None:
    app, sent = run_guard([{"type": "http.request", "body": b"{", "more_body": True}], 0.2)
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["code"] == "REQUEST_TIMEOUT"
    assert app.cancelled


def test_a_client_that_leaves_cancels_its_work() -> None:
    app, sent = run_guard(
        [{"type": "http.request", "body": b""}, {"type": "http.disconnect"}], timeout=60
    )
    assert app.cancelled
    assert sent == []


class BodyReader(Recorder):
    """An app that reads its body as Starlette's handlers do (``Request.body``)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await Request(scope, receive).body()
        await asyncio.sleep(3600)


def test_a_client_that_leaves_before_its_body_was_read_is_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Starlette raises ClientDisconnect where the body is read; the guard ends the request
    there (no answer, nobody to send it to) with an info line, instead of letting it reach the
    server as an exception in the application (an error and a traceback in the log)."""
    guard = RequestGuard(BodyReader(), Settings(request_timeout=60))
    sent: list[Message] = []
    messages = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def scenario() -> None:
        async def receive() -> Message:
            return messages.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
        await guard(scope, receive, send)

    with caplog.at_level(logging.INFO, logger="ledger.http"):
        asyncio.run(scenario())
    assert sent == []
    assert [r.levelname for r in caplog.records if "left before" in r.getMessage()] == ["INFO"]


def test_graphql_refusals_are_graphql_responses() -> None:
    _, sent = run_guard([{"type": "http.request", "body": b""}], timeout=0.2, path="/graphql")
    error = json.loads(sent[1]["body"])["errors"][0]
    assert error["extensions"]["code"] == "DEADLINE_EXCEEDED"


class QuickHeaders(BoundedH11Protocol):
    header_timeout = 0.5


async def answer_ok(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def serving(config: uvicorn.Config, listener: socket.socket) -> Iterator[None]:
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve([listener])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def server_port() -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(answer_ok, http=QuickHeaders, log_level="warning", lifespan="off")
    with serving(config, listener):
        yield listener.getsockname()[1]


def test_a_client_sending_headers_too_slowly_is_disconnected(server_port: int) -> None:
    with socket.create_connection(("127.0.0.1", server_port), timeout=5) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHo")
        time.sleep(1.0)
        assert slow.recv(100) == b""  # closed by the server
    with socket.create_connection(("127.0.0.1", server_port), timeout=5) as prompt:
        prompt.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert prompt.recv(100).startswith(b"HTTP/1.1 200")


class NoDelaySeen(BoundedH11Protocol):
    """Records, per accepted connection, whether the server's socket has TCP_NODELAY."""

    seen: list[int] = []

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        self.seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_connections_accepted_on_the_socket_uvicorn_binds_for_several_workers_send_at_once() -> (
    None
):
    config = uvicorn.Config(
        answer_ok, http=NoDelaySeen, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    listener = config.bind_socket()  # what `--workers N` serves on: bound with proto 0
    assert listener.proto == 0
    NoDelaySeen.seen.clear()
    with serving(config, listener), socket.create_connection(listener.getsockname(), 5) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(100).startswith(b"HTTP/1.1 200")
    assert NoDelaySeen.seen == [1]
