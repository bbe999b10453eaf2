"""Events decoded straight from the texts SQLite stores, for reads that go through the driver.

SQLAlchemy's result processing of an events row (the JSON columns through ``json``, the ids
through ``UUID``, the instant through two type layers, then ``row_to_event``) cost about 14 us
an event: the projector reads back every later event of a stream for an append dated inside
its history, some fifty of them for a 100-event stream, and that was a third of such an append.
Here a row is the driver's tuple in the table's column order, decoded once per value: the JSON
columns by ``ledger.store.types.json_deserializer``, a missing list of disputes (stored as the
JSON text ``null``) not parsed at all, and each record instant parsed once per read (the events
of one append share theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.store.types import json_deserializer, sqlite_instant_value


def sqlite_events(rows: Iterable[tuple[Any, ...]]) -> list[RecordedEvent]:
    """The events of raw rows of ``SELECT events.*`` on SQLite (ids as 32 hex digits, the
    instant as naive UTC text, booleans as 0/1)."""
    instants: dict[str, datetime] = {}
    events = []
    for (
        position,
        event_id,
        stream_id,
        version,
        type_,
        schema_version,
        occurred_on,
        _earliest,
        _latest,
        recorded_at,
        recorded_by,
        data,
        sources,
        restricted,
        salt,
        _retracts,
        hash_,
        previous_hash,
        note,
        disputes,
    ) in rows:
        instant = instants.get(recorded_at)
        if instant is None:
            instant = instants[recorded_at] = sqlite_instant_value(recorded_at)
        disputed = (
            json_deserializer(disputes) if disputes is not None and disputes != "null" else None
        )
        events.append(
            RecordedEvent(
                id=UUID(event_id),
                position=position,
                stream_id=stream_id,
                version=version,
                type=type_,
                schema_version=schema_version,
                occurred_on=PartialDate.parse(occurred_on) if occurred_on else None,
                recorded_at=instant,
                recorded_by=recorded_by,
                data=json_deserializer(data),
                sources=tuple(json_deserializer(sources)),
                hash=hash_,
                previous_hash=previous_hash,
                restricted=bool(restricted),
                salt=salt,
                note=note,
                disputes=tuple(UUID(str(item)) for item in disputed or ()),
            )
        )
    return events
