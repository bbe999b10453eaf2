"""Fields without arguments resolved by a direct call, not through strawberry's per-call wrapper.

For every field, strawberry's resolver builds an ``Info``, converts the (absent) arguments,
inspects the resolver's parameters and chains the field extensions, all on each call: several
Python calls per field before the resolver itself runs. A page of persons resolves well over a
hundred fields, so that wrapper was a quarter of an uncached request's execution (issue 16).

Here, once the schema is built, each field that takes no GraphQL arguments, has no field
extensions (permissions are extensions too) and is no subscription gets a resolver that does
only what strawberry's would have done for it: read the attribute (a plain field), or call the
method with the parent object and, if it asks for one, an ``Info`` (a resolver method; an
``async`` one returns its coroutine, which graphql-core awaits). The answer, errors included,
is the same; fields with arguments keep strawberry's resolver, which converts them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

Resolve = Callable[..., Any]


def install_direct_resolvers(schema: GraphQLSchema, info_class: type[Info]) -> int:
    """Replaces the resolver of every field that qualifies; returns how many were replaced."""
    replaced = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field in graphql_type.fields.values():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or field.args:
                continue
            direct = direct_resolver(definition, info_class)
            if direct is not None:
                field.resolve = direct
                replaced += 1
    return replaced


def direct_resolver(field: StrawberryField, info_class: type[Info]) -> Resolve | None:
    """The direct resolver of ``field``, or None where strawberry's wrapper has work to do."""
    if field.extensions or field.is_subscription or field.arguments:
        return None
    resolver = field.base_resolver
    if resolver is None:
        return _attribute(field.python_name, field.default_resolver)
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        return None
    function = resolver.wrapped_func
    if not callable(function):
        return None
    passes_self = resolver.self_parameter is not None
    info_parameter = resolver.info_parameter
    if info_parameter is None:
        return _plain_call(function) if passes_self else _bare_call(function)
    if not passes_self:
        return None
    return _call_with_info(function, info_parameter.name, field, info_class)


def _attribute(name: str, read: Callable[[Any, str], object]) -> Resolve:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return read(source, name)

    return resolve


def _plain_call(function: Callable[[Any], Any]) -> Resolve:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return function(source)

    return resolve


def _bare_call(function: Callable[[], Any]) -> Resolve:
    def resolve(_source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return function()

    return resolve


def _call_with_info(
    function: Callable[..., Any], name: str, field: StrawberryField, info_class: type[Info]
) -> Resolve:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return function(source, **{name: info_class(_raw_info=info, _field=field)})

    return resolve
