"""One handler per command, and the order in which an append's rules run.

Append is all or nothing per call: every event is validated before the writer lock is taken;
inside the one write transaction the handler reads what the rules need (head, versions, stored
ids), applies the pure rules of ``ledger.domain.append_rules``, records and chains the fresh
events (``ledger.domain.hash_chain.Recording``), inserts them and lets every projection catch up
in the same transaction, so a reader sees its own write and a refusal leaves nothing behind.
Rules that concern every write (refusals, notes, notifications after commit) belong here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from ledger.domain.append_rules import (
    check_disputes,
    check_distinct_ids,
    check_named_persons,
    check_recorder,
    check_retractions,
    check_version,
    fresh_events,
    retraction_field,
    validate_stream,
)
from ledger.domain.errors import LedgerError, NotFound, ValidationError
from ledger.domain.event_types import RETRACTION
from ledger.domain.hash_chain import ChainWalk, Recording, Sealed
from ledger.domain.new_event import NewEvent, ValidEvent
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source
from ledger.domain.visibility import Visibility
from ledger.service.collection import collection_held
from ledger.service.commands import AppendEvents, ImportEvents, RetractEvent, StreamAppend
from ledger.store.event_store import EventLog, EventStore


class Projection(Protocol):
    """Told of every appended batch inside the append's transaction."""

    def on_append(self, log: EventLog, events: Sequence[RecordedEvent]) -> None: ...


@dataclass(frozen=True)
class AppendResult:
    events: list[RecordedEvent]
    stream_version: int


def _utcnow() -> datetime:
    return datetime.now(UTC)


class LedgerService:
    def __init__(
        self,
        store: EventStore,
        projections: Sequence[Projection] = (),
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.store = store
        self.projections = list(projections)
        self.clock = clock

    # --- handlers --------------------------------------------------------------------------

    def append_events(self, command: AppendEvents) -> list[AppendResult]:
        """One result per stream of the command, in its order."""
        with collection_held():
            return self._append_events(command)

    def _append_events(self, command: AppendEvents) -> list[AppendResult]:
        check_recorder(command.recorded_by)
        checked = [
            (batch, validate_stream(batch.stream_id, batch.events, batch.expected_version))
            for batch in command.streams
        ]
        ids = check_distinct_ids(event for _, valid in checked for event in valid)
        with self.store.writing() as log:
            stored = log.stored(ids)
            check_named_persons(
                [(batch.stream_id, valid) for batch, valid in checked], stored, log.existing_streams
            )
            disputed = log.disputed(
                sorted({target for _, valid in checked for e in valid for target in e.disputes})
            )
            versions = log.versions([batch.stream_id for batch, _ in checked])
            head = log.head()
            now = self.clock()
            # Record time never runs backwards along positions, even if the clock does.
            recording = Recording(
                position=head.position,
                hash=head.hash,
                recorded_at=max(now, head.recorded_at) if head.recorded_at else now,
                recorded_by=command.recorded_by,
            )
            targeted: set[UUID] = set()
            results = [
                _append_stream(
                    log, batch, valid, stored, versions, recording, targeted, command.sees, disputed
                )
                for batch, valid in checked
            ]
            self._write(log, recording.sealed)
        return results

    def retract_event(self, command: RetractEvent) -> RecordedEvent:
        target = self.store.get(command.event_id)
        if target is None:
            raise NotFound(f"no event with id {command.event_id}", ["eventId"])
        retraction = NewEvent(
            type=RETRACTION,
            data={"eventId": str(command.event_id), "reason": command.reason},
            sources=command.sources,
        )
        append = AppendEvents.to_stream(
            target.stream_id, [retraction], recorded_by=command.recorded_by
        )
        try:
            return self.append_events(append)[0].events[0]
        except LedgerError as exc:
            raise type(exc)(exc.message, retraction_field(exc.field)) from None

    def import_events(self, command: ImportEvents) -> None:
        """The chain must continue the head; nothing is written if it breaks anywhere."""
        with self.store.writing() as log:
            head = log.head()
            walk = ChainWalk(position=head.position, hash=head.hash)
            for event in command.events:
                broken = walk.follow(event)
                if broken is not None and broken.field == "position":
                    raise ValidationError(broken.reason, ["position"])
                if broken is not None:
                    raise ValidationError(
                        f"hash chain breaks at position {broken.position}", ["hash"]
                    )
            self._write(log, [Sealed.of(event) for event in command.events])

    # --- shorthands for one stream ---------------------------------------------------------

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        recorded_by: str,
        expected_version: int | None = None,
        sees: Visibility = Visibility.FULL,
    ) -> AppendResult:
        command = AppendEvents.to_stream(
            stream_id,
            events,
            recorded_by=recorded_by,
            expected_version=expected_version,
            sees=sees,
        )
        return self.append_events(command)[0]

    def append_batches(
        self, batches: Sequence[StreamAppend], *, recorded_by: str
    ) -> list[AppendResult]:
        """Several streams in one call (as ``ledger load`` appends)."""
        return self.append_events(AppendEvents(tuple(batches), recorded_by))

    def retract(
        self, event_id: UUID, reason: str, sources: Sequence[Source], *, recorded_by: str
    ) -> RecordedEvent:
        return self.retract_event(RetractEvent(event_id, reason, tuple(sources), recorded_by))

    def _write(self, log: EventLog, sealed: Sequence[Sealed]) -> None:
        if not sealed:
            return
        log.insert(sealed)
        events = [item.event for item in sealed]
        for projection in self.projections:
            projection.on_append(log, events)


def _append_stream(
    log: EventLog,
    batch: StreamAppend,
    valid: Sequence[ValidEvent],
    stored: dict[UUID, RecordedEvent],
    versions: dict[str, int],
    recording: Recording,
    targeted: set[UUID],
    sees: Visibility,
    disputed: dict[UUID, tuple[str, bool]],
) -> AppendResult:
    stream_id = batch.stream_id
    fresh = fresh_events(stream_id, valid, stored, recorded_by=recording.recorded_by, sees=sees)
    version = versions.get(stream_id, 0)
    if not fresh:
        return AppendResult([stored[v.id] for v in valid if v.id is not None], version)
    check_version(stream_id, batch.expected_version, version)
    check_retractions(
        stream_id,
        fresh,
        valid,
        find=lambda event_id: log.get(event_id) or recording.find(event_id),
        retraction_of=log.retraction_of,
        targeted=targeted,
    )
    check_disputes(fresh, valid, stored=disputed, earlier=recording.events)
    added = recording.add(stream_id, version, fresh)
    versions[stream_id] = version + len(fresh)
    if len(added) == len(valid):  # every event of the batch is new (no retry among them)
        return AppendResult(added, version + len(fresh))
    written = iter(added)
    events = [stored[event.id] if event.id in stored else next(written) for event in valid]
    return AppendResult(events, version + len(fresh))
