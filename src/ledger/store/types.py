"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Instants stored in UTC and always read back timezone-aware.

    SQLite has no time zones, so a naive UTC value is stored there; PostgreSQL gets timestamptz.
    Either way a client never sees a naive instant, and ordering by the column is by real time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must carry a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(instant, datetime):
            raise TypeError(f"expected an instant, got {value!r}")
        if instant.tzinfo is None:
            return instant.replace(tzinfo=UTC)
        return instant.astimezone(UTC)


def sqlite_instant(at: datetime) -> str:
    """An instant as ``UTCDateTime`` stores it on SQLite (naive UTC text with microseconds), for
    statements bound through the driver."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_instant_value(text: str) -> datetime:
    """The instant ``sqlite_instant`` wrote as ``text``, aware in UTC, for rows read through the
    driver."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class JsonText(str):
    """A JSON document already serialised, written to a JSON column as it is."""


def json_serializer(value: Any) -> str:
    """The engines' JSON serialiser: passes ``JsonText`` through, serialises anything else."""
    if isinstance(value, JsonText):
        return str(value)
    return json.dumps(value)


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


def json_deserializer(text: str | bytes) -> Any:
    """The engines' JSON deserialiser (and the driver-level reads'): every value as
    ``json.loads`` reads it, by ``orjson`` where the two agree, several times faster; by
    ``json`` for what ``orjson`` refuses (lone surrogates, NaN) or may read otherwise (floats,
    integers past 64 bits). Every JSON column read goes through it: events' data and sources,
    projected states."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return value if _exact(value) else json.loads(text)
