"""Nothing of a restricted event's data reaches a caller below admin, through any way out.

An editor records, as restricted, who a witness is (the marker below) in names, aliases,
descriptions, places, assessors and source titles. Then every GraphQL root field (selected in
full, from the served schema, so fields added later are covered too), every REST GET route (from
the app's route table), the feed, the export, searches for the marker, time travel and error
paths are asked as anonymous, reader and editor: the marker must appear in no response. Counts
and statuses must not move because of restricted data either. An admin sees it all.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from graphql import (
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)

from conftest import bearer
from ledger.container import Ledger
from ledger.domain.hash_chain import canonical_json, canonical_value, chain
from ledger.domain.partial_date import PartialDate
from ledger.security.roles import Role

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

MARKER = "ZXQ-WITNESS-7781"
PUBLIC = "person-zxq-public"
HIDDEN = "person-zxq-hidden"
RECOMMENDATION = "recommendation-zxq"
SECRET_RECOMMENDATION = "recommendation-zxq-secret"
STREAMS = (PUBLIC, HIDDEN, RECOMMENDATION, SECRET_RECOMMENDATION)
SOURCE = [{"title": "Public report"}]
SECRET_SOURCE = [{"title": f"Interview with {MARKER}", "url": f"https://example.org/{MARKER}"}]
#: Selection depth below a root field's type; with the root and connection levels it stays
#: within the GraphQL depth limit.
DEPTH = 5


def _event(type_: str, data: dict[str, Any], occurred: str | None, secret: bool) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": type_,
        "data": data,
        "sources": SECRET_SOURCE if secret else SOURCE,
        "restricted": secret,
    }
    if occurred:
        event["occurredOn"] = occurred
    return event


RECORD: dict[str, list[dict[str, Any]]] = {
    PUBLIC: [
        _event("PersonProfiled", {"name": "Public Person Zeta", "aliases": ["Zeta"]}, None, False),
        _event(
            "IncidentReported",
            {"kind": "THREAT", "description": f"{MARKER} threatened"},
            "2019-05-01",
            True,
        ),
        _event(
            "PersonDetained",
            {"kind": "PRE_TRIAL_DETENTION", "place": f"{MARKER} house", "authority": MARKER},
            "2019-06",
            True,
        ),
        _event("DesignationMade", {"label": MARKER, "assessor": MARKER}, "2019-07", True),
        _event(
            "PersonProfiled",
            {"name": MARKER, "aliases": [f"{MARKER}-alias"], "summary": MARKER},
            None,
            True,
        ),
    ],
    HIDDEN: [
        _event("PersonProfiled", {"name": MARKER, "aliases": [f"{MARKER} alias"]}, None, True),
    ],
    RECOMMENDATION: [
        _event(
            "RecommendationIssued",
            {
                "code": "ZQ-REC-1",
                "text": "Release the persons named",
                "instrument": "Test instrument",
                "addressee": "Kazakhstan",
                "theme": "Political prisoners",
                "personIds": [PUBLIC],
            },
            "2019-03-14",
            False,
        ),
        _event(
            "ImplementationAssessed",
            {
                "status": "IMPLEMENTED",
                "wording": f"{MARKER} says",
                "assessor": MARKER,
                "rationale": MARKER,
            },
            "2020-01",
            True,
        ),
    ],
    SECRET_RECOMMENDATION: [
        _event(
            "RecommendationIssued",
            {
                "code": f"{MARKER}-CODE",
                "text": MARKER,
                "instrument": MARKER,
                "addressee": MARKER,
                "theme": MARKER,
                "personIds": [HIDDEN],
            },
            "2019-03-14",
            True,
        ),
    ],
}


@pytest.fixture
def recorded(ledger: Ledger, client: TestClient) -> dict[str, dict[str, str]]:
    """The record, appended over REST by an editor; the callers' headers by role."""
    editor = bearer(ledger, Role.EDITOR, "editor-alice")
    for stream, events in RECORD.items():
        answer = client.post(
            f"/v1/streams/{stream}/events", json={"events": events}, headers=editor
        )
        assert answer.status_code == 201, answer.text
        assert MARKER not in answer.text, "even the writer's own answer is redacted (not an admin)"
    return {
        "anonymous": {},
        "reader": bearer(ledger, Role.READER),
        "editor": editor,
        "admin": bearer(ledger, Role.ADMIN),
    }


# --- GraphQL ---------------------------------------------------------------------------------


def served_schema(client: TestClient) -> GraphQLSchema:
    answer = client.post("/graphql", json={"query": get_introspection_query()})
    return build_client_schema(answer.json()["data"])


def selection(
    schema: GraphQLSchema, type_name: str, depth: int = DEPTH, path: frozenset[str] = frozenset()
) -> str:
    """Every field of the type, recursively to ``depth``: fields without required arguments.
    A type already on the path is entered again for its plain fields only (a person's
    recommendations' persons, an event's disputes): deeper, the same resolvers again would only
    multiply the cost past the limit."""
    named = schema.get_type(type_name)
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    if isinstance(named, GraphQLInterfaceType):
        implementations = schema.get_implementations(named).objects
        return "__typename " + " ".join(
            f"... on {o.name} {{ {selection(schema, o.name, depth, path)} }}"
            for o in implementations
        )
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
            if depth > 1:
                again = inner.name in path | {type_name}
                below = selection(schema, inner.name, 1 if again else depth - 1, path | {type_name})
                parts.append(f"{name} {{ {below} }}")
        else:
            parts.append(name)
    return " ".join(parts)


def graphql_queries(schema: GraphQLSchema, ids: list[str], uuids: list[str]) -> Iterator[str]:
    """One query per way in, covering every root field; fails on a root field it does not know."""
    query_type = schema.query_type
    assert query_type is not None
    known = {
        "node", "nodes", "person", "persons", "recommendation", "recommendations",
        "implementationSummary", "custodySummary", "events", "event", "streamDiff", "head", "span",
    }  # fmt: skip
    unknown = set(query_type.fields) - known
    assert not unknown, f"add the new root fields {unknown} to this leak test"

    def of(field: str, args: str = "") -> str:
        type_name = get_named_type(query_type.fields[field].type).name
        return f"{{ {field}{args} {{ {selection(schema, type_name)} }} }}"

    # node and nodes select the fields of the type each id names (all three types at full depth
    # would exceed the selection ceiling); nodes one level less, since it is costed as a list
    by_type: dict[str, list[str]] = {}
    for id_ in ids:
        type_name = base64.b64decode(id_).decode().partition(":")[0]
        by_type.setdefault(type_name, []).append(id_)
        fields = selection(schema, type_name)
        yield f"{{ node(id: {json.dumps(id_)}) {{ ... on {type_name} {{ {fields} }} }} }}"
    for type_name, same in by_type.items():
        fields = selection(schema, type_name, DEPTH - 1)
        yield f"{{ nodes(ids: {json.dumps(same)}) {{ ... on {type_name} {{ {fields} }} }} }}"
    for stream in STREAMS:
        kind = "person" if stream.startswith("person-") else "recommendation"
        yield of(kind, f"(id: {json.dumps(stream)})")
        yield of(kind, f'(id: {json.dumps(stream)}, asOf: "2019-06-30")')
        yield of("events", f"(streamId: {json.dumps(stream)}, first: 100)")
        yield of(
            "streamDiff",
            f'(streamId: {json.dumps(stream)}, from: {{knownAt: "2000-01-01T00:00:00+00:00"}},'
            " to: {})",
        )
    for uuid_ in uuids:
        yield of("event", f"(id: {json.dumps(uuid_)})")
    for search in (MARKER.lower(), "zxq", "7781", f"{MARKER}-alias"):
        yield of("persons", f"(first: 10, search: {json.dumps(search)})")
        yield of("recommendations", f"(first: 10, search: {json.dumps(search)})")
    for field in ("persons", "recommendations"):
        yield of(field, "(first: 10)")
        yield of(field, '(first: 10, asOf: "2020-12-31")')
    yield of("recommendations", f"(first: 10, addressee: {json.dumps(MARKER)})")
    yield of("implementationSummary", f"(addressee: {json.dumps(MARKER)})")
    for field in ("implementationSummary", "custodySummary", "head", "span"):
        yield of(field)
    yield of("events", "(first: 100)")
    yield of("events", '(first: 100, types: ["IncidentReported", "PersonProfiled"])')


def ask(client: TestClient, query: str, headers: dict[str, str]) -> tuple[str, Any]:
    answer = client.post("/graphql", json={"query": query}, headers=headers)
    assert answer.status_code == 200, (query, answer.text)
    body = answer.json()
    assert not body.get("errors"), (query, body["errors"])
    return answer.text, body["data"]


def global_ids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            yield value["id"]
        for item in value.values():
            yield from global_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from global_ids(item)


def test_graphql_never_serves_restricted_data_below_admin(
    ledger: Ledger, client: TestClient, recorded: dict[str, dict[str, str]]
) -> None:
    schema = served_schema(client)
    admin = recorded["admin"]
    listing = "{ events(first: 100) { edges { node { id } } } persons(first: 100) { edges { node"
    listing += " { id } } } recommendations(first: 100) { edges { node { id } } } }"
    ids = sorted(set(global_ids(ask(client, listing, admin)[1])))
    uuids = [event.id.hex for event in ledger.store.read_feed(0, 100)]
    queries = list(graphql_queries(schema, ids, uuids))

    admin_text = "".join(ask(client, q, admin)[0] for q in queries)
    assert MARKER in admin_text, "the admin sees restricted data (so the queries reach it)"
    for who in ("anonymous", "reader"):  # editors: in the counts test and over REST
        for query in queries:
            # Below admin a query may be refused (an addressee only a restricted
            # recommendation has is as unknown as one no recommendation has): the refusal,
            # like any answer, must not hold the marker.
            answer = client.post("/graphql", json={"query": query}, headers=recorded[who])
            assert answer.status_code == 200, (who, query, answer.text)
            assert MARKER.lower() not in answer.text.lower(), (who, query)


def test_graphql_counts_and_states_ignore_restricted_data(
    client: TestClient, recorded: dict[str, dict[str, str]]
) -> None:
    query = f"""{{
      person(id: "{PUBLIC}") {{ name custodyStatus designations {{ label }} }}
      hidden: person(id: "{HIDDEN}") {{ name }}
      recommendation(id: "{RECOMMENDATION}") {{ status statusWording assessments {{ wording }} }}
      persons(search: "{MARKER}") {{ totalCount }}
      implementationSummary {{ status count }}
      custodySummary {{ status count }}
    }}"""
    callers = ("anonymous", "reader", "editor", "admin")
    seen = {who: ask(client, query, recorded[who])[1] for who in callers}
    for who in callers[:-1]:
        data = seen[who]
        assert data["person"]["name"] == "Public Person Zeta"
        assert data["person"]["custodyStatus"] == "UNKNOWN"
        assert data["person"]["designations"] == []
        assert data["hidden"] is None or data["hidden"]["name"] != MARKER
        assert data["recommendation"]["status"] == "NOT_ASSESSED"
        assert data["recommendation"]["assessments"] == []
        assert data["persons"]["totalCount"] == 0, "a search must not confirm a hidden name"
        implemented = {c["status"]: c["count"] for c in data["implementationSummary"]}
        assert implemented["IMPLEMENTED"] == 0
        custody = {c["status"]: c["count"] for c in data["custodySummary"]}
        assert custody["DETAINED"] == 0
    admin = seen["admin"]
    assert admin["person"]["name"] == MARKER
    assert admin["person"]["custodyStatus"] == "DETAINED"
    assert admin["recommendation"]["status"] == "IMPLEMENTED"
    assert admin["persons"]["totalCount"] == 2


# --- REST ------------------------------------------------------------------------------------


def rest_urls(client: TestClient, ledger: Ledger) -> list[str]:
    """Every GET under /v1 with its path parameters filled from the record."""
    event_ids = [str(event.id) for event in ledger.store.read_feed(0, 100)]
    fillings = {"stream_id": list(STREAMS), "event_id": event_ids}
    urls = ["/v1/events?after=0&limit=100", "/v1/export"]
    app: Any = client.app
    for route in app.routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if not route.path.startswith("/v1"):
            continue
        params = list(route.param_convertors)
        assert set(params) <= set(fillings), f"add {params} of {route.path} to this leak test"
        urls.extend(_fill(route.path, params, fillings))
    return urls


def _fill(path: str, params: list[str], fillings: dict[str, list[str]]) -> Iterator[str]:
    if not params:
        yield path
        return
    first, rest = params[0], params[1:]
    for value in fillings[first]:
        yield from _fill(path.replace(f"{{{first}}}", value), rest, fillings)


def test_rest_never_serves_restricted_data_below_admin(
    ledger: Ledger, client: TestClient, recorded: dict[str, dict[str, str]]
) -> None:
    urls = rest_urls(client, ledger)
    admin_text = ""
    for url in urls:
        answer = client.get(url, headers=recorded["admin"])
        assert answer.status_code == 200, (url, answer.text)
        admin_text += answer.text
    assert MARKER in admin_text
    for who in ("anonymous", "reader", "editor"):
        for url in urls:
            answer = client.get(url, headers=recorded[who])
            assert answer.status_code == 200, (who, url, answer.text)
            assert MARKER.lower() not in answer.text.lower(), (who, url)


def test_restricted_events_still_show_that_they_exist(
    ledger: Ledger, client: TestClient, recorded: dict[str, dict[str, str]]
) -> None:
    secret = RECORD[PUBLIC][1]
    shown = client.get(f"/v1/events/{secret['id']}").json()
    assert shown["type"] == "IncidentReported"
    assert shown["streamId"] == PUBLIC
    assert shown["occurredOn"] == "2019-05-01"
    assert shown["restricted"] is True
    assert shown["data"] == {}
    assert shown["sources"] == []
    full = client.get(f"/v1/events/{secret['id']}", headers=recorded["admin"]).json()
    assert MARKER in full["data"]["description"]


def test_error_paths_and_collisions_leak_nothing(
    ledger: Ledger, client: TestClient, recorded: dict[str, dict[str, str]]
) -> None:
    secret = RECORD[PUBLIC][1]
    editor = recorded["editor"]
    answers = [
        client.get(f"/v1/events/{uuid.uuid4()}"),
        client.get("/v1/events/not-a-uuid"),
        client.get("/v1/events?after=-1&limit=100000"),
        client.get(f"/v1/streams/{PUBLIC}/events", headers={"Authorization": "Bearer wrong"}),
        client.post(
            f"/v1/streams/{PUBLIC}/events",
            json={"events": [{**secret, "data": {"kind": "THREAT", "description": "other"}}]},
            headers=editor,
        ),
        client.post(
            f"/v1/streams/{PUBLIC}/events",
            json={"events": [RECORD[PUBLIC][0]], "expectedVersion": 1},
            headers=editor,
        ),
        client.post(
            f"/v1/events/{secret['id']}/retraction",
            json={"reason": "check", "sources": SOURCE},
        ),
        client.post(
            "/graphql",
            json={"query": f'{{ person(id: "{PUBLIC}", asOf: "2019-13-45") {{ name }} }}'},
        ),
        client.post(
            "/graphql",
            json={"query": f'{{ person(id: "{PUBLIC}") {{ name nosuchfield }} }}'},
        ),
        client.post("/graphql", json={"query": "{ events(first: 100000) { totalCount } }"}),
    ]
    for answer in answers:
        assert answer.status_code < 500, answer.text
        assert MARKER.lower() not in answer.text.lower(), answer.text
    replay = client.post(f"/v1/streams/{PUBLIC}/events", json={"events": [secret]}, headers=editor)
    assert replay.status_code == 201, "an identical retry is idempotent"
    assert MARKER not in replay.text, "the stored event comes back redacted to a non-admin"


def test_public_hash_does_not_confirm_guesses_of_restricted_data(
    ledger: Ledger, client: TestClient, recorded: dict[str, dict[str, str]]
) -> None:
    """The hash of a restricted event is public (auditors verify the chain), so it must not
    also verify guesses: with few possible values (a detention kind, a birth year, a short list
    of names) anyone could recompute it for each candidate and learn the withheld data. The
    hashed content of a restricted event needs a secret random salt (or a salted commitment to
    its data and sources in place of them)."""
    secret = RECORD[PUBLIC][2]
    public = client.get(f"/v1/events/{secret['id']}").json()
    assert public["data"] == {}
    assert public["salt"] is None, "the salt is withheld with the data"
    candidates = [
        {"kind": kind, "place": f"{MARKER} house", "authority": MARKER}
        for kind in ("PRE_TRIAL_DETENTION", "HOUSE_ARREST", "POLICE_DETENTION")
    ]
    matches = [
        data
        for data in candidates
        if chain(
            public["previousHash"],
            canonical_json(
                event_id=uuid.UUID(public["id"]),
                position=public["position"],
                stream_id=public["streamId"],
                version=public["version"],
                type_name=public["type"],
                schema_version=public["schemaVersion"],
                occurred_on=PartialDate.parse(public["occurredOn"]),
                recorded_at=datetime.fromisoformat(public["recordedAt"]),
                recorded_by=public["recordedBy"],
                data_json=canonical_value(data),
                sources_json=canonical_value(SECRET_SOURCE),
                restricted=True,
                salt=public["salt"],
            ),
        )
        == public["hash"]
    ]
    assert matches == [], "an anonymous caller confirmed the restricted data from the hash"
