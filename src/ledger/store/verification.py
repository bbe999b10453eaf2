"""Re-computing the hash chain over the whole log, to detect any change to a stored row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ledger.domain.hash_chain import GENESIS
from ledger.store.event_store import EventStore, compute_hash


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_position: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_position is None


def verify_chain(store: EventStore, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk every event in position order (streaming); stop at the first that does not chain."""
    previous = GENESIS
    expected_position = 1
    checked = 0
    for event in store.iter_all():
        if event.position != expected_position:
            return ChainReport(checked, expected_position, "position missing from the log")
        if event.previous_hash != previous:
            return ChainReport(checked, event.position, "previous hash does not match")
        if compute_hash(event, previous) != event.hash:
            return ChainReport(checked, event.position, "hash does not match the row's content")
        previous = event.hash
        expected_position += 1
        checked += 1
        if progress is not None:
            progress(1)
    return ChainReport(checked, None, None)
