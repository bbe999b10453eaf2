"""The cyclic garbage collector held off while an append runs.

An append allocates many short-lived container objects (validated events, recorded events,
rows) that reference counting frees as the call returns. While it runs, CPython's cyclic
collector starts every 700 allocations and walks them, promoting the live ones, and now and
then walks every object of the process: about a tenth of an append's CPU time, for no garbage
found. Held off for the call, it runs as usual after it, over what is left.

Appends may run in several threads at once (their writes are serialised later, by the writer
lock): the collector is held off from the first to enter until the last to leave, and left as
it was found (a process that disabled it keeps it disabled).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holding = 0
_was_enabled = False


@contextmanager
def collection_held() -> Iterator[None]:
    global _holding, _was_enabled
    with _lock:
        if _holding == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holding += 1
    try:
        yield
    finally:
        with _lock:
            _holding -= 1
            if _holding == 0 and _was_enabled:
                gc.enable()
