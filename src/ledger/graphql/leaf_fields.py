"""Leaf fields (a scalar or an enum, read from the parent object alone) completed in one step.

graphql-core executes every field alike: it looks the field up, builds a resolve info (an object
of thirteen members), calls the resolver, asks whether the result is awaitable, walks the type
(an error? non-null? a list? a leaf?) and asks again whether the completed value is awaitable.
Most of an answer is leaves (a name, a status, a date's text, a count), and for them only the
read and the coercion do anything; the rest was a fifth of an uncached page of persons.

Here the schema's leaf fields whose value :func:`ledger.graphql.direct_fields.direct_reader`
reads without an ``Info`` are listed once, and the execution context completes them directly:
the read, graphql-core's own null check (the same error for a non-null field), its own
coercion (the same error for a value the type refuses), and any error located and handled by
graphql-core, as for every other field. An awaitable value, and a field given arguments, take
graphql-core's general way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from ledger.graphql.direct_fields import Read, direct_reader

#: Values of these types are never awaitable: no need to ask.
_PLAIN = frozenset({str, int, float, bool})


@dataclass(frozen=True, slots=True)
class Leaf:
    read: Read
    #: the field's type as declared, and the leaf type inside it
    return_type: GraphQLOutputType
    leaf_type: GraphQLLeafType
    non_null: bool


#: Per object type, its leaf fields by name.
Leaves = dict[GraphQLObjectType, dict[str, Leaf]]


def leaf_fields(schema: GraphQLSchema) -> Leaves:
    """Every field of ``schema`` that returns a scalar or an enum (maybe non-null, not a list),
    takes no argument and is read from its parent alone."""
    leaves: Leaves = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or field.args:
                continue
            non_null = isinstance(field.type, GraphQLNonNull)
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            read = direct_reader(definition)
            if read is None or not is_leaf_type(inner):
                continue
            leaves.setdefault(graphql_type, {})[name] = Leaf(read, field.type, inner, non_null)
    return leaves


def leaf_execution(leaves: Leaves) -> type[StrawberryGraphQLCoreExecutionContext]:
    """strawberry's execution context, completing the fields of ``leaves`` in one step."""

    class LeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: FieldDetailsList,
            path: Path,
            position_context: Any,
        ) -> Any:
            fields = leaves.get(parent_type)
            node = field_details_list[0].node
            leaf = fields.get(node.name.value) if fields is not None else None
            if leaf is None or node.arguments:
                return super().execute_field(
                    parent_type, source, field_details_list, path, position_context
                )
            try:
                result = leaf.read(source)
                if type(result) not in _PLAIN and self.is_awaitable(result):
                    field = self.schema.get_field(parent_type, node.name.value)
                    assert field is not None
                    nodes = to_nodes(field_details_list)
                    info = self.build_resolve_info(field, nodes, parent_type, path)
                    return self.complete_awaitable_value(
                        leaf.return_type, field_details_list, info, path, result, position_context
                    )
                if isinstance(result, Exception):
                    raise result
                if result is None or result is Undefined:
                    if leaf.non_null:
                        raise TypeError(
                            "Cannot return null for non-nullable field"
                            f" {parent_type}.{node.name.value}."
                        )
                    return None
                return self.complete_leaf_value(leaf.leaf_type, result)
            except Exception as raw_error:
                self.handle_field_error(raw_error, leaf.return_type, field_details_list, path)
                return None

    return LeafExecutionContext
