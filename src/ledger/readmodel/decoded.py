"""Projected states decoded once per distinct stored text, not on every read.

A state row's JSON is written once per state version, and the same text always decodes to the
same state. Decoding it (``json.loads``, then the domain's dataclasses) on every read was a tenth
of an uncached page of persons (issue 16), for the same few hundred versions read over and over.
The reader therefore fetches a state as its stored text and keeps the decoded state by that text,
least recently used first out, within a bound on the text kept. The key is the text itself, not
the row's id: whatever is appended, retracted or rebuilt, a text names exactly one state, so an
entry can never answer for a row that changed. States are frozen dataclasses, shared by every
request that reads them; the read path never changes them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, FromClause, Text, cast

from ledger.projections.kinds import Kind

S = TypeVar("S")

#: Characters of state text kept per process (the decoded states take a few times as much).
MAX_CHARS = 4 * 2**20


def state_text(table: FromClause) -> ColumnElement[Any]:
    """The state column as the text stored (JSON on PostgreSQL keeps its input text verbatim),
    labelled ``state``."""
    return cast(table.c.state, Text).label("state")


class DecodedStates:
    """Decoded states by (kind, stored text), bounded by the characters of text kept; shared by
    the server's threads."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self._max_chars = max_chars
        self._entries: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def decode(self, kind: Kind[S], text: str) -> S:
        key = (kind.prefix, text)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                state: S = found
                return state
        state = kind.decode(json.loads(text))
        if len(text) <= self._max_chars // 8:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = state
                    self._chars += len(text)
                while self._chars > self._max_chars:
                    (_, evicted), _ = self._entries.popitem(last=False)
                    self._chars -= len(evicted)
        return state

    def __len__(self) -> int:
        return len(self._entries)
