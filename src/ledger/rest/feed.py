"""The global feed: every event in position order, for consumers that poll with a cursor.

Positions are assigned under the store's single writer lock in commit order, so a page never
has a gap that a later commit could fill: polling with the last position seen never misses or
repeats an event, even while writers append.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ledger.container import Ledger
from ledger.domain.errors import ChainBrokenError
from ledger.http.dependencies import get_ledger
from ledger.rest.access import reader, shown
from ledger.rest.models import FeedPage
from ledger.rest.problems import ProblemRoute, problem_responses
from ledger.security.roles import Caller
from ledger.store.verification import checked_page

logger = logging.getLogger("ledger.feed")

router = APIRouter(tags=["feed"], route_class=ProblemRoute)

MAX_LIMIT = 1000


@router.get(
    "/events",
    operation_id="readFeed",
    response_model=FeedPage,
    responses=problem_responses(401, 422, 500),
    summary="The global feed, in position order",
)
def read_feed(
    after: Annotated[
        int,
        Query(
            ge=0,
            le=2**62,
            description="the last position already seen (0: from the start)",
            examples=[42],
        ),
    ] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="at most this many events", examples=[100])
    ] = 100,
    caller: Caller = Depends(reader),
    ledger: Ledger = Depends(get_ledger),
) -> FeedPage:
    """Events with position greater than ``after``; an empty page means the consumer is caught
    up: poll again later with the same ``after``.

    Every row is re-checked against the hash chain as it is served. A row that does not match
    is never served: the page ends before it, and a page that would start with it is refused
    (500, ``CHAIN_BROKEN``), so a consumer never takes an altered event for a genuine one."""
    events, bad = checked_page(ledger.store, after, limit)
    if bad is not None and not events:
        logger.error("feed refused: the hash chain is broken at position %s", bad)
        raise ChainBrokenError(
            f"the event at position {bad} does not match the hash chain: the log was altered"
            " and is not served past position "
            f"{bad - 1}; operators: run `ledger verify`",
            ["after"],
        )
    following = events[-1].position if events else after
    return FeedPage(events=[shown(e, caller) for e in events], next=following)
