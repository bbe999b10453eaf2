"""What of a restricted event a caller may see: without the admin role, only that it exists —
its type, dates, stream, position and hash — never its data, sources, note, disputes or the
salt that keeps the hash from confirming guesses of them."""

from __future__ import annotations

from ledger.domain.recorded_event import RecordedEvent
from ledger.security.roles import Caller


def visible_event(event: RecordedEvent, caller: Caller) -> RecordedEvent:
    if caller.visibility.shows(event):
        return event
    return event._replace(data={}, sources=(), salt=None, note=None, disputes=())
