"""The cyclic garbage collector, tuned while a batch command (load, rebuild) runs.

Such a command keeps many objects alive until it ends: a data set's events, a stream's history,
the rows on their way to the database. CPython's cyclic collector walks the surviving objects
again each time enough new ones have been allocated, and the modules imported at start-up with
them: in `ledger load` of 10,000 events that walking cost about a fifth of the CPU time.
Reference counting frees almost everything these commands let go of; the collector still runs,
only less often, and never over the objects that existed before the command began.

The process ends with the command, and the interpreter's last collection would walk every object
still alive once more (0.2 to 0.3 s after a load); they are frozen for it, and the operating
system takes them back. The commands close their database connections themselves before that.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: allocations between two young-generation collections (CPython's default: 700)
YOUNG_THRESHOLD = 10_000


@contextmanager
def batch_collection() -> Iterator[None]:
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    atexit.register(gc.freeze)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
