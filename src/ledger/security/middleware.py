"""The HTTP gate in front of REST and GraphQL: body size, authentication, read gate, write rate.

One pure ASGI middleware, so the rules hold for every route — including routes added later —
and a refused request never reaches a handler (so it can store nothing). In order:

1. **Authentication.** ``Authorization: Bearer TOKEN`` is checked once here; the caller is left
   in the request state, where :func:`ledger.http.dependencies.get_caller` finds it. An unknown
   or revoked token is refused with 401 on every route but the public ones, whatever the method:
   a client holding a dead token should learn so, never be served as anonymous.
2. **Read gate.** With ``read_requires_token``, a request without a valid token is refused.
3. **Body size.** A declared ``Content-Length`` above ``max_body_bytes`` is refused at once;
   otherwise the body is read and counted as it streams (chunked uploads declare nothing), up to
   the limit, then handed on. Buffering is bounded by the limit itself. The one exception is an
   admin's ``POST /v1/import`` (a whole export, which the route spools to disk).
   A body, path or query holding U+0000 or a lone surrogate is refused (400), see
   :func:`_unstorable_text`, and so is a JSON body that is not strict JSON (NaN, 1e999,
   invalid UTF-8, nesting too deep), see :mod:`ledger.security.strict_json`.
4. **Write rate.** A *write* is any request with a method other than GET, HEAD or OPTIONS —
   except a GraphQL POST whose document defines no mutation operation (parsed with graphql-core,
   the parser GraphQL itself uses, so it cannot be fooled by a comment or a string that says
   "mutation"; GraphQL refuses mutations over GET). Writes take tokens from the caller's bucket
   (by token name; anonymous callers by client address): one per request, or one per top-level
   mutation field; an empty bucket answers 429 with ``Retry-After``.

Refusals are RFC 9457 problem+json, except on ``/graphql`` where they are a GraphQL response
(``errors[0].extensions.code``) so that GraphQL clients can read them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.config import Settings
from ledger.container import Ledger
from ledger.http.guard import RequestGuard
from ledger.security import log_redaction
from ledger.security.rate_limit import WriteRateLimiter
from ledger.security.roles import ANONYMOUS, Caller, Role
from ledger.security.strict_json import strict_json_refusal
from ledger.security.tokens import caller_for_authorization

#: Served to anyone, even with a dead token or on a private deployment: liveness for load
#: balancers, and the API's description (the same text is in the repository).
PUBLIC_PATHS = frozenset({"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
#: The pages' code and styles (no ledger data): the explorer asks the API, which checks the token.
PUBLIC_PREFIXES = ("/static/", "/static-offline-docs/", "/explore")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GRAPHQL_PATH = "/graphql"
MUTATION = OperationType.MUTATION
IMPORT_PATH = "/v1/import"


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, ledger: Ledger) -> None:
        self.app = app
        self.ledger = ledger
        self.settings: Settings = ledger.settings
        self.limiter = WriteRateLimiter(self.settings.write_rate_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _Refusal(scope, send)
        headers = Headers(scope=scope)
        method: str = scope["method"]
        path: str = scope["path"]

        caller = await self._authenticate(headers)
        scope.setdefault("state", {})["caller"] = caller
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        guarded = not public and method != "OPTIONS"
        if guarded and caller.rejected_token:
            await refusal(
                401, "UNAUTHENTICATED", "Unauthenticated", "the bearer token is unknown or revoked"
            )
            return
        if guarded and self.settings.read_requires_token and not caller.is_authenticated:
            await refusal(
                401, "UNAUTHENTICATED", "Unauthenticated", "this deployment needs a bearer token"
            )
            return

        if path == IMPORT_PATH and caller.role is Role.ADMIN:
            # An admin's import streams a whole export (spooled to disk by the route): exempt
            # from the body limit and left unbuffered, but still a write.
            if await self._rate_limited(caller, scope, refusal, 1):
                return
            await self.app(scope, receive, send)
            return

        limit = self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                await refusal(400, "BAD_REQUEST", "Bad request", "Content-Length is not a number")
                return
            if int(declared) > limit:
                await refusal(413, *_too_large(limit))
                return
        try:
            body = await _read_body(receive, limit)
        except _BodyTooLarge:
            await refusal(413, *_too_large(limit))
            return
        if body is None:
            return
        malformed = _malformed_json(scope, body, headers.get("content-type", ""))
        if malformed is not None:
            await refusal(400, "BAD_REQUEST", "Bad request", malformed)
            return
        unstorable = _unstorable_text(scope, body)
        if unstorable is not None:
            await refusal(
                400,
                "BAD_REQUEST",
                "Bad request",
                "NUL characters (U+0000) and unpaired surrogates are not accepted",
                field=unstorable,
            )
            return
        content_type = headers.get("content-type", "")
        max_tokens = self.settings.graphql_max_tokens
        cost = write_cost(method, path, body, content_type, max_tokens)
        if cost and await self._rate_limited(caller, scope, refusal, cost):
            return
        await self.app(scope, _replay(body, receive), send)

    async def _rate_limited(
        self, caller: Caller, scope: Scope, refusal: _Refusal, cost: int
    ) -> bool:
        wait = self.limiter.acquire(_rate_key(caller, scope), cost)
        if wait is None:
            return False
        retry = self.limiter.retry_after(wait)
        await refusal(
            429,
            "RATE_LIMITED",
            "Too many requests",
            f"more than {self.settings.write_rate_per_minute} writes a minute for this caller;"
            f" retry in {retry} s",
            [(b"retry-after", str(retry).encode())],
        )
        return True

    async def _authenticate(self, headers: Headers) -> Caller:
        header = headers.get("authorization")
        if header is None:
            return ANONYMOUS
        return await run_in_threadpool(caller_for_authorization, self.ledger.engine, header)


def write_cost(method: str, path: str, body: bytes, content_type: str, max_tokens: int) -> int:
    """How many writes a request may make (0 for a read), taken from the caller's bucket.

    A GraphQL document counts one per top-level mutation field, so that aliasing thirty
    ``appendEvents`` into one request costs thirty writes, not one.
    """
    if method in SAFE_METHODS:
        return 0
    if path.rstrip("/") != GRAPHQL_PATH:
        return 1
    return _mutation_fields(body, content_type, max_tokens)


def _mutation_fields(body: bytes, content_type: str, max_tokens: int) -> int:
    """Where the document cannot be read precisely (not JSON, over the token limit, a syntax
    error), the bytes decide, erring towards "write": a false "write" costs a query one token
    of its bucket, a false "read" would let mutations past the limit."""
    crude = int(b"mutation" in body.lower())
    if "json" not in content_type.lower():
        return crude
    try:
        payload: Any = json.loads(body)
    except (ValueError, RecursionError):
        return crude
    cost = 0
    for item in payload if isinstance(payload, list) else [payload]:
        query = item.get("query") if isinstance(item, dict) else None
        if not isinstance(query, str):
            continue
        if len(query) <= REMEMBERED_DOCUMENT_CHARS:
            cost += _remembered_document_cost(query, max_tokens)
        else:
            cost += _document_cost(query, max_tokens)
    return cost


#: Documents up to this size have their write cost remembered (512 of them at most, so a few
#: megabytes): clients send the same few queries again and again, and parsing each again cost a
#: few per cent of a read's time.
REMEMBERED_DOCUMENT_CHARS = 8192


def _document_cost(query: str, max_tokens: int) -> int:
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except (GraphQLError, RecursionError):
        return int("mutation" in query.lower())
    return sum(
        max(1, len(node.selection_set.selections))
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode) and node.operation is MUTATION
    )


_remembered_document_cost = lru_cache(maxsize=512)(_document_cost)


#: JSON escapes that may decode to text no database can store: NUL, and UTF-16 surrogates
#: (fine in a pair — an escaped emoji — but not alone; the decoded text tells them apart). The
#: ``\\u{`` form is GraphQL's own escape, inside a query document carried by JSON.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF]|\{)")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: A NUL written as an escape inside a GraphQL string literal, which the GraphQL parser decodes.
#: (It also refuses an escaped backslash followed by "u0000": no one needs that text here.)
_GRAPHQL_NUL = re.compile(r"\\u(?:0000|\{0+\})")


def _malformed_json(scope: Scope, body: bytes, content_type: str) -> str | None:
    """Why a JSON body (or GraphQL's ``variables`` in a GET query string) is not strict JSON.

    A body without a content type counts as JSON: FastAPI parses it as such."""
    if body and ("json" in content_type.lower() or not content_type):
        refusal = strict_json_refusal(body)
        if refusal is not None:
            return refusal
    if str(scope.get("path", "")).rstrip("/") == GRAPHQL_PATH:
        query: bytes = scope.get("query_string", b"")
        for name, value in parse_qsl(query.decode("latin-1")):
            if name in ("variables", "extensions"):
                refusal = strict_json_refusal(value.encode())
                if refusal is not None:
                    return f"{name}: {refusal}"
    return None


def _unstorable_text(scope: Scope, body: bytes) -> list[str] | None:
    """Where the path, query or a JSON body holds U+0000 or a lone surrogate, or a GraphQL
    document a NUL escape: ``["path"]``, ``["query", name]`` or the JSON path in the body
    (``["events", "0", "data", "name"]``); None when there is none.

    PostgreSQL text cannot hold NUL, and neither database driver can encode a lone surrogate:
    letting them through would answer 500, or fail on PostgreSQL and work on SQLite. The
    ledger refuses them everywhere, once, here. (Raw control characters are not valid inside
    JSON strings, so in a JSON body these can only arrive as escapes, which a decode confirms.
    Paths and queries are percent-decoded with replacement, so they cannot carry surrogates.)
    """
    path: str = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    if "\x00" in path:
        return ["path"]
    graphql = path.rstrip("/") == GRAPHQL_PATH
    # GraphQL over GET carries its document and its variables (JSON) in the query string.
    params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    for name, value in params:
        if "\x00" in name or "\x00" in value or (graphql and _GRAPHQL_NUL.search(value)):
            return ["query", name.replace("\x00", "")]
        inside = _json_unstorable_at(value.encode(), graphql)
        if inside is not None:
            return ["query", name, *inside]
    if b"\x00" in query or b"%00" in query:
        return ["query"]
    return _json_unstorable_at(body, graphql)


def _json_unstorable_at(text: bytes, graphql: bool) -> list[str] | None:
    if not _SUSPECT_ESCAPE.search(text):
        return None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    # An explicit stack: deep nesting must not overflow the interpreter's.
    pending: list[tuple[Any, list[str]]] = [(document, [])]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            if "\x00" in value or _LONE_SURROGATE.search(value):
                return where
            if graphql and _GRAPHQL_NUL.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                pending.append((key, where))
                pending.append((item, [*where, _printable(key)]))
        elif isinstance(value, list):
            pending.extend((item, [*where, str(index)]) for index, item in enumerate(value))
    return None


def _printable(key: str) -> str:
    """A key as a field name, without the characters that made it unstorable."""
    return _LONE_SURROGATE.sub("", key.replace("\x00", ""))


def _rate_key(caller: Caller, scope: Scope) -> str:
    if caller.name is not None:
        return f"token:{caller.name}"
    client = scope.get("client")
    return f"anonymous:{client[0] if client else '?'}"


def _too_large(limit: int) -> tuple[str, str, str]:
    return "PAYLOAD_TOO_LARGE", "Request too large", f"the request body exceeds {limit} bytes"


class _BodyTooLarge(Exception):
    """The body went over the limit while streaming; reading stops there."""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, refused once it passes ``limit``; None if the client left."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body as one message, then the real channel (for disconnect notices)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Refusal:
    """Sends one refusal in the shape the route's clients read."""

    def __init__(self, scope: Scope, send: Send) -> None:
        self.graphql = str(scope.get("path", "")).rstrip("/") == GRAPHQL_PATH
        self.send = send

    async def __call__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        extra_headers: Iterable[tuple[bytes, bytes]] = (),
        field: list[str] | None = None,
    ) -> None:
        if self.graphql:
            content: dict[str, Any] = {
                "data": None,
                "errors": [{"message": detail, "extensions": {"code": code}}],
            }
            media_type = b"application/json"
        else:
            content = {
                "type": "about:blank",
                "title": title,
                "status": status,
                "detail": detail,
                "code": code,
                "field": field,
            }
            media_type = b"application/problem+json"
        payload = json.dumps(content).encode()
        headers = [
            (b"content-type", media_type),
            (b"content-length", str(len(payload)).encode()),
            *extra_headers,
        ]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="ledger"'))
        if status == 413:
            headers.append((b"connection", b"close"))
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": payload})


def install_security(app: Starlette, ledger: Ledger) -> None:
    """Wires the gate, CORS and log redaction into ``app``.

    CORS goes outermost, so that refusals (401, 413, 429) carry its headers too: a browser
    hides a response without them from the front-end, which could then not say why it failed.
    Without configured origins there is no CORS at all: browsers keep other sites out.
    """
    log_redaction.install()
    app.add_middleware(SecurityMiddleware, ledger=ledger)
    # around the gate, so that its token lookup fails as 503 too, inside CORS (see its module)
    app.add_middleware(RequestGuard, settings=ledger.settings)
    origins = ledger.settings.cors_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
            allow_credentials=False,
        )
