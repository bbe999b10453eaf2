"""Who may see restricted events: the one name for what a reader is shown.

Restricted events (a witness's identity, a victim's testimony) count only in the ``FULL`` view,
which admins get; everyone else reads the ``PUBLIC`` view, where such an event shows that it
exists but contributes nothing to any state, count or search. The value is what the projection
tables' ``visibility`` column holds for a row of one view; while a stream has no restricted event
both views fold the same events, so its rows are stored once, for both (see
``ledger.projections.timeline``).
"""

from __future__ import annotations

from enum import StrEnum

from ledger.domain.recorded_event import RecordedEvent


class Visibility(StrEnum):
    PUBLIC = "public"
    FULL = "full"

    def shows(self, event: RecordedEvent) -> bool:
        """The public view never folds a restricted event, so no public field derives from one."""
        return self is Visibility.FULL or not event.restricted
