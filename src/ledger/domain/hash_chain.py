"""The hash chain that makes any later change to a stored row detectable.

Canonical encoding of an event (what is hashed), fixed forever because stored hashes depend on it:

* a JSON object with exactly these keys: ``id`` (lower-case hyphenated UUID), ``position`` (int),
  ``streamId``, ``version`` (int), ``type``, ``schemaVersion`` (int), ``occurredOn`` (partial
  date text or null), ``recordedAt`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``), ``recordedBy``,
  ``data`` (as stored, not upcast), ``sources`` (list as stored), ``restricted`` (bool) and
  ``salt`` (random hex for a restricted event, else null: without it, a reader shown only a
  restricted event's hash could confirm guesses of its withheld data by recomputing the hash);
  and, only when the event carries them (so that hashes of events without them never change),
  ``note`` (text) and ``disputes`` (the disputed events' ids, lower-case hyphenated, in the
  order given);
* serialised with keys sorted at every level, separators ``,`` and ``:``, no insignificant
  whitespace, non-ASCII characters kept as themselves, then encoded as UTF-8.

``hash = sha256(previous_hash_hex + canonical_json).hexdigest()``; the first event's previous
hash is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring as _string  # = dumps(str, ensure_ascii=False)
from operator import attrgetter
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import orjson

from ledger.domain.new_event import ValidEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source

GENESIS = "0" * 64


@lru_cache(maxsize=1024)
def format_instant(value: datetime) -> str:
    """Instants are hashed in UTC with microseconds, whatever offset they arrived with. Cached:
    every event of an append call carries the same one."""
    if value.tzinfo is None:
        raise ValueError("recordedAt must carry a time zone")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_value(value: Any) -> str:
    """A JSON value in the canonical form: keys sorted, no white space, non-ASCII as is.

    The form is the standard library's ``json`` with these options, fixed forever. ``orjson``
    writes the same bytes for text (every code point escaped alike), integers, booleans, null,
    lists and objects with text keys (sorted by code point either way), four to ten times
    faster; it writes floats differently (``1e16`` against ``1e+16``) and takes values that
    JSON has no words for (UUIDs, instants) where the standard library refuses them. So it
    writes only values made of the kinds it agrees on, checked first (a property test holds
    the two writers together); anything else, or an integer past 64 bits, goes to ``json``.
    """
    if _agreed(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError:
            pass
    return _CANONICAL.encode(value)


#: nesting past which a value is left to ``json`` (events' data stops at 16 levels): a bound on
#: the walk below, which a value holding itself would otherwise never finish
_DEEPEST = 64


def _agreed(value: Any) -> bool:
    """Whether ``value`` holds only exact str, int, bool, None, lists, tuples and dicts with
    text keys: what ``orjson`` and ``json`` write alike (floats and subclasses excluded)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        kind = type(item)
        children: Any
        if kind is dict:
            for key in item:  # a plain loop: all() over a generator cost 2,000 more
                if type(key) is not str:
                    return False
            children = item.values()
        elif kind is list or kind is tuple:
            children = item
        else:
            return kind is str or kind is int or kind is bool or item is None
        if depth == _DEEPEST:
            return False
        for child in children:
            kind = type(child)
            if not (kind is str or kind is int or kind is bool or child is None):
                pending.append((child, depth + 1))
    return True


def canonical_json(
    *,
    event_id: UUID,
    position: int,
    stream_id: str,
    version: int,
    type_name: str,
    schema_version: int,
    occurred_on: PartialDate | None,
    recorded_at: datetime,
    recorded_by: str,
    data_json: str,
    sources_json: str,
    restricted: bool,
    salt: str | None,
    note: str | None = None,
    disputes: tuple[UUID, ...] = (),
) -> str:
    """The event's document, written key by key in sorted order.

    Byte for byte what ``canonical_value`` gives for the whole document (a test holds the two
    together), but ``data`` and ``sources`` come already encoded (``canonical_value``): the
    store writes those same strings to its JSON columns, so each is serialised once per append.
    """
    return _document(
        uuid_text(event_id),
        int(position),
        int(version),
        int(schema_version),
        _string(type_name),
        _recording_fields(recorded_at, recorded_by),
        _stream_field(stream_id),
        occurred_on,
        data_json,
        sources_json,
        restricted,
        salt,
        note,
        disputes,
    )


def uuid_text(value: UUID) -> str:
    """``str(value)``: lower-case hex digits in groups of 8-4-4-4-12, by slices of one
    formatted number (``UUID.__str__`` %-formats the five groups again: 7,500 against 6,500
    instructions under callgrind)."""
    digits = "%032x" % value.int  # noqa: UP031 (a third cheaper than a format specifier)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _recording_fields(recorded_at: datetime, recorded_by: str) -> str:
    """The document's text from ``recordedAt`` to ``restricted``'s value: the same for every
    event of an append call."""
    return (
        f',"recordedAt":"{format_instant(recorded_at)}","recordedBy":{_string(recorded_by)},'
        '"restricted":'
    )


def _stream_field(stream_id: str) -> str:
    """The document's text from ``streamId`` to ``type``'s value: the same for every event of
    a stream's batch."""
    return f',"streamId":{_string(stream_id)},"type":'


def _document(
    id_text: str,
    position: int,
    version: int,
    schema_version: int,
    type_json: str,
    recording_fields: str,
    stream_field: str,
    occurred_on: PartialDate | None,
    data_json: str,
    sources_json: str,
    restricted: bool,
    salt: str | None,
    note: str | None,
    disputes: tuple[UUID, ...],
) -> str:
    """The document from its parts, the ones an append call shares written once
    (``_recording_fields``, ``_stream_field``, the type as JSON text); by position, as
    ``Recording.add`` calls it for every event."""
    disputed = '"disputes":["' + '","'.join(map(str, disputes)) + '"],' if disputes else ""
    noted = f'"note":{_string(note)},' if note is not None else ""
    # A UUID's text (hex digits and hyphens) and the instant's never need escaping.
    return (
        f'{{"data":{data_json},{disputed}"id":"{id_text}",{noted}'
        f'"occurredOn":{_string(occurred_on.text) if occurred_on else "null"},'
        f'"position":{position}{recording_fields}{"true" if restricted else "false"},'
        f'"salt":{"null" if salt is None else _string(salt)},"schemaVersion":{schema_version},'
        f'"sources":{sources_json}{stream_field}{type_json},"version":{version}}}'
    )


def chain(previous_hash: str, canonical: str) -> str:
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


def event_hash(
    event: RecordedEvent,
    previous_hash: str,
    data_json: str | None = None,
    sources_json: str | None = None,
) -> str:
    """The hash of ``event`` chained onto ``previous_hash``: what appending computes and what
    every walk of the chain recomputes. ``data_json``/``sources_json``: already encoded columns."""
    return chain(
        previous_hash,
        canonical_json(
            event_id=event.id,
            position=event.position,
            stream_id=event.stream_id,
            version=event.version,
            type_name=event.type,
            schema_version=event.schema_version,
            occurred_on=event.occurred_on,
            recorded_at=event.recorded_at,
            recorded_by=event.recorded_by,
            data_json=data_json if data_json is not None else canonical_value(event.data),
            sources_json=(
                sources_json if sources_json is not None else canonical_value(list(event.sources))
            ),
            restricted=event.restricted,
            salt=event.salt,
            note=event.note,
            disputes=event.disputes,
        ),
    )


@dataclass(frozen=True)
class ChainBreak:
    """Where and why a log stops chaining; ``field`` names the offending part of the event."""

    position: int
    field: str
    reason: str


@dataclass
class ChainWalk:
    """Follows a log in position order from a head (the genesis by default) and names the first
    event that does not continue it: the one walk behind ``verify``, import and its dry run."""

    position: int = 0
    hash: str = GENESIS
    #: stream -> version so far; an export must also number each stream 1, 2, 3 …
    versions: dict[str, int] = field(default_factory=dict)
    check_versions: bool = False

    def follow(self, event: RecordedEvent) -> ChainBreak | None:
        expected = self.position + 1
        if event.position != expected:
            return ChainBreak(
                expected, "position", f"expected position {expected}, got {event.position}"
            )
        if event.previous_hash != self.hash:
            return ChainBreak(event.position, "previousHash", "previous hash does not match")
        if event_hash(event, self.hash) != event.hash:
            return ChainBreak(event.position, "hash", "hash does not match the event's content")
        if self.check_versions:
            version = self.versions.get(event.stream_id, 0) + 1
            if event.version != version:
                return ChainBreak(
                    event.position,
                    "version",
                    f"stream '{event.stream_id}' expects version {version}, got {event.version}",
                )
            self.versions[event.stream_id] = version
        self.position, self.hash = event.position, event.hash
        return None


class Sealed(NamedTuple):
    """A recorded event with its JSON columns encoded: the very text its hash covers, which the
    store writes as is (each value is serialised once per append). A named tuple: one is built
    for every appended event, in a third of a frozen dataclass's time."""

    event: RecordedEvent
    data_json: str
    sources_json: str

    @classmethod
    def of(cls, event: RecordedEvent) -> Sealed:
        """An event recorded elsewhere (an export), encoded as appending encodes it."""
        return cls(event, canonical_value(event.data), canonical_value(list(event.sources)))


#: builds a named tuple from a tuple of its fields in C, without its constructor's Python call
_new = tuple.__new__

#: A source's every field value: what tells two sources apart, read in half the time the
#: model's own comparison takes (sources parsed from each event's input are equal, not the same)
_source_fields = attrgetter(*Source.model_fields)


@dataclass
class Recording:
    """The fresh events of one append call, positioned after the head, stamped with one record
    instant and recorder, and chained as they are added: the one place new hashes are made."""

    position: int
    hash: str
    recorded_at: datetime
    recorded_by: str
    sealed: list[Sealed] = field(default_factory=list)
    #: the events of ``sealed``, kept beside them: the rules ask for them at every stream of a
    #: call, and a list built at each ask made a bulk append quadratic
    events: list[RecordedEvent] = field(default_factory=list)
    #: each distinct list of sources of this call, as stored (JSON objects) and encoded: the
    #: events of a call mostly cite the same sources (a load: a file's report)
    _sources: dict[tuple[tuple[Any, ...], ...], tuple[tuple[dict[str, str], ...], str]] = field(
        default_factory=dict, repr=False
    )
    #: each type name of this call as JSON text
    _types: dict[str, str] = field(default_factory=dict, repr=False)

    def add(
        self, stream_id: str, version: int, events: Sequence[ValidEvent]
    ) -> list[RecordedEvent]:
        """Record ``events`` as versions ``version + 1 …`` of ``stream_id``."""
        added = []
        position, previous = self.position, self.hash
        recording_fields = _recording_fields(self.recorded_at, self.recorded_by)
        stream_field = _stream_field(stream_id)
        types = self._types
        for event in events:
            # Unpacked at once, where each field read goes through the named tuple's class; the
            # tuples below are built by tuple.__new__, where the named tuple's constructor is a
            # Python function (4,400 against 1,500 instructions for a RecordedEvent).
            (
                type_name,
                schema_version,
                data,
                given,
                occurred_on,
                event_id,
                restricted,
                _,
                note,
                disputes,
            ) = event
            sources, sources_json = self._sources_of(given)
            data_json = canonical_value(data)
            position += 1
            version += 1
            if event_id is None:
                event_id = uuid4()
            salt = secrets.token_hex(16) if restricted else None
            type_json = types.get(type_name)
            if type_json is None:
                type_json = types[type_name] = _string(type_name)
            # The hash covers every other field: chained first, so that each event is built
            # once, whole (``event_hash`` recomputes it from the event with the same document).
            digest = chain(
                previous,
                _document(
                    uuid_text(event_id),
                    position,
                    version,
                    schema_version,
                    type_json,
                    recording_fields,
                    stream_field,
                    occurred_on,
                    data_json,
                    sources_json,
                    restricted,
                    salt,
                    note,
                    disputes,
                ),
            )
            # In the order of RecordedEvent's fields.
            recorded = _new(
                RecordedEvent,
                (
                    event_id,
                    position,
                    stream_id,
                    version,
                    type_name,
                    schema_version,
                    occurred_on,
                    self.recorded_at,
                    self.recorded_by,
                    data,
                    sources,
                    digest,
                    previous,
                    restricted,
                    salt,
                    note,
                    disputes,
                ),
            )
            previous = digest
            self.sealed.append(_new(Sealed, (recorded, data_json, sources_json)))
            added.append(recorded)
        self.events.extend(added)
        self.position, self.hash = position, previous
        return added

    def _sources_of(self, sources: tuple[Source, ...]) -> tuple[tuple[dict[str, str], ...], str]:
        key = tuple(map(_source_fields, sources))
        found = self._sources.get(key)
        if found is None:
            listed = [source.to_json() for source in sources]
            found = self._sources[key] = (tuple(listed), canonical_value(listed))
        return found

    def find(self, event_id: UUID) -> RecordedEvent | None:
        return next((s.event for s in self.sealed if s.event.id == event_id), None)
