"""Appending a validated data set: idempotent (stable ids), all-or-nothing per chunk of streams."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger.dataset.files import Dataset, read_dataset
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
    batches = [StreamBatch(s.stream_id, s.events) for s in streams]
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
