"""Re-computing the hash chain, to detect any change to a stored row.

Three uses, one check (:class:`ChainCheck`): ``ledger verify`` walks the whole log; the feed
and the export re-check every row they serve (a tampered row is never handed on as genuine);
``/healthz`` re-checks the newest events. A chain that checks out from the start proves only
that no row *inside* it changed: deleting the newest rows, or rewriting them and every hash
after them, leaves a shorter or different chain that still checks out. A head published
elsewhere (``ledger head``: ``POSITION:HASH``) closes that hole: ``verify --head`` fails
unless the stored chain reaches that position with that hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger.domain.hash_chain import GENESIS, ChainWalk
from ledger.domain.recorded_event import RecordedEvent
from ledger.store.event_store import EventStore


class ChainBroken(Exception):
    """A stored row does not chain onto the one before it: the log was altered."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"hash chain broken at position {position}: {reason}")
        self.position = position
        self.reason = reason


_REASONS = {
    "position": "position missing from the log",
    "previousHash": "previous hash does not match",
    "hash": "hash does not match the row's content",
}


class ChainCheck:
    """Checks stored events handed to it in position order, from a known predecessor on (the
    walk itself is ``ledger.domain.hash_chain.ChainWalk``); a break raises."""

    def __init__(self, previous_hash: str = GENESIS, next_position: int = 1) -> None:
        self._walk = ChainWalk(position=next_position - 1, hash=previous_hash)

    def check(self, event: RecordedEvent) -> None:
        broken = self._walk.follow(event)
        if broken is not None:
            raise ChainBroken(broken.position, _REASONS[broken.field])


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
    chain = ChainCheck()
    checked = 0
    for event in store.iter_all():
        try:
            chain.check(event)
        except ChainBroken as broken:
            return ChainReport(checked, broken.position, broken.reason)
        checked += 1
        if progress is not None:
            progress(1)
    return ChainReport(checked, None, None)


def parse_head(text: str) -> tuple[int, str]:
    """``POSITION:HASH`` as ``ledger head`` prints it."""
    position, separator, digest = text.strip().partition(":")
    if (
        not separator
        or not (position.isascii() and position.isdigit())
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise ValueError(f"'{text}' is not POSITION:HASH (a number, ':', 64 hex digits)")
    return int(position), digest


def head_reached(store: EventStore, position: int, digest: str) -> str | None:
    """Why the stored chain does not reach the published head, or None when it does.

    Run after :func:`verify_chain` passed: then an unchanged row at ``position`` with hash
    ``digest`` means every row up to it is unchanged too."""
    if position == 0:
        return None if digest == GENESIS else "position 0 has the genesis hash (64 zeros)"
    stored = store.read_feed(position - 1, 1)
    newest = store.head().position
    if not stored or stored[0].position != position:
        return (
            f"the log ends at position {newest}, before the published head {position}:"
            " events were deleted"
        )
    if stored[0].hash != digest:
        return (
            f"the event at position {position} has hash {stored[0].hash}, not the published"
            f" {digest}: events up to it were rewritten"
        )
    return None


def checked_page(
    store: EventStore, after: int, limit: int
) -> tuple[list[RecordedEvent], int | None]:
    """Feed events after ``after``, each re-checked against the chain; the rows before the
    first bad one, and the bad one's position (None when all check)."""
    if after == 0:
        page = store.read_feed(0, limit)
        chain = ChainCheck()
    else:
        with_anchor = store.read_feed(after - 1, limit + 1)
        if not with_anchor:
            return [], None
        anchor = with_anchor[0]
        if anchor.position != after:
            return [], after
        page = with_anchor[1:]
        chain = ChainCheck(anchor.hash, after + 1)
    return _good_prefix(page, chain)


def _good_prefix(
    page: Sequence[RecordedEvent], chain: ChainCheck
) -> tuple[list[RecordedEvent], int | None]:
    good: list[RecordedEvent] = []
    for event in page:
        try:
            chain.check(event)
        except ChainBroken as broken:
            return good, broken.position
        good.append(event)
    return good, None


def newest_checked(store: EventStore, count: int, newest: int) -> ChainReport:
    """The chain check of the ``count`` events up to position ``newest``, the head the caller
    read (``/healthz`` reports it: one read of the head, not two that an append may part)."""
    first = max(1, newest - count + 1)
    if first == 1:
        events, bad = _good_prefix(store.read_feed(0, count), ChainCheck())
    else:
        events, bad = checked_page(store, first - 1, count)
    if bad is not None:
        return ChainReport(len(events), bad, "does not chain")
    return ChainReport(len(events), None, None)
