"""Identity at a point in time: a person or recommendation answered at two points is two objects
with two ids (so a normalising cache keeps both), node(id:) and nodes(ids:) take only ids and
answer at the point each id names, streamId is stable, and a malformed or future point is a
clear GraphQL error, never a server error."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from conftest import BACKENDS, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.graphql.ids import decode_global_id, encode_global_id
from ledger.store.event_store import StreamBatch

SOURCE = (Source(title="synthetic fixture"),)
PERSON = "person-ayan-test"
RECOMMENDATION = "recommendation-syn-01"


def dated(type_: str, day: str | None, data: dict[str, Any]) -> NewEvent:
    return NewEvent(type_, data, SOURCE, PartialDate.parse(day) if day else None)


def seed(ledger: Ledger) -> None:
    """A person held, sentenced and released on health grounds; a recommendation naming him,
    assessed once."""
    ledger.store.append_batches(
        [
            StreamBatch(
                PERSON,
                (
                    dated("PersonProfiled", None, {"name": "Ayan Test"}),
                    dated("PersonDetained", "2019-01-10", {"kind": "PRE_TRIAL_DETENTION"}),
                    dated(
                        "PersonSentenced", "2019-05-20", {"kind": "IMPRISONMENT", "termMonths": 36}
                    ),
                    dated("PersonReleased", "2019-12-27", {"grounds": "HEALTH"}),
                ),
            ),
            StreamBatch(
                RECOMMENDATION,
                (
                    dated(
                        "RecommendationIssued",
                        "2019-03-14",
                        {
                            "code": "SYN-01",
                            "text": "Release him",
                            "instrument": "Synthetic resolution",
                            "addressee": "Kazakhstan",
                            "theme": "Political prisoners",
                            "personIds": [PERSON],
                        },
                    ),
                    dated(
                        "ImplementationAssessed",
                        "2019-12-27",
                        {"status": "PARTIALLY_IMPLEMENTED", "wording": "partly", "assessor": "NGO"},
                    ),
                ),
            ),
        ],
        recorded_by="fixture",
    )


@pytest.fixture(scope="module", params=BACKENDS)
def client(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[TestClient]:
    ledger = make_ledger(fresh_database_url(request.param))
    seed(ledger)
    with TestClient(create_app(ledger=ledger)) as test_client:
        yield test_client
    ledger.close()


def gql(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return response.json()


def data(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = gql(client, query, variables)
    assert "errors" not in body, body
    return body["data"]


def error_codes(body: Any) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


TWO_DATES = f"""{{
  before: person(id: "{PERSON}", asOf: "2019-12-26") {{
    id streamId custodyStatus recommendations {{ id streamId status }}
  }}
  after: person(id: "{PERSON}", asOf: "2019-12-27") {{
    id streamId custodyStatus recommendations {{ id streamId status }}
  }}
}}"""

NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Person { streamId custodyStatus }
  ... on Recommendation { streamId status }
  ... on Event { type retractedBy { type } } } }"""


def test_one_person_at_two_dates_is_two_objects_with_one_stream_id(client: TestClient) -> None:
    answer = data(client, TWO_DATES)
    before, after = answer["before"], answer["after"]
    assert (before["custodyStatus"], after["custodyStatus"]) == ("IMPRISONED", "RESTRICTED")
    assert before["id"] != after["id"]
    assert before["streamId"] == after["streamId"] == PERSON
    for person in (before, after):
        node = data(client, NODE, {"id": person["id"]})["node"]
        assert node == {
            "__typename": "Person",
            "id": person["id"],
            "streamId": PERSON,
            "custodyStatus": person["custodyStatus"],
        }


def test_nested_objects_carry_the_point_of_the_object_they_were_reached_from(
    client: TestClient,
) -> None:
    answer = data(client, TWO_DATES)
    before = answer["before"]["recommendations"][0]
    after = answer["after"]["recommendations"][0]
    assert (before["status"], after["status"]) == ("NOT_ASSESSED", "PARTIALLY_IMPLEMENTED")
    assert before["id"] != after["id"] and before["streamId"] == after["streamId"]
    assert data(client, NODE, {"id": before["id"]})["node"]["status"] == "NOT_ASSESSED"
    assert data(client, NODE, {"id": after["id"]})["node"]["status"] == "PARTIALLY_IMPLEMENTED"


def test_an_object_answered_now_keeps_the_plain_id_and_stream_ids_still_work(
    client: TestClient,
) -> None:
    plain = data(client, f'{{ person(id: "{PERSON}") {{ id }} }}')["person"]["id"]
    assert base64.b64decode(plain).decode() == f"Person:{PERSON}"
    again = data(client, "query($id: ID!) { person(id: $id) { id name } }", {"id": plain})
    assert again["person"] == {"id": plain, "name": "Ayan Test"}


def test_person_by_a_point_scoped_id_answers_at_its_point_unless_arguments_say_otherwise(
    client: TestClient,
) -> None:
    before = data(client, TWO_DATES)["before"]["id"]
    query = """query($id: ID!) { atId: person(id: $id) { id custodyStatus }
        later: person(id: $id, asOf: "2020-01-01") { custodyStatus } }"""
    answer = data(client, query, {"id": before})
    assert answer["atId"] == {"id": before, "custodyStatus": "IMPRISONED"}
    assert answer["later"]["custodyStatus"] == "RESTRICTED"


def test_nodes_answers_each_id_at_its_own_point_in_order(client: TestClient) -> None:
    answer = data(client, TWO_DATES)
    missing = encode_global_id("Person", "person-nobody")
    ids = [answer["after"]["id"], answer["before"]["id"], missing]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Person { custodyStatus } } }"""
    nodes = data(client, query, {"ids": ids})["nodes"]
    assert nodes == [
        {"id": ids[0], "custodyStatus": "RESTRICTED"},
        {"id": ids[1], "custodyStatus": "IMPRISONED"},
        None,
    ]


def test_nodes_names_a_bad_id_by_its_index_and_answers_the_others(client: TestClient) -> None:
    good = data(client, TWO_DATES)["after"]["id"]
    body = gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [good, "not-an-id"]},
    )
    assert body["data"]["nodes"] == [{"id": good}, None]
    assert body["errors"][0]["path"] == ["nodes", 1]
    assert "ids[1]" in body["errors"][0]["message"]
    many = gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [good] * 101})
    assert error_codes(many) == ["BAD_USER_INPUT"] and "100" in many["errors"][0]["message"]


def _raw_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "point, why",
    [
        ("asOf=2019-13-45", "is not a date"),
        ("knownAt=yesterday", "is not an instant"),
        ("knownAt=2020-01-01T00:00:00", "has no UTC offset"),
        ("asOf=2019-12-26&asOf=2019-12-27", "once each"),
        ("validAt=2019-12-26", "nothing else"),
        ("asOf", "asOf=…&knownAt=…"),
        ("knownAt=2999-01-01T00:00:00%2B00:00", "in the future"),
    ],
)
def test_a_malformed_or_future_point_is_a_clear_error_never_a_server_error(
    client: TestClient, point: str, why: str
) -> None:
    bad = _raw_id(f"Person:{PERSON}?{point}")
    for query in (NODE, "query($id: ID!) { person(id: $id) { name } }"):
        body = gql(client, query, {"id": bad})
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert why in body["errors"][0]["message"]


def test_known_at_is_one_instant_whatever_the_offset_and_never_later_than_the_answer(
    client: TestClient,
) -> None:
    query = f"""query($a: DateTime!, $b: DateTime!) {{
        a: person(id: "{PERSON}", knownAt: $a) {{ id }}
        b: person(id: "{PERSON}", knownAt: $b) {{ id }} }}"""
    instant = datetime.now(UTC)
    answer = data(
        client,
        query,
        {"a": instant.isoformat(), "b": instant.astimezone(UTC).isoformat().replace("+00:00", "Z")},
    )
    assert answer["a"]["id"] == answer["b"]["id"]
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    scoped = data(client, query, {"a": future, "b": future})["a"]["id"]
    decoded = decode_global_id(scoped)
    assert decoded is not None and decoded.point.known_at is not None
    assert decoded.point.known_at <= datetime.now(UTC)
    assert data(client, NODE, {"id": scoped})["node"]["id"] == scoped


def test_event_ids_carry_known_at_only_so_one_event_reached_at_two_dates_is_one_object(
    client: TestClient,
) -> None:
    known = datetime.now(UTC).isoformat()
    first_event = "events(first: 1) { edges { node { id eventId } } }"
    query = f"""query($k: DateTime!) {{
      a: person(id: "{PERSON}", asOf: "2019-06-01", knownAt: $k) {{ {first_event} }}
      b: person(id: "{PERSON}", asOf: "2020-06-01", knownAt: $k) {{ {first_event} }}
      c: person(id: "{PERSON}") {{ {first_event} }}
    }}"""
    answer = data(client, query, {"k": known})
    first = [answer[alias]["events"]["edges"][0]["node"]["id"] for alias in ("a", "b", "c")]
    assert first[0] == first[1] != first[2]
    event_id = answer["c"]["events"]["edges"][0]["node"]["eventId"]
    for scoped in first:
        assert data(client, NODE, {"id": scoped})["node"]["id"] == scoped
        by_id = data(client, "query($id: ID!) { event(id: $id) { eventId } }", {"id": scoped})
        assert by_id["event"]["eventId"] == event_id


stream_keys = st.from_regex(r"person-[a-z0-9_.-]{1,30}", fullmatch=True)
points = st.builds(
    TimePoint,
    st.one_of(st.none(), st.dates(min_value=date(1, 1, 1))),
    st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)


@given(key=stream_keys, point=points)
def test_a_global_id_decodes_to_the_stream_and_point_it_was_made_from(
    key: str, point: TimePoint
) -> None:
    decoded = decode_global_id(encode_global_id("Person", key, point))
    assert decoded is not None
    assert (decoded.type_name, decoded.key, decoded.point) == ("Person", key, point)
