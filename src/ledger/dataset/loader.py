"""Appending a data set: idempotent (stable ids), all or nothing, in one append call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from ledger.dataset.files import Dataset, DatasetError, StreamFile, locate_invalid, read_dataset
from ledger.domain.errors import LedgerError
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.service.handlers import LedgerService
from ledger.store.engine import analyze

PERSON_PREFIX = "person-"


@dataclass(frozen=True)
class LoadReport:
    streams: int
    events_read: int
    events_stored: int


def load_dataset(
    service: LedgerService,
    path: Path,
    *,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
    dataset: Dataset | None = None,
) -> LoadReport:
    """Read every file, then append the whole data set in one call: one transaction, each
    stream projected once, and nothing stored if any event is refused (a bad event's error
    names its file and line).

    Events already stored with the same id and content are skipped, so loading twice stores
    nothing new; an event whose stored content differs from the file is refused (ID_CONFLICT).
    """
    dataset = dataset or read_dataset(path)
    before = service.store.head().position
    # Persons first: a recommendation may only name persons already stored (or stored by the
    # same call), whatever order the files come in.
    streams = sorted(dataset.streams, key=lambda s: not s.stream_id.startswith(PERSON_PREFIX))
    command = AppendEvents(tuple(dispute_order(streams)), recorded_by)
    try:
        service.append_events(command)
    except LedgerError:
        locate_invalid(dataset)
        raise
    if progress is not None:
        progress(len(dataset.streams))
    stored = service.store.head().position - before
    if stored:  # statistics for the planner after a bulk change; a reload changes nothing
        analyze(service.store.engine)
    return LoadReport(
        streams=len(dataset.streams), events_read=dataset.event_count, events_stored=stored
    )


def dispute_order(streams: Sequence[StreamFile]) -> list[StreamAppend]:
    """The streams' events as batches in which every event comes after the data set's events it
    disputes: file order, except that a stream waits (from its first event naming a later file's
    event) until that event is placed. Each stream keeps its own order."""
    in_dataset = {event.id for stream in streams for event in stream.events}
    placed: set[UUID | None] = set()
    cursors = [0] * len(streams)
    batches: list[StreamAppend] = []
    while any(cursor < len(s.events) for cursor, s in zip(cursors, streams, strict=True)):
        progressed = False
        for number, stream in enumerate(streams):
            start = end = cursors[number]
            while end < len(stream.events) and all(
                target in placed or target not in in_dataset
                for target in stream.events[end].disputes
            ):
                placed.add(stream.events[end].id)
                end += 1
            if end > start:
                batches.append(StreamAppend(stream.stream_id, stream.events[start:end]))
                cursors[number], progressed = end, True
        if not progressed:
            stuck = next(s for c, s in zip(cursors, streams, strict=True) if c < len(s.events))
            raise DatasetError(stuck.path, "its disputes go round in a circle: none can be first")
    return batches
