"""Who may write, over REST and GraphQL: refusals store nothing; writes record the token's name."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import bearer
from ledger.container import Ledger
from ledger.security.roles import Role
from ledger.security.tokens import create_token, revoke_token

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

STREAM = "person-write-test"
PROFILE: dict[str, Any] = {
    "type": "PersonProfiled",
    "data": {"name": "Write Test Person"},
    "sources": [{"title": "Write test source"}],
}
APPEND = """
mutation Append($input: AppendEventsInput!) {
  appendEvents(input: $input) {
    events { id recordedBy }
    errors { code field message }
  }
}"""
RETRACT = """
mutation Retract($input: RetractEventInput!) {
  retractEvent(input: $input) { retraction { id } errors { code message } }
}"""


def rest_append(client: TestClient, headers: dict[str, str], **event: Any) -> Any:
    return client.post(
        f"/v1/streams/{STREAM}/events",
        json={"events": [{**PROFILE, **event}], "expectedVersion": None},
        headers=headers,
    )


def gql(client: TestClient, query: str, headers: dict[str, str], **variables: Any) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def gql_append(client: TestClient, headers: dict[str, str], **event: Any) -> Any:
    return gql(
        client, APPEND, headers, input={"streamId": STREAM, "events": [{**PROFILE, **event}]}
    )


@pytest.fixture
def tokens(ledger: Ledger) -> dict[str, dict[str, str]]:
    revoked = create_token(ledger.engine, "revoked-editor", Role.EDITOR)
    revoke_token(ledger.engine, "revoked-editor")
    return {
        "anonymous": {},
        "reader": bearer(ledger, Role.READER, "reader-rita"),
        "revoked": {"Authorization": f"Bearer {revoked}"},
        "editor": bearer(ledger, Role.EDITOR, "editor-alice"),
        "admin": bearer(ledger, Role.ADMIN, "admin-ada"),
    }


def test_rest_writes_by_role(
    ledger: Ledger, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    for who, status in (("anonymous", 401), ("reader", 403), ("revoked", 401)):
        answer = rest_append(client, tokens[who])
        assert answer.status_code == status, (who, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert ledger.store.head().position == 0, f"a refused write ({who}) stores nothing"

    assert rest_append(client, tokens["editor"]).status_code == 201
    assert rest_append(client, tokens["admin"], data={"name": "Renamed"}).status_code == 201
    assert [e.recorded_by for e in ledger.store.read_stream(STREAM)] == [
        "editor-alice",
        "admin-ada",
    ]


def test_rest_retraction_by_role(
    ledger: Ledger, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    assert rest_append(client, tokens["editor"]).status_code == 201
    target = ledger.store.read_stream(STREAM)[0].id
    body = {"reason": "mistaken", "sources": [{"title": "Correction"}]}
    url = f"/v1/events/{target}/retraction"
    for who, status in (("anonymous", 401), ("reader", 403), ("revoked", 401)):
        assert client.post(url, json=body, headers=tokens[who]).status_code == status, who
    assert ledger.store.head().position == 1
    assert client.post(url, json=body, headers=tokens["editor"]).status_code == 201
    assert ledger.store.read_stream(STREAM)[-1].recorded_by == "editor-alice"


def test_graphql_writes_by_role(
    ledger: Ledger, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    for who in ("anonymous", "reader"):
        answer = gql_append(client, tokens[who])
        assert answer.status_code == 200, answer.text
        payload = answer.json()["data"]["appendEvents"]
        assert payload["events"] == []
        assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"], who
    revoked = gql_append(client, tokens["revoked"])
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert ledger.store.head().position == 0, "a refused write stores nothing"

    stored = gql_append(client, tokens["editor"]).json()["data"]["appendEvents"]
    assert stored["errors"] == []
    assert [e["recordedBy"] for e in stored["events"]] == ["editor-alice"]

    target = stored["events"][0]["id"]
    retraction = {"eventId": target, "reason": "mistaken", "sources": [{"title": "Correction"}]}
    for who in ("anonymous", "reader"):
        payload = gql(client, RETRACT, tokens[who], input=retraction).json()["data"]
        assert payload["retractEvent"]["errors"][0]["code"] == "FORBIDDEN", who
    assert ledger.store.head().position == 1
    payload = gql(client, RETRACT, tokens["admin"], input=retraction).json()["data"]
    assert payload["retractEvent"]["errors"] == []
    assert ledger.store.read_stream(STREAM)[-1].recorded_by == "admin-ada"


def test_editors_may_append_restricted_events(
    ledger: Ledger, client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    assert rest_append(client, tokens["editor"], restricted=True).status_code == 201
    answer = gql_append(client, tokens["editor"], restricted=True, data={"name": "Other"})
    assert answer.json()["data"]["appendEvents"]["errors"] == []
    assert [e.restricted for e in ledger.store.read_stream(STREAM)] == [True, True]
