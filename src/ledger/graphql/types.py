# strawberry.field(description=...) is typed as returning Any: its decorated resolvers are
# still checked, only the decorator's own result is untyped.
# mypy: disable-error-code="untyped-decorator"
"""The contract's object types. Each state-bearing object carries the request's resolved time point
privately, so nested fields answer at the root's asOf/knownAt without the client repeating them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from ledger.domain import states
from ledger.domain.partial_date import PartialDate, Precision
from ledger.domain.periods import Period, opener, periods, status_since
from ledger.domain.person_fold import apply_person, empty_person
from ledger.domain.recommendation_fold import apply_recommendation, empty_recommendation
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.statuses import Certainty, CustodyStatus, ImplementationStatus
from ledger.graphql.connections import (
    PageInfo,
    check_first,
    decode_fold_cursor,
    encode_fold_cursor,
)
from ledger.graphql.context import LedgerContext, ctx
from ledger.graphql.ids import encode_global_id
from ledger.graphql.points import Point
from ledger.graphql.siblings import Siblings
from ledger.readmodel.api import FoldKey
from ledger.security.redaction import visible_event

strawberry.enum(Precision, name="DatePrecision")
strawberry.enum(CustodyStatus, description="Where a person is, as of the queried date.")
strawberry.enum(ImplementationStatus)
strawberry.enum(
    Certainty,
    description="Whether the answer at a date holds whichever way the uncertain dates fall.",
)


@strawberry.interface(description="An object with a global id; node(id:) fetches it again.")
class Node:
    @strawberry.field(
        description="Opaque global id; it names the object at the point it was answered at."
    )
    def id(self) -> strawberry.ID:
        """Each type encodes its own, when asked for (see ``ledger.graphql.ids``)."""
        raise NotImplementedError


@strawberry.type(
    name="PartialDate",
    description="A date as precise as its source: '2019-12-27', '2019-12', '2019', an interval"
    " '2019/2020', an open interval '../2020-02-17' (on or before) or '2019-03-14/..' (on or"
    " after), and the qualifiers '~' (approximate: '2007~') and '?' (uncertain: '2015-12?').",
)
class PartialDateType:
    """Each field read from the date when asked for: most queries ask only for ``text``."""

    value: strawberry.Private[PartialDate]

    @strawberry.field
    def text(self) -> str:
        return self.value.text

    @strawberry.field
    def precision(self) -> Precision:
        return self.value.precision

    @strawberry.field(description="first day it can mean; null when the start is open")
    def earliest(self) -> date | None:
        return self.value.earliest

    @strawberry.field(description="last day it can mean; null when the end is open")
    def latest(self) -> date | None:
        return self.value.latest

    @strawberry.field(description="'~': the source gives it only roughly ('13 years ago')")
    def approximate(self) -> bool:
        return self.value.approximate

    @strawberry.field(description="'?': the source itself doubts it")
    def uncertain(self) -> bool:
        return self.value.uncertain


def partial(value: PartialDate | None) -> PartialDateType | None:
    return PartialDateType(value=value) if value is not None else None


def _required_partial(value: PartialDate | None, what: str) -> PartialDateType:
    result = partial(value)
    if result is None:
        raise ValueError(f"{what} has no date")
    return result


@strawberry.type(name="Source")
class SourceType:
    url: str | None
    title: str
    publisher: str | None
    published: PartialDateType | None


def sources(raw: tuple[dict[str, Any], ...]) -> list[SourceType]:
    return [
        SourceType(
            url=item.get("url"),
            title=str(item.get("title", "")),
            publisher=item.get("publisher"),
            published=partial(PartialDate.parse(item["published"]))
            if item.get("published")
            else None,
        )
        for item in raw
    ]


@strawberry.type(name="Event")
class EventType(Node):
    event: strawberry.Private[RecordedEvent]
    point: strawberry.Private[Point]

    @strawberry.field(
        description="names the event as known at the query's knownAt (its retractedBy depends "
        "on it); eventId is the same at every point"
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Event", str(self.event.id), self.point.of_events))

    @strawberry.field(description="The event's UUID, as appendEvents and retractEvent take it.")
    def event_id(self) -> str:
        return str(self.event.id)

    @strawberry.field(
        description="global position in the ledger, strictly increasing in record order"
    )
    def position(self) -> int:
        return self.event.position

    @strawberry.field
    def stream_id(self) -> str:
        return self.event.stream_id

    @strawberry.field(description="1-based position of the event within its stream")
    def version(self) -> int:
        return self.event.version

    @strawberry.field
    def type(self) -> str:
        return self.event.type

    @strawberry.field(description="the schema version the data was stored at")
    def schema_version(self) -> int:
        return self.event.schema_version

    @strawberry.field(
        description="when it happened in the world; null for facts with no date (a person's name)"
    )
    def occurred_on(self) -> PartialDateType | None:
        return partial(self.event.occurred_on)

    @strawberry.field(
        description="when the ledger recorded it (system-assigned, never supplied by a client)"
    )
    def recorded_at(self) -> datetime:
        return self.event.recorded_at

    @strawberry.field
    def recorded_by(self) -> str:
        return self.event.recorded_by

    @strawberry.field(description="the data as stored, at schemaVersion (what the hash covers)")
    def data(self) -> JSON:
        return JSON(self.event.data)

    @strawberry.field(description="the data upcast to the event type's current schema version")
    def current_data(self) -> JSON:
        return JSON(self.event.current_data if self.event.data else {})

    @strawberry.field(description="restricted events show their data and sources to admins only")
    def restricted(self) -> bool:
        return self.event.restricted

    @strawberry.field
    def sources(self) -> list[SourceType]:
        return sources(self.event.sources)

    @strawberry.field(
        description=(
            "set when a later event retracted this one (and the query's knownAt is after that)"
        )
    )
    async def retracted_by(self, info: Info) -> EventType | None:
        context = ctx(info)
        retraction = await context.loaders.retractions.load((self.point.at, str(self.event.id)))
        return event_node(retraction, context, self.point) if retraction is not None else None

    @strawberry.field(description="hex digest chaining this event to the one before it")
    def hash(self) -> str:
        return self.event.hash

    @strawberry.field(description="the hash of the event before it in the ledger")
    def previous_hash(self) -> str:
        return self.event.previous_hash

    @strawberry.field(
        description="the recorder's reasoning, visible to every reader: why this date, which"
        " reading of the source"
    )
    def note(self) -> str | None:
        return self.event.note

    @strawberry.field(
        description="events this one contradicts (another source's account of the same fact);"
        " both keep counting. At the query's knownAt: a retracted one is left out"
    )
    async def disputes(self, info: Info) -> list[EventType]:
        context = ctx(info)
        ids = [str(item) for item in self.event.disputes]
        loaded = await context.loaders.events.load_many(ids)
        retractions = await context.loaders.retractions.load_many([(self.point.at, i) for i in ids])
        return [
            event_node(event, context, self.point)
            for event, retraction in zip(loaded, retractions, strict=True)
            if event is not None and retraction is None
        ]

    @strawberry.field(
        description="events recorded later that contradict this one, as known at the query's"
        " knownAt (retracted ones left out)"
    )
    async def disputed_by(self, info: Info) -> list[EventType]:
        context = ctx(info)
        found = await context.loaders.disputing.load((self.point.at, str(self.event.id)))
        return [event_node(event, context, self.point) for event in found]


def event_node(event: RecordedEvent, context: LedgerContext, point: Point) -> EventType:
    """Every served event passes here, so redaction of restricted events cannot be forgotten."""
    return EventType(event=visible_event(event, context.caller), point=point)


@strawberry.type
class EventEdge:
    cursor: str
    node: EventType


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
    total_count: int


#: What a person's or recommendation's siblings keep of their reads, by key.
NAMING_READ = ("recommendations_naming",)


def events_read(start: FoldKey | None, size: int) -> Hashable:
    """The key of the page of ``size`` events after ``start`` each sibling reads."""
    return ("event_pages", start, size)


def events_page(
    info: Info,
    stream_id: str,
    point: Point,
    first: int | None,
    after: str | None,
    siblings: Siblings | None,
) -> EventConnection | Awaitable[EventConnection]:
    """A page of a state's counting events in fold order, read from the cursor on (keyset) with
    totalCount from the projection: a page costs the same at 100 events as at 10,000. Read with
    the object's siblings when it has some (:mod:`ledger.graphql.siblings`), else through the
    loaders."""
    context = ctx(info)
    limit = check_first(first)
    start = decode_fold_cursor(after) if after is not None else None
    if siblings is None:
        return _loaded_events_page(context, stream_id, point, limit, start)
    model, visibility = context.read_model, context.visibility
    pages = siblings.read(
        events_read(start, limit + 1),
        lambda ids: model.event_pages(
            ids, point.at, after=start, limit=limit + 1, visibility=visibility
        ),
    )
    counts = siblings.read(
        ("event_counts",), lambda ids: model.event_counts(ids, point.at, visibility=visibility)
    )
    page = pages.get(stream_id, [])
    return _event_connection(context, point, page, counts.get(stream_id, 0), limit, start)


async def _loaded_events_page(
    context: LedgerContext, stream_id: str, point: Point, limit: int, start: FoldKey | None
) -> EventConnection:
    page, total = await asyncio.gather(
        context.loaders.event_pages.load(((point.at, start, limit + 1), stream_id)),
        context.loaders.event_counts.load((point.at, stream_id)),
    )
    return _event_connection(context, point, page, total, limit, start)


def _event_connection(
    context: LedgerContext,
    point: Point,
    page: list[tuple[FoldKey, RecordedEvent]],
    total: int,
    limit: int,
    start: FoldKey | None,
) -> EventConnection:
    edges = [
        EventEdge(cursor=encode_fold_cursor(key), node=event_node(event, context, point))
        for key, event in page[:limit]
    ]
    return EventConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(page) > limit,
            has_previous_page=start is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


@strawberry.type(name="Charge")
class ChargeType:
    article: str = strawberry.field(description="article of the code, e.g. '174'")
    code: str = strawberry.field(description="'Criminal Code', 'Administrative Code', ...")
    description: str | None
    charged_on: PartialDateType | None
    convicted_on: PartialDateType | None = strawberry.field(
        description="the date of the sentence convicting under this article, if one counts"
    )


@strawberry.type(name="Sentence")
class SentenceType:
    kind: str = strawberry.field(
        description="IMPRISONMENT, RESTRICTION_OF_LIBERTY, SUSPENDED, FINE, ADMINISTRATIVE_ARREST"
    )
    term_months: int | None = strawberry.field(
        description="length in months, when the sentence has one"
    )
    articles: list[str]
    court: str | None
    imposed_on: PartialDateType | None


@strawberry.type(name="UnDecision")
class UnDecisionType:
    body: str
    reference: str = strawberry.field(description="document symbol, e.g. 'A/HRC/WGAD/2018/67'")
    adopted_on: PartialDateType | None
    demands: list[str]


@strawberry.type(
    name="Designation",
    description="A status assigned to a person by an assessor, e.g. 'political prisoner'.",
)
class DesignationType:
    label: str
    assessor: str
    designated_on: PartialDateType | None
    withdrawn: bool = strawberry.field(
        description="true once a later reassessment by the same assessor withdrew it"
    )
    sources: list[SourceType]


@strawberry.type(name="Restriction", description="A ban or supervision imposed on the person.")
class RestrictionType:
    kind: str
    description: str | None
    imposed_on: PartialDateType | None
    active: bool


async def _opened_by(
    info: Info,
    point: Point,
    stream_id: str,
    period: Period[Any, Any],
    apply: Callable[[Any, RecordedEvent], Any],
    status_of: Callable[[Any], Any],
) -> EventType | None:
    context = ctx(info)
    events = await context.loaders.day_events.load((point.at, stream_id, period.day))
    found = opener(period.previous, events, apply, status_of)
    return event_node(found, context, point) if found is not None else None


def _custody_of(state: states.PersonState) -> CustodyStatus:
    return state.custody_status


def _custody_since(state: states.PersonState) -> PartialDate | None:
    return state.custody_since


def _status_of(state: states.RecommendationState) -> ImplementationStatus:
    return state.status


@strawberry.type(name="CustodyPeriod", description="A stretch of time in one custody status.")
class CustodyPeriodType:
    period: strawberry.Private[Period[states.PersonState, CustodyStatus]]
    stream_id: strawberry.Private[str]
    point: strawberry.Private[Point]

    @strawberry.field
    def status(self) -> CustodyStatus:
        return self.period.status

    @strawberry.field(
        name="from", description="null for the first period (before any custody fact)"
    )
    def from_(self) -> PartialDateType | None:
        return partial(self.period.since)

    @strawberry.field(description="null while the period is still open at asOf")
    def to(self) -> PartialDateType | None:
        return partial(self.period.until)

    @strawberry.field(description="the event that started the period")
    async def opened_by(self, info: Info) -> EventType | None:
        return await _opened_by(
            info, self.point, self.stream_id, self.period, apply_person, _custody_of
        )


@strawberry.type(name="StatusPeriod", description="A stretch of time in one implementation status.")
class StatusPeriodType:
    period: strawberry.Private[Period[states.RecommendationState, ImplementationStatus]]
    stream_id: strawberry.Private[str]
    point: strawberry.Private[Point]

    @strawberry.field
    def status(self) -> ImplementationStatus:
        return self.period.status

    @strawberry.field(name="from", description="null for the first period (before any assessment)")
    def from_(self) -> PartialDateType | None:
        return partial(self.period.since)

    @strawberry.field(description="null while the period is still open at asOf")
    def to(self) -> PartialDateType | None:
        return partial(self.period.until)

    @strawberry.field(description="the assessment event that started the period")
    async def opened_by(self, info: Info) -> EventType | None:
        return await _opened_by(
            info, self.point, self.stream_id, self.period, apply_recommendation, _status_of
        )


@strawberry.type(name="Person")
class PersonType(Node):
    state: strawberry.Private[states.PersonState]
    point: strawberry.Private[Point]
    #: the persons answered with this one, when the resolver that made it knew them all
    siblings: strawberry.Private[Siblings | None] = None

    @strawberry.field(
        description="names this person AT the query's point (asOf, knownAt): two points, two "
        "ids; node(id) answers at that point"
    )
    def id(self) -> strawberry.ID:
        """Encoded when asked for (see ``ledger.graphql.ids``), not for every person served."""
        return strawberry.ID(encode_global_id("Person", self.state.stream_id, self.point.scope))

    @strawberry.field(
        description="the person's stream, the same at every point, e.g. 'person-maks-bokayev'"
    )
    def stream_id(self) -> str:
        return self.state.stream_id

    @strawberry.field
    def name(self) -> str:
        return self.state.name

    @strawberry.field(description="other spellings and transliterations; search matches them")
    def aliases(self) -> list[str]:
        return list(self.state.aliases)

    @strawberry.field
    def roles(self) -> list[str]:
        return list(self.state.roles)

    @strawberry.field
    def custody_status(self) -> CustodyStatus:
        return self.state.custody_status

    @strawberry.field(
        description="the partial date of the event that put the person in the current status"
    )
    def custody_since(self) -> PartialDateType | None:
        return partial(self.state.custody_since)

    @strawberry.field(
        description="CERTAIN, or UNCERTAIN when events dated across asOf would change custodyStatus"
    )
    def custody_certainty(self) -> Certainty:
        if self.state.possible_custody_status is None:
            return Certainty.CERTAIN
        return Certainty.UNCERTAIN

    @strawberry.field(
        description="custodyStatus if none of the straddling events had happened yet, then if"
        " all had (one entry when CERTAIN)"
    )
    def possible_custody_statuses(self) -> list[CustodyStatus]:
        possible = self.state.possible_custody_status
        return [self.state.custody_status, *([possible] if possible is not None else [])]

    @strawberry.field
    def charges(self) -> list[ChargeType]:
        return [
            ChargeType(
                article=c.article,
                code=c.code,
                description=c.description,
                charged_on=partial(c.charged_on),
                convicted_on=partial(c.convicted_on),
            )
            for c in self.state.charges
        ]

    @strawberry.field
    def sentences(self) -> list[SentenceType]:
        return [
            SentenceType(
                kind=s.kind,
                term_months=s.term_months,
                articles=list(s.articles),
                court=s.court,
                imposed_on=partial(s.imposed_on),
            )
            for s in self.state.sentences
        ]

    @strawberry.field
    def un_decisions(self) -> list[UnDecisionType]:
        return [
            UnDecisionType(
                body=d.body,
                reference=d.reference,
                adopted_on=partial(d.adopted_on),
                demands=list(d.demands),
            )
            for d in self.state.un_decisions
        ]

    @strawberry.field
    def designations(self) -> list[DesignationType]:
        return [
            DesignationType(
                label=d.label,
                assessor=d.assessor,
                designated_on=partial(d.designated_on),
                withdrawn=d.withdrawn,
                sources=sources(d.sources),
            )
            for d in self.state.designations
        ]

    @strawberry.field(description="bans and supervision; active ones make a free person RESTRICTED")
    def restrictions(self) -> list[RestrictionType]:
        return [
            RestrictionType(
                kind=r.kind,
                description=r.description,
                imposed_on=partial(r.imposed_on),
                active=r.active,
            )
            for r in self.state.restrictions
        ]

    @strawberry.field(
        description="custody periods up to asOf, as known at knownAt, oldest first; the last one "
        "is open (to: null)"
    )
    async def custody_timeline(self, info: Info) -> list[CustodyPeriodType]:
        stream_id = self.state.stream_id
        versions = await ctx(info).loaders.person_versions.load((self.point.at, stream_id))
        found = periods(versions, empty_person(stream_id), _custody_of, _custody_since)
        return [CustodyPeriodType(period=p, stream_id=stream_id, point=self.point) for p in found]

    @strawberry.field(
        description="the recommendations that name this person, by code",
        graphql_type=list["RecommendationType"],
    )
    def recommendations(
        self, info: Info
    ) -> list[RecommendationType] | Awaitable[list[RecommendationType]]:
        """Read with the person's siblings when it has some, else through the loader."""
        context = ctx(info)
        if self.siblings is None:
            return self._loaded_recommendations(context)
        model, at, visibility = context.read_model, self.point.at, context.visibility
        naming = self.siblings.read(
            NAMING_READ,
            lambda ids: model.recommendations_naming(ids, at, visibility=visibility),
        )
        return [recommendation_node(r, self.point) for r in naming.get(self.state.stream_id, [])]

    async def _loaded_recommendations(self, context: LedgerContext) -> list[RecommendationType]:
        found = await context.loaders.recommendations_naming.load(
            (self.point.at, self.state.stream_id)
        )
        return [recommendation_node(r, self.point) for r in found]

    @strawberry.field(
        description="this person's events that count at the query's asOf/knownAt, in fold order",
        graphql_type=EventConnection,
    )
    def events(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> EventConnection | Awaitable[EventConnection]:
        return events_page(info, self.state.stream_id, self.point, first, after, self.siblings)


def person_node(
    state: states.PersonState, point: Point, siblings: Siblings | None = None
) -> PersonType:
    """A person's id names the point it was answered at (see ``ledger.graphql.ids``)."""
    return PersonType(state=state, point=point, siblings=siblings)


def persons_of(found: list[states.PersonState], point: Point) -> list[PersonType]:
    """Persons answered together (a page, a lone person): each knows the others."""
    siblings = Siblings(state.stream_id for state in found)
    return [person_node(state, point, siblings) for state in found]


@strawberry.type(name="Assessment")
class AssessmentType:
    state: strawberry.Private[states.Assessment]
    point: strawberry.Private[Point]

    @strawberry.field
    def status(self) -> ImplementationStatus:
        return self.state.status

    @strawberry.field(
        description="the assessor's own words, e.g. 'not fulfilled to the full extent'"
    )
    def wording(self) -> str:
        return self.state.wording

    @strawberry.field
    def assessed_on(self) -> PartialDateType:
        return _required_partial(self.state.assessed_on, "assessment")

    @strawberry.field
    def assessor(self) -> str:
        return self.state.assessor

    @strawberry.field
    def rationale(self) -> str | None:
        return self.state.rationale

    @strawberry.field
    def sources(self) -> list[SourceType]:
        return sources(self.state.sources)

    @strawberry.field(description="the ImplementationAssessed event this assessment comes from")
    async def event(self, info: Info) -> EventType:
        context = ctx(info)
        event = await context.loaders.events.load(self.state.event_id)
        if event is None:
            raise GraphQLError(f"event {self.state.event_id} is missing from the store")
        return event_node(event, context, self.point)


@strawberry.type(name="Recommendation")
class RecommendationType(Node):
    state: strawberry.Private[states.RecommendationState]
    point: strawberry.Private[Point]
    #: the recommendations answered with this one, when the resolver that made it knew them all
    siblings: strawberry.Private[Siblings | None] = None

    @strawberry.field(
        description="names this recommendation AT the query's point: two points, two ids"
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(
            encode_global_id("Recommendation", self.state.stream_id, self.point.scope)
        )

    @strawberry.field(
        description="the recommendation's stream, the same at every point, e.g. "
        "'recommendation-ep-2019-kz-05'"
    )
    def stream_id(self) -> str:
        return self.state.stream_id

    @strawberry.field(description="short stable code, e.g. 'EP-2019-KZ-05'")
    def code(self) -> str:
        return self.state.code

    @strawberry.field
    def text(self) -> str:
        return self.state.text

    @strawberry.field(description="the instrument that issued it")
    def instrument(self) -> str:
        return self.state.instrument

    @strawberry.field
    def issued_on(self) -> PartialDateType:
        return _required_partial(self.state.issued_on, f"recommendation {self.state.code}")

    @strawberry.field(description="who it is addressed to, e.g. 'Kazakhstan'")
    def addressee(self) -> str:
        return self.state.addressee

    @strawberry.field(description="the report section / theme, e.g. 'Political prisoners'")
    def theme(self) -> str:
        return self.state.theme

    @strawberry.field
    def status(self) -> ImplementationStatus:
        return self.state.status

    @strawberry.field(description="the latest assessment's own words; null while NOT_ASSESSED")
    def status_wording(self) -> str | None:
        return self.state.status_wording

    @strawberry.field(
        description="CERTAIN, or UNCERTAIN when assessments dated across asOf would change status"
    )
    def status_certainty(self) -> Certainty:
        return Certainty.CERTAIN if self.state.possible_status is None else Certainty.UNCERTAIN

    @strawberry.field(
        description="status if none of the straddling assessments had happened yet, then if all"
        " had (one entry when CERTAIN)"
    )
    def possible_statuses(self) -> list[ImplementationStatus]:
        possible = self.state.possible_status
        return [self.state.status, *([possible] if possible is not None else [])]

    @strawberry.field(
        description="every assessment that counts at the query's asOf/knownAt, oldest first"
    )
    def assessments(self) -> list[AssessmentType]:
        return [AssessmentType(state=a, point=self.point) for a in self.state.assessments]

    @strawberry.field(
        description="status periods up to asOf, as known at knownAt, oldest first; the last one "
        "is open"
    )
    async def status_timeline(self, info: Info) -> list[StatusPeriodType]:
        stream_id = self.state.stream_id
        versions = await ctx(info).loaders.recommendation_versions.load((self.point.at, stream_id))
        found = periods(versions, empty_recommendation(stream_id), _status_of, status_since)
        return [StatusPeriodType(period=p, stream_id=stream_id, point=self.point) for p in found]

    @strawberry.field(description="the persons it names that are known at the query's point")
    async def persons(self, info: Info) -> list[PersonType]:
        loaded = await ctx(info).loaders.persons.load_many(
            [(self.point.at, pid) for pid in self.state.person_ids]
        )
        return [person_node(p, self.point) for p in loaded if p is not None]

    @strawberry.field(
        description="the persons its assessments name (e.g. in the rationale), beside those the"
        " recommendation names; known at the query's point"
    )
    async def mentioned_persons(self, info: Info) -> list[PersonType]:
        loaded = await ctx(info).loaders.persons.load_many(
            [(self.point.at, pid) for pid in self.state.mentioned_person_ids]
        )
        return [person_node(p, self.point) for p in loaded if p is not None]

    @strawberry.field(
        description="this recommendation's events that count at the query's point, in fold order",
        graphql_type=EventConnection,
    )
    def events(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> EventConnection | Awaitable[EventConnection]:
        return events_page(info, self.state.stream_id, self.point, first, after, self.siblings)


def recommendation_node(
    state: states.RecommendationState, point: Point, siblings: Siblings | None = None
) -> RecommendationType:
    """Like a person's, a recommendation's id names the point it was answered at."""
    return RecommendationType(state=state, point=point, siblings=siblings)


def recommendations_of(
    found: list[states.RecommendationState], point: Point
) -> list[RecommendationType]:
    """Recommendations answered together (a page, a lone one): each knows the others."""
    siblings = Siblings(state.stream_id for state in found)
    return [recommendation_node(state, point, siblings) for state in found]


@strawberry.type
class PersonEdge:
    cursor: str
    node: PersonType


@strawberry.type
class PersonConnection:
    edges: list[PersonEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class RecommendationEdge:
    cursor: str
    node: RecommendationType


@strawberry.type
class RecommendationConnection:
    edges: list[RecommendationEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class StatusCount:
    status: ImplementationStatus
    count: int


@strawberry.type(description="How many persons are in a custody status at the queried point.")
class CustodyCount:
    status: CustodyStatus
    count: int


@strawberry.type(
    description="Which events of a stream started or stopped counting between two points."
)
class StreamDiff:
    stream_id: str
    started: list[EventType] = strawberry.field(
        description="events that count at `to` but not at `from`, in fold order"
    )
    stopped: list[EventType] = strawberry.field(
        description="events that counted at `from` but not at `to` (retracted, or not yet known)"
    )


@strawberry.type(description="The newest event of the ledger: what an auditor checks against.")
class LedgerHead:
    position: int
    hash: str
    recorded_at: datetime | None


@strawberry.type(
    description="The days the ledger's dated events span: the range worth looking at over asOf."
)
class LedgerSpan:
    earliest: date | None = strawberry.field(
        description="the first day any dated event can mean; null when none is dated"
    )
    latest: date | None = strawberry.field(
        description="the last day any dated event can mean; null when none is dated"
    )
