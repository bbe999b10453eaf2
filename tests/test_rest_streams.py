"""REST appends, stream and event reads, retraction: status codes, problems and redaction."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import bearer
from ledger.container import Ledger
from ledger.security.roles import Role
from ledger.security.tokens import revoke_token

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

PROBLEM = "application/problem+json"


def detained(on: str = "2019-12-27", **extra: Any) -> dict[str, Any]:
    return {
        "type": "PersonDetained",
        "occurredOn": on,
        "data": {"kind": "PRE_TRIAL_DETENTION"},
        "sources": [{"title": "Report", "published": "2020-01"}],
        **extra,
    }


def append(
    client: TestClient, headers: dict[str, str], *events: dict[str, Any], **body: Any
) -> Any:
    return client.post(
        "/v1/streams/person-a/events", json={"events": list(events), **body}, headers=headers
    )


def assert_problem(response: Any, status: int, code: str, field: list[str] | None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"], body["field"]) == (status, code, field)
    assert body["title"] and body["detail"]


def test_append_answers_201_with_the_stored_events(
    client: TestClient, editor_headers: dict[str, str]
) -> None:
    response = append(client, editor_headers, detained(), detained("2020"), expectedVersion=0)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert body["streamId"] == "person-a" and body["version"] == 2
    assert [e["position"] for e in body["events"]] == [1, 2]
    assert [e["version"] for e in body["events"]] == [1, 2]
    assert {e["recordedBy"] for e in body["events"]} == {"editor-alice"}
    assert body["events"][1]["previousHash"] == body["events"][0]["hash"]

    read = client.get("/v1/streams/person-a/events")
    assert read.status_code == 200 and read.headers["etag"] == '"2"'
    assert read.json() == body
    one = client.get(f"/v1/events/{body['events'][0]['id']}")
    assert one.status_code == 200 and one.json() == body["events"][0]


def test_a_stream_without_events_is_at_version_0(client: TestClient) -> None:
    response = client.get("/v1/streams/person-nobody/events")
    assert response.status_code == 200
    assert response.json() == {"streamId": "person-nobody", "version": 0, "events": []}


def test_a_stale_expected_version_is_a_409_and_stores_nothing(
    client: TestClient, editor_headers: dict[str, str]
) -> None:
    append(client, editor_headers, detained())
    response = append(client, editor_headers, detained(), expectedVersion=0)
    assert_problem(response, 409, "VERSION_CONFLICT", ["expectedVersion"])
    assert client.get("/v1/events").json()["next"] == 1


def test_if_match_carries_the_expected_version(
    client: TestClient, editor_headers: dict[str, str]
) -> None:
    append(client, editor_headers, detained())
    stale = append(client, {**editor_headers, "If-Match": '"0"'}, detained())
    assert_problem(stale, 409, "VERSION_CONFLICT", ["expectedVersion"])
    fresh = append(client, {**editor_headers, "If-Match": '"1"'}, detained())
    assert fresh.status_code == 201 and fresh.json()["version"] == 2
    disagree = append(client, {**editor_headers, "If-Match": '"2"'}, detained(), expectedVersion=1)
    assert_problem(disagree, 422, "VALIDATION", ["expectedVersion"])
    garbage = append(client, {**editor_headers, "If-Match": "*"}, detained())
    assert_problem(garbage, 422, "VALIDATION", ["If-Match"])


def test_validation_errors_name_the_field(
    client: TestClient, editor_headers: dict[str, str]
) -> None:
    bad_kind = detained()
    bad_kind["data"] = {"kind": "HOLIDAY"}
    assert_problem(
        append(client, editor_headers, detained(), bad_kind),
        422,
        "VALIDATION",
        ["events", "1", "data", "kind"],
    )
    unknown = {**detained(), "type": "PersonAbducted"}
    assert_problem(
        append(client, editor_headers, unknown), 422, "UNKNOWN_EVENT_TYPE", ["events", "0", "type"]
    )
    no_sources = {**detained(), "sources": []}
    assert_problem(
        append(client, editor_headers, no_sources), 422, "VALIDATION", ["events", "0", "sources"]
    )
    bad_date = detained("2019-13")
    assert_problem(
        append(client, editor_headers, bad_date), 422, "VALIDATION", ["events", "0", "occurredOn"]
    )
    extra = {**detained(), "colour": "red"}
    assert_problem(
        append(client, editor_headers, extra), 422, "VALIDATION", ["events", "0", "colour"]
    )
    wrong_stream = client.post(
        "/v1/streams/planet-mars/events", json={"events": [detained()]}, headers=editor_headers
    )
    assert_problem(wrong_stream, 422, "VALIDATION", ["streamId"])
    not_json = client.post(
        "/v1/streams/person-a/events",
        content=b"{",
        headers={**editor_headers, "content-type": "application/json"},
    )
    assert not_json.status_code == 422 and not_json.headers["content-type"] == PROBLEM
    assert client.get("/v1/events").json()["events"] == []


def test_writes_need_an_editor_token(client: TestClient, ledger: Ledger) -> None:
    assert_problem(append(client, {}, detained()), 401, "UNAUTHENTICATED", None)
    reader = bearer(ledger, Role.READER, "reader-bob")
    assert_problem(append(client, reader, detained()), 403, "FORBIDDEN", None)
    editor = bearer(ledger, Role.EDITOR, "editor-carol")
    revoke_token(ledger.engine, "editor-carol")
    response = append(client, editor, detained())
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
    assert client.get("/v1/events").json()["events"] == []


def test_unknown_events_and_paths_are_problems(client: TestClient) -> None:
    missing = client.get(f"/v1/events/{uuid.uuid4()}")
    assert_problem(missing, 404, "NOT_FOUND", ["eventId"])
    assert_problem(client.get("/v1/events/not-a-uuid"), 422, "VALIDATION", ["eventId"])
    nowhere = client.get("/v1/nowhere")
    assert nowhere.status_code == 404 and nowhere.headers["content-type"] == PROBLEM
    assert client.get("/elsewhere").headers["content-type"] == PROBLEM


def test_resending_the_same_event_id_stores_nothing_new(
    client: TestClient, editor_headers: dict[str, str]
) -> None:
    event = detained(id=str(uuid.uuid4()))
    first = append(client, editor_headers, event).json()
    again = append(client, editor_headers, event)
    assert again.status_code == 201 and again.json()["events"] == first["events"]
    changed = {**event, "occurredOn": "2018"}
    assert_problem(
        append(client, editor_headers, changed), 409, "ID_CONFLICT", ["events", "0", "id"]
    )


def test_retraction_appends_to_the_retracted_events_stream(
    client: TestClient, editor_headers: dict[str, str]
) -> None:
    target = append(client, editor_headers, detained()).json()["events"][0]
    body = {"reason": "wrong person", "sources": [{"title": "Court record"}]}
    url = f"/v1/events/{target['id']}/retraction"
    response = client.post(url, json=body, headers=editor_headers)
    assert response.status_code == 201, response.text
    retraction = response.json()
    assert retraction["type"] == "EventRetracted" and retraction["streamId"] == "person-a"
    assert retraction["data"]["eventId"] == target["id"]
    assert retraction["recordedBy"] == "editor-alice"
    twice = client.post(url, json=body, headers=editor_headers)
    assert_problem(twice, 422, "VALIDATION", ["eventId"])
    ghost = client.post(f"/v1/events/{uuid.uuid4()}/retraction", json=body, headers=editor_headers)
    assert_problem(ghost, 404, "NOT_FOUND", ["eventId"])
    unsourced = client.post(url, json={"reason": "x", "sources": []}, headers=editor_headers)
    assert_problem(unsourced, 422, "VALIDATION", ["sources"])
    assert_problem(client.post(url, json=body), 401, "UNAUTHENTICATED", None)


def test_restricted_events_are_redacted_except_for_admins(
    client: TestClient, editor_headers: dict[str, str], ledger: Ledger
) -> None:
    written = append(client, editor_headers, detained(restricted=True)).json()["events"][0]
    assert written["restricted"] and written["data"] == {} and written["sources"] == []
    admin = bearer(ledger, Role.ADMIN)
    for url in ("/v1/streams/person-a/events", "/v1/events"):
        anonymous = client.get(url).json()["events"][0]
        assert (anonymous["data"], anonymous["sources"]) == ({}, [])
        full = client.get(url, headers=admin).json()["events"][0]
        assert full["data"] == {"kind": "PRE_TRIAL_DETENTION"} and full["sources"]
    single = client.get(f"/v1/events/{written['id']}").json()
    assert single["data"] == {} and single["hash"] == written["hash"]
