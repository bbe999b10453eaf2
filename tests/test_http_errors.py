"""Every HTTP error is a problem document (RFC 9457) naming the offending input in camelCase,
and every route answers HEAD and OPTIONS as HTTP clients expect."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
EVENT = "3f0c2a4e-8d6b-4c1e-9a57-2b1f0e6d9c11"


def assert_problem(response, status: int, code: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status and body["code"] == code, body
    return body


@pytest.mark.parametrize("path", ["/nowhere", "/v1/nowhere", "/v1/streams"])
def test_an_unknown_route_is_a_problem_saying_where_the_api_is(
    client: TestClient, path: str
) -> None:
    body = assert_problem(client.get(path), 404, "NOT_FOUND")
    assert "/v1" in str(body["detail"]) and "/graphql" in str(body["detail"])


def test_a_method_a_route_does_not_take_is_a_problem_with_allow(client: TestClient) -> None:
    response = client.put("/v1/events")
    body = assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert body["detail"] == "PUT is not allowed on /v1/events"
    assert "GET" in response.headers["allow"]


def test_a_malformed_graphql_request_is_a_problem_too(client: TestClient) -> None:
    response = client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("path", ["/v1/events", "/v1/streams/person-a/events", "/healthz"])
def test_head_answers_what_get_would_without_the_body(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("etag") == got.headers.get("etag")


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/events", "GET, HEAD, OPTIONS"),
        ("/v1/streams/person-a/events", "GET, HEAD, OPTIONS, POST"),
        (f"/v1/events/{EVENT}/retraction", "OPTIONS, POST"),
    ],
)
def test_options_names_the_methods_of_the_path(client: TestClient, path: str, allow: str) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow


def test_options_on_an_unknown_path_is_a_404(client: TestClient) -> None:
    assert_problem(client.options("/v1/nowhere"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/events/not-a-uuid"), ("POST", "/v1/events/not-a-uuid/retraction")],
)
def test_a_bad_path_parameter_is_named_in_camel_case(
    client: TestClient, editor_headers: dict[str, str], method: str, path: str
) -> None:
    body = {"reason": "r", "sources": [{"title": "t"}]} if method == "POST" else None
    response = client.request(method, path, json=body, headers=editor_headers)
    assert assert_problem(response, 422, "VALIDATION")["field"] == ["eventId"]


def test_an_unknown_event_is_named_as_the_same_field(client: TestClient) -> None:
    assert assert_problem(client.get(f"/v1/events/{EVENT}"), 404, "NOT_FOUND")["field"] == [
        "eventId"
    ]


@pytest.mark.parametrize("stream", ["nobody", "person-", "person-a b", "organisation-x"])
def test_a_malformed_stream_id_is_refused_on_read_as_on_append(
    client: TestClient, stream: str
) -> None:
    response = client.get(f"/v1/streams/{stream}/events")
    assert assert_problem(response, 422, "VALIDATION")["field"] == ["streamId"]


def test_the_api_description_states_the_stream_id_rule(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    parameters = document["paths"]["/v1/streams/{streamId}/events"]["get"]["parameters"]
    stream = next(p for p in parameters if p["name"] == "streamId")
    assert stream["schema"]["pattern"] == r"^(person|recommendation|indicator)-[\w.-]+$"
    assert "/v1/events/{eventId}" in document["paths"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"events": [{"type": "PersonProfiled", "data": {"name": "A\u0000"}}]},
            ["events", "0", "data", "name"],
        ),
        ({"reason": "\ud800", "sources": []}, ["reason"]),
    ],
)
def test_unstorable_text_is_a_400_naming_where_it_is(
    client: TestClient, editor_headers: dict[str, str], body: object, field: list[str]
) -> None:
    response = client.post(
        "/v1/streams/person-a/events",
        content=json.dumps(body).encode(),
        headers={**editor_headers, "Content-Type": "application/json"},
    )
    assert assert_problem(response, 400, "BAD_REQUEST")["field"] == field


def test_unstorable_text_in_the_query_names_the_parameter(client: TestClient) -> None:
    response = client.get("/v1/events?after=%00")
    assert assert_problem(response, 400, "BAD_REQUEST")["field"] == ["query", "after"]


def test_the_api_description_states_the_text_rule(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    source = document["components"]["schemas"]["SourceIn"]["properties"]["title"]
    assert source["pattern"] == "^[^\\u0000]*$"
    data = document["components"]["schemas"]["NewEventIn"]["properties"]["data"]
    assert data["propertyNames"] == {"pattern": "^[^\\u0000]*$"}
    assert "unpaired surrogate" in json.dumps(document["paths"]["/v1/events"]["get"]["responses"])
