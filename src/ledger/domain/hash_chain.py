"""The hash chain that makes any later change to a stored row detectable.

Canonical encoding of an event (what is hashed), fixed forever because stored hashes depend on it:

* a JSON object with exactly these keys: ``id`` (lower-case hyphenated UUID), ``position`` (int),
  ``streamId``, ``version`` (int), ``type``, ``schemaVersion`` (int), ``occurredOn`` (partial
  date text or null), ``recordedAt`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``), ``recordedBy``,
  ``data`` (as stored, not upcast), ``sources`` (list as stored), ``restricted`` (bool) and
  ``salt`` (random hex for a restricted event, else null: without it, a reader shown only a
  restricted event's hash could confirm guesses of its withheld data by recomputing the hash);
* serialised with keys sorted at every level, separators ``,`` and ``:``, no insignificant
  whitespace, non-ASCII characters kept as themselves, then encoded as UTF-8.

``hash = sha256(previous_hash_hex + canonical_json).hexdigest()``; the first event's previous
hash is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ledger.domain.partial_date import PartialDate

GENESIS = "0" * 64


def format_instant(value: datetime) -> str:
    """Instants are hashed in UTC with microseconds, whatever offset they arrived with."""
    if value.tzinfo is None:
        raise ValueError("recordedAt must carry a time zone")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


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
    data: Any,
    sources: Any,
    restricted: bool,
    salt: str | None,
) -> str:
    document = {
        "id": str(event_id),
        "position": position,
        "streamId": stream_id,
        "version": version,
        "type": type_name,
        "schemaVersion": schema_version,
        "occurredOn": occurred_on.text if occurred_on else None,
        "recordedAt": format_instant(recorded_at),
        "recordedBy": recorded_by,
        "data": data,
        "sources": sources,
        "restricted": restricted,
        "salt": salt,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain(previous_hash: str, canonical: str) -> str:
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()
