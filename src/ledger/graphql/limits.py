"""Bounds on what one request may ask, checked before anything runs.

Tokens are counted by strawberry's parser limit. Depth, aliases, fragment spreads and the
number of fields once fragments are expanded are measured by :mod:`ledger.graphql.bounds` in
time linear in the document, before graphql-core validates it (:class:`DocumentBounds`). The
two rules here need the request's variables (graphql-core validation never sees them), so an
extension binds them per operation:

- time arguments (asOf, knownAt, occurredFrom, ...): a bad value is named by its argument;
- cost: every connection multiplies the size of what is nested in it by its `first` (lists of
  objects by a guess of their size), so `persons(first:100){recommendations{persons{
  events(first:100)}}}` is refused up front instead of loading a quarter of a million events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, ClassVar

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.language import ArgumentNode
from strawberry.extensions import SchemaExtension

from ledger.graphql.bounds import Bounds, check_bounds
from ledger.graphql.connections import DEFAULT_FIRST, MAX_FIRST
from ledger.graphql.document_cache import ENTRIES, ValidationResults
from ledger.graphql.scalars import TIME_PARSERS

MAX_COST = 25_000
#: assumed size of a plain list of objects (a person's charges, a recommendation's persons)
LIST_FACTOR = 5


class _VariableRule(ValidationRule):
    variables: ClassVar[Mapping[str, Any]] = {}

    def value_of(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, StringValueNode):
            return node.value
        if isinstance(node, IntValueNode):
            return int(node.value)
        return None


class TimeArgumentsRule(_VariableRule):
    """Names the argument whose date or instant is malformed (the scalar alone cannot)."""

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._check(node.name.value, node.value, self.context.get_input_type())

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        self._check(node.name.value, node.value, self.context.get_input_type())

    def _check(self, name: str, value_node: ValueNode, input_type: Any) -> None:
        if input_type is None:
            return
        parser = TIME_PARSERS.get(get_named_type(input_type).name)
        value = self.value_of(value_node)
        if parser is None or value is None:
            return
        try:
            parser(value)
        except ValueError as exc:
            self.report_error(
                GraphQLError(
                    f"argument '{name}' is invalid: {exc}",
                    value_node,
                    extensions={"code": "BAD_USER_INPUT", "argument": name},
                )
            )


class CostRule(_VariableRule):
    """Estimated objects an operation loads: `first` multiplied along nested connections."""

    def enter_document(self, *_args: Any) -> None:
        #: a fragment's cost at multiplier 1: cost is linear in the multiplier, so a fragment
        #: spread anywhere costs its multiplier times this, and each fragment is walked once
        self.fragment_costs: dict[str, int] = {}

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        cost = self._cost(node.selection_set, root, 1, frozenset())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"the query's estimated cost {cost} exceeds {MAX_COST}: ask for smaller pages"
                    " (first) or fewer nested lists",
                    node,
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": MAX_COST},
                )
            )

    def _cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        multiplier: int,
        fragments_seen: frozenset[str],
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, multiplier, fragments_seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.context.schema.get_type(condition.name.value) if condition else parent
                if target is not None:
                    total += self._cost(selection.selection_set, target, multiplier, fragments_seen)
            elif isinstance(selection, FragmentSpreadNode):
                total += multiplier * self._fragment_cost(selection.name.value, fragments_seen)
        return total

    def _fragment_cost(self, name: str, fragments_seen: frozenset[str]) -> int:
        known = self.fragment_costs.get(name)
        if known is not None:
            return known
        fragment = self.context.get_fragment(name)
        if fragment is None or name in fragments_seen:
            return 0
        target = self.context.schema.get_type(fragment.type_condition.name.value)
        cost = 0
        if target is not None:
            cost = self._cost(fragment.selection_set, target, 1, fragments_seen | {name})
        self.fragment_costs[name] = cost
        return cost

    def _field_cost(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        multiplier: int,
        fragments_seen: frozenset[str],
    ) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition: GraphQLField | None = parent.fields.get(node.name.value)
        if definition is None or node.name.value.startswith("__"):
            return 0
        target = get_named_type(definition.type)
        if "first" in definition.args:
            size = self._first(node)
            inner = multiplier * max(size, 1)
            return multiplier * size + self._cost(node.selection_set, target, inner, fragments_seen)
        if node.selection_set is None:
            return 0
        if target.name.endswith("Edge"):
            # a connection's edges: already counted by the connection's `first`
            return self._cost(node.selection_set, target, multiplier, fragments_seen)
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            inner = multiplier * LIST_FACTOR
            return inner + self._cost(node.selection_set, target, inner, fragments_seen)
        return self._cost(node.selection_set, target, multiplier, fragments_seen)

    def _first(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = self.value_of(argument.value)
            if isinstance(value, int) and not 0 <= value <= MAX_FIRST:
                self.report_error(
                    GraphQLError(
                        f"argument 'first' must be between 0 and {MAX_FIRST}, got {value}",
                        argument,
                        extensions={"code": "BAD_USER_INPUT", "argument": "first"},
                    )
                )
            return value if isinstance(value, int) and value >= 0 else DEFAULT_FIRST
        return DEFAULT_FIRST


RULES: tuple[type[_VariableRule], ...] = (TimeArgumentsRule, CostRule)


def _bound(rule: type[_VariableRule], variables: Mapping[str, Any]) -> type[ASTValidationRule]:
    return type(rule.__name__, (rule,), {"variables": variables})


@lru_cache(maxsize=ENTRIES)
def _bound_to_json(variables: str) -> tuple[type[ASTValidationRule], ...]:
    decoded = json.loads(variables)
    return tuple(_bound(rule, decoded) for rule in RULES)


def bound_rules(variables: Mapping[str, Any]) -> tuple[type[ASTValidationRule], ...]:
    """The rules bound to ``variables``; kept per distinct variables (JSON, as they arrive),
    since making the two classes cost more than a cached validation: most operations are
    validated once (:mod:`ledger.graphql.document_cache`) and never use them again."""
    try:
        encoded = json.dumps(variables, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return tuple(_bound(rule, variables) for rule in RULES)
    return _bound_to_json(encoded)


class VariableAwareRules(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        variables = self.execution_context.variables or {}
        self.execution_context.validation_rules = (
            *self.execution_context.validation_rules,
            *bound_rules(variables),
        )
        yield


class DocumentBounds(SchemaExtension):
    """Refuses a document over its bounds before graphql-core validates it.

    Setting ``pre_execution_errors`` here makes strawberry skip graphql-core's validation,
    whose rules walk spreads as if inlined: the bounds are what keep that walk small. A
    document's figures depend on its text alone, so what a text was found to exceed is kept in
    ``checked`` (shared by the schema's requests) and not measured again.
    """

    def __init__(self, bounds: Bounds, checked: ValidationResults) -> None:
        self.bounds = bounds
        self.checked = checked

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            key = (context.query, "") if context.query is not None else None
            errors = self.checked.get(key) if key is not None else None
            if errors is None:
                errors = check_bounds(document, self.bounds)
                if key is not None:
                    self.checked.put(key, errors)
            if errors:
                context.pre_execution_errors = errors
        yield
