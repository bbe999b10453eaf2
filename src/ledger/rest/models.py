"""The REST API's request and response bodies (camelCase, as in GraphQL), with examples."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ledger.domain.source import web_address
from ledger.event_json import EVENT_EXAMPLE, PARTIAL_DATE, Event

__all__ = ["Event"]

_NEW_EVENT_EXAMPLE: dict[str, Any] = {
    "type": "PersonCharged",
    "occurredOn": "2016-05",
    "data": {"article": "174", "description": "inciting social discord"},
    "sources": [{"title": "NGO report on Kazakhstan", "published": "2020-02"}],
}


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
        default=None, description=f"required for dated types; {PARTIAL_DATE}"
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
        json_schema_extra={"examples": [{"events": [EVENT_EXAMPLE], "next": 42}]}
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
