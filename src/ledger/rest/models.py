"""The REST API's request and response bodies (camelCase, as in GraphQL), with examples."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.domain.hash_chain import format_instant
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import web_address

_EVENT_EXAMPLE: dict[str, Any] = {
    "id": "3f0c2a4e-8d6b-4c1e-9a57-2b1f0e6d9c11",
    "position": 42,
    "streamId": "person-maks-bokayev",
    "version": 3,
    "type": "PersonSentenced",
    "schemaVersion": 1,
    "occurredOn": "2016-11-28",
    "recordedAt": "2024-05-02T09:14:03.120000+00:00",
    "recordedBy": "editor-alice",
    "data": {"kind": "IMPRISONMENT", "termMonths": 60, "articles": ["174"]},
    "sources": [{"title": "NGO report on Kazakhstan", "published": "2020-02"}],
    "restricted": False,
    "hash": "9c1d0f3b" + "0" * 56,
    "previousHash": "77a5e2c4" + "0" * 56,
    "salt": None,
    "note": "The report gives the month only; the court's ruling is not public.",
    "disputes": [],
}

_PARTIAL_DATE = (
    "partial date: YYYY, YYYY-MM, YYYY-MM-DD, an interval A/B of those, ../B (on or before),"
    " A/.. (on or after), or a single date with a trailing ~ (approximate) or ? (uncertain)"
)

_NEW_EVENT_EXAMPLE: dict[str, Any] = {
    "type": "PersonCharged",
    "occurredOn": "2016-05",
    "data": {"article": "174", "description": "inciting social discord"},
    "sources": [{"title": "NGO report on Kazakhstan", "published": "2020-02"}],
}


class Event(BaseModel):
    """A stored event. In reads ``data`` is at the type's current schema version (upcast);
    in an export it is as stored, so that ``hash`` can be recomputed from the line alone."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EVENT_EXAMPLE]})

    id: UUID
    position: int = Field(description="global position: gap-free, in commit order")
    streamId: str
    version: int = Field(description="1-based position within the stream")
    type: str
    schemaVersion: int = Field(description="the schema version of data as given here")
    occurredOn: str | None = Field(description=_PARTIAL_DATE)
    recordedAt: datetime = Field(description="assigned by the server at append, UTC")
    recordedBy: str = Field(description="the name of the token (or cli:user) that wrote it")
    data: dict[str, Any] = Field(description="empty when restricted and the caller is no admin")
    sources: list[dict[str, Any]] = Field(description="empty like data when redacted")
    restricted: bool
    hash: str = Field(description="sha256(previousHash + canonical JSON of the event)")
    previousHash: str
    salt: str | None = Field(
        default=None,
        description="random value hashed with a restricted event; withheld with its data",
    )
    note: str | None = Field(
        default=None,
        description="the recorder's reasoning (why this date, which reading of the source)",
    )
    disputes: list[UUID] = Field(
        default_factory=list,
        description="ids of the events this one contradicts (another source's account)",
    )

    @classmethod
    def of(cls, event: RecordedEvent, *, data: dict[str, Any], schema_version: int) -> Event:
        return cls(
            id=event.id,
            position=event.position,
            streamId=event.stream_id,
            version=event.version,
            type=event.type,
            schemaVersion=schema_version,
            occurredOn=event.occurred_on.text if event.occurred_on else None,
            recordedAt=event.recorded_at,
            recordedBy=event.recorded_by,
            data=data,
            sources=[dict(source) for source in event.sources],
            restricted=event.restricted,
            hash=event.hash,
            previousHash=event.previous_hash,
            salt=event.salt,
            note=event.note,
            disputes=list(event.disputes),
        )

    def to_line(self) -> str:
        """One NDJSON line; the instant in the exact form the hash was computed over."""
        body = self.model_dump(mode="json")
        body["recordedAt"] = format_instant(self.recordedAt)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    url: str | None = Field(default=None, description="an http:// or https:// address")
    publisher: str | None = None
    published: str | None = Field(
        default=None, description="partial date: YYYY, YYYY-MM or YYYY-MM-DD"
    )

    @field_validator("url")
    @classmethod
    def _url_is_web_address(cls, value: str | None) -> str | None:
        return web_address(value)


class NewEventIn(BaseModel):
    """An event to append; the server assigns position, version, recordedAt and recordedBy."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_NEW_EVENT_EXAMPLE]})

    id: UUID | None = Field(default=None, description="optional; makes retries idempotent")
    type: str = Field(min_length=1)
    occurredOn: str | None = Field(
        default=None, description=f"required for dated types; {_PARTIAL_DATE}"
    )
    data: dict[str, Any]
    sources: list[SourceIn] = Field(description="at least one")
    restricted: bool = False
    note: str | None = Field(
        default=None, description="the recorder's reasoning, shown to every reader"
    )
    disputes: list[UUID] | None = Field(
        default=None,
        description="ids of stored, unretracted events this one contradicts; both keep counting",
    )


class AppendRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"expectedVersion": 2, "events": [_NEW_EVENT_EXAMPLE]}]},
    )

    events: list[NewEventIn] = Field(description="appended all or nothing, in this order")
    expectedVersion: int | None = Field(
        default=None,
        ge=0,
        description="the stream version the client last saw (0: a new stream); or If-Match",
    )


class StreamEvents(BaseModel):
    """A stream's events in version order; ``version`` is also sent as the ETag."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"streamId": "person-maks-bokayev", "version": 3, "events": []}]
        }
    )

    streamId: str
    version: int = Field(description="the stream's current version (0: no events yet)")
    events: list[Event]


class FeedPage(BaseModel):
    """One page of the global feed; poll again with ``after=next``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"events": [_EVENT_EXAMPLE], "next": 42}]}
    )

    events: list[Event]
    next: int = Field(
        description="the position to pass as ``after`` next time (the last one here, or the"
        " same ``after`` when the page is empty)"
    )


class RetractionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "wrong person: the court record names a namesake",
                    "sources": [{"title": "Court record 2-114/2017"}],
                }
            ]
        },
    )

    reason: str = Field(min_length=1)
    sources: list[SourceIn] = Field(description="at least one")


class ImportResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"imported": 1200, "headPosition": 1200, "headHash": "9c1d0f3b" + "0" * 56}
            ]
        }
    )

    imported: int
    headPosition: int
    headHash: str
