"""States are decoded once per distinct stored text (ledger.readmodel.decoded): the reader that
keeps them answers, after every append and retraction, in both views, exactly what a reader
decoding every row afresh answers; the same text gives the same decoded state; the kept text
stays within its bound, least recently used out first."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.state_json import person_to_json
from ledger.domain.states import PersonState
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.projections.kinds import PERSONS
from ledger.readmodel.decoded import DecodedStates
from ledger.readmodel.projected import ProjectedReadModel

SOURCES = (Source(title="test"),)
START = datetime(2026, 1, 1, tzinfo=UTC)
PERSON = "person-decoded"
RECOMMENDATION = "recommendation-decoded"


def _answers(model: ProjectedReadModel, at: TimePoint, view: Visibility) -> Any:
    """Every read that decodes a state, at one point, in one view."""
    return (
        model.person(PERSON, at, visibility=view, events=False),
        model.persons(at, visibility=view, events=False).page.items,
        model.persons_by_ids([PERSON], at, visibility=view, events=False),
        model.person_versions([PERSON], at, visibility=view),
        model.recommendations(at, visibility=view, events=False).items,
        model.recommendations_naming([PERSON], at, visibility=view),
    )


def test_kept_states_answer_what_fresh_decoding_answers_after_appends_and_retractions(
    ledger: Ledger,
) -> None:
    clock = iter(START + timedelta(minutes=minute) for minute in range(100))
    ledger.service.clock = lambda: next(clock)
    service = ledger.service
    keeping = ProjectedReadModel(ledger.engine)
    instants: list[datetime] = []

    def step(change: Callable[[], object]) -> None:
        change()
        instants.append(ledger.store.latest()[1] or START)
        for known_at in instants:  # every earlier point again: old versions, new rows
            at = TimePoint(None, known_at + timedelta(seconds=1)).resolved()
            for view in (Visibility.PUBLIC, Visibility.FULL):
                fresh = ProjectedReadModel(ledger.engine)
                assert _answers(keeping, at, view) == _answers(fresh, at, view)

    profiled = NewEvent("PersonProfiled", {"name": "Decoded Person"}, SOURCES)
    step(lambda: service.append(PERSON, [profiled], recorded_by="t"))
    issued = {
        "code": "DEC-1",
        "text": "Release",
        "instrument": "Resolution",
        "addressee": "Kazakhstan",
        "theme": "Prisoners",
        "personIds": [PERSON],
    }
    when = PartialDate.parse("2019-03")
    step(
        lambda: service.append(
            RECOMMENDATION,
            [NewEvent("RecommendationIssued", issued, SOURCES, when)],
            recorded_by="t",
        )
    )
    sentenced = NewEvent(
        "PersonSentenced", {"kind": "IMPRISONMENT"}, SOURCES, PartialDate.parse("2019-05")
    )
    hidden = NewEvent(
        "PersonCharged",
        {"article": "174"},
        SOURCES,
        PartialDate.parse("2019-01"),
        restricted=True,
    )
    step(lambda: service.append(PERSON, [hidden], recorded_by="t"))
    stored = service.append(PERSON, [sentenced], recorded_by="t")
    instants.append(ledger.store.latest()[1] or START)
    step(lambda: service.retract(stored.events[0].id, "mistaken", SOURCES, recorded_by="t"))
    now = TimePoint(None, None).resolved()
    public = keeping.person(PERSON, now, visibility=Visibility.PUBLIC, events=False)
    full = keeping.person(PERSON, now, visibility=Visibility.FULL, events=False)
    assert public is not None and full is not None
    assert not public.charges and [c.article for c in full.charges] == ["174"]
    assert not full.sentences  # retracted
    assert keeping.person(PERSON, now, visibility=Visibility.FULL, events=False) is full


def _person(name: str) -> tuple[PersonState, str]:
    state = PersonState(stream_id=PERSON, name=name)
    return state, json.dumps(person_to_json(state))


def test_one_text_is_decoded_once_and_the_kept_text_stays_within_its_bound() -> None:
    decoded = DecodedStates(max_chars=4000)
    first, text = _person("A")
    state = decoded.decode(PERSONS, text)
    assert state == first
    assert decoded.decode(PERSONS, text) is state
    texts = [_person(f"Person {index}")[1] for index in range(20)]
    for other in texts:
        decoded.decode(PERSONS, other)
    assert sum(len(t) for t in texts[-len(decoded) :]) <= 4000 < sum(len(t) for t in texts)
    assert decoded.decode(PERSONS, text) is not state  # evicted, decoded again
    assert decoded.decode(PERSONS, text) == state
    huge = _person("x" * 600)[1]
    before = len(decoded)
    decoded.decode(PERSONS, huge)  # longer than an eighth of the bound: decoded, not kept
    assert len(decoded) == before and decoded.decode(PERSONS, huge) == _person("x" * 600)[0]
