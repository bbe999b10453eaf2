"""The served schema and its router; `print_sdl` is what `schema.graphql` must equal."""

from __future__ import annotations

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from ledger.config import Settings
from ledger.graphql.context import get_context
from ledger.graphql.document_cache import ENTRIES, ValidationResults, validated_once
from ledger.graphql.errors import LedgerSchema, MaskInternalErrors
from ledger.graphql.execution import ThreadedGraphQLRouter
from ledger.graphql.limits import VariableAwareRules
from ledger.graphql.mutations import Mutation
from ledger.graphql.queries import Query
from ledger.graphql.scalars import SCALAR_MAP
from ledger.graphql.types import EventType, PersonType, RecommendationType


def build_schema(settings: Settings | None = None) -> LedgerSchema:
    settings = settings or Settings()
    return LedgerSchema(
        query=Query,
        mutation=Mutation,
        types=[PersonType, RecommendationType, EventType],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            VariableAwareRules,
            lambda: ParserCache(maxsize=ENTRIES),
            validated_once(ValidationResults()),
            MaskInternalErrors,
        ],
    )


def print_sdl() -> str:
    return build_schema().as_str() + "\n"


def graphql_router(settings: Settings) -> ThreadedGraphQLRouter:
    """Left out of the OpenAPI description: that file describes REST; schema.graphql does this."""
    return ThreadedGraphQLRouter(
        build_schema(settings),
        threads=settings.graphql_threads,
        context_getter=get_context,
        graphql_ide="graphiql",
        include_in_schema=False,
    )
