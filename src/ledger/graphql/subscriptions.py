# strawberry.subscription(description=...) is typed as returning Any: its decorated resolvers are
# still checked, only the decorator's own result is untyped.
# mypy: disable-error-code="untyped-decorator"
"""The Subscription root: events as they are appended, over graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from ledger.domain.time_point import TimePoint
from ledger.graphql.context import ctx
from ledger.graphql.ids import decode_global_id
from ledger.graphql.points import Point
from ledger.graphql.types import EventType, event_node
from ledger.live.hub import Interest, TooManySubscriptions


def _stream(value: str | None) -> str | None:
    """A raw stream id, or the stream of a Person or Recommendation global id."""
    if value is None:
        return None
    decoded = decode_global_id(value, "streamId")
    if decoded is None or decoded.type_name == "Event":
        return value
    return decoded.key


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="events as they are appended (graphql-transport-ws on /graphql), in position "
        "order, each once, as the caller may see them; after: resume after this position"
    )
    async def events_appended(
        self,
        info: Info,
        stream_id: Annotated[
            str | None, strawberry.argument(description="only this stream's events")
        ] = None,
        types: Annotated[
            list[str] | None, strawberry.argument(description="only events of these types")
        ] = None,
        after: Annotated[
            int | None,
            strawberry.argument(
                description="the last position the client has seen (resume after a reconnect); "
                "omitted: from the moment of subscribing"
            ),
        ] = None,
    ) -> AsyncGenerator[EventType, None]:
        context = ctx(info)
        if after is not None and after < 0:
            raise GraphQLError(
                f"argument 'after' is a position, 0 or more; got {after}",
                extensions={"code": "BAD_USER_INPUT", "argument": "after"},
            )
        hub = context.feed_hub
        limit = context.ledger.settings.ws_max_subscriptions_per_token
        interest = Interest(_stream(stream_id), types)
        try:
            async with hub.subscription(context.holder, limit) as subscriber:
                async for event in hub.events(subscriber, interest, after):
                    # each delivery answers as known now, with loaders of its own
                    context.refresh()
                    now = Point(at=TimePoint().resolved(context.now), scope=TimePoint())
                    yield event_node(event, context, now)
        except TooManySubscriptions as exc:
            raise GraphQLError(str(exc), extensions={"code": "TOO_MANY_SUBSCRIPTIONS"}) from None
