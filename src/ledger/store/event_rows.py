"""Events decoded straight from the texts SQLite stores, for reads that go through the driver.

SQLAlchemy's result processing of an events row (the JSON columns through ``json``, the ids
through ``UUID``, the instant through two type layers, then ``row_to_event``) cost about 14 us
an event: the projector reads back every later event of a stream for an append dated inside
its history, some fifty of them for a 100-event stream, and that was a third of such an append.
Here a row is the driver's tuple in the table's column order, decoded once per value: the JSON
columns by ``orjson`` (``json`` whenever ``orjson`` could read a value differently: see
``_json``), a missing list of disputes (stored as the JSON text ``null``) not parsed at all,
and each record instant parsed once per read (the events of one append share theirs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.store.types import sqlite_instant_value


def _exact(value: Any) -> bool:
    """Whether ``value`` holds no float: ``orjson`` reads an integer past 64 bits as a float
    (``json`` keeps it exact), so a document with a float is read again by ``json``. (Checked
    by type, strings skipped without a call: a walk of ``isinstance`` and ``all`` cost as much
    as the decoding it saved.)"""
    kind = type(value)
    if kind is dict or kind is list:
        for item in value.values() if kind is dict else value:
            if type(item) is not str and not _exact(item):
                return False
        return True
    return kind is not float


def _json(text: str) -> Any:
    """A JSON column's value, as ``json.loads`` (the engines' deserialiser) reads it: ``orjson``
    where it agrees, ``json`` for what it refuses (lone surrogates, NaN) or may read otherwise."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return value if _exact(value) else json.loads(text)


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
        disputed = _json(disputes) if disputes is not None and disputes != "null" else None
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
                data=_json(data),
                sources=tuple(_json(sources)),
                hash=hash_,
                previous_hash=previous_hash,
                restricted=bool(restricted),
                salt=salt,
                note=note,
                disputes=tuple(UUID(str(item)) for item in disputed or ()),
            )
        )
    return events
