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

from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

Resolve = Callable[..., Any]
#: A field's value from its parent object alone.
Read = Callable[[Any], Any]


def install_direct_resolvers(schema: GraphQLSchema, info_class: type[Info]) -> int:
    """Replaces the resolver of every field that qualifies; returns how many were replaced."""
    replaced = 0
    for field in _object_fields(schema):
        definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryField) or field.args:
            continue
        direct = direct_resolver(definition, info_class)
        if direct is not None:
            field.resolve = direct
            replaced += 1
    return replaced


def direct_reader(field: StrawberryField) -> Read | None:
    """How the value of ``field`` is read from its parent object alone (no ``Info``), or None
    where strawberry's wrapper has work to do or the resolver asks for an ``Info``."""
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
    return function if resolver.self_parameter is not None else _bare(function)


def direct_resolver(field: StrawberryField, info_class: type[Info]) -> Resolve | None:
    """The direct resolver of ``field``, or None where strawberry's wrapper has work to do."""
    resolver = field.base_resolver
    if resolver is None and direct_reader(field) is not None:
        return _attribute_resolver(field.python_name, field.default_resolver)
    read = direct_reader(field)
    if read is not None:
        return _ignoring_info(read)
    if resolver is None or field.extensions or field.is_subscription or field.arguments:
        return None
    if resolver.parent_parameter is not None or resolver.root_parameter is not None:
        return None
    function = resolver.wrapped_func
    info_parameter = resolver.info_parameter
    if not callable(function) or info_parameter is None or resolver.self_parameter is None:
        return None
    return _call_with_info(function, info_parameter.name, field, info_class)


def _object_fields(schema: GraphQLSchema) -> Iterator[GraphQLField]:
    for graphql_type in schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and not graphql_type.name.startswith("__"):
            yield from graphql_type.fields.values()


def _attribute(name: str, read: Callable[[Any, str], object]) -> Read:
    def attribute(source: Any) -> Any:
        return read(source, name)

    return attribute


def _attribute_resolver(name: str, read: Callable[[Any, str], object]) -> Resolve:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return read(source, name)

    return resolve


def _bare(function: Callable[[], Any]) -> Read:
    def bare(_source: Any) -> Any:
        return function()

    return bare


def _ignoring_info(read: Read) -> Resolve:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return read(source)

    return resolve


def _call_with_info(
    function: Callable[..., Any], name: str, field: StrawberryField, info_class: type[Info]
) -> Resolve:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return function(source, **{name: info_class(_raw_info=info, _field=field)})

    return resolve
