"""Persons named in a recommendation's assessment, not only in its text, are reachable from it:
``ImplementationAssessed.data.mentionedPersonIds`` served as ``Recommendation.mentionedPersons``,
loaded in one batch however many recommendations a page holds."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from ledger.container import Ledger
from ledger.domain.new_event import parse_new_event

SOURCE = {"title": "NGO report", "published": "2020-02"}


def _append(ledger: Ledger, stream: str, *events: dict[str, Any]) -> None:
    ledger.store.append(
        stream,
        [parse_new_event({"sources": [SOURCE], **raw}) for raw in events],
        recorded_by="t",
    )


def _seed(ledger: Ledger, recommendations: range) -> None:
    if recommendations.start == 0:
        for name in ("Ginatullin", "Other"):
            _append(
                ledger, f"person-{name.lower()}", {"type": "PersonProfiled", "data": {"name": name}}
            )
    for number in recommendations:
        _append(
            ledger,
            f"recommendation-r{number:02d}",
            {
                "type": "RecommendationIssued",
                "occurredOn": "2019-03-14",
                "data": {
                    "code": f"R-{number:02d}",
                    "text": "Release political prisoners",
                    "instrument": "Resolution",
                    "addressee": "Kazakhstan",
                    "theme": "Political prisoners",
                    "personIds": ["person-other"],
                },
            },
            {
                "type": "ImplementationAssessed",
                "occurredOn": "2020-02-17",
                "data": {
                    "status": "NOT_IMPLEMENTED",
                    "wording": "not implemented",
                    "assessor": "NGO",
                    "rationale": "Ginatullin was sentenced in the meantime.",
                    "mentionedPersonIds": ["person-ginatullin"],
                },
            },
        )


QUERY = """{ recommendations(asOf: "2020-02-17", first: 50) { edges { node {
    code persons { name } mentionedPersons { name streamId } } } } }"""


def test_a_person_named_in_an_assessment_is_reachable_from_the_recommendation(
    client: TestClient, ledger: Ledger
) -> None:
    _seed(ledger, range(1))
    body = client.post("/graphql", json={"query": QUERY}).json()
    node = body["data"]["recommendations"]["edges"][0]["node"]
    assert node["persons"] == [{"name": "Other"}]
    assert node["mentionedPersons"] == [{"name": "Ginatullin", "streamId": "person-ginatullin"}]
    before = client.post(
        "/graphql", json={"query": QUERY.replace("2020-02-17", "2020-02-16")}
    ).json()
    assert before["data"]["recommendations"]["edges"][0]["node"]["mentionedPersons"] == []


def test_mentioned_persons_of_a_page_cost_the_same_statements_as_of_one(
    client: TestClient, ledger: Ledger
) -> None:
    counts = []
    for recommendations in (range(1), range(1, 12)):
        _seed(ledger, recommendations)
        statements: list[str] = []

        def count(*args: Any, seen: list[str] = statements) -> None:
            seen.append(str(args[2]))

        sa_event.listen(ledger.engine, "before_cursor_execute", count)
        try:
            body = client.post("/graphql", json={"query": QUERY}).json()
        finally:
            sa_event.remove(ledger.engine, "before_cursor_execute", count)
        assert "errors" not in body, body
        counts.append(len(statements))
    assert counts[0] == counts[1]
