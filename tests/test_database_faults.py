"""Database failures are answers: while PostgreSQL is unreachable (cut) or hung (stalled), every
request path — health, the feed, a request with a token, GraphQL, a write — answers 503 with a
request id, within bounded time; when it is back the same server serves again, no restart.
On SQLite, a database locked by another process gives the same answer."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import bearer, make_ledger
from fault_proxy import FaultProxy
from ledger.app import create_app
from ledger.container import Ledger
from ledger.security.roles import Role
from ledger.store.engine import still_open

FAST = {
    "health_cache_seconds": 0.0,  # each /healthz below checks the database afresh
    "request_timeout": 3.0,
    "health_timeout": 1.0,
    "database_connect_timeout": 2.0,
    "database_statement_timeout": 2.0,
    "database_lock_timeout": 5.0,
    "database_pool_timeout": 1.0,
}
EVENT = {"type": "PersonProfiled", "data": {"name": "A Person"}, "sources": [{"title": "s"}]}
QUERY = {"query": "{ head { position } persons(first: 5) { totalCount } }"}


@pytest.fixture
def proxied(fresh_database_url: Any) -> Iterator[tuple[FaultProxy, Ledger, TestClient]]:
    url = make_url(fresh_database_url("postgres"))
    proxy = FaultProxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port)
    ledger = make_ledger(through.render_as_string(hide_password=False), **FAST)
    try:
        with TestClient(create_app(ledger=ledger)) as client:
            yield proxy, ledger, client
    finally:
        proxy.close()
        ledger.close()


def requests(client: TestClient, headers: dict[str, str]) -> dict[str, Response]:
    stream = f"/v1/streams/person-{uuid.uuid4().hex[:8]}/events"
    return {
        "health": client.get("/healthz"),
        "feed": client.get("/v1/events"),
        "feed with a token": client.get("/v1/events", headers=headers),
        "stream": client.get(stream),
        "graphql": client.post("/graphql", json=QUERY),
        "graphql with a token": client.post("/graphql", json=QUERY, headers=headers),
        "write": client.post(stream, json={"events": [EVENT]}, headers=headers),
    }


def assert_unavailable(answers: dict[str, Response]) -> None:
    for name, answer in answers.items():
        if name == "health":
            assert answer.status_code == 503, answer.text
            continue
        request_id = answer.headers.get("x-request-id")
        assert request_id, name
        if answer.status_code == 200 and name.startswith("graphql"):
            errors = answer.json()["errors"]
            assert errors[0]["extensions"]["code"] == "DATABASE_UNAVAILABLE", (name, errors)
            assert errors[0]["extensions"]["requestId"] == request_id
            continue
        assert answer.status_code == 503, (name, answer.status_code, answer.text)
        body = answer.json()
        if name.startswith("graphql"):
            body = body["errors"][0]["extensions"]
        else:
            assert answer.headers["content-type"] == "application/problem+json", name
        assert body["code"] in ("DATABASE_UNAVAILABLE", "DEADLINE_EXCEEDED"), (name, body)
        assert body["requestId"] == request_id, name


def assert_served(answers: dict[str, Response]) -> None:
    for name, answer in answers.items():
        assert answer.status_code in (200, 201), (name, answer.status_code, answer.text)
        if name.startswith("graphql"):
            assert "errors" not in answer.json(), (name, answer.json())


@pytest.mark.postgres
def test_a_cut_database_answers_503_everywhere_and_the_server_recovers(
    proxied: tuple[FaultProxy, Ledger, TestClient],
) -> None:
    proxy, ledger, client = proxied
    headers = bearer(ledger, Role.EDITOR)
    assert_served(requests(client, headers))
    proxy.cut()
    assert_unavailable(requests(client, headers))
    proxy.resume()
    assert_served(requests(client, headers))


@pytest.mark.postgres
def test_a_hung_database_answers_503_in_bounded_time_and_the_server_recovers(
    proxied: tuple[FaultProxy, Ledger, TestClient],
) -> None:
    proxy, ledger, client = proxied
    headers = bearer(ledger, Role.EDITOR)
    assert_served(requests(client, headers))
    proxy.stall()
    assert_unavailable(requests(client, headers))
    proxy.resume()
    assert_served(requests(client, headers))
    proxy.stall()
    proxy.cut()  # connections that hung are dropped: the pool must replace them
    proxy.resume()
    assert_served(requests(client, headers))


def test_a_locked_sqlite_database_refuses_writes_with_503(fresh_database_url: Any) -> None:
    url = fresh_database_url("sqlite")
    ledger = make_ledger(url, **{**FAST, "database_lock_timeout": 1.0})
    headers = bearer(ledger, Role.EDITOR)
    with TestClient(create_app(ledger=ledger)) as client:
        holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            answer = client.post(
                "/v1/streams/person-locked/events", json={"events": [EVENT]}, headers=headers
            )
            assert answer.status_code == 503, answer.text
            assert answer.json()["code"] == "DATABASE_UNAVAILABLE"
            assert answer.json()["requestId"] == answer.headers["x-request-id"]
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        again = client.post(
            "/v1/streams/person-locked/events", json={"events": [EVENT]}, headers=headers
        )
        assert again.status_code == 201, again.text
    ledger.close()


@pytest.mark.postgres
def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    fresh_database_url: Any,
) -> None:
    """A connection the server ended while it sat in the pool (a restart, an administrator's
    termination) is noticed at checkout without asking the server, and the read gets a fresh one
    instead of an error."""
    ledger = make_ledger(fresh_database_url("postgres"), **FAST)
    admin = create_engine(fresh_database_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with ledger.engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            pooled = connection.connection.dbapi_connection
        with admin.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        for _ in range(500):  # the server's goodbye is on its way
            if not still_open(pooled):
                break
            time.sleep(0.01)
        with ledger.engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        admin.dispose()
        ledger.close()
