"""The append rules on their own, without a database: what the store holds is passed in."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from ledger.domain.append_rules import (
    check_distinct_ids,
    check_recorder,
    check_retractions,
    check_version,
    fresh_events,
    validate_stream,
)
from ledger.domain.errors import IdConflict, NotFound, ValidationError, VersionConflict
from ledger.domain.event_types import RETRACTION
from ledger.domain.hash_chain import GENESIS, ChainWalk, Recording
from ledger.domain.new_event import NewEvent, ValidEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source

SOURCES = (Source(title="Report"),)
AT = datetime(2026, 1, 1, tzinfo=UTC)
DECEMBER = PartialDate.parse("2019-12")


def detained(event_id: UUID | None = None, kind: str = "PRE_TRIAL_DETENTION") -> NewEvent:
    return NewEvent(
        "PersonDetained", {"kind": kind}, SOURCES, PartialDate.parse("2019-12"), event_id
    )


def retraction(target: UUID) -> NewEvent:
    return NewEvent(RETRACTION, {"eventId": str(target), "reason": "wrong"}, SOURCES)


def valid(*events: NewEvent, stream: str = "person-a") -> list[ValidEvent]:
    return validate_stream(stream, events, None)


def recorded(*events: NewEvent, stream: str = "person-a") -> list[RecordedEvent]:
    recording = Recording(position=0, hash=GENESIS, recorded_at=AT, recorded_by="t")
    return recording.add(stream, 0, valid(*events, stream=stream))


def test_a_recorder_is_one_to_200_characters_without_nul() -> None:
    check_recorder("alice")
    for bad in ("", "x" * 201, "a\x00b"):
        with pytest.raises(ValidationError):
            check_recorder(bad)


def test_validation_names_the_event_and_field() -> None:
    with pytest.raises(ValidationError) as refused:
        valid(detained(), NewEvent("PersonDetained", {"kind": "NOPE"}, SOURCES, None))
    assert refused.value.field is not None and refused.value.field[:2] == ["events", "1"]


def test_an_empty_batch_and_a_negative_expected_version_are_refused() -> None:
    with pytest.raises(ValidationError):
        validate_stream("person-a", [], None)
    with pytest.raises(ValidationError):
        validate_stream("person-a", [detained()], -1)


def test_one_id_twice_in_one_call_is_refused() -> None:
    same = uuid4()
    with pytest.raises(ValidationError):
        check_distinct_ids(valid(detained(same), detained(same)))


def test_a_retry_with_the_same_content_is_not_fresh_and_other_content_conflicts() -> None:
    event_id = uuid4()
    [stored] = recorded(detained(event_id))
    assert (
        fresh_events("person-a", valid(detained(event_id)), {event_id: stored}, recorded_by="t")
        == []
    )
    with pytest.raises(IdConflict) as refused:
        fresh_events(
            "person-a",
            valid(detained(event_id, "HOUSE_ARREST")),
            {event_id: stored},
            recorded_by="t",
        )
    assert refused.value.field == ["events", "0", "id"]


def test_a_stale_expected_version_conflicts() -> None:
    check_version("person-a", None, 3)
    check_version("person-a", 3, 3)
    with pytest.raises(VersionConflict):
        check_version("person-a", 2, 3)


def _check(
    events: list[ValidEvent], found: dict[UUID, RecordedEvent], retracted: set[UUID]
) -> None:
    check_retractions(
        "person-a",
        events,
        events,
        find=found.get,
        retraction_of=lambda event_id: uuid4() if event_id in retracted else None,
        targeted=set(),
    )


def test_a_retraction_names_an_unretracted_event_of_its_own_stream() -> None:
    [target] = recorded(detained())
    [elsewhere] = recorded(detained(), stream="person-b")
    _check(valid(retraction(target.id)), {target.id: target}, set())
    with pytest.raises(NotFound):
        _check(valid(retraction(uuid4())), {}, set())
    with pytest.raises(ValidationError, match="already retracted"):
        _check(valid(retraction(target.id)), {target.id: target}, {target.id})
    with pytest.raises(ValidationError, match="retracted event's stream"):
        _check(valid(retraction(elsewhere.id)), {elsewhere.id: elsewhere}, set())
    with pytest.raises(ValidationError, match="twice"):
        _check(valid(retraction(target.id), retraction(target.id)), {target.id: target}, set())


def test_an_event_may_be_retracted_in_the_call_that_appends_it() -> None:
    new = uuid4()
    _check(valid(detained(new), retraction(new)), {}, set())


def test_recorded_events_chain_and_the_walk_follows_them_or_names_the_break() -> None:
    events = recorded(detained(), detained(), detained())
    walk = ChainWalk()
    assert all(walk.follow(event) is None for event in events)
    assert (walk.position, walk.hash) == (3, events[-1].hash)
    tampered = [events[0], events[1]._replace(recorded_by="eve")]
    walk = ChainWalk()
    assert walk.follow(tampered[0]) is None
    broken = walk.follow(tampered[1])
    assert broken is not None and (broken.position, broken.field) == (2, "hash")
    skipped = ChainWalk().follow(events[1])
    assert skipped is not None and skipped.field == "position"


def test_each_event_of_a_call_keeps_its_own_sources_however_many_cite_the_same() -> None:
    """A call encodes each distinct list of sources once: equal lists share it, and lists that
    differ in any field (here only the date, or the publisher) never do."""
    report = Source(title="Report", published="2020-01")
    cited = [
        (report,),
        (Source(title="Report", published="2020-01"),),
        (Source(title="Report", published="2020-02"),),
        (Source(title="Report", published="2020-01", publisher="NGO"),),
        (report, Source(title="Letter")),
    ]
    events = [
        NewEvent("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, sources, DECEMBER)
        for sources in cited
    ]
    for event, sources in zip(recorded(*events), cited, strict=True):
        assert list(event.sources) == [source.to_json() for source in sources]
