"""A per-caller token bucket for writes.

State lives in the process: each worker of a multi-process deployment keeps its own buckets,
so the effective limit is ``workers x rate``. That is enough to stop a runaway script or a
stolen editor token from flooding the ledger; a shared limit would need shared state (a
reverse proxy's limiter or Redis), which this deployment does not assume.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Past this many buckets, full ones are dropped (they hold no information: a new bucket is
#: full too), then the stalest half: memory stays bounded against callers rotating their keys.
MAX_BUCKETS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class WriteRateLimiter:
    """``per_minute`` writes a minute per key, with bursts up to ``per_minute``; 0: no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str, cost: int = 1) -> float | None:
        """Take ``cost`` writes for ``key``: None when allowed, else seconds until they are.

        A cost above the bucket's size is charged as a full bucket, so it can ever succeed."""
        if self.capacity <= 0:
            return None
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill_per_second)
            bucket.updated = now
        needed = min(float(cost), self.capacity)
        if bucket.tokens >= needed:
            bucket.tokens -= needed
            return None
        return (needed - bucket.tokens) / self.refill_per_second

    @staticmethod
    def retry_after(seconds: float) -> int:
        """Whole seconds for a ``Retry-After`` header: never 0, so clients do back off."""
        return max(1, math.ceil(seconds))

    def _prune(self, now: float) -> None:
        if len(self._buckets) < MAX_BUCKETS:
            return
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self.refill_per_second >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS:
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k].updated)
            for key in by_age[: len(by_age) // 2]:
                del self._buckets[key]
