"""Relay global ids and cursors: opaque base64 strings, so clients never build them by hand.

A global id is base64 of '<Type>:<key>[?<point>]'. The key is the stream id for persons and
recommendations and the event UUID for events. The point is the part of (asOf, knownAt) the
query gave, as ``asOf=2019-12-26&knownAt=2026-11-24T10:15:00+00:00`` (either may be absent):
the same person at two points is two objects to a normalising cache (Relay, Apollo), so it has
two ids, and ``node(id:)`` answers at the point its id names. An object answered at today/now
carries no point, so its id stays the same while it is current ('Person:person-maks-bokayev').

Cursors are base64 of '<kind>:<int>' so a cursor of one list is refused by another instead of
silently misreading it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from graphql import GraphQLError

from ledger.domain.time_point import TimePoint

NODE_TYPES = ("Person", "Recommendation", "Event")
_AS_OF = "asOf"
_KNOWN_AT = "knownAt"


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    key: str
    #: the axes the id names; None ones mean today / now
    point: TimePoint


def _bad_id(argument: str, why: str) -> GraphQLError:
    return GraphQLError(
        f"argument '{argument}' names no valid point: {why}",
        extensions={"code": "BAD_USER_INPUT", "argument": argument},
    )


def encode_global_id(type_name: str, key: str, point: TimePoint | None = None) -> str:
    """``point`` holds only the axes the query gave (knownAt is written in UTC, so one instant
    has one id whatever offset the client wrote)."""
    suffix = _point_suffix(point) if point is not None else ""
    return base64.b64encode(f"{type_name}:{key}{suffix}".encode()).decode()


@lru_cache(maxsize=1024)
def _point_suffix(point: TimePoint) -> str:
    """Kept: every object of an answer is at the same point, and encoding it was most of an
    id's cost."""
    fields: list[tuple[str, str]] = []
    if point.as_of is not None:
        fields.append((_AS_OF, point.as_of.isoformat()))
    if point.known_at is not None:
        fields.append((_KNOWN_AT, point.known_at.astimezone(UTC).isoformat()))
    return f"?{urlencode(fields)}" if fields else ""


def decode_global_id(value: str, argument: str = "id") -> GlobalId | None:
    """The id, or None when ``value`` is not one of our global ids (a raw stream id or UUID).

    An id of ours whose point does not parse is a user error, not a different id.
    """
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, rest = text.partition(":")
    key, has_point, point_text = rest.partition("?")
    # a key smuggling control characters (NUL) past the HTTP gate inside base64 names nothing
    if not sep or type_name not in NODE_TYPES or not key or not key.isprintable():
        return None
    point = _parse_point(point_text, argument) if has_point else TimePoint()
    return GlobalId(type_name, key, point)


def _parse_point(text: str, argument: str) -> TimePoint:
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _bad_id(argument, f"'{text}' is not 'asOf=…&knownAt=…'") from None
    names = [name for name, _ in fields]
    if len(names) != len(set(names)) or not set(names) <= {_AS_OF, _KNOWN_AT}:
        raise _bad_id(argument, f"'{text}' may name asOf and knownAt once each, nothing else")
    values = dict(fields)
    as_of: date | None = None
    known_at: datetime | None = None
    if _AS_OF in values:
        try:
            as_of = date.fromisoformat(values[_AS_OF])
        except ValueError:
            raise _bad_id(argument, f"asOf '{values[_AS_OF]}' is not a date") from None
    if _KNOWN_AT in values:
        try:
            known_at = datetime.fromisoformat(values[_KNOWN_AT])
        except ValueError:
            raise _bad_id(argument, f"knownAt '{values[_KNOWN_AT]}' is not an instant") from None
        if known_at.utcoffset() is None:
            raise _bad_id(argument, f"knownAt '{values[_KNOWN_AT]}' has no UTC offset")
    return TimePoint(as_of, known_at)


def check_not_future(point: TimePoint, now: datetime, argument: str = "id") -> TimePoint:
    """An id names a point the ledger answered at; one after ``now`` was never answered (what
    the ledger will know then is not known yet), so it is refused rather than served as now."""
    if point.known_at is not None and point.known_at > now:
        raise _bad_id(
            argument,
            f"knownAt {point.known_at.isoformat()} is in the future (the ledger's clock reads "
            f"{now.isoformat()}): use an id this server returned",
        )
    return point


def typed_id(value: str, type_name: str, argument: str = "id") -> GlobalId:
    """The stream named by a global id of ``type_name`` or by the raw stream id itself."""
    decoded = decode_global_id(value, argument)
    if decoded is None:
        return GlobalId(type_name, value, TimePoint())
    if decoded.type_name != type_name:
        raise GraphQLError(
            f"argument '{argument}' is a {decoded.type_name} id, not a {type_name} id",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        )
    return decoded


def encode_cursor(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode()


def decode_cursor(value: str, kind: str, argument: str = "after") -> int:
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != kind:
            raise ValueError
        parsed = int(number)
        if parsed < 0:
            raise ValueError
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise GraphQLError(
            f"argument '{argument}' is not a cursor of this list: '{value}'",
            extensions={"code": "BAD_USER_INPUT", "argument": argument},
        ) from None
    return parsed
