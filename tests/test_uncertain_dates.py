"""Uncertain dates (contract README, "Uncertain dates"): state fields answer the certain fold;
when events dated across asOf would change the answer, the certainty is UNCERTAIN and the
possible statuses list both answers, certain first. Served from the projection rows, on SQLite
and PostgreSQL; malformed dates are refused with the reason and nothing is stored. And a
sentence's articles are charges: persons convicted under an article are found by it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from conftest import bearer
from ledger.container import Ledger
from ledger.domain.new_event import parse_new_event
from ledger.security.roles import Role

SOURCE = {"title": "NGO report", "published": "2020-02"}
PERSON = "person-amangeldy-batyrbekov"
RECOMMENDATION = "recommendation-ep-kz-01"


def _append(ledger: Ledger, stream: str, *events: dict[str, Any]) -> None:
    ledger.store.append(
        stream,
        [parse_new_event({"sources": [SOURCE], **raw}) for raw in events],
        recorded_by="t",
    )


def _ask(client: TestClient, query: str) -> Any:
    body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    return body["data"]


def _custody(client: TestClient, as_of: str, stream: str = PERSON) -> Any:
    return _ask(
        client,
        f"""{{ person(id: "{stream}", asOf: "{as_of}") {{
            custodyStatus custodyCertainty possibleCustodyStatuses }} }}""",
    )["person"]


def _paroled_between_2019_and_2020(ledger: Ledger) -> None:
    _append(
        ledger,
        PERSON,
        {"type": "PersonProfiled", "data": {"name": "Amangeldy Batyrbekov"}},
        {
            "type": "PersonSentenced",
            "occurredOn": "2019-03",
            "data": {"kind": "IMPRISONMENT", "termMonths": 36, "articles": ["174"]},
        },
        {
            "type": "PersonReleased",
            "occurredOn": "2019-09-23/2020",
            "data": {"grounds": "PAROLE"},
            "note": "The report says parole 'between 2019-2020'.",
        },
    )


@pytest.mark.parametrize(
    ("as_of", "status", "certainty", "possible"),
    [
        ("2019-09-22", "IMPRISONED", "CERTAIN", ["IMPRISONED"]),
        ("2019-09-23", "IMPRISONED", "UNCERTAIN", ["IMPRISONED", "RESTRICTED"]),
        ("2019-12-31", "IMPRISONED", "UNCERTAIN", ["IMPRISONED", "RESTRICTED"]),
        ("2020-12-30", "IMPRISONED", "UNCERTAIN", ["IMPRISONED", "RESTRICTED"]),
        ("2020-12-31", "RESTRICTED", "CERTAIN", ["RESTRICTED"]),
    ],
)
def test_a_release_dated_between_two_years_makes_custody_uncertain_between_them(
    client: TestClient, ledger: Ledger, as_of: str, status: str, certainty: str, possible: list[str]
) -> None:
    _paroled_between_2019_and_2020(ledger)
    assert _custody(client, as_of) == {
        "custodyStatus": status,
        "custodyCertainty": certainty,
        "possibleCustodyStatuses": possible,
    }


def test_an_open_end_never_becomes_certain_and_an_open_start_is_possible_from_the_start(
    client: TestClient, ledger: Ledger
) -> None:
    _append(
        ledger,
        "person-a",
        {"type": "PersonProfiled", "data": {"name": "A"}},
        {"type": "PersonDetained", "occurredOn": "2019-03-14/..", "data": {"kind": "HOUSE_ARREST"}},
    )
    _append(
        ledger,
        "person-b",
        {"type": "PersonProfiled", "data": {"name": "B"}},
        {"type": "PersonDetained", "occurredOn": "../2020-02-17", "data": {"kind": "HOUSE_ARREST"}},
    )
    assert _custody(client, "2019-03-13", "person-a")["custodyCertainty"] == "CERTAIN"
    assert _custody(client, "2030-01-01", "person-a") == {
        "custodyStatus": "UNKNOWN",
        "custodyCertainty": "UNCERTAIN",
        "possibleCustodyStatuses": ["UNKNOWN", "DETAINED"],
    }
    assert _custody(client, "1990-01-01", "person-b")["possibleCustodyStatuses"] == [
        "UNKNOWN",
        "DETAINED",
    ]
    assert _custody(client, "2020-02-17", "person-b") == {
        "custodyStatus": "DETAINED",
        "custodyCertainty": "CERTAIN",
        "possibleCustodyStatuses": ["DETAINED"],
    }


def test_an_assessment_dated_across_as_of_makes_the_status_uncertain(
    client: TestClient, ledger: Ledger
) -> None:
    _append(
        ledger,
        RECOMMENDATION,
        {
            "type": "RecommendationIssued",
            "occurredOn": "2019-03-14",
            "data": {
                "code": "EP-KZ-01",
                "text": "Release",
                "instrument": "EP",
                "addressee": "Kazakhstan",
                "theme": "Political prisoners",
            },
        },
        {
            "type": "ImplementationAssessed",
            "occurredOn": "../2020-02-17",
            "data": {"status": "NOT_IMPLEMENTED", "wording": "not implemented", "assessor": "X"},
        },
    )
    query = f"""{{ recommendation(id: "{RECOMMENDATION}", asOf: "%s") {{
        status statusCertainty possibleStatuses }} }}"""
    assert _ask(client, query % "2019-06-01")["recommendation"] == {
        "status": "NOT_ASSESSED",
        "statusCertainty": "UNCERTAIN",
        "possibleStatuses": ["NOT_ASSESSED", "NOT_IMPLEMENTED"],
    }
    assert _ask(client, query % "2020-02-17")["recommendation"]["statusCertainty"] == "CERTAIN"


def test_a_lookup_stays_one_statement_per_page_with_uncertain_dates(
    client: TestClient, ledger: Ledger
) -> None:
    _paroled_between_2019_and_2020(ledger)
    for number in range(8):
        _append(
            ledger,
            f"person-p{number}",
            {"type": "PersonProfiled", "data": {"name": f"P{number}"}},
            {"type": "PersonDetained", "occurredOn": "2019/2020", "data": {"kind": "HOUSE_ARREST"}},
        )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa_event.listen(ledger.engine, "before_cursor_execute", count)
    try:
        page = _ask(
            client,
            """{ persons(asOf: "2019-12-31", first: 20) { edges { node {
                custodyStatus custodyCertainty possibleCustodyStatuses } } } }""",
        )
    finally:
        sa_event.remove(ledger.engine, "before_cursor_execute", count)
    nodes = [edge["node"] for edge in page["persons"]["edges"]]
    assert len(nodes) == 9 and all(n["custodyCertainty"] == "UNCERTAIN" for n in nodes)
    assert len([s for s in statements if "person_states" in s]) <= 2  # the page and its count


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2020/2019", "starts (2020) after it ends (2019)"),
        ("../..", "at least one end"),
        ("2019~?", "at most one qualifier"),
        ("2019-13/2020", "month 13 does not exist"),
        ("2019-02-29/..", "day 29 does not exist in 2019-02"),
    ],
)
def test_malformed_dates_are_refused_with_the_reason_and_nothing_is_stored(
    client: TestClient, ledger: Ledger, text: str, reason: str
) -> None:
    append = """mutation($input: AppendEventsInput!) { appendEvents(input: $input) {
        errors { code message field } } }"""
    event = {"type": "PersonDetained", "occurredOn": text, "data": {"kind": "HOUSE_ARREST"},
             "sources": [SOURCE]}  # fmt: skip
    body = client.post(
        "/graphql",
        json={"query": append, "variables": {"input": {"streamId": PERSON, "events": [event]}}},
        headers=bearer(ledger, Role.EDITOR),
    ).json()
    errors = body["data"]["appendEvents"]["errors"]
    assert errors[0]["field"] == ["events", "0", "occurredOn"]
    assert reason in errors[0]["message"]
    assert ledger.store.head().position == 0


def test_a_conviction_lists_its_articles_as_charges_and_finds_the_person_by_article(
    client: TestClient, ledger: Ledger
) -> None:
    _paroled_between_2019_and_2020(ledger)
    _append(
        ledger,
        "person-charged-then-convicted",
        {"type": "PersonProfiled", "data": {"name": "Charged Then Convicted"}},
        {"type": "PersonCharged", "occurredOn": "2017-05", "data": {"article": "174"}},
        {
            "type": "PersonSentenced",
            "occurredOn": "2018",
            "data": {"kind": "SUSPENDED", "articles": ["174", "405"]},
        },
    )
    _append(
        ledger,
        "person-other",
        {"type": "PersonProfiled", "data": {"name": "Other"}},
        {"type": "PersonCharged", "occurredOn": "2017", "data": {"article": "274"}},
    )
    found = _ask(
        client,
        """{ persons(asOf: "2020-02-17", article: "174") { edges { node { name
            charges { article code chargedOn { text } convictedOn { text } } } } } }""",
    )["persons"]["edges"]
    charges = {edge["node"]["name"]: edge["node"]["charges"] for edge in found}
    assert set(charges) == {"Amangeldy Batyrbekov", "Charged Then Convicted"}
    assert charges["Amangeldy Batyrbekov"] == [
        {
            "article": "174",
            "code": "Criminal Code",
            "chargedOn": {"text": "2019-03"},
            "convictedOn": {"text": "2019-03"},
        }
    ]
    assert [
        (c["article"], c["chargedOn"], c["convictedOn"]) for c in charges["Charged Then Convicted"]
    ] == [
        ("174", {"text": "2017-05"}, {"text": "2018"}),
        ("405", {"text": "2018"}, {"text": "2018"}),
    ]
    before = _ask(client, '{ persons(asOf: "2017-12-31", article: "405") { totalCount } }')
    assert before["persons"]["totalCount"] == 0
