# strawberry.field(description=...) is typed as returning Any: its decorated resolvers are
# still checked, only the decorator's own result is untyped.
# mypy: disable-error-code="untyped-decorator"
"""The Mutation root: appendEvents and retractEvent, answering refusals as UserErrors.

A refusal is data, not an exception: the payload's errors say what to fix (code + path into the
input), and nothing is stored. Anonymous, reader and revoked callers get FORBIDDEN here (the
contract's code list), whatever finer reason the security layer gives.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLError
from pydantic import ValidationError as PydanticValidationError
from strawberry.scalars import JSON
from strawberry.types import Info

from ledger.domain.errors import Forbidden, LedgerError, Unauthenticated, ValidationError
from ledger.domain.new_event import NewEvent, parse_new_event
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.graphql.context import LedgerContext, ctx
from ledger.graphql.ids import decode_global_id
from ledger.graphql.points import Point
from ledger.graphql.types import EventType, event_node


@strawberry.input
class SourceInput:
    url: str | None = None
    title: str
    publisher: str | None = None
    published: str | None = strawberry.field(
        default=None, description="'2019-12-27', '2019-12' or '2019'"
    )

    def to_json(self) -> dict[str, Any]:
        raw = {"url": self.url, "title": self.title, "publisher": self.publisher}
        raw["published"] = self.published
        return {key: value for key, value in raw.items() if value is not None}


@strawberry.input(name="NewEvent")
class NewEventInput:
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="client-chosen UUID; appending the same id again is a no-op that returns "
        "the stored event",
    )
    type: str
    occurred_on: str | None = strawberry.field(
        default=None,
        description="a partial date as in PartialDate.text: '2019-12-27', '2019-12', '2019',"
        " '2019/2020', '../2020-02-17', '2007~'; omitted for undated facts",
    )
    data: JSON
    sources: list[SourceInput]
    restricted: bool = strawberry.field(
        default=False, description="data and sources shown to admins only"
    )
    note: str | None = strawberry.field(
        default=None,
        description="the recorder's reasoning, visible to every reader: why this date, which"
        " reading of the source",
    )
    disputes: list[strawberry.ID] | None = strawberry.field(
        default=None, description="ids of stored events that this one contradicts"
    )

    def to_json(self) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "type": self.type,
            "data": self.data,
            "sources": [s.to_json() for s in self.sources],
            "restricted": self.restricted,
        }
        if self.id is not None:
            raw["id"] = str(self.id)
        if self.occurred_on is not None:
            raw["occurredOn"] = self.occurred_on
        if self.note is not None:
            raw["note"] = self.note
        if self.disputes is not None:
            raw["disputes"] = [str(item) for item in self.disputes]
        return raw


@strawberry.input
class AppendEventsInput:
    stream_id: str
    expected_version: int | None = strawberry.field(
        default=None,
        description="the stream's current version as the client last saw it (0 for a new "
        "stream); omitted: no check",
    )
    events: list[NewEventInput]


@strawberry.input
class RetractEventInput:
    event_id: strawberry.ID = strawberry.field(description="the Event's global id or its UUID")
    reason: str
    sources: list[SourceInput]


@strawberry.type
class UserError:
    code: str = strawberry.field(
        description="VALIDATION, UNKNOWN_EVENT_TYPE, VERSION_CONFLICT, ID_CONFLICT, NOT_FOUND, "
        "FORBIDDEN"
    )
    message: str
    field: list[str] | None = strawberry.field(
        description="path to the offending input field, e.g. ['events', '0', 'data', 'termMonths']"
    )


@strawberry.type
class AppendEventsPayload:
    events: list[EventType]
    stream_version: int | None = strawberry.field(
        description="the stream's version after the call; on VERSION_CONFLICT, its current one"
    )
    errors: list[UserError]


@strawberry.type
class RetractEventPayload:
    retraction: EventType | None
    errors: list[UserError]


def user_error(exc: LedgerError) -> UserError:
    code = Forbidden.code if isinstance(exc, Unauthenticated) else exc.code
    return UserError(code=code, message=exc.message, field=exc.field)


def _recorder(context: LedgerContext) -> str:
    try:
        return context.caller.recorder()
    except (Unauthenticated, Forbidden) as exc:
        raise Forbidden(exc.message) from None


def _parse_event(raw: NewEventInput, index: int) -> NewEvent:
    try:
        return parse_new_event(raw.to_json())
    except LedgerError as exc:
        raise exc.at("events", index) from None


def _parse_sources(raw: list[SourceInput]) -> list[Source]:
    parsed: list[Source] = []
    for index, item in enumerate(raw):
        try:
            parsed.append(Source.model_validate(item.to_json()))
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            context = first.get("ctx") or {}
            message = str(context.get("error", first["msg"]))
            raise ValidationError(message, ["sources", index, *first["loc"]]) from None
    return parsed


def _event_uuid(value: str) -> UUID:
    try:
        decoded = decode_global_id(value, "eventId")
    except GraphQLError as exc:
        raise ValidationError(exc.message, ["eventId"]) from None
    if decoded is not None and decoded.type_name != "Event":
        raise ValidationError(f"a {decoded.type_name} id is not an event id", ["eventId"])
    try:
        return UUID(decoded.key if decoded is not None else value)
    except ValueError:
        raise ValidationError(f"'{value}' is not an event id", ["eventId"]) from None


def _after_write() -> Point:
    """Results of a write are shown as known just after it, so the write itself counts; their
    ids name no point (the events as currently known)."""
    return Point(at=TimePoint().resolved(), scope=TimePoint())


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="all or nothing: either every event is stored, or none and errors says why"
    )
    def append_events(self, info: Info, input: AppendEventsInput) -> AppendEventsPayload:
        context = ctx(info)
        try:
            recorder = _recorder(context)
            events = [_parse_event(e, i) for i, e in enumerate(input.events)]
            result = context.ledger.store.append(
                input.stream_id,
                events,
                expected_version=input.expected_version,
                recorded_by=recorder,
                sees_restricted=context.caller.can_see_restricted,
            )
        except LedgerError as exc:
            version = (
                context.ledger.store.stream_version(input.stream_id)
                if exc.code == "VERSION_CONFLICT"
                else None
            )
            return AppendEventsPayload(events=[], stream_version=version, errors=[user_error(exc)])
        at = _after_write()
        return AppendEventsPayload(
            events=[event_node(e, context, at) for e in result.events],
            stream_version=result.stream_version,
            errors=[],
        )

    @strawberry.mutation(
        description="Appends a retraction to the event's stream: from its recordedAt on, the "
        "event no longer counts; earlier knownAt still see it."
    )
    def retract_event(self, info: Info, input: RetractEventInput) -> RetractEventPayload:
        context = ctx(info)
        try:
            recorder = _recorder(context)
            retraction = context.ledger.store.retract(
                _event_uuid(input.event_id),
                input.reason,
                _parse_sources(input.sources),
                recorded_by=recorder,
            )
        except LedgerError as exc:
            return RetractEventPayload(retraction=None, errors=[user_error(exc)])
        return RetractEventPayload(
            retraction=event_node(retraction, context, _after_write()), errors=[]
        )
