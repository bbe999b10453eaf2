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
    read = source_reader(field)
    if read is not None:
        return _reading(read)
    if field.extensions or field.is_subscription or field.arguments:
        return None
    resolver = field.base_resolver
    if resolver is None or resolver.parent_parameter is not None:
        return None
    if resolver.root_parameter is not None or resolver.self_parameter is None:
        return None
    function = resolver.wrapped_func
    info_parameter = resolver.info_parameter
    if not callable(function) or info_parameter is None:
        return None
    return _call_with_info(function, info_parameter.name, field, info_class)


def source_reader(field: StrawberryField) -> Callable[[Any], Any] | None:
    """How ``field`` reads its value from its parent object alone, or None when it needs more
    (arguments, field extensions, an ``Info``, the root or parent value; a subscription): the
    attribute itself, or the resolver method called with the parent (a function without
    ``self`` called with nothing). An ``async`` method's reader returns its coroutine."""
    if field.extensions or field.is_subscription or field.arguments:
        return None
    resolver = field.base_resolver
    if resolver is None:
        return _attribute(field.python_name, field.default_resolver)
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        return None
    function = resolver.wrapped_func
    if not callable(function) or resolver.info_parameter is not None:
        return None
    return function if resolver.self_parameter is not None else _bare_call(function)


def _attribute(name: str, read: Callable[[Any, str], object]) -> Callable[[Any], Any]:
    def attribute(source: Any) -> Any:
        return read(source, name)

    return attribute


def _bare_call(function: Callable[[], Any]) -> Callable[[Any], Any]:
    def call(_source: Any) -> Any:
        return function()

    return call


def _reading(read: Callable[[Any], Any]) -> Resolve:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return read(source)

    return resolve


def _call_with_info(
    function: Callable[..., Any], name: str, field: StrawberryField, info_class: type[Info]
) -> Resolve:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return function(source, **{name: info_class(_raw_info=info, _field=field)})

    return resolve
