"""Streams and single events: append with optimistic concurrency, read, retract."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Response

from ledger.container import Ledger
from ledger.domain.catalogue import STREAM_ID_MAX_LENGTH, STREAM_ID_PATTERN, stream_kind
from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.new_event import NewEvent, new_event, parse_sources
from ledger.domain.source import Source
from ledger.http.dependencies import get_ledger
from ledger.rest.access import reader, shown, writer
from ledger.rest.models import (
    AppendRequest,
    Event,
    NewEventIn,
    RetractionRequest,
    SourceIn,
    StreamEvents,
)
from ledger.rest.problems import ProblemRoute, problem_responses
from ledger.security.roles import Caller
from ledger.service.commands import AppendEvents, RetractEvent

router = APIRouter(tags=["events"], route_class=ProblemRoute)

StreamId = Annotated[
    str,
    Path(
        alias="streamId",
        min_length=1,
        max_length=STREAM_ID_MAX_LENGTH,
        description="kind prefix and name: person-…, recommendation-… or indicator-…, then"
        " letters (any script), digits, '-', '_' or '.'",
        examples=["person-maks-bokayev"],
        # Documented, and checked by the domain (which names the field): see stream_kind.
        json_schema_extra={"pattern": STREAM_ID_PATTERN},
    ),
]

EventId = Annotated[
    UUID,
    Path(
        alias="eventId",
        description="the event's id",
        examples=["3f0c2a4e-8d6b-4c1e-9a57-2b1f0e6d9c11"],
    ),
]


def _sources(sources: list[SourceIn]) -> tuple[Source, ...]:
    return parse_sources([source.model_dump(exclude_none=True) for source in sources])


def _new_event(body: NewEventIn, index: int) -> NewEvent:
    try:
        return new_event(
            type=body.type,
            data=body.data,
            sources=_sources(body.sources),
            occurred_on=body.occurredOn,
            id=body.id,
            restricted=body.restricted,
            note=body.note,
            disputes=body.disputes,
        )
    except ValidationError as exc:
        raise exc.at("events", index) from None


def expected_version(body: int | None, if_match: str | None) -> int | None:
    """``expectedVersion`` from the body or an ``If-Match: "3"`` header; both must agree."""
    if if_match is None:
        return body
    text = if_match.strip().removeprefix("W/").strip('"')
    # ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() refuses
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise ValidationError('If-Match must be a stream version such as "3"', ["If-Match"])
    header = int(text)
    if body is not None and body != header:
        raise ValidationError(
            f"expectedVersion {body} and If-Match {header} disagree", ["expectedVersion"]
        )
    return header


@router.post(
    "/streams/{streamId}/events",
    operation_id="appendEvents",
    status_code=201,
    response_model=StreamEvents,
    responses=problem_responses(401, 403, 409, 422, 413, 429),
    summary="Append events to a stream, all or nothing",
)
def append_events(
    stream_id: StreamId,
    body: AppendRequest,
    response: Response,
    recorded_by: str = Depends(writer),
    caller: Caller = Depends(reader),
    ledger: Ledger = Depends(get_ledger),
    if_match: Annotated[
        str | None,
        Header(description='the expected stream version, as "3" (instead of expectedVersion)'),
    ] = None,
) -> StreamEvents:
    """Appends the events in order; a stale ``expectedVersion`` answers 409 and stores nothing.

    Resending events with the same ``id`` and content stores nothing new (idempotent retry).
    """
    command = AppendEvents.to_stream(
        stream_id,
        [_new_event(item, index) for index, item in enumerate(body.events)],
        recorded_by=recorded_by,
        expected_version=expected_version(body.expectedVersion, if_match),
        sees=caller.visibility,
    )
    [result] = ledger.service.append_events(command)
    response.headers["ETag"] = f'"{result.stream_version}"'
    return StreamEvents(
        streamId=stream_id,
        version=result.stream_version,
        events=[shown(event, caller) for event in result.events],
    )


@router.get(
    "/streams/{streamId}/events",
    operation_id="readStream",
    response_model=StreamEvents,
    responses=problem_responses(401, 422),
    summary="A stream's events in version order",
)
def read_stream(
    stream_id: StreamId,
    response: Response,
    caller: Caller = Depends(reader),
    ledger: Ledger = Depends(get_ledger),
) -> StreamEvents:
    """A stream with no events answers version 0, so a client can append with expectedVersion 0.

    The ``ETag`` header is the version, ready to send back as ``If-Match``.
    """
    stream_kind(stream_id)  # a malformed id can hold no events: say so rather than answer none
    events = ledger.store.read_stream(stream_id)
    version = events[-1].version if events else 0
    response.headers["ETag"] = f'"{version}"'
    return StreamEvents(
        streamId=stream_id, version=version, events=[shown(e, caller) for e in events]
    )


@router.get(
    "/events/{eventId}",
    operation_id="getEvent",
    response_model=Event,
    responses=problem_responses(401, 404, 422),
    summary="One event by id",
)
def get_event(
    event_id: EventId,
    caller: Caller = Depends(reader),
    ledger: Ledger = Depends(get_ledger),
) -> Event:
    event = ledger.store.get(event_id)
    if event is None:
        raise NotFound(f"no event with id {event_id}", ["eventId"])
    return shown(event, caller)


@router.post(
    "/events/{eventId}/retraction",
    operation_id="retractEvent",
    status_code=201,
    response_model=Event,
    responses=problem_responses(401, 403, 404, 409, 422, 413, 429),
    summary="Retract an event (it stays stored; from now on it no longer counts)",
)
def retract_event(
    event_id: EventId,
    body: RetractionRequest,
    recorded_by: str = Depends(writer),
    caller: Caller = Depends(reader),
    ledger: Ledger = Depends(get_ledger),
) -> Event:
    """Appends an ``EventRetracted`` to the retracted event's stream and returns it."""
    sources = _sources(body.sources)
    if not sources:
        raise ValidationError("at least one source is required", ["sources"])
    retraction = ledger.service.retract_event(
        RetractEvent(event_id, body.reason, sources, recorded_by)
    )
    return shown(retraction, caller)
