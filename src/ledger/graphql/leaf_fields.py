"""Leaf fields that need only their parent object are completed without a resolve info.

For every field graphql-core builds a ``GraphQLResolveInfo`` (strawberry's subclass, a dozen
values), calls the resolver, checks the result for an awaitable, then walks the return type
(non-null, list, leaf) before coercing the value: a few microseconds a field, and a page of a
person's events or of persons answers hundreds of scalars (issue 16). A field whose resolver
reads its value from the parent object alone (:func:`ledger.graphql.direct_fields.source_reader`:
a plain attribute, a method taking nothing but ``self``), whose type is a scalar or an enum
(nullable or not) and whose resolver is not ``async``, is read and coerced directly here; when
that gives anything but a plain value (null, an error raised or returned, a coercion that
refuses), the field is executed again by graphql-core's own path, which answers (or fails) the
way it always did. The reads are attribute accesses and pure methods, so reading twice changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLLeafType, GraphQLObjectType, GraphQLSchema, Undefined
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from graphql.type import get_nullable_type, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from ledger.graphql.direct_fields import source_reader

#: by object type name, then field name: how the field reads its value, and its leaf type
Leaves = dict[str, dict[str, tuple[Callable[[Any], Any], GraphQLLeafType]]]


def leaf_readers(schema: GraphQLSchema) -> Leaves:
    """Every field of ``schema`` that qualifies (see the module's docstring)."""
    leaves: Leaves = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or field.args or definition.is_async:
                continue
            leaf_type = get_nullable_type(field.type)
            read = source_reader(definition)
            if read is not None and is_leaf_type(leaf_type):
                leaves.setdefault(graphql_type.name, {})[name] = (read, leaf_type)
    return leaves


def leaves_first(leaves: Leaves) -> type[StrawberryGraphQLCoreExecutionContext]:
    """strawberry's execution context, completing the fields of ``leaves`` directly."""

    class LeavesFirst(StrawberryGraphQLCoreExecutionContext):
        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: FieldDetailsList,
            path: Path,
            position_context: Any,
        ) -> Any:
            fields = leaves.get(parent_type.name)
            if fields is not None and self.middleware_manager is None:
                leaf = fields.get(field_details_list[0].node.name.value)
                if leaf is not None:
                    try:
                        value = leaf[0](source)
                        if value is not None and not isinstance(value, Exception):
                            coerced = leaf[1].coerce_output_value(value)
                            if coerced is not None and coerced is not Undefined:
                                return coerced
                    except Exception:  # graphql-core's path below answers it, as it always did
                        pass
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )

    return LeavesFirst
