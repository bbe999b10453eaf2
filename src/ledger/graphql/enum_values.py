"""Enum members answered by their name from a table, not by strawberry's search for it.

strawberry serialises a Python enum member by walking the GraphQL enum's values until one has
the member's value, reading ``Enum.value`` (a property) on both sides at every step: a few
microseconds for each status in an answer, and a page of persons with their recommendations
answers dozens. Here each enum type of the schema gets the same answer from a dict made once
(the first value whose value equals the member's, exactly as strawberry's walk finds it);
anything that is not a member of the enum still goes through strawberry's own coercion.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, cast

from graphql import GraphQLSchema
from strawberry.schema.schema_converter import CustomGraphQLEnumType


def install_enum_names(schema: GraphQLSchema) -> int:
    """Gives every strawberry enum type of ``schema`` its table; returns how many."""
    installed = 0
    for graphql_type in schema.type_map.values():
        if isinstance(graphql_type, CustomGraphQLEnumType):
            # an instance attribute: graphql-core calls the method on the type it holds
            graphql_type.coerce_output_value = by_name(graphql_type)  # type: ignore[method-assign, assignment]
            installed += 1
    return installed


def by_name(enum_type: CustomGraphQLEnumType) -> Callable[[Any], str]:
    wrapped = cast(type[Enum], enum_type.wrapped_cls)
    names: dict[Enum, str] = {}
    for member in wrapped:
        for name, value in enum_type.values.items():
            if member.value == value.value:
                names[member] = name
                break
    coerce = enum_type.coerce_output_value

    def coerce_output_value(output_value: Any) -> str:
        if isinstance(output_value, wrapped):
            name = names.get(output_value)
            if name is not None:
                return name
        return coerce(output_value)

    return coerce_output_value
