"""Notes and disputes are data (contract README, "Contradictions and notes"): any event may carry
a note every reader sees; ``disputes`` names stored, unretracted events in any stream that it
contradicts, readers see ``disputes``/``disputedBy`` on both at the query's knownAt, and both
accounts keep counting. Run on SQLite and PostgreSQL, through the store, GraphQL, REST, the
export and the data set files."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import bearer, make_ledger
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.new_event import NewEvent, parse_new_event
from ledger.domain.source import Source
from ledger.security.roles import Role

SOURCE = {"title": "NGO report", "published": "2020-02"}
STREAM = "person-amangeldy-batyrbekov"


def event(kind: str, on: str, **extra: Any) -> NewEvent:
    raw: dict[str, Any] = {
        "type": "PersonReleased" if kind == "released" else "PersonSentenced",
        "occurredOn": on,
        "data": {"grounds": "PAROLE"} if kind == "released" else {"kind": "IMPRISONMENT"},
        "sources": [SOURCE],
        **extra,
    }
    return parse_new_event(raw)


def profile() -> NewEvent:
    return parse_new_event(
        {"type": "PersonProfiled", "data": {"name": "Amangeldy Batyrbekov"}, "sources": [SOURCE]}
    )


def test_a_note_and_disputes_are_stored_hashed_and_read_back(ledger: Ledger) -> None:
    first = ledger.store.append(STREAM, [profile(), event("sentenced", "2019")], recorded_by="t")
    sentence = first.events[1]
    release = event(
        "released",
        "2019/2020",
        note="Section 3 says parole; Section 2 says acquittal.",
        disputes=[str(sentence.id)],
    )
    stored = ledger.store.append(STREAM, [release], recorded_by="t").events[0]
    again = ledger.store.get(stored.id)
    assert again is not None
    assert again.note == "Section 3 says parole; Section 2 says acquittal."
    assert again.disputes == (sentence.id,)
    assert again.hash == stored.hash
    assert ledger.store.get(sentence.id).note is None  # type: ignore[union-attr]


def test_an_event_without_note_or_disputes_hashes_as_before(ledger: Ledger) -> None:
    from ledger.domain.hash_chain import canonical_json

    stored = ledger.store.append(STREAM, [profile()], recorded_by="t").events[0]
    document = canonical_json(
        event_id=stored.id,
        position=stored.position,
        stream_id=stored.stream_id,
        version=stored.version,
        type_name=stored.type,
        schema_version=stored.schema_version,
        occurred_on=None,
        recorded_at=stored.recorded_at,
        recorded_by=stored.recorded_by,
        data_json='{"aliases":[],"name":"Amangeldy Batyrbekov","roles":[]}',
        sources_json='[{"published":"2020-02","title":"NGO report"}]',
        restricted=False,
        salt=None,
    )
    assert '"note"' not in document and '"disputes"' not in document


@pytest.mark.parametrize("target", ["unknown", "retracted", "retraction"])
def test_a_dispute_must_name_a_stored_unretracted_account_and_nothing_is_stored(
    ledger: Ledger, target: str
) -> None:
    sentence = ledger.store.append(STREAM, [event("sentenced", "2019")], recorded_by="t").events[0]
    named = uuid.uuid4()
    if target != "unknown":
        retraction = ledger.store.retract(
            sentence.id, "wrong person", [Source(title="Court")], recorded_by="t"
        )
        named = sentence.id if target == "retracted" else retraction.id
    before = ledger.store.head().position
    with pytest.raises((NotFound, ValidationError)) as refused:
        ledger.store.append(
            STREAM,
            [event("released", "2020"), event("released", "2020", disputes=[str(named)])],
            recorded_by="t",
        )
    assert refused.value.field == ["events", "1", "disputes", "0"]
    assert {"unknown": "no event", "retracted": "retracted", "retraction": "retraction"}[
        target
    ] in refused.value.message
    assert ledger.store.head().position == before


def test_an_event_cannot_dispute_itself(ledger: Ledger) -> None:
    own = uuid.uuid4()
    with pytest.raises(ValidationError, match="itself") as refused:
        ledger.store.append(
            STREAM, [event("released", "2020", id=str(own), disputes=[str(own)])], recorded_by="t"
        )
    assert refused.value.field == ["events", "0", "disputes", "0"]
    assert ledger.store.head().position == 0


def test_a_dispute_may_name_an_event_earlier_in_the_same_call_in_another_stream(
    ledger: Ledger,
) -> None:
    from ledger.store.event_store import StreamBatch

    first_id = uuid.uuid4()
    ledger.store.append_batches(
        [
            StreamBatch("person-a", (event("sentenced", "2019", id=str(first_id)),)),
            StreamBatch("person-b", (event("released", "2020", disputes=[str(first_id)]),)),
        ],
        recorded_by="t",
    )
    assert ledger.store.read_stream("person-b")[0].disputes == (first_id,)


def test_notes_and_disputes_are_malformed_input_named_by_field() -> None:
    with pytest.raises(ValidationError) as blank:
        parse_new_event({"type": "PersonProfiled", "data": {}, "sources": [], "note": "  "})
    assert blank.value.field == ["note"]
    with pytest.raises(ValidationError) as not_uuid:
        parse_new_event(
            {"type": "PersonProfiled", "data": {}, "sources": [], "disputes": ["x", "y"]}
        )
    assert not_uuid.value.field == ["disputes", "0"]


EVENT_FIELDS = """eventId note occurredOn { text precision earliest latest approximate uncertain }
    disputes { eventId } disputedBy { eventId }"""


def graphql(client: TestClient, query: str, headers: dict[str, str] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query}, headers=headers or {})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_graphql_serves_notes_disputes_and_disputed_by_at_the_querys_known_at(
    client: TestClient, ledger: Ledger
) -> None:
    editor = bearer(ledger, Role.EDITOR)
    append = """mutation($input: AppendEventsInput!) { appendEvents(input: $input) {
        events { eventId } errors { code message field } } }"""
    acquittal = {
        "type": "PersonReleased",
        "occurredOn": "2020-01",
        "data": {"grounds": "ACQUITTAL"},
        "sources": [SOURCE],
        "note": "Section 2: acquitted in January 2020.",
    }
    sent = client.post(
        "/graphql",
        json={
            "query": append,
            "variables": {
                "input": {
                    "streamId": STREAM,
                    "events": [
                        {
                            "type": "PersonProfiled",
                            "data": {"name": "A. Batyrbekov"},
                            "sources": [SOURCE],
                        },
                        acquittal,
                    ],
                }
            },
        },
        headers=editor,
    ).json()["data"]["appendEvents"]
    assert sent["errors"] == [], sent
    acquitted_id = sent["events"][1]["eventId"]
    between = datetime.now(UTC)
    parole = {
        "type": "PersonReleased",
        "occurredOn": "2019/2020",
        "data": {"grounds": "PAROLE"},
        "sources": [SOURCE],
        "note": "Section 3: paroled 'between 2019-2020'; disputes the acquittal.",
        "disputes": [acquitted_id],
    }
    second = client.post(
        "/graphql",
        json={"query": append, "variables": {"input": {"streamId": STREAM, "events": [parole]}}},
        headers=editor,
    ).json()["data"]["appendEvents"]
    assert second["errors"] == [], second
    parole_id = second["events"][0]["eventId"]

    query = f"""{{ events(streamId: "{STREAM}") {{ edges {{ node {{ {EVENT_FIELDS} }} }} }} }}"""
    nodes = {n["node"]["eventId"]: n["node"] for n in graphql(client, query)["events"]["edges"]}
    assert nodes[parole_id]["note"].startswith("Section 3")
    assert nodes[parole_id]["disputes"] == [{"eventId": acquitted_id}]
    assert nodes[acquitted_id]["disputedBy"] == [{"eventId": parole_id}]
    assert nodes[parole_id]["occurredOn"] == {
        "text": "2019/2020",
        "precision": "RANGE",
        "earliest": "2019-01-01",
        "latest": "2020-12-31",
        "approximate": False,
        "uncertain": False,
    }
    person = f"""{{ person(id: "{STREAM}", asOf: "2020-02-17", knownAt: "{between.isoformat()}")
        {{ events {{ edges {{ node {{ eventId disputedBy {{ eventId }} }} }} }} }} }}"""
    earlier = graphql(client, person)["person"]["events"]["edges"]
    assert {"eventId": acquitted_id, "disputedBy": []} in [e["node"] for e in earlier]


def test_a_dispute_of_an_unknown_event_is_a_user_error_naming_the_field(
    client: TestClient, ledger: Ledger
) -> None:
    append = """mutation($input: AppendEventsInput!) { appendEvents(input: $input) {
        errors { code message field } } }"""
    bad = {
        "type": "PersonProfiled",
        "data": {"name": "X"},
        "sources": [SOURCE],
        "disputes": [str(uuid.uuid4())],
    }
    body = client.post(
        "/graphql",
        json={"query": append, "variables": {"input": {"streamId": STREAM, "events": [bad]}}},
        headers=bearer(ledger, Role.EDITOR),
    ).json()
    errors = body["data"]["appendEvents"]["errors"]
    assert errors[0]["field"] == ["events", "0", "disputes", "0"]
    assert ledger.store.head().position == 0


def test_rest_round_trips_note_and_disputes_and_redacts_them_with_restricted_data(
    client: TestClient, ledger: Ledger
) -> None:
    editor = bearer(ledger, Role.EDITOR)
    first = client.post(
        f"/v1/streams/{STREAM}/events",
        json={
            "events": [
                {
                    "type": "PersonReleased",
                    "occurredOn": "2020-01",
                    "data": {"grounds": "ACQUITTAL"},
                    "sources": [SOURCE],
                    "note": "public reasoning",
                }
            ]
        },
        headers=editor,
    )
    assert first.status_code == 201, first.text
    acquitted = first.json()["events"][0]
    assert acquitted["note"] == "public reasoning" and acquitted["disputes"] == []
    second = client.post(
        f"/v1/streams/{STREAM}/events",
        json={
            "events": [
                {
                    "type": "PersonReleased",
                    "occurredOn": "../2020-02-17",
                    "data": {"grounds": "PAROLE"},
                    "sources": [SOURCE],
                    "restricted": True,
                    "note": "witness W says so",
                    "disputes": [acquitted["id"]],
                }
            ]
        },
        headers=editor,
    )
    assert second.status_code == 201, second.text
    feed = client.get("/v1/events?after=0").json()["events"]
    assert feed[1]["occurredOn"] == "../2020-02-17"
    assert feed[1]["note"] is None and feed[1]["disputes"] == []  # redacted for anonymous
    admin = client.get("/v1/events?after=0", headers=bearer(ledger, Role.ADMIN)).json()["events"]
    assert admin[1]["note"] == "witness W says so"
    assert admin[1]["disputes"] == [acquitted["id"]]
    # a reader below admin is not told that a restricted event disputes this one
    query = (
        f'{{ events(streamId: "{STREAM}") {{ edges {{ node {{ disputedBy {{ eventId }} }} }} }} }}'
    )
    assert graphql(client, query)["events"]["edges"][0]["node"]["disputedBy"] == []
    shown = graphql(client, query, bearer(ledger, Role.ADMIN))
    assert shown["events"]["edges"][0]["node"]["disputedBy"] == [{"eventId": feed[1]["id"]}]


def test_an_export_with_notes_and_disputes_imports_with_the_same_hashes(
    ledger: Ledger, tmp_path: Path
) -> None:
    import io

    from ledger.rest.transfer import export_lines, import_file
    from ledger.security.roles import Caller

    sentence = ledger.store.append(STREAM, [event("sentenced", "2019~")], recorded_by="t").events[0]
    ledger.store.append(
        STREAM,
        [event("released", "2019-09-23/..", note="n", disputes=[str(sentence.id)])],
        recorded_by="t",
    )
    text = "".join(export_lines(ledger.store, Caller(name="cli", role=Role.ADMIN)))
    target = make_ledger(f"sqlite:///{tmp_path / 'copy.db'}")
    import_file(target.store, lambda: io.StringIO(text))
    copied = target.store.read_stream(STREAM)
    assert [e.hash for e in copied] == [e.hash for e in ledger.store.read_stream(STREAM)]
    assert copied[1].disputes == (sentence.id,) and copied[1].note == "n"
    assert copied[1].occurred_on is not None and copied[1].occurred_on.text == "2019-09-23/.."


def test_data_set_files_carry_notes_and_disputes_across_files(
    ledger: Ledger, tmp_path: Path
) -> None:
    acquitted, paroled = uuid.uuid4(), uuid.uuid4()
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: report\n    title: The report\n    published: '2020-02'\n",
        encoding="utf-8",
    )
    persons = tmp_path / "persons"
    persons.mkdir()
    # "a-…" is read before "b-…", yet disputes the later file's event: the loader waits for it.
    (persons / "a-parole.yaml").write_text(
        f"""stream: person-a
events:
  - id: {paroled}
    type: PersonReleased
    occurredOn: 2019/2020
    note: The report says parole 'between 2019-2020' (Section 3).
    disputes: [{acquitted}]
    data: {{grounds: PAROLE}}
    sources: [report]
""",
        encoding="utf-8",
    )
    (persons / "b-acquittal.yaml").write_text(
        f"""stream: person-b
events:
  - id: {acquitted}
    type: PersonReleased
    occurredOn: 2020-01
    data: {{grounds: ACQUITTAL}}
    sources: [report]
""",
        encoding="utf-8",
    )
    load_dataset(ledger.store, tmp_path, recorded_by="t")
    stored = ledger.store.get(paroled)
    assert stored is not None and stored.disputes == (acquitted,)
    assert stored.note == "The report says parole 'between 2019-2020' (Section 3)."
    load_dataset(ledger.store, tmp_path, recorded_by="t")  # idempotent
    assert ledger.store.head().position == 2


def test_a_retraction_of_the_disputing_event_drops_it_from_disputed_by_from_then_on(
    ledger: Ledger,
) -> None:
    from ledger.domain.time_point import TimePoint

    sentence = ledger.store.append(STREAM, [event("sentenced", "2019")], recorded_by="t").events[0]
    dispute = ledger.store.append(
        STREAM, [event("released", "2020", disputes=[str(sentence.id)])], recorded_by="t"
    ).events[0]
    ledger.store.retract(dispute.id, "misread", [Source(title="Report")], recorded_by="t")
    model = ledger.read_model
    before = TimePoint(None, dispute.recorded_at + timedelta(microseconds=0))
    assert [e.id for e in model.disputing([str(sentence.id)], before)[str(sentence.id)]] == [
        dispute.id
    ]
    assert model.disputing([str(sentence.id)], TimePoint()) == {}
