"""The HTTP gate: body size (413), write rate (429), read gate, dead tokens, CORS, NUL, logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError

from conftest import bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.security import log_redaction
from ledger.security.middleware import write_cost
from ledger.security.rate_limit import WriteRateLimiter
from ledger.security.roles import Role
from ledger.security.tokens import create_token, revoke_token

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

PROFILE = {
    "type": "PersonProfiled",
    "data": {"name": "Gate Test Person"},
    "sources": [{"title": "Gate test source"}],
}
APPEND = """
mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) { events { id recordedBy } errors { code field message } }
}"""


@pytest.fixture
def make_client(database_url: str) -> Iterator:  # type: ignore[type-arg]
    """A client over a fresh ledger built with the given settings."""
    built: list[tuple[Ledger, TestClient]] = []

    def make(**settings: object) -> tuple[Ledger, TestClient]:
        ledger = make_ledger(database_url, **settings)
        client = TestClient(create_app(ledger=ledger))
        built.append((ledger, client))
        return ledger, client

    yield make
    for ledger, client in built:
        client.close()
        ledger.close()


def rest_append(client: TestClient, headers: dict[str, str], stream: str = "person-gate"):  # type: ignore[no-untyped-def]
    return client.post(f"/v1/streams/{stream}/events", json={"events": [PROFILE]}, headers=headers)


def test_body_size_limit_declared_and_streamed(make_client) -> None:  # type: ignore[no-untyped-def]
    ledger, client = make_client(max_body_bytes=2_000)
    editor = bearer(ledger, Role.EDITOR)
    big = {"events": [{**PROFILE, "data": {"name": "x" * 3_000}}]}

    declared = client.post("/v1/streams/person-gate/events", json=big, headers=editor)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["status"] == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        body = json.dumps(big).encode()
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    streamed = client.post(
        "/v1/streams/person-gate/events",
        content=chunks(),
        headers={**editor, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413

    graphql = client.post(
        "/graphql",
        json={"query": APPEND, "variables": {"input": {"streamId": "person-gate", **big}}},
        headers=editor,
    )
    assert graphql.status_code == 413
    assert graphql.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert ledger.store.head().position == 0, "a refused write stores nothing"

    bad = client.post("/v1/streams/person-gate/events", headers={"Content-Length": "lots"})
    assert bad.status_code == 400


def test_write_rate_limit_per_token(make_client) -> None:  # type: ignore[no-untyped-def]
    ledger, client = make_client(write_rate_per_minute=3)
    alice = bearer(ledger, Role.EDITOR, "alice")
    bob = bearer(ledger, Role.EDITOR, "bob")
    answers = [rest_append(client, alice, f"person-rate-{i}").status_code for i in range(3)]
    assert all(status < 400 for status in answers), answers
    limited = rest_append(client, alice, "person-rate-9")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "writes a minute" in limited.json()["detail"]
    assert ledger.store.stream_version("person-rate-9") == 0, "a refused write stores nothing"

    gql = client.post(
        "/graphql",
        json={"query": APPEND, "variables": {"input": {"streamId": "person-rate-9", "events": []}}},
        headers=alice,
    )
    assert gql.status_code == 429
    assert gql.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"

    assert client.get("/v1/events", headers=alice).status_code == 200, "reads are not limited"
    assert rest_append(client, bob, "person-rate-bob").status_code < 400, "buckets are per token"


def test_aliased_mutations_cost_one_write_each() -> None:
    body = json.dumps({"query": "mutation { a: appendEvents b: appendEvents c: retractEvent }"})
    assert write_cost("POST", "/graphql", body.encode(), "application/json", 5_000) == 3
    now = [0.0]
    limiter = WriteRateLimiter(2, clock=lambda: now[0])
    assert limiter.acquire("k", 5) is None, "a cost above the bucket's size can still succeed"
    assert limiter.acquire("k", 1) is not None


def test_rate_limiter_refills_and_zero_means_unlimited() -> None:
    now = [0.0]
    limiter = WriteRateLimiter(60, clock=lambda: now[0])
    assert all(limiter.acquire("k") is None for _ in range(60))
    wait = limiter.acquire("k")
    assert wait is not None and 0 < wait <= 1.0
    assert limiter.retry_after(wait) == 1
    now[0] += 1.0
    assert limiter.acquire("k") is None
    assert all(WriteRateLimiter(0).acquire("k") is None for _ in range(1000))


@pytest.mark.parametrize(
    ("method", "path", "body", "write"),
    [
        ("GET", "/v1/events", b"", False),
        ("POST", "/v1/streams/x/events", b"{}", True),
        ("POST", "/graphql", b'{"query": "{ persons { totalCount } }"}', False),
        ("POST", "/graphql", b'{"query": "query Q { a } # mutation"}', False),
        ("POST", "/graphql", b'{"query": "{ a(s: \\"mutation\\") }"}', False),
        ("POST", "/graphql", b'{"query": "mutation { appendEvents }"}', True),
        ("POST", "/graphql", b'{"query": "query A { a } mutation B { b }"}', True),
        ("POST", "/graphql", b'[{"query": "{ a }"}, {"query": "mutation { b }"}]', True),
        ("POST", "/graphql", b'{"query": "mutation { unbalanced "}', True),
        ("POST", "/graphql", b"not json mutation", True),
        ("GET", "/graphql?query=mutation%7Ba%7D", b"", False),
    ],
)
def test_write_detection(method: str, path: str, body: bytes, write: bool) -> None:
    content_type = "text/plain" if body.startswith(b"not") else "application/json"
    cost = write_cost(method, path.split("?")[0], body, content_type, 5_000)
    assert (cost > 0) is write


def test_read_requires_token(make_client) -> None:  # type: ignore[no-untyped-def]
    ledger, client = make_client(read_requires_token=True)
    reader = bearer(ledger, Role.READER)
    query = {"query": "{ persons { totalCount } }"}

    assert client.get("/healthz").status_code == 200
    for answer in (client.get("/v1/events"), client.get("/v1/export")):
        assert answer.status_code == 401
        assert answer.json()["code"] == "UNAUTHENTICATED"
    anonymous = client.post("/graphql", json=query)
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert client.get("/graphql", params=query).status_code == 401

    assert client.get("/v1/events", headers=reader).status_code == 200
    answer = client.post("/graphql", json=query, headers=reader)
    assert answer.status_code == 200
    assert "errors" not in answer.json(), answer.json()

    assert rest_append(client, {}).status_code == 401
    assert ledger.store.head().position == 0


def test_public_reads_need_no_token_but_dead_tokens_are_refused(
    ledger: Ledger, client: TestClient
) -> None:
    assert client.get("/v1/events").status_code == 200
    token = create_token(ledger.engine, "gone", Role.ADMIN)
    revoke_token(ledger.engine, "gone")
    for headers in (
        {"Authorization": f"Bearer {token}"},
        {"Authorization": "Bearer ldg_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ):
        answer = client.get("/v1/events", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"] == 'Bearer realm="ledger"'
        assert token not in answer.text
        assert (
            client.post("/graphql", json={"query": "{ __typename }"}, headers=headers).status_code
            == 401
        )
    assert client.get("/healthz", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cors_allow_list(make_client) -> None:  # type: ignore[no-untyped-def]
    _, closed = make_client()
    preflight = {
        "Origin": "https://app.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    assert (
        "access-control-allow-origin" not in closed.options("/graphql", headers=preflight).headers
    )
    assert "access-control-allow-origin" not in closed.get("/healthz", headers=preflight).headers

    _, open_ = make_client(cors_origins=["https://app.example.org"])
    allowed = open_.options("/graphql", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers

    other = open_.options("/graphql", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers

    refused = rest_append(open_, {"Origin": "https://app.example.org"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "https://app.example.org", (
        "a refusal carries CORS headers, so the front-end can read why"
    )


@pytest.mark.backends("sqlite", "postgres")  # PostgreSQL is the database that cannot store NUL
def test_nul_is_refused_cleanly(ledger: Ledger, client: TestClient) -> None:
    editor = bearer(ledger, Role.EDITOR)
    assert client.get("/v1/streams/person-%00/events").status_code == 400
    assert client.get("/v1/events", params={"after": "\x00"}).status_code == 400
    search = {"query": "query($s: String) { persons(search: $s) { totalCount } }"}
    answer = client.post("/graphql", json={**search, "variables": {"s": "a\x00b"}})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    lone_surrogate = json.dumps({**search, "variables": {"s": "\ud800"}})
    answer = client.post(
        "/graphql", content=lone_surrogate, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    for literal_nul in (r'"\u0000"', r'"a\u{0}"'):
        query = f"{{ events(streamId: {literal_nul}) {{ totalCount }} }}"
        assert client.post("/graphql", json={"query": query}).status_code == 400
        assert client.get("/graphql", params={"query": query}).status_code == 400
    emoji = client.post(
        "/graphql",
        content=json.dumps({**search, "variables": {"s": "😀"}}),
        headers={"Content-Type": "application/json"},
    )
    assert emoji.status_code == 200, "an escaped surrogate pair is a character like any other"
    event = {**PROFILE, "data": {"name": "nul\x00name"}}
    assert rest_append_events(client, editor, [event]).status_code == 400
    literal = {**PROFILE, "data": {"name": "a literal \\u0000 is fine"}}
    assert rest_append_events(client, editor, [literal]).status_code == 201
    assert ledger.store.head().position == 1


def rest_append_events(client: TestClient, headers: dict[str, str], events: list[dict]):  # type: ignore[no-untyped-def, type-arg]
    return client.post("/v1/streams/person-nul/events", json={"events": events}, headers=headers)


def test_tokens_never_reach_logs(
    ledger: Ledger,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = create_token(ledger.engine, "logged", Role.EDITOR)
    log_redaction.install()
    caplog.set_level(logging.DEBUG)
    # uvicorn's own logging configuration, left by any earlier test of this process that built
    # a uvicorn.Config (level, no propagation), keeps the access log from caplog's handler
    caplog.set_level(logging.DEBUG, logger="uvicorn.access")
    monkeypatch.setattr(logging.getLogger("uvicorn.access"), "propagate", True)
    client.get("/v1/events", headers={"Authorization": f"Bearer {token}"})
    client.get(f"/v1/events?access_token={token}")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", f"/v1?t={token}", "1.1", 200
    )
    logging.getLogger("ledger.somewhere").warning("header was Authorization: Bearer %s", token)
    try:
        raise ValueError(f"bad token {token}")
    except ValueError:
        logging.getLogger("strawberry.execution").exception("failed")
    values = {"data": "WITNESS-NAME-5531"}
    try:
        raise DataError("INSERT INTO events VALUES (?)", values, None)
    except DataError:
        logging.getLogger("ledger.graphql").exception("internal error")
    text = caplog.text + "".join(str(r.args) + (r.exc_text or "") for r in caplog.records)
    assert token not in text and token[4:] not in text
    assert "WITNESS-NAME-5531" not in text, "bound values of failed statements are withheld"
    assert "[REDACTED]" in caplog.text
    access = next(r for r in caplog.records if r.name == "uvicorn.access")
    assert isinstance(access.args, tuple) and len(access.args) == 5, "uvicorn's formatter unpacks"
