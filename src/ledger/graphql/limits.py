"""Bounds on what one request may ask, checked before anything runs.

Tokens are counted by strawberry's parser limit. Depth, aliases, fragment spreads and the
number of fields once fragments are expanded are measured by :mod:`ledger.graphql.bounds` in
time linear in the document, before graphql-core validates it (:class:`CheckedDocuments`).
The two rules here need the request's variables (graphql-core validation never sees them), so
that extension binds them to the operation's:

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
from strawberry.schema.schema import validate_document

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


def _encoded(variables: Mapping[str, Any]) -> str | None:
    """The variables as JSON with sorted keys (what keys a kept validation), None where they
    are not JSON."""
    try:
        return json.dumps(variables, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None


def bound_rules(
    variables: Mapping[str, Any], encoded: str | None
) -> tuple[type[ASTValidationRule], ...]:
    """The rules bound to ``variables`` (``encoded``: their JSON, None if they have none); kept
    per distinct variables, since making the two classes cost more than a cached validation."""
    if encoded is None:
        return tuple(_bound(rule, variables) for rule in RULES)
    return _bound_to_json(encoded)


class CheckedDocuments(SchemaExtension):
    """Bounds, then validation with the rules bound to the request's variables, each answer kept
    (:mod:`ledger.graphql.document_cache`), all in one validation hook.

    A document over its bounds is refused before graphql-core validates it: setting
    ``pre_execution_errors`` makes strawberry skip its validation, whose rules walk spreads as if
    inlined, and the bounds are what keep that walk small. What a text exceeds depends on the
    text alone, so it is kept in ``checked`` and not measured again. Validation errors are kept
    in ``validated`` by text and variables; on a hit no rule is bound and nothing walked.
    Without a text, or with variables that are not JSON, the rules are bound and strawberry
    validates afresh, keeping nothing.

    One extension, where there were three (bounds, binding the rules at each operation's start,
    keeping validations): strawberry makes each extension and wraps each of its hooks anew for
    every request, and the two hooks saved were about 2% of the README's person query.
    """

    def __init__(
        self, bounds: Bounds, checked: ValidationResults, validated: ValidationResults
    ) -> None:
        self.bounds = bounds
        self.checked = checked
        self.validated = validated

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, query = context.graphql_document, context.query
        if document is None or context.pre_execution_errors is not None:
            yield
            return
        exceeded = self.checked.get((query, "")) if query is not None else None
        if exceeded is None:
            exceeded = check_bounds(document, self.bounds)
            if query is not None:
                self.checked.put((query, ""), exceeded)
        if exceeded:
            context.pre_execution_errors = exceeded
            yield
            return
        variables = context.variables or {}
        encoded = _encoded(variables)
        key = (query, encoded) if query is not None and encoded is not None else None
        errors = self.validated.get(key) if key is not None else None
        if errors is None:
            context.validation_rules = (
                *context.validation_rules,
                *bound_rules(variables, encoded),
            )
            if key is not None:
                errors = validate_document(
                    context.schema._schema, document, context.validation_rules
                )
                self.validated.put(key, errors)
        context.pre_execution_errors = errors
        yield
