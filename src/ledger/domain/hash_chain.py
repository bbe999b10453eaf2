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
from datetime import UTC, datetime
from json.encoder import encode_basestring as _string  # = dumps(str, ensure_ascii=False)
from typing import Any
from uuid import UUID

from ledger.domain.partial_date import PartialDate

GENESIS = "0" * 64


def format_instant(value: datetime) -> str:
    """Instants are hashed in UTC with microseconds, whatever offset they arrived with."""
    if value.tzinfo is None:
        raise ValueError("recordedAt must carry a time zone")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_value(value: Any) -> str:
    """A JSON value in the canonical form: keys sorted, no white space, non-ASCII as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _optional(text: str | None) -> str:
    return "null" if text is None else _string(text)


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
    disputed = (
        f'"disputes":[{",".join(_string(str(item)) for item in disputes)}],' if disputes else ""
    )
    noted = f'"note":{_string(note)},' if note is not None else ""
    return (
        f'{{"data":{data_json},{disputed}"id":{_string(str(event_id))},{noted}'
        f'"occurredOn":{_optional(occurred_on.text if occurred_on else None)},'
        f'"position":{int(position)},"recordedAt":{_string(format_instant(recorded_at))},'
        f'"recordedBy":{_string(recorded_by)},"restricted":{"true" if restricted else "false"},'
        f'"salt":{_optional(salt)},"schemaVersion":{int(schema_version)},'
        f'"sources":{sources_json},"streamId":{_string(stream_id)},'
        f'"type":{_string(type_name)},"version":{int(version)}}}'
    )


def chain(previous_hash: str, canonical: str) -> str:
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()
