"""Export and import: the whole log as NDJSON, one event per line, in position order.

Each line carries everything the hash covers, with ``data`` as stored (never upcast), so an
import can recompute the chain and must arrive at the very same hashes on any database. This is
how a ledger moves from the embedded SQLite default to PostgreSQL, and how it is backed up.

Import is for an empty store only. The file is read twice: first the whole chain is checked
(constant memory, nothing written), then events are written in chunks of :data:`CHUNK`, each
chunk in its own transaction that re-checks the chain continues from the head. A file that
fails the check therefore stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO

from sqlalchemy.exc import IntegrityError

from ledger.domain.errors import LedgerError, ValidationError
from ledger.domain.hash_chain import GENESIS
from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.rest.models import Event
from ledger.security.redaction import visible_event
from ledger.security.roles import Caller
from ledger.store.event_store import EventStore, compute_hash
from ledger.store.verification import ChainCheck

CHUNK = 1000
KEYS = frozenset(Event.model_fields)
#: keys an export made before events carried notes and disputes does not have
OPTIONAL_KEYS = frozenset({"note", "disputes"})
REDACTION_HINT = (
    "; an export made without an admin token leaves out restricted events' data and cannot be"
    " re-imported: export with an admin token or `ledger export`"
)


class StoreNotEmpty(LedgerError):
    code = "STORE_NOT_EMPTY"


class ImportLineError(ValidationError):
    """A line of an export that cannot be imported; ``line`` is 1-based."""

    def __init__(self, reason: str, field: list[str] | None, line: int) -> None:
        super().__init__(f"line {line}: {reason}", field)
        self.reason = reason
        self.line = line

    def located(self, path: object) -> str:
        """``FILE:LINE: field: reason``, the form editors and terminals link to."""
        where = f"{'.'.join(self.field)}: " if self.field else ""
        return f"{path}:{self.line}: {where}{self.reason}"


def export_lines(store: EventStore, caller: Caller) -> Iterator[str]:
    """Every event up to the head at the start, as seen by ``caller``; streamed in batches."""
    last = store.head().position
    after = 0
    chain = ChainCheck()
    while after < last:
        page = store.read_feed(after, min(CHUNK, last - after))
        if not page:
            return
        for event in page:
            # A row that does not chain is never exported: the stream breaks off there, so
            # the client sees an incomplete transfer, not a backup holding an altered event.
            chain.check(event)
            shown = visible_event(event, caller)
            yield Event.of(shown, data=shown.data, schema_version=shown.schema_version).to_line()
        after = page[-1].position


def parse_line(text: str, line: int) -> RecordedEvent:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ImportLineError(f"not JSON: {exc}", [], line) from None
    if not isinstance(raw, dict):
        raise ImportLineError("an exported event is a JSON object", [], line)
    missing = sorted(KEYS - OPTIONAL_KEYS - set(raw))
    if missing:
        raise ImportLineError(f"{missing[0]} is missing", [missing[0]], line)
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ImportLineError(f"unknown field '{unknown[0]}'", [unknown[0]], line)
    try:
        parsed = Event.model_validate(raw)
        recorded_at = datetime.fromisoformat(raw["recordedAt"])
        occurred = PartialDate.parse(parsed.occurredOn) if parsed.occurredOn else None
    except LedgerError as exc:
        raise ImportLineError(exc.message, ["occurredOn"], line) from None
    except (ValueError, TypeError) as exc:
        field = _first_location(exc)
        raise ImportLineError(_first_message(exc), field, line) from None
    if recorded_at.tzinfo is None:
        raise ImportLineError("recordedAt must carry a time zone", ["recordedAt"], line)
    return RecordedEvent(
        id=parsed.id,
        position=parsed.position,
        stream_id=parsed.streamId,
        version=parsed.version,
        type=parsed.type,
        schema_version=parsed.schemaVersion,
        occurred_on=occurred,
        recorded_at=recorded_at,
        recorded_by=parsed.recordedBy,
        data=raw["data"],
        sources=tuple(raw["sources"]),
        hash=parsed.hash,
        previous_hash=parsed.previousHash,
        restricted=parsed.restricted,
        salt=parsed.salt,
        note=parsed.note,
        disputes=tuple(parsed.disputes),
    )


def _first_location(exc: Exception) -> list[str]:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return [str(part) for part in errors()[0]["loc"]]
    return ["recordedAt"]


def _first_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return str(errors()[0]["msg"])
    return str(exc)


def read_events(lines: Iterable[str]) -> Iterator[RecordedEvent]:
    """Events of an export, blank lines skipped; errors name the 1-based line."""
    for number, text in enumerate(lines, start=1):
        if text.strip():
            yield parse_line(text, number)


def check_chain(lines: Iterable[str], progress: Callable[[int], None] | None = None) -> int:
    """Walk an export as an import into an empty store would; return the number of events."""
    previous = GENESIS
    expected = 1
    seen_streams: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        event = parse_line(text, number)
        if event.position != expected:
            raise ImportLineError(
                f"expected position {expected}, got {event.position}", ["position"], number
            )
        if event.previous_hash != previous or compute_hash(event, previous) != event.hash:
            hint = REDACTION_HINT if event.restricted else ""
            raise ImportLineError(
                f"hash chain breaks at position {event.position}{hint}", ["hash"], number
            )
        version = seen_streams.get(event.stream_id, 0) + 1
        if event.version != version:
            raise ImportLineError(
                f"stream '{event.stream_id}' expects version {version}, got {event.version}",
                ["version"],
                number,
            )
        seen_streams[event.stream_id] = version
        previous = event.hash
        expected += 1
        if progress is not None:
            progress(1)
    return expected - 1


def check_export(
    store: EventStore,
    open_lines: Callable[[], IO[str]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Refuse a non-empty store or a broken export before anything is written; count events."""
    if store.head().position != 0:
        raise StoreNotEmpty("import needs an empty store; this one already holds events")
    try:
        with open_lines() as lines:
            return check_chain(lines, progress)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"an export is UTF-8 text: {exc.reason}", []) from None


def write_export(
    store: EventStore,
    open_lines: Callable[[], IO[str]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write a checked export in chunks; each chunk re-checks that it continues the head."""
    with open_lines() as lines:
        batch: list[RecordedEvent] = []
        for event in read_events(lines):
            batch.append(event)
            if len(batch) == CHUNK:
                _write(store, batch, progress)
                batch = []
        if batch:
            _write(store, batch, progress)


def import_file(store: EventStore, open_lines: Callable[[], IO[str]]) -> int:
    """Check the whole export, then write it; ``open_lines`` is called once per pass."""
    total = check_export(store, open_lines)
    write_export(store, open_lines)
    return total


def _write(
    store: EventStore, batch: list[RecordedEvent], progress: Callable[[int], None] | None
) -> None:
    try:
        store.import_events(batch)
    except IntegrityError:
        imported = store.head().position
        raise ValidationError(
            f"an event id or stream version appears twice near position {batch[0].position};"
            f" the store now holds positions 1..{imported}: start again with an empty database",
            ["id"],
        ) from None
    if progress is not None:
        progress(len(batch))
