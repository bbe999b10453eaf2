"""Appending a validated data set: idempotent (stable ids), all-or-nothing per chunk of streams."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from ledger.dataset.files import Dataset, DatasetError, StreamFile, read_dataset
from ledger.store.event_store import EventStore, StreamBatch

CHUNK = 50
PERSON_PREFIX = "person-"


@dataclass(frozen=True)
class LoadReport:
    streams: int
    events_read: int
    events_stored: int


def load_dataset(
    store: EventStore,
    path: Path,
    *,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
    dataset: Dataset | None = None,
) -> LoadReport:
    """Validate every file first (nothing is stored if one is bad), then append stream by stream.

    Events already stored with the same id and content are skipped, so loading twice stores
    nothing new; an event whose stored content differs from the file is refused (ID_CONFLICT).
    """
    dataset = dataset or read_dataset(path)
    before = store.head().position
    # Persons first: a recommendation may only name persons already stored (or stored by the
    # same call), whatever order the files come in.
    streams = sorted(dataset.streams, key=lambda s: not s.stream_id.startswith(PERSON_PREFIX))
    batches = dispute_order(streams)
    for start in range(0, len(batches), CHUNK):
        chunk = batches[start : start + CHUNK]
        store.append_batches(chunk, recorded_by=recorded_by)
        if progress is not None:
            progress(len(chunk))
    return LoadReport(
        streams=len(dataset.streams),
        events_read=dataset.event_count,
        events_stored=store.head().position - before,
    )


def dispute_order(streams: Sequence[StreamFile]) -> list[StreamBatch]:
    """The streams' events as batches in which every event comes after the data set's events it
    disputes: file order, except that a stream waits (from its first event naming a later file's
    event) until that event is placed. Each stream keeps its own order."""
    in_dataset = {event.id for stream in streams for event in stream.events}
    placed: set[UUID | None] = set()
    cursors = [0] * len(streams)
    batches: list[StreamBatch] = []
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
                batches.append(StreamBatch(stream.stream_id, stream.events[start:end]))
                cursors[number], progressed = end, True
        if not progressed:
            stuck = next(s for c, s in zip(cursors, streams, strict=True) if c < len(s.events))
            raise DatasetError(stuck.path, "its disputes go round in a circle: none can be first")
    return batches
