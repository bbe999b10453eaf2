"""An event as JSON: the camelCase shape of the REST reads, the feed and every export line.

Shared by the REST layer (as its response schema) and by export/import (``ledger.service.
transfer``), which must agree byte for byte on what a line holds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ledger.domain.hash_chain import format_instant
from ledger.domain.recorded_event import RecordedEvent

EVENT_EXAMPLE: dict[str, Any] = {
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

PARTIAL_DATE = (
    "partial date: YYYY, YYYY-MM, YYYY-MM-DD, an interval A/B of those, ../B (on or before),"
    " A/.. (on or after), or a single date with a trailing ~ (approximate) or ? (uncertain)"
)


class Event(BaseModel):
    """A stored event. In reads ``data`` is at the type's current schema version (upcast);
    in an export it is as stored, so that ``hash`` can be recomputed from the line alone."""

    model_config = ConfigDict(json_schema_extra={"examples": [EVENT_EXAMPLE]})

    id: UUID
    position: int = Field(description="global position: gap-free, in commit order")
    streamId: str
    version: int = Field(description="1-based position within the stream")
    type: str
    schemaVersion: int = Field(description="the schema version of data as given here")
    occurredOn: str | None = Field(description=PARTIAL_DATE)
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
