"""The request context every resolver reads: the ledger, the caller, one clock reading, loaders.

The clock is read once per request so that every field of one answer (a page and its nested
lists) is computed at the same (asOf, knownAt) point even when the client omits them.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

from fastapi import Request, Response
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from ledger.container import Ledger
from ledger.domain.time_point import TimePoint
from ledger.graphql.loaders import Loaders
from ledger.http.dependencies import get_caller, get_ledger
from ledger.readmodel.api import ReadModel
from ledger.security.roles import Caller

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class LedgerContext(BaseContext):
    def __init__(self, ledger: Ledger, caller: Caller, request_id: str) -> None:
        super().__init__()
        self.ledger = ledger
        self.caller = caller
        self.request_id = request_id
        self.now = datetime.now(UTC)
        self.loaders = Loaders(self.read_model, ledger.engine, full=caller.can_see_restricted)

    @property
    def read_model(self) -> ReadModel:
        return self.ledger.read_model

    @property
    def full(self) -> bool:
        return self.caller.can_see_restricted

    def at(self, as_of: date | None, known_at: datetime | None) -> TimePoint:
        return TimePoint(as_of, known_at).resolved(self.now)


def ctx(info: Info) -> LedgerContext:
    context: LedgerContext = info.context
    return context


async def get_context(request: Request, response: Response) -> LedgerContext:
    """The request id is the one the request guard gave every response (made here only for an
    app mounted without it)."""
    request_id: str | None = getattr(request.state, "request_id", None)
    if request_id is None:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
    return LedgerContext(get_ledger(request), get_caller(request), request_id)
