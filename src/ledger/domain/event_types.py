"""The event catalogue: one pydantic model per event type, at its current schema version.

Field names are camelCase in JSON (what clients send and what ``events/`` files hold). Each model
forbids unknown fields, so a typo is refused with the field's name rather than silently dropped.
A type also says which kind of stream it belongs to (``person-…``, ``recommendation-…``,
``indicator-…``), so a sentence cannot be appended to a recommendation by mistake.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import SchemaSerializer

from ledger.domain.partial_date import PartialDate
from ledger.domain.statuses import CustodyStatus, ImplementationStatus


class StreamKind(StrEnum):
    PERSON = "person"
    RECOMMENDATION = "recommendation"
    INDICATOR = "indicator"


class EventData(BaseModel):
    """Base of every event's ``data``."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        # Enum members are kept as their values: data is dumped to JSON on every append, and
        # member access is slow on Python 3.11.
        use_enum_values=True,
    )

    type_name: ClassVar[str]
    schema_version: ClassVar[int] = 1
    stream_kinds: ClassVar[frozenset[StreamKind]]
    #: Undated facts (a name) have no occurredOn; dated ones must carry it.
    dated: ClassVar[bool] = True

    def to_json(self) -> dict[str, object]:
        return dumped_data(self.__pydantic_serializer__, self)


def dumped_data(serializer: SchemaSerializer, payload: EventData) -> dict[str, object]:
    """``payload.model_dump(mode="json", by_alias=True, exclude_none=True)``, calling its model's
    ``serializer`` itself: the wrapper passes a dozen more keyword arguments at every event
    appended. (Validation passes the serializer it read once per type, ``EventSchema``.)"""
    dumped: dict[str, object] = serializer.to_python(
        payload, mode="json", by_alias=True, exclude_none=True
    )
    return dumped


def _partial_date_text(value: str | None) -> str | None:
    return None if value is None else PartialDate.parse(value).text


PERSON = frozenset({StreamKind.PERSON})


# --- persons -------------------------------------------------------------------------------


class PersonProfiled(EventData):
    """Who the person is. A later profile replaces an earlier one (a corrected spelling)."""

    type_name = "PersonProfiled"
    schema_version = 2
    stream_kinds = PERSON
    dated = False

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    country: str | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    summary: str | None = None


class DetentionKind(StrEnum):
    PRE_TRIAL_DETENTION = "PRE_TRIAL_DETENTION"
    HOUSE_ARREST = "HOUSE_ARREST"
    ADMINISTRATIVE_ARREST = "ADMINISTRATIVE_ARREST"
    POLICE_DETENTION = "POLICE_DETENTION"
    EXTRADITION_DETENTION = "EXTRADITION_DETENTION"
    PSYCHIATRIC_DETENTION = "PSYCHIATRIC_DETENTION"


class PersonDetained(EventData):
    """Held without a custodial sentence (→ DETAINED)."""

    type_name = "PersonDetained"
    stream_kinds = PERSON

    kind: DetentionKind
    authority: str | None = None
    place: str | None = None
    term_days: int | None = Field(default=None, ge=0)
    reason: str | None = None


class PersonCharged(EventData):
    """A charge under an article of a code; custody does not change."""

    type_name = "PersonCharged"
    stream_kinds = PERSON

    article: str = Field(min_length=1)
    code: str = "Criminal Code"
    description: str | None = None
    country: str | None = None


class ChargeDropped(EventData):
    type_name = "ChargeDropped"
    stream_kinds = PERSON

    article: str = Field(min_length=1)
    code: str = "Criminal Code"
    reason: str | None = None


class SentenceKind(StrEnum):
    IMPRISONMENT = "IMPRISONMENT"
    RESTRICTION_OF_LIBERTY = "RESTRICTION_OF_LIBERTY"
    SUSPENDED = "SUSPENDED"
    FINE = "FINE"
    ADMINISTRATIVE_ARREST = "ADMINISTRATIVE_ARREST"
    COMPULSORY_TREATMENT = "COMPULSORY_TREATMENT"
    BAN = "BAN"
    CORRECTIONAL_LABOUR = "CORRECTIONAL_LABOUR"


class SentenceTerms(BaseModel):
    """A sentence as a court states it; shared by sentencing and appeal decisions."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        # Enum members are kept as their values: data is dumped to JSON on every append, and
        # member access is slow on Python 3.11.
        use_enum_values=True,
    )

    kind: SentenceKind
    term_months: int | None = Field(default=None, ge=0, le=1200)
    term_days: int | None = Field(default=None, ge=0)
    articles: list[str] = Field(default_factory=list)
    court: str | None = None
    amount: float | None = Field(default=None, ge=0)
    currency: str | None = None
    additional: list[str] = Field(
        default_factory=list, description="additional penalties, e.g. a ban on activism"
    )


class PersonSentenced(SentenceTerms, EventData):
    """A court's sentence; custody follows its kind (see person_fold)."""

    type_name = "PersonSentenced"
    stream_kinds = PERSON


class AppealOutcome(StrEnum):
    UPHELD = "UPHELD"
    SENTENCE_REDUCED = "SENTENCE_REDUCED"
    SENTENCE_INCREASED = "SENTENCE_INCREASED"
    SENTENCE_CHANGED = "SENTENCE_CHANGED"
    OVERTURNED = "OVERTURNED"
    REMANDED = "REMANDED"


class AppealDecided(EventData):
    """An appeal or cassation; a changed sentence replaces the latest one."""

    type_name = "AppealDecided"
    stream_kinds = PERSON

    outcome: AppealOutcome
    court: str | None = None
    sentence: SentenceTerms | None = None
    note: str | None = None


class ParoleDecided(EventData):
    type_name = "ParoleDecided"
    stream_kinds = PERSON

    granted: bool
    court: str | None = None
    note: str | None = None


class ReleaseGrounds(StrEnum):
    PAROLE = "PAROLE"
    HEALTH = "HEALTH"
    END_OF_TERM = "END_OF_TERM"
    PARDON = "PARDON"
    AMNESTY = "AMNESTY"
    ACQUITTAL = "ACQUITTAL"
    CONVERSION = "CONVERSION"
    PENDING_TRIAL = "PENDING_TRIAL"
    NO_CHARGE = "NO_CHARGE"
    END_OF_DETENTION = "END_OF_DETENTION"


class PersonReleased(EventData):
    """Release from detention or prison; the resulting status follows the grounds unless the
    source says otherwise (``resultingStatus``)."""

    type_name = "PersonReleased"
    stream_kinds = PERSON

    grounds: ReleaseGrounds
    conditions: str | None = None
    resulting_status: CustodyStatus | None = None


class PersonPardoned(EventData):
    type_name = "PersonPardoned"
    stream_kinds = PERSON

    unconditional: bool = True
    decree: str | None = None
    note: str | None = None


class RestrictionKind(StrEnum):
    TRAVEL_BAN = "TRAVEL_BAN"
    ACTIVITY_BAN = "ACTIVITY_BAN"
    PUBLICATION_BAN = "PUBLICATION_BAN"
    PROFESSIONAL_BAN = "PROFESSIONAL_BAN"
    POLITICAL_BAN = "POLITICAL_BAN"
    SUPERVISION = "SUPERVISION"
    ASSET_FREEZE = "ASSET_FREEZE"
    TERRORIST_LIST = "TERRORIST_LIST"
    WANTED_LIST = "WANTED_LIST"
    OTHER = "OTHER"


class RestrictionImposed(EventData):
    """A court-imposed or administrative restriction (→ RESTRICTED when not held)."""

    type_name = "RestrictionImposed"
    stream_kinds = PERSON

    kind: RestrictionKind
    description: str | None = None
    term_months: int | None = Field(default=None, ge=0)
    authority: str | None = None


class RestrictionLifted(EventData):
    type_name = "RestrictionLifted"
    stream_kinds = PERSON

    kind: RestrictionKind
    description: str | None = None


class UnDecisionAdopted(EventData):
    type_name = "UnDecisionAdopted"
    stream_kinds = PERSON

    body: str = Field(min_length=1)
    reference: str = Field(min_length=1, description="document symbol, e.g. A/HRC/WGAD/2018/67")
    demands: list[str] = Field(default_factory=list)
    findings: str | None = None


class CustodyObserved(EventData):
    """A source states the person's custody at a date without saying when it began."""

    type_name = "CustodyObserved"
    stream_kinds = PERSON

    status: CustodyStatus
    place: str | None = None
    note: str | None = None


class AsylumOutcome(StrEnum):
    APPLIED = "APPLIED"
    GRANTED = "GRANTED"
    REFUSED = "REFUSED"
    REVOKED = "REVOKED"


class AsylumDecided(EventData):
    type_name = "AsylumDecided"
    stream_kinds = PERSON

    country: str = Field(min_length=1)
    outcome: AsylumOutcome
    authority: str | None = None
    note: str | None = None


class ExtraditionStage(StrEnum):
    REQUESTED = "REQUESTED"
    WANTED_NOTICE = "WANTED_NOTICE"
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"
    CARRIED_OUT = "CARRIED_OUT"


class ExtraditionDecided(EventData):
    type_name = "ExtraditionDecided"
    stream_kinds = PERSON

    requesting_state: str = Field(min_length=1)
    requested_state: str | None = None
    stage: ExtraditionStage
    authority: str | None = None
    note: str | None = None


class HearingScheduled(EventData):
    """A hearing the source announces; occurredOn is the hearing's date."""

    type_name = "HearingScheduled"
    stream_kinds = PERSON

    court: str | None = None
    purpose: str = Field(min_length=1)


class IncidentKind(StrEnum):
    TORTURE = "TORTURE"
    ILL_TREATMENT = "ILL_TREATMENT"
    SEARCH = "SEARCH"
    ASSAULT = "ASSAULT"
    THREAT = "THREAT"
    INTERROGATION = "INTERROGATION"
    SURVEILLANCE = "SURVEILLANCE"
    DISMISSAL = "DISMISSAL"
    PRESSURE_ON_RELATIVES = "PRESSURE_ON_RELATIVES"
    HUNGER_STRIKE = "HUNGER_STRIKE"
    INVESTIGATION_OPENED = "INVESTIGATION_OPENED"
    OTHER = "OTHER"


class IncidentReported(EventData):
    """A dated fact that changes no status: a search, a threat, ill-treatment, a hunger strike."""

    type_name = "IncidentReported"
    stream_kinds = PERSON

    kind: IncidentKind
    description: str = Field(min_length=1)


class DesignationMade(EventData):
    """An assessor calls the person e.g. a 'political prisoner'."""

    type_name = "DesignationMade"
    stream_kinds = PERSON

    label: str = Field(min_length=1)
    assessor: str = Field(min_length=1)


class DesignationReassessed(EventData):
    """The same assessor withdraws its designation, or replaces it with ``newLabel``."""

    type_name = "DesignationReassessed"
    stream_kinds = PERSON

    label: str = Field(min_length=1)
    assessor: str = Field(min_length=1)
    new_label: str | None = None
    reason: str | None = None


# --- recommendations -----------------------------------------------------------------------


class RecommendationIssued(EventData):
    type_name = "RecommendationIssued"
    stream_kinds = frozenset({StreamKind.RECOMMENDATION})

    code: str = Field(min_length=1)
    text: str = Field(min_length=1)
    instrument: str = Field(min_length=1)
    addressee: str = Field(min_length=1)
    theme: str = Field(min_length=1)
    person_ids: list[str] = Field(
        default_factory=list, description="stream ids of the persons it names: person-…"
    )

    @field_validator("person_ids")
    @classmethod
    def _person_streams(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.startswith("person-"):
                raise ValueError(f"'{item}' is not a person stream id (person-…)")
        return value


class ImplementationAssessed(EventData):
    type_name = "ImplementationAssessed"
    stream_kinds = frozenset({StreamKind.RECOMMENDATION})

    status: ImplementationStatus
    wording: str = Field(min_length=1)
    assessor: str = Field(min_length=1)
    rationale: str | None = None
    mentioned_person_ids: list[str] | None = Field(
        default=None,
        description="stream ids of the persons the assessment names (person-…), beside those"
        " the recommendation itself names",
    )

    @field_validator("mentioned_person_ids")
    @classmethod
    def _mentioned_persons(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for item in value:
            if not item.startswith("person-"):
                raise ValueError(f"'{item}' is not a person stream id (person-…)")
        if len(set(value)) != len(value):
            raise ValueError("a person is named twice")
        return value

    @field_validator("status")
    @classmethod
    def _assessed(cls, value: ImplementationStatus) -> ImplementationStatus:
        if value is ImplementationStatus.NOT_ASSESSED:
            raise ValueError("an assessment cannot say NOT_ASSESSED")
        return value


# --- indicators ----------------------------------------------------------------------------


class Qualifier(StrEnum):
    EXACT = "EXACT"
    AT_LEAST = "AT_LEAST"
    MORE_THAN = "MORE_THAN"
    APPROXIMATELY = "APPROXIMATELY"
    AT_MOST = "AT_MOST"
    LESS_THAN = "LESS_THAN"


class IndicatorObserved(EventData):
    """A statistic a source cites, over a period."""

    type_name = "IndicatorObserved"
    stream_kinds = frozenset({StreamKind.INDICATOR})

    indicator: str = Field(min_length=1)
    label: str = Field(min_length=1)
    value: float
    unit: str = Field(min_length=1)
    qualifier: Qualifier = Qualifier.EXACT
    period_start: str | None = None
    period_end: str | None = None
    region: str | None = None
    note: str | None = None

    _period = field_validator("period_start", "period_end")(_partial_date_text)


# --- retraction ----------------------------------------------------------------------------

#: the type of the event that retracts another (the one type the counting rule treats apart)
RETRACTION = "EventRetracted"


class EventRetracted(EventData):
    """Names a mistaken event; from this event's recordedAt on, that event no longer counts."""

    type_name = RETRACTION
    stream_kinds = frozenset(StreamKind)
    dated = False

    event_id: UUID
    reason: str = Field(min_length=1)


EVENT_TYPES: tuple[type[EventData], ...] = (
    PersonProfiled,
    PersonDetained,
    PersonCharged,
    ChargeDropped,
    PersonSentenced,
    AppealDecided,
    ParoleDecided,
    PersonReleased,
    PersonPardoned,
    RestrictionImposed,
    RestrictionLifted,
    UnDecisionAdopted,
    CustodyObserved,
    AsylumDecided,
    ExtraditionDecided,
    HearingScheduled,
    IncidentReported,
    DesignationMade,
    DesignationReassessed,
    RecommendationIssued,
    ImplementationAssessed,
    IndicatorObserved,
    EventRetracted,
)
