"""Each custody transition of the person fold, and the lists it keeps (pure, no database)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from ledger.domain.partial_date import PartialDate
from ledger.domain.person_fold import fold_person
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.states import PersonState, evolve
from ledger.domain.statuses import CustodyStatus

_positions = itertools.count(1)


def event(type_name: str, data: dict[str, Any], on: str | None = None) -> RecordedEvent:
    return RecordedEvent(
        id=uuid4(),
        position=next(_positions),
        stream_id="person-x",
        version=1,
        type=type_name,
        schema_version=2 if type_name == "PersonProfiled" else 1,
        occurred_on=PartialDate.parse(on) if on else None,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        recorded_by="test",
        data=data,
        sources=({"title": "s"},),
        hash="",
        previous_hash="",
    )


def custody(*events: RecordedEvent) -> CustodyStatus:
    return fold_person("person-x", events).custody_status


DETAINED = event("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, "2019-01-02")
IMPRISONED = event("PersonSentenced", {"kind": "IMPRISONMENT", "termMonths": 60}, "2019-06")


def test_a_person_without_events_is_unknown_and_named_by_stream_id() -> None:
    state = fold_person("person-x", [])
    assert (state.name, state.custody_status, state.custody_since) == (
        "person-x",
        CustodyStatus.UNKNOWN,
        None,
    )


def test_detention_makes_a_person_detained_since_its_date() -> None:
    state = fold_person("person-x", [DETAINED])
    assert state.custody_status is CustodyStatus.DETAINED
    assert state.custody_since == PartialDate.parse("2019-01-02")


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("IMPRISONMENT", CustodyStatus.IMPRISONED),
        ("ADMINISTRATIVE_ARREST", CustodyStatus.DETAINED),
        ("COMPULSORY_TREATMENT", CustodyStatus.DETAINED),
        ("SUSPENDED", CustodyStatus.RESTRICTED),
        ("RESTRICTION_OF_LIBERTY", CustodyStatus.RESTRICTED),
        ("CORRECTIONAL_LABOUR", CustodyStatus.RESTRICTED),
        ("BAN", CustodyStatus.RESTRICTED),
        ("FINE", CustodyStatus.DETAINED),
    ],
)
def test_a_sentence_sets_custody_by_its_kind_and_a_fine_leaves_it(
    kind: str, status: CustodyStatus
) -> None:
    assert custody(DETAINED, event("PersonSentenced", {"kind": kind}, "2019-06")) is status


def test_an_overturning_appeal_frees_the_person() -> None:
    assert custody(IMPRISONED, event("AppealDecided", {"outcome": "OVERTURNED"}, "2019-09")) is (
        CustodyStatus.FREE
    )


def test_an_appeal_with_a_sentence_replaces_the_latest_sentence_and_custody_follows_it() -> None:
    appeal = event(
        "AppealDecided", {"outcome": "SENTENCE_CHANGED", "sentence": {"kind": "SUSPENDED"}}, "2020"
    )
    state = fold_person("person-x", [DETAINED, IMPRISONED, appeal])
    assert [s.kind for s in state.sentences] == ["SUSPENDED"]
    assert state.custody_status is CustodyStatus.RESTRICTED


def test_granted_parole_restricts_and_refused_parole_changes_nothing() -> None:
    assert custody(IMPRISONED, event("ParoleDecided", {"granted": True}, "2020")) is (
        CustodyStatus.RESTRICTED
    )
    assert custody(IMPRISONED, event("ParoleDecided", {"granted": False}, "2020")) is (
        CustodyStatus.IMPRISONED
    )


@pytest.mark.parametrize(
    ("grounds", "status"),
    [
        ("PAROLE", CustodyStatus.RESTRICTED),
        ("HEALTH", CustodyStatus.RESTRICTED),
        ("CONVERSION", CustodyStatus.RESTRICTED),
        ("PENDING_TRIAL", CustodyStatus.RESTRICTED),
        ("END_OF_TERM", CustodyStatus.FREE),
        ("PARDON", CustodyStatus.FREE),
        ("AMNESTY", CustodyStatus.FREE),
        ("ACQUITTAL", CustodyStatus.FREE),
        ("NO_CHARGE", CustodyStatus.FREE),
        ("END_OF_DETENTION", CustodyStatus.FREE),
    ],
)
def test_a_release_sets_custody_by_its_grounds(grounds: str, status: CustodyStatus) -> None:
    assert custody(IMPRISONED, event("PersonReleased", {"grounds": grounds}, "2021")) is status


def test_a_release_with_a_resulting_status_takes_that_status() -> None:
    release = event(
        "PersonReleased", {"grounds": "END_OF_TERM", "resultingStatus": "RESTRICTED"}, "2021"
    )
    assert custody(IMPRISONED, release) is CustodyStatus.RESTRICTED


def test_an_unconditional_pardon_frees_and_a_conditional_one_restricts() -> None:
    assert custody(IMPRISONED, event("PersonPardoned", {"unconditional": True}, "2021")) is (
        CustodyStatus.FREE
    )
    assert custody(IMPRISONED, event("PersonPardoned", {"unconditional": False}, "2021")) is (
        CustodyStatus.RESTRICTED
    )


def test_a_restriction_restricts_a_free_person_but_a_held_person_stays_held() -> None:
    ban = event("RestrictionImposed", {"kind": "TRAVEL_BAN"}, "2021")
    assert custody(ban) is CustodyStatus.RESTRICTED
    assert custody(IMPRISONED, ban) is CustodyStatus.IMPRISONED


def test_lifting_a_restriction_marks_the_latest_active_one_of_that_kind_inactive() -> None:
    ban = event("RestrictionImposed", {"kind": "TRAVEL_BAN"}, "2021")
    lifted = event("RestrictionLifted", {"kind": "TRAVEL_BAN"}, "2022")
    state = fold_person("person-x", [ban, lifted])
    assert [r.active for r in state.restrictions] == [False]


def test_observed_custody_is_taken_as_stated() -> None:
    assert custody(DETAINED, event("CustodyObserved", {"status": "FREE"}, "2020")) is (
        CustodyStatus.FREE
    )


def test_custody_since_is_kept_when_the_status_does_not_change() -> None:
    again = event("CustodyObserved", {"status": "DETAINED"}, "2019-03")
    assert fold_person("person-x", [DETAINED, again]).custody_since == DETAINED.occurred_on


def test_dropping_a_charge_removes_the_latest_with_that_article_and_code() -> None:
    charged = event("PersonCharged", {"article": "174"}, "2019")
    other = event("PersonCharged", {"article": "174", "code": "Administrative Code"}, "2019")
    dropped = event("ChargeDropped", {"article": "174"}, "2020")
    state = fold_person("person-x", [charged, other, dropped])
    assert [(c.article, c.code) for c in state.charges] == [("174", "Administrative Code")]


def test_a_reassessment_withdraws_the_designation_and_may_add_a_new_label() -> None:
    made = event("DesignationMade", {"label": "political prisoner", "assessor": "A"}, "2019")
    reassessed = event(
        "DesignationReassessed",
        {"label": "political prisoner", "assessor": "A", "newLabel": "former political prisoner"},
        "2021",
    )
    state = fold_person("person-x", [made, reassessed])
    assert [(d.label, d.withdrawn) for d in state.designations] == [
        ("political prisoner", True),
        ("former political prisoner", False),
    ]


def test_the_last_profile_gives_name_aliases_and_roles() -> None:
    first = event("PersonProfiled", {"name": "Maks Bokaev"})
    second = event(
        "PersonProfiled", {"name": "Maks Bokayev", "aliases": ["Бокаев"], "roles": ["activist"]}
    )
    state = fold_person("person-x", [first, second])
    assert (state.name, state.aliases, state.roles) == ("Maks Bokayev", ("Бокаев",), ("activist",))


def test_un_decisions_are_kept_with_their_demands() -> None:
    decision = event(
        "UnDecisionAdopted",
        {"body": "WGAD", "reference": "A/HRC/WGAD/2018/67", "demands": ["release"]},
        "2018-11",
    )
    assert fold_person("person-x", [decision]).un_decisions[0].demands == ("release",)


def test_the_fold_lists_every_counting_event_in_order() -> None:
    assert fold_person("person-x", [DETAINED, IMPRISONED]).event_ids == (
        str(DETAINED.id),
        str(IMPRISONED.id),
    )


def test_evolve_copies_a_state_as_dataclasses_replace_does_and_refuses_unknown_fields() -> None:
    state = PersonState(stream_id="person-a", name="A", aliases=("a",))
    assert evolve(state, custody_status=CustodyStatus.FREE) == replace(
        state, custody_status=CustodyStatus.FREE
    )
    assert evolve(state, name="B").aliases == ("a",) and state.name == "A"
    with pytest.raises(TypeError, match="no field nmae"):
        evolve(state, nmae="B")
