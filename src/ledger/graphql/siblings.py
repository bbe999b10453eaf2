"""The objects one resolver answered together, so that a nested field reads for all of them at
once, synchronously, instead of through a DataLoader.

A DataLoader batches what its callers ask for within one tick of the event loop: each nested
field is a coroutine, graphql-core gathers a page's coroutines in tasks, and the loader answers
them from a callback. That machinery (coroutines, tasks, futures, loop turns) cost more than the
read itself on a page of persons with their recommendations (issue 16). But the resolver that
made a page, or a lone object of a root field, knows every object of it already: the first of
them asked for a nested field reads it for all of them, with the read model call and the ids the
loader's batch would have made, and the others take their part of that answer. A failed read is
kept too, so every sibling gets the same error from one attempt, as from a failed batch.

Objects made inside an async field (a recommendation's persons, ``node``) have no siblings and
keep going through the loaders, which batch across their parents.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar, cast

V = TypeVar("V")


class Siblings:
    """The stream ids of the objects of one answer at one point, and what was read for them.
    Used by one operation on one thread, as its objects are."""

    def __init__(self, stream_ids: Iterable[str]) -> None:
        self._stream_ids = list(dict.fromkeys(stream_ids))
        self._read: dict[Hashable, Mapping[str, Any] | Exception] = {}

    def read(
        self, what: Hashable, fetch: Callable[[list[str]], Mapping[str, V]]
    ) -> Mapping[str, V]:
        """``fetch`` of every sibling's stream id, called on the first ask for ``what``."""
        found = self._read.get(what)
        if found is None:
            try:
                found = fetch(self._stream_ids)
            except Exception as error:
                self._read[what] = error
                raise
            self._read[what] = found
        if isinstance(found, Exception):
            raise found
        return cast(Mapping[str, V], found)

    def keep(self, what: Hashable, found: Mapping[str, Any]) -> None:
        """Keeps ``found`` as the read of ``what``: read with the objects themselves (a lone
        person's nested fields, :mod:`ledger.graphql.lookahead`)."""
        self._read[what] = found
