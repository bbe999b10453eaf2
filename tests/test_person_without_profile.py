"""A person stream may record facts before its profile: until a PersonProfiled names the
person, the name shown is the stream id, which says plainly that no profile exists yet."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ledger.container import Ledger
from ledger.domain.new_event import parse_new_event

QUERY = '{ person(id: "person-unnamed") { name custodyStatus } }'


def event(type_: str, data: dict[str, object], occurred_on: str | None = "2016-05") -> object:
    raw = {"type": type_, "data": data, "sources": [{"title": "report"}]}
    if occurred_on is not None:
        raw["occurredOn"] = occurred_on
    return parse_new_event(raw)


def test_a_charge_before_any_profile_shows_the_stream_id_as_name(
    ledger: Ledger, client: TestClient
) -> None:
    ledger.service.append(
        "person-unnamed", [event("PersonCharged", {"article": "174"})], recorded_by="t"
    )
    answer = client.post("/graphql", json={"query": QUERY}).json()
    assert answer["data"]["person"]["name"] == "person-unnamed"


def test_the_profile_names_the_person_from_then_on(ledger: Ledger, client: TestClient) -> None:
    ledger.service.append(
        "person-unnamed",
        [
            event("PersonCharged", {"article": "174"}),
            event("PersonProfiled", {"name": "A. B."}, None),
        ],
        recorded_by="t",
    )
    answer = client.post("/graphql", json={"query": QUERY}).json()
    assert answer["data"]["person"]["name"] == "A. B."
