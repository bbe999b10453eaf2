"""The request context every resolver reads: the ledger, the caller, one clock reading, loaders.

The clock is read once per request so that every field of one answer (a page and its nested
lists) is computed at the same (asOf, knownAt) point even when the client omits them.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

from fastapi import Response
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from ledger.container import Ledger
from ledger.domain.time_point import TimePoint
from ledger.graphql.loaders import Loaders
from ledger.graphql.points import Point
from ledger.http.dependencies import get_caller, get_ledger
from ledger.live.hub import FeedHub
from ledger.readmodel.api import ReadModel
from ledger.security.roles import Caller

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class LedgerContext(BaseContext):
    def __init__(
        self, ledger: Ledger, caller: Caller, request_id: str, connection: HTTPConnection
    ) -> None:
        super().__init__()
        self.connection = connection
        self.ledger = ledger
        self.caller = caller
        self.request_id = request_id
        self.now = datetime.now(UTC)
        self.loaders = Loaders(self.read_model, ledger.engine, full=caller.can_see_restricted)

    @property
    def feed_hub(self) -> FeedHub:
        hub: FeedHub = self.connection.app.state.feed_hub
        return hub

    @property
    def holder(self) -> str:
        """Whose subscriptions count together: the token's, or the client address's."""
        if self.caller.name is not None:
            return f"token:{self.caller.name}"
        client = self.connection.client
        return f"address:{client.host if client is not None else 'unknown'}"

    def authenticate(self, caller: Caller) -> None:
        """A websocket's caller is known only from its connection_init payload."""
        self.caller = caller
        self.refresh()

    def refresh(self) -> None:
        """A long-lived (websocket) context answers each delivery as of now, without the cache
        of an earlier one."""
        self.now = datetime.now(UTC)
        self.loaders = Loaders(self.read_model, self.ledger.engine, full=self.full)

    @property
    def read_model(self) -> ReadModel:
        return self.ledger.read_model

    @property
    def full(self) -> bool:
        return self.caller.can_see_restricted

    def at(self, as_of: date | None, known_at: datetime | None) -> TimePoint:
        return TimePoint(as_of, known_at).resolved(self.now)

    def point(self, as_of: date | None, known_at: datetime | None) -> Point:
        """The point of a root field's answer. A knownAt after the request's clock answers what
        is known now, so that is the instant its ids name (one that is stable from then on)."""
        if known_at is not None:
            known_at = min(known_at, self.now).astimezone(UTC)
        return Point(at=self.at(as_of, known_at), scope=TimePoint(as_of, known_at))


def ctx(info: Info) -> LedgerContext:
    context: LedgerContext = info.context
    return context


async def get_context(request: HTTPConnection, response: Response) -> LedgerContext:
    """The request id is the one the request guard gave every response (made here only for an
    app mounted without it, and for websockets, which the guard does not see)."""
    request_id: str | None = getattr(request.state, "request_id", None)
    if request_id is None:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
    return LedgerContext(get_ledger(request), get_caller(request), request_id, request)
