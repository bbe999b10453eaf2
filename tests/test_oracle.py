"""The oracle: for random histories, the indexed projections answer exactly what a naive fold of
the events, filtered by the contract's rules, answers — at random (asOf, knownAt) points, for
public and full callers, on SQLite and PostgreSQL. Both bounds: the certain fold (events whose
latest day is by asOf) and the possible one (events whose earliest day is), over single dates,
intervals, open ends and qualified dates."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_ledger
from ledger.container import Ledger
from ledger.domain.counting import counting_events, possible_events
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.person_fold import bound_person, fold_person
from ledger.domain.recommendation_fold import bound_recommendation, fold_recommendation
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.projections.rebuild import rebuild, verify_projections

SOURCES = (Source(title="oracle"),)
_example = itertools.count()

calendar_dates = st.builds(
    lambda year, month, day, precision: PartialDate.of(
        year,
        month if precision != "YEAR" else None,
        min(day, 28) if precision == "DAY" else None,
    ),
    st.integers(2015, 2019),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from(["YEAR", "MONTH", "DAY"]),
)


def _shaped(first: PartialDate, second: PartialDate, shape: str) -> PartialDate:
    low, high = sorted([first, second], key=lambda value: value.first_day)
    text = {
        "single": first.text,
        "interval": f"{low.text}/{high.text}",
        "open start": f"../{first.text}",
        "open end": f"{first.text}/..",
        "approximate": f"{first.text}~",
        "uncertain": f"{first.text}?",
    }[shape]
    return PartialDate.parse(text)


partial_dates = st.builds(
    _shaped,
    calendar_dates,
    calendar_dates,
    st.sampled_from(
        [
            "single",
            "single",
            "interval",
            "interval",
            "open start",
            "open end",
            "approximate",
            "uncertain",
        ]
    ),
)

PERSON_EVENTS: list[tuple[str, st.SearchStrategy[dict[str, Any]]]] = [
    ("PersonDetained", st.just({"kind": "PRE_TRIAL_DETENTION"})),
    (
        "PersonSentenced",
        st.builds(
            lambda k: {"kind": k, "termMonths": 12},
            st.sampled_from(["IMPRISONMENT", "SUSPENDED", "FINE", "ADMINISTRATIVE_ARREST", "BAN"]),
        ),
    ),
    (
        "AppealDecided",
        st.sampled_from(
            [
                {"outcome": "OVERTURNED"},
                {"outcome": "UPHELD"},
                {"outcome": "SENTENCE_CHANGED", "sentence": {"kind": "SUSPENDED"}},
            ]
        ),
    ),
    ("ParoleDecided", st.builds(lambda g: {"granted": g}, st.booleans())),
    (
        "PersonReleased",
        st.builds(
            lambda g: {"grounds": g},
            st.sampled_from(["PAROLE", "END_OF_TERM", "HEALTH", "ACQUITTAL"]),
        ),
    ),
    ("PersonPardoned", st.builds(lambda u: {"unconditional": u}, st.booleans())),
    ("PersonCharged", st.builds(lambda a: {"article": a}, st.sampled_from(["174", "179"]))),
    ("ChargeDropped", st.builds(lambda a: {"article": a}, st.sampled_from(["174", "179"]))),
    ("RestrictionImposed", st.just({"kind": "TRAVEL_BAN"})),
    ("RestrictionLifted", st.just({"kind": "TRAVEL_BAN"})),
    (
        "CustodyObserved",
        st.builds(
            lambda s: {"status": s},
            st.sampled_from(["FREE", "DETAINED", "IMPRISONED", "RESTRICTED"]),
        ),
    ),
    (
        "UnDecisionAdopted",
        st.just({"body": "WGAD", "reference": "A/HRC/1", "demands": ["release"]}),
    ),
    (
        "DesignationMade",
        st.sampled_from(
            [
                {"label": "political prisoner", "assessor": "A"},
                {"label": "at risk", "assessor": "B"},
            ]
        ),
    ),
    (
        "DesignationReassessed",
        st.sampled_from(
            [
                {"label": "political prisoner", "assessor": "A"},
                {"label": "political prisoner", "assessor": "A", "newLabel": "released"},
            ]
        ),
    ),
    ("IncidentReported", st.just({"kind": "SEARCH", "description": "home searched"})),
]

person_events = st.one_of(
    st.builds(
        lambda name: NewEvent("PersonProfiled", {"name": name, "aliases": [name.upper()]}, SOURCES),
        st.sampled_from(["Maks Bokayev", "Talgat Ayan", "Max Bokaev"]),
    ),
    *[
        st.builds(
            lambda data, on, restricted, t=name: NewEvent(t, data, SOURCES, on, None, restricted),
            strategy,
            partial_dates,
            st.sampled_from([False, False, False, True]),
        )
        for name, strategy in PERSON_EVENTS
    ],
)

recommendation_events = st.one_of(
    st.builds(
        lambda on, code, persons: NewEvent(
            "RecommendationIssued",
            {
                "code": code,
                "text": "Release",
                "instrument": "EP",
                "addressee": "Kazakhstan",
                "theme": "Political prisoners",
                "personIds": persons,
            },
            SOURCES,
            on,
        ),
        partial_dates,
        st.sampled_from(["EP-1", "EP-2"]),
        st.sampled_from([["person-a"], ["person-a", "person-b"], []]),
    ),
    st.builds(
        lambda on, status, restricted: NewEvent(
            "ImplementationAssessed",
            {"status": status, "wording": f"{status.lower()} says X", "assessor": "X"},
            SOURCES,
            on,
            None,
            restricted,
        ),
        partial_dates,
        st.sampled_from(["NOT_IMPLEMENTED", "PARTIALLY_IMPLEMENTED", "IMPLEMENTED"]),
        st.sampled_from([False, False, True]),
    ),
)


@dataclass(frozen=True)
class Append:
    stream: str
    events: list[NewEvent]
    pause: bool


@dataclass(frozen=True)
class Retract:
    choice: int
    pause: bool


operations = st.lists(
    st.one_of(
        st.builds(
            Append,
            st.sampled_from(["person-a", "person-b"]),
            st.lists(person_events, min_size=1, max_size=3),
            st.booleans(),
        ),
        st.builds(
            Append,
            st.just("recommendation-r"),
            st.lists(recommendation_events, min_size=1, max_size=2),
            st.booleans(),
        ),
        st.builds(Retract, st.integers(0, 1000), st.booleans()),
    ),
    min_size=1,
    max_size=10,
)

as_of_days = st.lists(
    st.one_of(
        calendar_dates.map(lambda d: d.last_day),
        calendar_dates.map(lambda d: d.first_day),
        calendar_dates.map(lambda d: d.first_day - timedelta(days=1)),
    ),
    min_size=3,
    max_size=4,
)


class Clock:
    """Record time under the test's control; a pause makes the next append a later instant."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=1)


@pytest.fixture
def oracle_ledger(database_url: str) -> Iterator[tuple[Ledger, Clock]]:
    ledger = make_ledger(database_url)
    clock = Clock()
    ledger.store.clock = clock
    # Recommendations may name only persons the ledger holds: the ones the histories name.
    for named in ("person-a", "person-b"):
        ledger.store.append(
            named, [NewEvent("PersonProfiled", {"name": named}, SOURCES)], recorded_by="oracle"
        )
    yield ledger, clock
    ledger.close()


def _streams(prefix: str) -> tuple[str, str, str]:
    """The streams one example writes: its own, so that examples sharing a ledger never meet."""
    return f"person-{prefix}a", f"person-{prefix}b", f"recommendation-{prefix}r"


def _play(ledger: Ledger, clock: Clock, prefix: str, history: list[Any]) -> list[datetime]:
    instants: list[datetime] = []
    for operation in history:
        if operation.pause:
            clock.tick()
        if isinstance(operation, Append):
            stream = f"{operation.stream.split('-')[0]}-{prefix}{operation.stream.split('-')[1]}"
            result = ledger.store.append(stream, operation.events, recorded_by="oracle")
            instants.append(result.events[0].recorded_at)
        else:
            # this example's streams only (a retraction is appended to its target's stream)
            stored = sorted(
                (e for stream in _streams(prefix) for e in ledger.store.read_stream(stream)),
                key=lambda e: e.position,
            )
            retracted = {str(e.data["eventId"]) for e in stored if e.type == "EventRetracted"}
            candidates = [
                event
                for event in stored
                if event.type != "EventRetracted" and str(event.id) not in retracted
            ]
            if candidates:
                target = candidates[operation.choice % len(candidates)]
                ledger.store.retract(target.id, "mistaken", SOURCES, recorded_by="oracle")
                instants.append(clock.now)
    return instants


def _knowledge_points(instants: list[datetime], picks: list[int]) -> list[datetime]:
    """Just before the first append, and at or between appends (where retractions bite)."""
    points = {instants[0] - timedelta(seconds=1)}
    for instant in instants:
        points |= {instant, instant + timedelta(milliseconds=500)}
    ordered = sorted(points)
    return sorted({ordered[0], ordered[-1], *(ordered[p % len(ordered)] for p in picks)})


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=operations, days=as_of_days, picks=st.lists(st.integers(0, 100), max_size=4))
def test_indexed_projection_answers_what_a_naive_fold_of_counting_events_answers(
    oracle_ledger: tuple[Ledger, Clock], history: list[Any], days: list[date], picks: list[int]
) -> None:
    ledger, clock = oracle_ledger
    clock.tick()
    prefix = f"x{next(_example)}"
    instants = _play(ledger, clock, prefix, history)
    if not instants:
        return
    folds = (
        (fold_person, bound_person),
        (fold_person, bound_person),
        (fold_recommendation, bound_recommendation),
    )
    streams: dict[str, tuple[Any, Any]] = dict(zip(_streams(prefix), folds, strict=True))
    stored = {stream: ledger.store.read_stream(stream) for stream in streams}
    model = ledger.read_model
    for known_at, as_of, full in itertools.product(
        _knowledge_points(instants, picks), days, (False, True)
    ):
        at = TimePoint(as_of, known_at)
        for stream, (fold, bound) in streams.items():
            counting = counting_events(stored[stream], as_of, known_at, full=full)
            possible = possible_events(stored[stream], as_of, known_at, full=full)
            expected = bound(fold(stream, counting), fold(stream, possible)) if counting else None
            if stream.startswith("person-"):
                found: Any = model.person(stream, at, full=full)
            else:
                found = model.recommendation(stream, at, full=full)
            assert found == expected, (stream, at, full)
        expected_events = counting_events(stored[f"person-{prefix}a"], as_of, known_at)
        assert model.stream_events(f"person-{prefix}a", at) == expected_events
    # Earlier examples' streams were verified in their own example and are never written again.
    assert verify_projections(ledger.engine, streams=list(streams)).ok


def test_a_rebuild_stores_the_rows_the_appends_stored(
    oracle_ledger: tuple[Ledger, Clock],
) -> None:
    ledger, clock = oracle_ledger
    events = [
        NewEvent("PersonProfiled", {"name": "A"}, SOURCES),
        NewEvent("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, SOURCES, PartialDate.of(2018)),
        NewEvent("PersonSentenced", {"kind": "IMPRISONMENT"}, SOURCES, PartialDate.of(2016, 3)),
    ]
    for event in events:
        ledger.store.append("person-a", [event], recorded_by="oracle")
        clock.tick()
    before = verify_projections(ledger.engine)
    assert before.ok
    assert rebuild(ledger.engine).rows == before.rows
    assert verify_projections(ledger.engine).ok
