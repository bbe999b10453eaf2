"""States as JSON for projection rows: stored once per state version, decoded on every lookup.

Keys are the dataclass field names; partial dates are their text, enums their value. Decoding
is the exact inverse, so a stored state compares equal to a freshly folded one (``verify``).
"""

from __future__ import annotations

from typing import Any

from ledger.domain.partial_date import PartialDate
from ledger.domain.states import (
    Assessment,
    Charge,
    Designation,
    PersonState,
    RecommendationState,
    Restriction,
    Sentence,
    UnDecision,
)
from ledger.domain.statuses import CustodyStatus, ImplementationStatus

Json = dict[str, Any]


def _date(value: PartialDate | None) -> str | None:
    return value.text if value is not None else None


def _parse(value: str | None) -> PartialDate | None:
    return PartialDate.parse(value) if value is not None else None


def person_to_json(state: PersonState) -> Json:
    return {
        "stream_id": state.stream_id,
        "name": state.name,
        "aliases": list(state.aliases),
        "roles": list(state.roles),
        "custody_status": state.custody_status.value,
        "custody_since": _date(state.custody_since),
        "charges": [
            [
                c.article,
                c.code,
                c.description,
                _date(c.charged_on),
                c.event_id,
                *([c.convicted_on.text] if c.convicted_on is not None else []),
            ]
            for c in state.charges
        ],
        "sentences": [
            [s.kind, s.term_months, list(s.articles), s.court, _date(s.imposed_on), s.event_id]
            for s in state.sentences
        ],
        "un_decisions": [
            [u.body, u.reference, _date(u.adopted_on), list(u.demands), u.event_id]
            for u in state.un_decisions
        ],
        "designations": [
            [
                d.label,
                d.assessor,
                _date(d.designated_on),
                d.withdrawn,
                [dict(s) for s in d.sources],
                d.event_id,
            ]
            for d in state.designations
        ],
        "restrictions": [
            [r.kind, r.description, _date(r.imposed_on), r.active, r.event_id]
            for r in state.restrictions
        ],
        "event_ids": list(state.event_ids),
        # only when uncertain, so that certain versions keep the documents they always had
        **(
            {"possible_custody_status": state.possible_custody_status.value}
            if state.possible_custody_status is not None
            else {}
        ),
    }


def person_from_json(data: Json) -> PersonState:
    return PersonState(
        stream_id=data["stream_id"],
        name=data["name"],
        aliases=tuple(data["aliases"]),
        roles=tuple(data["roles"]),
        custody_status=CustodyStatus(data["custody_status"]),
        custody_since=_parse(data["custody_since"]),
        charges=tuple(
            Charge(a, c, d, _parse(on), e, _parse(convicted[0]) if convicted else None)
            for a, c, d, on, e, *convicted in data["charges"]
        ),
        sentences=tuple(
            Sentence(k, t, tuple(a), c, _parse(on), e) for k, t, a, c, on, e in data["sentences"]
        ),
        un_decisions=tuple(
            UnDecision(b, r, _parse(on), tuple(d), e) for b, r, on, d, e in data["un_decisions"]
        ),
        designations=tuple(
            Designation(label, assessor, _parse(on), withdrawn, tuple(sources), e)
            for label, assessor, on, withdrawn, sources, e in data["designations"]
        ),
        restrictions=tuple(
            Restriction(k, d, _parse(on), active, e) for k, d, on, active, e in data["restrictions"]
        ),
        event_ids=tuple(data["event_ids"]),
        possible_custody_status=(
            CustodyStatus(data["possible_custody_status"])
            if "possible_custody_status" in data
            else None
        ),
    )


def recommendation_to_json(state: RecommendationState) -> Json:
    return {
        "stream_id": state.stream_id,
        "code": state.code,
        "text": state.text,
        "instrument": state.instrument,
        "issued_on": _date(state.issued_on),
        "addressee": state.addressee,
        "theme": state.theme,
        "status": state.status.value,
        "status_wording": state.status_wording,
        "assessments": [
            [
                a.status.value,
                a.wording,
                a.assessed_on.text,
                a.assessor,
                a.rationale,
                [dict(s) for s in a.sources],
                a.event_id,
                # only when present, so versions stored before the field existed stay equal
                *([list(a.mentioned_person_ids)] if a.mentioned_person_ids else []),
            ]
            for a in state.assessments
        ],
        "person_ids": list(state.person_ids),
        "event_ids": list(state.event_ids),
        **(
            {"possible_status": state.possible_status.value}
            if state.possible_status is not None
            else {}
        ),
    }


def recommendation_from_json(data: Json) -> RecommendationState:
    return RecommendationState(
        stream_id=data["stream_id"],
        code=data["code"],
        text=data["text"],
        instrument=data["instrument"],
        issued_on=_parse(data["issued_on"]),
        addressee=data["addressee"],
        theme=data["theme"],
        status=ImplementationStatus(data["status"]),
        status_wording=data["status_wording"],
        assessments=tuple(
            Assessment(
                ImplementationStatus(status),
                wording,
                PartialDate.parse(on),
                assessor,
                rationale,
                tuple(sources),
                e,
                tuple(mentioned[0]) if mentioned else (),
            )
            for status, wording, on, assessor, rationale, sources, e, *mentioned in data[
                "assessments"
            ]
        ),
        person_ids=tuple(data["person_ids"]),
        event_ids=tuple(data["event_ids"]),
        possible_status=(
            ImplementationStatus(data["possible_status"]) if "possible_status" in data else None
        ),
    )
