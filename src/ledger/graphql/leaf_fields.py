"""Fields completed without graphql-core's general way: leaves in one step, objects and lists
of either by their type's shape, worked out once per schema.

graphql-core executes every field alike: it looks the field up, builds a resolve info (an object
of thirteen members), calls the resolver, asks whether the result is awaitable, walks the type
(an error? non-null? a list? a leaf?) level by level, each level a call of its own, and asks
again whether the completed value is awaitable; for a list it does all of that for each item,
through four more calls per item. Most of an answer is leaves (a name, a status, a date's text,
a count) and short lists of small objects (a person's recommendations, a page's edges), and for
them only the read, the coercion and the sub-fields do anything; the rest was most of an
uncached page's execution (issue 16).

Here every field of the schema whose type is a scalar, an enum, an object type or a list of
those (maybe non-null at each level; no interface, no union) is listed once with its type's
shape, and the execution context completes it directly: the read (without an ``Info`` where
:func:`ledger.graphql.direct_fields.direct_reader` knows how; else the field's resolver, given
the info graphql-core would have built and the arguments as graphql-core reads them; strawberry's
resolver converts them), graphql-core's own null checks
(the same errors for a non-null field or list item), its own coercion (the same error for a
value the type refuses), the sub-fields of an object through graphql-core's memoised collection,
and every error located and handled by graphql-core at the field or item where it would have
been. A sub-field of an object read without an info is completed inside the loop over them,
a leaf with no path made unless it fails; a value of an object type completed here is known
not to be awaitable by its class. An awaitable value (at the field or as a list item), a value
that is not a list where one is expected and any other type take graphql-core's general way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, gather_with_cancel
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from ledger.graphql.direct_fields import Read, direct_reader

#: Values of these types are never awaitable: no need to ask.
_PLAIN = frozenset({str, int, float, bool, list, tuple})
#: Completed values of these types are never awaitable (an object's or a list's completion, a
#: coerced leaf, null): no need to ask.
_DONE = frozenset({dict, list, str, int, float, bool, type(None)})
#: What a list field's value must be to be walked here (anything else: the general way).
_LISTS = (list, tuple)


@dataclass(frozen=True, slots=True)
class Shape:
    """How a value of one output type is completed: exactly one of ``leaf_type``,
    ``object_type`` and ``item`` (a list's items) is set."""

    graphql_type: GraphQLOutputType
    non_null: bool
    leaf_type: GraphQLLeafType | None = None
    object_type: GraphQLObjectType | None = None
    item: Shape | None = None


@dataclass(frozen=True, slots=True)
class Leaf:
    """A field completed here. (Named for its commonest kind: most of them are leaves.)"""

    definition: GraphQLField
    #: the value from the parent object alone; None: the field's resolver, given an info
    read: Read | None
    shape: Shape
    #: the type's leaf type where the field is one (the loop over sub-fields completes those)
    leaf_type: GraphQLLeafType | None
    #: whether completing the value reads the info: an object type checking its objects with
    #: an ``is_type_of`` that may read it (all graphql-core's completion of an object reads the
    #: info for)
    needs_info: bool
    #: the class whose values the leaf type's output coercion answers unchanged, where that
    #: coercion is graphql-core's own (``str`` for String and ID, ``bool`` for Boolean): a read
    #: value of exactly that class is the answer, without the call
    plain: type | None = None

    @property
    def return_type(self) -> GraphQLOutputType:
        return self.shape.graphql_type


#: Per object type, its fields completed here, by name.
Leaves = dict[GraphQLObjectType, dict[str, Leaf]]


def shape_of(graphql_type: GraphQLOutputType) -> Shape | None:
    """The shape of ``graphql_type``, or None where it holds an interface or a union."""
    non_null = isinstance(graphql_type, GraphQLNonNull)
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if is_leaf_type(inner):
        return Shape(graphql_type, non_null, leaf_type=inner)
    if isinstance(inner, GraphQLObjectType):
        return Shape(graphql_type, non_null, object_type=inner)
    if isinstance(inner, GraphQLList):
        item = shape_of(inner.of_type)
        return None if item is None else Shape(graphql_type, non_null, item=item)
    return None


#: strawberry's own check of a type implementing an interface, which never reads its info
_STRAWBERRYS_CHECK = "GraphQLCoreConverter.from_object.<locals>._get_is_type_of.<locals>.is_type_of"


def _checks_objects_with_info(shape: Shape) -> bool:
    """Whether completing a value of ``shape`` reads the info: an object type checking its
    objects with an ``is_type_of`` other than strawberry's own."""
    if shape.item is not None:
        return _checks_objects_with_info(shape.item)
    check = shape.object_type.is_type_of if shape.object_type is not None else None
    return check is not None and getattr(check, "__qualname__", None) != _STRAWBERRYS_CHECK


def leaf_fields(schema: GraphQLSchema) -> Leaves:
    """Every field of ``schema`` that is strawberry's and returns a scalar, an enum, an object
    type or a list of those (one taking arguments is resolved by its resolver, given them)."""
    leaves: Leaves = {}
    if schema.get_directive("stream") is not None:  # a list could be streamed: not walked here
        return leaves
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField):
                continue
            shape = shape_of(field.type)
            if shape is None or definition.is_subscription:
                continue
            leaves.setdefault(graphql_type, {})[name] = Leaf(
                field,
                direct_reader(definition),
                shape,
                shape.leaf_type,
                _checks_objects_with_info(shape),
                _unchanged_by(shape.leaf_type),
            )
    return leaves


def _unchanged_by(leaf_type: GraphQLLeafType | None) -> type | None:
    """The class of the values ``leaf_type`` answers as they are (see ``Leaf.plain``)."""
    coerce = getattr(leaf_type, "coerce_output_value", None)
    if coerce is serialize_string or coerce is serialize_id:
        return str
    if coerce is serialize_boolean:
        return bool
    return None


#: One object type's fields as one selection asks them, worked out once per operation: per
#: response name, the field's details and its ``Leaf`` where it is read without an info and no
#: arguments (else None: ``execute_field``). The selection is kept with them, so that no
#: other selection can take its ``id`` while the plan is kept: a plan found by ``id`` is that
#: selection's.
Plan = tuple[GroupedFieldSet, list[tuple[str, FieldDetailsList, "Leaf | None"]]]


def _value_classes(shape: Shape) -> set[type]:
    """The Python classes of the values a field of ``shape`` answers whose instances cannot be
    awaited: a strawberry object type's class, a strawberry enum's (neither has ``__await__``;
    a coroutine or a generator is neither)."""
    if shape.item is not None:
        return _value_classes(shape.item)
    graphql_type = shape.object_type or shape.leaf_type
    if graphql_type is None:
        return set()
    definition = graphql_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None) or getattr(definition, "wrapped_cls", None)
    if not isinstance(origin, type) or hasattr(origin, "__await__"):
        return set()
    return {origin}


def leaf_execution(leaves: Leaves) -> type[StrawberryGraphQLCoreExecutionContext]:
    """strawberry's execution context, completing the fields of ``leaves`` directly."""
    #: values neither awaitable nor null nor an error: plain ones, and the objects and enum
    #: members of the types completed here (a page of persons answers a few hundred of them,
    #: each asked by the awaitable check's several tests otherwise)
    coercible = _PLAIN.union(
        *(_value_classes(leaf.shape) for fields in leaves.values() for leaf in fields.values())
    )
    #: values never awaitable
    synchronous = coercible | {type(None)}

    class LeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            middleware = self.middleware_manager
            #: a resolver wrapped by middleware (no extension of the schema is one) is called
            #: the general way
            self.direct = middleware is None or not middleware.middlewares
            #: by the ``id`` of a selection (graphql-core collects an object field's once per
            #: operation, however many objects a list holds): what :meth:`_plan` worked out
            self._plans: dict[int, Plan] = {}

        def _plan(self, fields: dict[str, Leaf], grouped_field_set: GroupedFieldSet) -> Plan:
            """The selection's fields, each looked up once per operation rather than once per
            object of a list (a page of 20 events asks the same six fields twenty times)."""
            entries: list[tuple[str, FieldDetailsList, Leaf | None]] = []
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                leaf = fields.get(node.name.value)
                direct = leaf is not None and leaf.read is not None and not node.arguments
                entries.append((response_name, field_details_list, leaf if direct else None))
            plan = (grouped_field_set, entries)
            self._plans[id(grouped_field_set)] = plan
            return plan

        def execute_fields(
            self,
            parent_type: GraphQLObjectType,
            source_value: Any,
            path: Path | None,
            grouped_field_set: GroupedFieldSet,
            position_context: Any,
        ) -> Any:
            fields = leaves.get(parent_type)
            if fields is None or not self.direct:
                return super().execute_fields(
                    parent_type, source_value, path, grouped_field_set, position_context
                )
            plan = self._plans.get(id(grouped_field_set))
            if plan is None:
                plan = self._plan(fields, grouped_field_set)
            results: dict[str, Any] = {}
            awaitable_fields: list[str] = []
            is_awaitable = self.is_awaitable
            try:
                for response_name, field_details_list, leaf in plan[1]:
                    if leaf is not None:
                        try:
                            value = leaf.read(source_value)  # type: ignore[misc]  # set: see _plan
                            if type(value) is leaf.plain:
                                results[response_name] = value
                                continue
                            leaf_type = leaf.leaf_type
                            if leaf_type is not None and type(value) in coercible:
                                coerced = leaf_type.coerce_output_value(value)
                                if coerced is not None and coerced is not Undefined:
                                    results[response_name] = coerced
                                    continue
                            field_path = Path(path, response_name, parent_type.name)
                            result = self._complete_read(
                                leaf,
                                parent_type,
                                field_details_list,
                                field_path,
                                value,
                                None,
                                position_context,
                            )
                        except Exception as raw_error:
                            field_path = Path(path, response_name, parent_type.name)
                            self.handle_field_error(
                                raw_error, leaf.return_type, field_details_list, field_path
                            )
                            result = None
                        results[response_name] = result
                        if type(result) not in _DONE and is_awaitable(result):
                            awaitable_fields.append(response_name)
                        continue
                    field_path = Path(path, response_name, parent_type.name)
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                    if result is not Undefined:
                        results[response_name] = result
                        if type(result) not in _DONE and is_awaitable(result):
                            awaitable_fields.append(response_name)
            except Exception:
                if awaitable_fields:
                    self.settle_in_background([results[field] for field in awaitable_fields])
                raise
            if not awaitable_fields:
                return results
            return self._gathered(results, awaitable_fields)

        @staticmethod
        async def _gathered(results: dict[str, Any], awaitable: list[str]) -> dict[str, Any]:
            """``results`` with its awaitable values awaited together, as graphql-core does."""
            if len(awaitable) == 1:
                results[awaitable[0]] = await results[awaitable[0]]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable))
                results.update(zip(awaitable, awaited, strict=True))
            return results

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
            if leaf is None or not self.direct or (node.arguments and leaf.read is not None):
                return super().execute_field(
                    parent_type, source, field_details_list, path, position_context
                )
            info: Any = None
            try:
                if leaf.read is not None:
                    value = leaf.read(source)
                else:
                    info = self._info(leaf, parent_type, field_details_list, path)
                    resolve = leaf.definition.resolve or self.field_resolver
                    if leaf.definition.args or node.arguments:
                        # as graphql-core reads them (the resolver, strawberry's, converts them)
                        arguments = get_argument_values(
                            leaf.definition,
                            node,
                            self.variable_values,
                            field_details_list[0].fragment_variable_values,
                            self.hide_suggestions,
                        )
                        value = resolve(source, info, **arguments)
                    else:
                        value = resolve(source, info)
                return self._complete_read(
                    leaf, parent_type, field_details_list, path, value, info, position_context
                )
            except Exception as raw_error:
                self.handle_field_error(raw_error, leaf.return_type, field_details_list, path)
                return None

        def _complete_read(
            self,
            leaf: Leaf,
            parent_type: GraphQLObjectType,
            field_details_list: FieldDetailsList,
            path: Path,
            value: Any,
            info: Any,
            position_context: Any,
        ) -> Any:
            """The field's read ``value`` completed; errors raised, for the caller to handle
            at the field."""
            if type(value) not in synchronous and self.is_awaitable(value):
                if info is None:
                    info = self._info(leaf, parent_type, field_details_list, path)
                return self.complete_awaitable_value(
                    leaf.return_type, field_details_list, info, path, value, position_context
                )
            if leaf.needs_info and info is None:
                info = self._info(leaf, parent_type, field_details_list, path)
            completed = self._complete(
                leaf,
                leaf.shape,
                parent_type,
                field_details_list,
                path,
                value,
                info,
                position_context,
            )
            if type(completed) not in _DONE and self.is_awaitable(completed):
                return self._settled(completed, leaf.return_type, field_details_list, path)
            return completed

        def _complete(
            self,
            leaf: Leaf,
            shape: Shape,
            parent_type: GraphQLObjectType,
            field_details_list: FieldDetailsList,
            path: Path,
            value: Any,
            info: Any,
            position_context: Any,
        ) -> Any:
            """graphql-core's ``complete_value`` for a value of ``shape``."""
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                if shape.non_null:
                    name = field_details_list[0].node.name.value
                    raise TypeError(
                        f"Cannot return null for non-nullable field {parent_type}.{name}."
                    )
                return None
            if shape.leaf_type is not None:
                return self.complete_leaf_value(shape.leaf_type, value)
            object_type = shape.object_type
            if object_type is not None:
                if position_context is None and self._is_type(object_type, value, info):
                    # graphql-core's completion of an object, without its three calls around
                    # the sub-fields' execution (nothing deferred: no delivery groups to make)
                    grouped_field_set, deferred, _ = self.collect_subfields(
                        object_type, field_details_list
                    )
                    if not deferred:
                        return self.execute_fields(
                            object_type, value, path, grouped_field_set, None
                        )
                return self.complete_object_value(
                    object_type, field_details_list, info, path, value, position_context
                )
            item = shape.item
            assert item is not None
            if type(value) not in _LISTS:
                if info is None:
                    info = self._info(leaf, parent_type, field_details_list, path)
                inner = shape.graphql_type
                if isinstance(inner, GraphQLNonNull):
                    inner = inner.of_type
                return self.complete_value(
                    inner, field_details_list, info, path, value, position_context
                )
            return self._complete_items(
                leaf, item, parent_type, field_details_list, path, value, info, position_context
            )

        def _complete_items(
            self,
            leaf: Leaf,
            item: Shape,
            parent_type: GraphQLObjectType,
            field_details_list: FieldDetailsList,
            path: Path,
            values: list[Any] | tuple[Any, ...],
            info: Any,
            position_context: Any,
        ) -> Any:
            """graphql-core's ``complete_iterable_value``: each item completed, an item's error
            handled at the item (a non-null item's error then nulls the list)."""
            completed: list[Any] = []
            awaitable: list[int] = []
            try:
                self._complete_each(
                    leaf,
                    item,
                    parent_type,
                    field_details_list,
                    path,
                    values,
                    info,
                    position_context,
                    completed,
                    awaitable,
                )
            except Exception:
                if awaitable:  # settled, as graphql-core does, so that their errors are seen
                    self.settle_in_background([completed[index] for index in awaitable])
                raise
            if not awaitable:
                return completed
            return self._awaited_items(completed, awaitable)

        def _complete_each(
            self,
            leaf: Leaf,
            item: Shape,
            parent_type: GraphQLObjectType,
            field_details_list: FieldDetailsList,
            path: Path,
            values: list[Any] | tuple[Any, ...],
            info: Any,
            position_context: Any,
            completed: list[Any],
            awaitable: list[int],
        ) -> None:
            is_awaitable = self.is_awaitable
            for index, value in enumerate(values):
                item_path = Path(path, index, None)
                if type(value) not in synchronous and is_awaitable(value):
                    if info is None:
                        info = self._info(leaf, parent_type, field_details_list, path)
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            value,
                            item.graphql_type,
                            field_details_list,
                            info,
                            item_path,
                            position_context,
                        )
                    )
                    awaitable.append(index)
                    continue
                try:
                    done = self._complete(
                        leaf,
                        item,
                        parent_type,
                        field_details_list,
                        item_path,
                        value,
                        info,
                        position_context,
                    )
                except Exception as raw_error:
                    self.handle_field_error(
                        raw_error, item.graphql_type, field_details_list, item_path
                    )
                    done = None
                else:
                    if type(done) not in _DONE and is_awaitable(done):
                        done = self._settled(done, item.graphql_type, field_details_list, item_path)
                        awaitable.append(index)
                completed.append(done)

        @staticmethod
        async def _awaited_items(completed: list[Any], awaitable: list[int]) -> list[Any]:
            """The items awaited together (a batch of their loaders), as graphql-core does."""
            if len(awaitable) == 1:
                completed[awaitable[0]] = await completed[awaitable[0]]
            else:
                awaited = await gather_with_cancel(*(completed[index] for index in awaitable))
                for index, done in zip(awaitable, awaited, strict=True):
                    completed[index] = done
            return completed

        @staticmethod
        def _is_type(object_type: GraphQLObjectType, value: Any, info: Any) -> bool:
            """Whether ``value`` passes the type's own check at once (or it has none); else
            graphql-core's completion checks it again and answers the failure its way."""
            is_type_of = object_type.is_type_of
            if is_type_of is None:
                return True
            checked = is_type_of(value, info)
            if checked is True:
                return True
            close = getattr(checked, "close", None)
            if close is not None:  # an awaitable check, made again where it is awaited
                close()
            return False

        def _info(
            self,
            leaf: Leaf,
            parent_type: GraphQLObjectType,
            field_details_list: FieldDetailsList,
            path: Path,
        ) -> Any:
            return self.build_resolve_info(
                leaf.definition, to_nodes(field_details_list), parent_type, path
            )

        async def _settled(
            self,
            completed: Any,
            return_type: GraphQLOutputType,
            field_details_list: FieldDetailsList,
            path: Path,
        ) -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

    return LeafExecutionContext
