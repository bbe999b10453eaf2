"""The served schema and its router; `print_sdl` is what `schema.graphql` must equal."""

from __future__ import annotations

from strawberry.extensions import MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig

from ledger.config import Settings
from ledger.graphql.bounds import Bounds
from ledger.graphql.context import get_context
from ledger.graphql.document_cache import ENTRIES, ValidationResults
from ledger.graphql.errors import LedgerSchema, MaskInternalErrors
from ledger.graphql.limits import CheckedDocuments
from ledger.graphql.mutations import Mutation
from ledger.graphql.queries import Query
from ledger.graphql.router import ProblemGraphQLRouter
from ledger.graphql.scalars import SCALAR_MAP
from ledger.graphql.subscriptions import Subscription
from ledger.graphql.types import EventType, PersonType, RecommendationType


def build_schema(settings: Settings | None = None) -> LedgerSchema:
    settings = settings or Settings()
    bounds = Bounds(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_selections=settings.graphql_max_selections,
        max_fragment_spreads=settings.graphql_max_fragment_spreads,
        max_repeats=settings.graphql_max_repeats,
    )
    checked, validated = ValidationResults(), ValidationResults()
    return LedgerSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[PersonType, RecommendationType, EventType],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        threads=settings.graphql_threads,
        cache_bytes=settings.graphql_cache_bytes,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            lambda: ParserCache(maxsize=ENTRIES),
            lambda: CheckedDocuments(bounds, checked, validated),
            MaskInternalErrors,
        ],
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"


def graphql_router(settings: Settings) -> ProblemGraphQLRouter:
    """Left out of the OpenAPI description: that file describes REST; schema.graphql does this.
    In a browser, GET answers GraphiQL from the app's own files."""
    return ProblemGraphQLRouter(
        build_schema(settings),
        settings=settings,
        context_getter=get_context,
        graphql_ide="graphiql",
        include_in_schema=False,
    )
