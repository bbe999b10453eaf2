# strawberry.field(description=...) is typed as returning Any: its decorated resolvers are
# still checked, only the decorator's own result is untyped.
# mypy: disable-error-code="untyped-decorator"
"""The Query root. Each root field resolves its asOf/knownAt once and hands the point down."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from ledger.domain.statuses import CustodyStatus, ImplementationStatus
from ledger.graphql.connections import OffsetWindow, PageInfo, check_first
from ledger.graphql.context import LedgerContext, ctx
from ledger.graphql.ids import (
    GlobalId,
    check_not_future,
    decode_cursor,
    decode_global_id,
    encode_cursor,
    typed_id,
)
from ledger.graphql.lookahead import person_fields, persons_naming, root_arguments
from ledger.graphql.points import Point
from ledger.graphql.types import (
    NAMING_READ,
    CustodyCount,
    EventConnection,
    EventEdge,
    EventType,
    LedgerHead,
    LedgerSpan,
    Node,
    PersonConnection,
    PersonEdge,
    PersonType,
    RecommendationConnection,
    RecommendationEdge,
    RecommendationType,
    StatusCount,
    StreamDiff,
    event_node,
    events_read,
    person_node,
    persons_of,
    recommendation_node,
    recommendations_of,
)
from ledger.store.event_store import EventFilter

AS_OF = "the state of the world at the end of this day; omitted: today"
KNOWN_AT = "the state as the ledger knew it at this instant (with offset); omitted: now"
ID_FORMS = "a global id from `id`, or the raw stream id ('{example}')"

AsOf = Annotated[date | None, strawberry.argument(description=AS_OF)]
KnownAt = Annotated[datetime | None, strawberry.argument(description=KNOWN_AT)]
First = Annotated[int | None, strawberry.argument(description="page size, 0..100 (default 20)")]
After = Annotated[str | None, strawberry.argument(description="the endCursor of the last page")]
Addressee = Annotated[
    str | None,
    strawberry.argument(
        description="to whom the recommendations are addressed, ignoring case and accents"
        " ('kazakhstan'); one that no recommendation has is an error naming those there are"
    ),
]


@strawberry.input(description="A point on both time axes; omitted axes mean today / now.")
class TimePointInput:
    as_of: AsOf = None
    known_at: KnownAt = None


MAX_NODES = 100


def _point(
    info: Info, as_of: date | None, known_at: datetime | None
) -> tuple[LedgerContext, Point]:
    context = ctx(info)
    return context, context.point(as_of, known_at)


def _id_point(
    info: Info, found: GlobalId, as_of: date | None, known_at: datetime | None, argument: str
) -> tuple[LedgerContext, Point]:
    """The point an id names, with the arguments given overriding it axis by axis."""
    context = ctx(info)
    named = check_not_future(found.point, context.now, argument)
    return _point(
        info,
        as_of if as_of is not None else named.as_of,
        known_at if known_at is not None else named.known_at,
    )


#: Longer search text is refused: no name or code is this long, and a LIKE pattern of many
#: thousand characters is refused by SQLite ("pattern too complex") and slow on PostgreSQL.
MAX_SEARCH_LENGTH = 200


def _bounded(value: str | None, argument: str) -> str | None:
    if value is not None and len(value) > MAX_SEARCH_LENGTH:
        raise GraphQLError(
            f"argument '{argument}' is longer than {MAX_SEARCH_LENGTH} characters",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    return value


def _event_uuid(value: str, argument: str) -> UUID:
    decoded = decode_global_id(value, argument)
    if decoded is not None and decoded.type_name != "Event":
        raise GraphQLError(
            f"argument '{argument}' is a {decoded.type_name} id, not an Event id",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    raw = decoded.key if decoded is not None else value
    try:
        return UUID(raw)
    except ValueError:
        raise GraphQLError(
            f"argument '{argument}' is neither an Event global id nor a UUID: '{value}'",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        ) from None


def _any_stream(value: str) -> str:
    decoded = decode_global_id(value, "streamId")
    if decoded is None or decoded.type_name == "Event":
        return value
    return decoded.key


async def _node(info: Info, id: str, argument: str) -> Node | None:
    """What ``node``/``nodes`` answer for one id: the object at the point the id names."""
    decoded = decode_global_id(id, argument)
    if decoded is None:
        raise GraphQLError(
            f"argument '{argument}' is not a global id: '{id}'",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    context, point = _id_point(info, decoded, None, None, argument)
    if decoded.type_name == "Person":
        person = await context.loaders.persons.load((point.at, decoded.key))
        return person_node(person, point) if person is not None else None
    if decoded.type_name == "Recommendation":
        found = await context.loaders.recommendations.load((point.at, decoded.key))
        return recommendation_node(found, point) if found is not None else None
    event = await context.loaders.events.load(str(_event_uuid(id, argument)))
    return event_node(event, context, point) if event is not None else None


@strawberry.type
class Query:
    @strawberry.field(
        description="exactly one argument (Relay): the id carries the point it was answered at"
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _node(info, id, "id")

    @strawberry.field(
        description="Several objects by their global ids, each at the point its id carries "
        f"(at most {MAX_NODES}); null where an id names nothing, an error where it is malformed."
    )
    def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise GraphQLError(
                f"argument 'ids' holds {len(ids)} ids; at most {MAX_NODES} per request",
                extensions={"code": "BAD_USER_INPUT", "argument": "ids"},
            )
        # awaitables, not values: graphql-core awaits each in its own slot, so one bad id is an
        # error at ["nodes", i] while the loaders still batch the rest into one query per point
        return [_node(info, id, f"ids[{index}]") for index, id in enumerate(ids)]  # type: ignore[misc]

    @strawberry.field(
        description="A person at the given point; id: " + ID_FORMS.format(example="person-…")
    )
    def person(
        self, info: Info, id: strawberry.ID, as_of: AsOf = None, known_at: KnownAt = None
    ) -> PersonType | None:
        named = typed_id(id, "Person")
        context, point = _id_point(info, named, as_of, known_at, "id")
        asked = person_fields(info)
        read = context.read_model.person_read(
            named.key,
            point.at,
            visibility=context.visibility,
            naming=asked.naming,
            events=asked.events,
        )
        if read.state is None:
            return None
        person = persons_of([read.state], point)[0]
        siblings, stream_id = person.siblings, read.state.stream_id
        if siblings is not None:
            if asked.naming:
                siblings.keep(NAMING_READ, {stream_id: read.naming})
            if asked.events is not None:
                siblings.keep(events_read(*asked.events), {stream_id: read.events})
        return person

    @strawberry.field(description="Persons ordered by name (then stream id).")
    def persons(
        self,
        info: Info,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="matches name and aliases, case- and diacritic-insensitive"
            ),
        ] = None,
        custody_status: list[CustodyStatus] | None = None,
        first: First = None,
        after: After = None,
        article: Annotated[
            str | None,
            strawberry.argument(
                description="persons charged, or convicted, under this article at the point,"
                " e.g. '174' (a sentence's articles count as charges)"
            ),
        ] = None,
    ) -> PersonConnection:
        context, point = _point(info, as_of, known_at)
        window = OffsetWindow.of("person", first, after)
        naming = persons_naming(info)
        read = context.read_model.persons(
            point.at,
            search=_bounded(search, "search"),
            custody_statuses=custody_status,
            article=article,
            offset=window.offset,
            limit=window.limit,
            visibility=context.visibility,
            events=False,
            naming=naming,
        )
        page, nodes = read.page, persons_of(read.page.items, point)
        if naming and nodes and nodes[0].siblings is not None:
            nodes[0].siblings.keep(NAMING_READ, read.naming)
        return PersonConnection(
            edges=[PersonEdge(cursor=window.cursor(i), node=node) for i, node in enumerate(nodes)],
            page_info=window.page_info(len(page.items), page.total_count),
            total_count=page.total_count,
        )

    @strawberry.field(
        description="A recommendation at the given point; id: "
        + ID_FORMS.format(example="recommendation-ep-2019-kz-05")
    )
    def recommendation(
        self, info: Info, id: strawberry.ID, as_of: AsOf = None, known_at: KnownAt = None
    ) -> RecommendationType | None:
        named = typed_id(id, "Recommendation")
        context, point = _id_point(info, named, as_of, known_at, "id")
        found = context.read_model.recommendation(
            named.key, point.at, visibility=context.visibility, events=False
        )
        return recommendations_of([found], point)[0] if found is not None else None

    @strawberry.field(description="Recommendations ordered by code.")
    def recommendations(
        self,
        info: Info,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        search: Annotated[
            str | None,
            strawberry.argument(description="matches code, text, theme and addressee"),
        ] = None,
        status: list[ImplementationStatus] | None = None,
        addressee: Addressee = None,
        first: First = None,
        after: After = None,
    ) -> RecommendationConnection:
        context, point = _point(info, as_of, known_at)
        window = OffsetWindow.of("recommendation", first, after)
        page = context.read_model.recommendations(
            point.at,
            search=_bounded(search, "search"),
            statuses=status,
            addressee=_bounded(addressee, "addressee"),
            offset=window.offset,
            limit=window.limit,
            visibility=context.visibility,
            events=False,
        )
        return RecommendationConnection(
            edges=[
                RecommendationEdge(cursor=window.cursor(i), node=node)
                for i, node in enumerate(recommendations_of(page.items, point))
            ],
            page_info=window.page_info(len(page.items), page.total_count),
            total_count=page.total_count,
        )

    @strawberry.field(
        description="counts of recommendations by status; every status appears, with 0 where none"
    )
    def implementation_summary(
        self,
        info: Info,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        addressee: Addressee = None,
    ) -> list[StatusCount]:
        context, point = _point(info, as_of, known_at)
        counts = context.read_model.implementation_summary(
            point.at,
            addressee=_bounded(addressee, "addressee"),
            visibility=context.visibility,
            custody=any(
                context.point(given["asOf"], given["knownAt"]).at == point.at
                for given in root_arguments(info, "custodySummary")
            ),
        )
        return [StatusCount(status=s, count=counts.get(s, 0)) for s in ImplementationStatus]

    @strawberry.field(
        description="counts of persons by custody status; every status appears, with 0 where none"
    )
    def custody_summary(
        self, info: Info, as_of: AsOf = None, known_at: KnownAt = None
    ) -> list[CustodyCount]:
        context, point = _point(info, as_of, known_at)
        counts = context.read_model.custody_summary(point.at, visibility=context.visibility)
        return [CustodyCount(status=s, count=counts.get(s, 0)) for s in CustodyStatus]

    @strawberry.field(description="The ledger's events by position, every event exactly once.")
    def events(
        self,
        info: Info,
        stream_id: str | None = None,
        types: list[str] | None = None,
        occurred_from: Annotated[
            date | None, strawberry.argument(description="occurredOn overlaps from this day")
        ] = None,
        occurred_to: Annotated[
            date | None, strawberry.argument(description="occurredOn overlaps up to this day")
        ] = None,
        recorded_after: datetime | None = None,
        known_at: Annotated[
            datetime | None,
            strawberry.argument(
                description="only events recorded by this instant; also the point at which "
                "retractedBy is answered"
            ),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> EventConnection:
        context, point = _point(info, None, known_at)
        limit = check_first(first)
        position = decode_cursor(after, "position") if after is not None else 0
        where = EventFilter(
            stream_id=stream_id,
            types=types,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            recorded_after=recorded_after,
            recorded_until=known_at,
        )
        fetched = context.ledger.store.query(where, after=position, limit=limit + 1)
        page = fetched[:limit]
        edges = [
            EventEdge(
                cursor=encode_cursor("position", e.position), node=event_node(e, context, point)
            )
            for e in page
        ]
        return EventConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(fetched) > limit,
                has_previous_page=position > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=context.ledger.store.count(where),
        )

    @strawberry.field(description="One event by its global id or its UUID.")
    async def event(
        self, info: Info, id: strawberry.ID, known_at: KnownAt = None
    ) -> EventType | None:
        context, point = _point(info, None, known_at)
        event = await context.loaders.events.load(str(_event_uuid(id, "id")))
        return event_node(event, context, point) if event is not None else None

    @strawberry.field(
        description="Which events of a stream started or stopped counting between two points: "
        "compare two dates (asOf) or two states of knowledge (knownAt)."
    )
    def stream_diff(
        self,
        info: Info,
        stream_id: Annotated[
            str,
            strawberry.argument(
                description="a stream id, e.g. 'person-maks-bokayev', or a Person or "
                "Recommendation global id"
            ),
        ],
        from_: Annotated[TimePointInput, strawberry.argument(name="from")],
        to: TimePointInput,
    ) -> StreamDiff:
        context, before = _point(info, from_.as_of, from_.known_at)
        after = context.point(to.as_of, to.known_at)
        diff = context.read_model.diff(_any_stream(stream_id), before.at, after.at)
        return StreamDiff(
            stream_id=stream_id,
            started=[event_node(e, context, after) for e in diff.started],
            stopped=[event_node(e, context, after) for e in diff.stopped],
        )

    @strawberry.field(description="The ledger's newest position and hash.")
    def head(self, info: Info) -> LedgerHead:
        head = ctx(info).ledger.store.head()
        return LedgerHead(position=head.position, hash=head.hash, recorded_at=head.recorded_at)

    @strawberry.field(
        description="The first and last day the events recorded by knownAt can mean "
        "(retracted ones included): the range of asOf worth exploring."
    )
    def span(self, info: Info, known_at: KnownAt = None) -> LedgerSpan:
        earliest, latest = ctx(info).ledger.store.occurred_span(known_at)
        return LedgerSpan(earliest=earliest, latest=latest)
