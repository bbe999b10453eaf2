"""Re-computing the hash chain over the whole log, to detect any change to a stored row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ledger.domain.hash_chain import ChainWalk
from ledger.store.event_store import EventStore


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
    walk = ChainWalk()
    for event in store.iter_all():
        broken = walk.follow(event)
        if broken is not None:
            return ChainReport(walk.position, broken.position, _REASONS[broken.field])
        if progress is not None:
            progress(1)
    return ChainReport(walk.position, None, None)


_REASONS = {
    "position": "position missing from the log",
    "previousHash": "previous hash does not match",
    "hash": "hash does not match the row's content",
}
