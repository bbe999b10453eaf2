"""Every request gets an answer in bounded time, with a request id, whatever the database does.

One pure ASGI middleware around the app (inside CORS, outside the security gate, so that the
gate's token lookup is covered too):

* **Request id.** Taken from a well-formed ``X-Request-ID`` or made up, left in the request
  state and sent back on every response, refusals included, so that a client can quote it and
  the server log can be searched for it.
* **Database failures are answers.** A failure of the database to answer (see
  :func:`ledger.store.failures.is_unavailable`) that escapes a handler becomes ``503`` with
  ``Retry-After``: problem+json, or on ``/graphql`` a GraphQL response whose error has the same
  code. Anything else that escapes is left to the server's 500 handler.
* **Deadline.** A request whose answer has not started after ``request_timeout`` seconds is
  answered 503 and its work cancelled (408 if its body has not even arrived: a client
  sending one byte a second). Cancelling reaches the next point where the work waits
  (GraphQL runs off the event loop for this reason, see :mod:`ledger.graphql.worker`); a
  statement already sent runs until the database's statement timeout stops it. Once an answer
  has started (a streamed export) it may take as long as it needs. An admin's import, which
  reads and checks a whole export before it answers, is exempt.
* **Client gone.** When the client disconnects before the answer is complete, the work is
  cancelled in the same way: no worker computes answers for nobody. A client that left before
  its body was read (Starlette's ``ClientDisconnect``, raised where the app reads the body) ends
  its request with an info line in the log, not an error with a traceback: nothing failed but
  the client's patience (wrk leaves so, its last requests under way, at the end of a run).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.config import Settings
from ledger.store.failures import UNAVAILABLE_CODE, is_unavailable

logger = logging.getLogger("ledger.http")

REQUEST_ID_HEADER = b"x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
GRAPHQL_PATH = "/graphql"
#: Reads a whole export and checks its chain before answering: no deadline (admin only).
UNBOUNDED_PATHS = frozenset({"/v1/import"})
RETRY_AFTER_SECONDS = 5
_TITLES = {408: "Request timeout", 503: "Service unavailable"}
#: Work abandoned at its deadline, kept referenced until it has finished unwinding.
_ABANDONED: set[asyncio.Task[None]] = set()


def request_id_of(scope: Scope) -> str:
    """The id the guard gave this request (a fresh one where the guard is not installed)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex
    return str(state["request_id"])


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.timeout = settings.request_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = _header(scope, REQUEST_ID_HEADER)
        request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        exchange = _Exchange(scope, receive, send, request_id)
        work = asyncio.ensure_future(self.app(scope, exchange.receive, exchange.send))
        exchange.on_disconnect = work.cancel
        try:
            await self._supervise(scope, exchange, work)
        finally:
            exchange.stop_watching()
            if not work.done():
                work.cancel()  # the guard itself was cancelled (shutdown): so is the work

    async def _supervise(self, scope: Scope, exchange: _Exchange, work: asyncio.Task[None]) -> None:
        timeout = None if scope.get("path") in UNBOUNDED_PATHS else self.timeout
        # One future settled by whichever comes first (the answer starts, the work ends, the
        # deadline passes): a task waiting on an event, and asyncio.wait's own future and
        # callbacks, cost a few per cent of a small query's time.
        loop = asyncio.get_running_loop()
        settled = exchange.settled = loop.create_future()
        work.add_done_callback(lambda _work: _settle(settled))
        deadline = None if timeout is None else loop.call_later(timeout, _settle, settled)
        try:
            await settled
        finally:
            if deadline is not None:
                deadline.cancel()
        if not work.done() and not exchange.started:
            work.cancel()
            _ABANDONED.add(work)
            work.add_done_callback(_forget)
            logger.warning("request %s passed its deadline; cancelled", exchange.request_id)
            if not exchange.body_complete:
                await exchange.refuse(
                    408,
                    "REQUEST_TIMEOUT",
                    f"the request body did not arrive within {self.timeout:g} s",
                )
                return
            await exchange.refuse(
                503,
                "DEADLINE_EXCEEDED",
                f"the request took longer than {self.timeout:g} s and was cancelled",
            )
            return
        try:
            await work
        except asyncio.CancelledError:
            if not exchange.disconnected:
                raise
        except ClientDisconnect:
            if not exchange.disconnected:
                raise
            logger.info("request %s: the client left before its body was read", exchange.request_id)
        except Exception as error:
            if not is_unavailable(error) or exchange.started:
                raise
            logger.error(
                "request %s: the database did not answer: %s",
                exchange.request_id,
                " ".join(str(error).split())[:300],
            )
            await exchange.refuse(503, UNAVAILABLE_CODE, "the database is not answering")


def _settle(settled: asyncio.Future[None]) -> None:
    """Wakes the guard; only the first of the answer, the work's end and the deadline counts."""
    if not settled.done():
        settled.set_result(None)


def _forget(task: asyncio.Task[None]) -> None:
    _ABANDONED.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.info("abandoned request ended with %r", task.exception())


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


class _Exchange:
    """The request's channels as the app sees them: the request id added to the answer, sends
    dropped once the guard has answered instead, and the client's disconnect noticed once the
    body has been read (until then the app itself reads the channel)."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        self.graphql = str(scope.get("path", "")).rstrip("/") == GRAPHQL_PATH
        self.write = scope.get("method") not in ("GET", "HEAD", "OPTIONS")
        self._receive = receive
        self._send = send
        self.request_id = request_id
        self.started = False
        self.settled: asyncio.Future[None] | None = None
        self.answered = False
        self.body_complete = False
        self.disconnected = False
        self.on_disconnect: Any = None
        self._gone = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        if self._watcher is not None:
            await self._gone.wait()
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.disconnect":
            self._left()
        elif not message.get("more_body", False):
            self.body_complete = True
            self._watcher = asyncio.ensure_future(self._watch())
        return message

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._left()
                return

    def _left(self) -> None:
        self._gone.set()
        if not self.disconnected and not self.answered:
            self.disconnected = True
            if self.on_disconnect is not None:
                self.on_disconnect()

    def stop_watching(self) -> None:
        self.answered = True
        if self._watcher is not None:
            self._watcher.cancel()

    async def send(self, message: Message) -> None:
        if self.answered:
            return
        if message["type"] == "http.response.start":
            headers = [
                (key, value)
                for key, value in message.get("headers", ())
                if key.lower() != REQUEST_ID_HEADER
            ]
            headers.append((REQUEST_ID_HEADER, self.request_id.encode()))
            message = {**message, "headers": headers}
            self.started = True
            if self.settled is not None:
                _settle(self.settled)
        await self._send(message)

    async def refuse(self, status: int, code: str, detail: str) -> None:
        """A refusal in the shape the route's clients read, unless the answer has begun."""
        if self.started:
            return
        self.answered = True
        if self.write and status == 503:
            detail += (
                "; a write may have been stored: read the stream, or re-send it with the same"
                " event ids (a re-sent event is stored once)"
            )
        detail += f" (request id {self.request_id})"
        content: dict[str, Any]
        if self.graphql:
            content = {
                "data": None,
                "errors": [
                    {
                        "message": detail,
                        "extensions": {"code": code, "requestId": self.request_id},
                    }
                ],
            }
            media_type = b"application/json"
        else:
            content = {
                "type": "about:blank",
                "title": _TITLES[status],
                "status": status,
                "detail": detail,
                "code": code,
                "requestId": self.request_id,
            }
            media_type = b"application/problem+json"
        payload = json.dumps(content).encode()
        headers = [
            (b"content-type", media_type),
            (b"content-length", str(len(payload)).encode()),
            (REQUEST_ID_HEADER, self.request_id.encode()),
        ]
        if status == 503:
            headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
        else:
            headers.append((b"connection", b"close"))  # the rest of the body is not awaited
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": payload})
