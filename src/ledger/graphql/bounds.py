"""The size of a GraphQL document, measured in one pass linear in its text, before validation.

A fragment may be spread many times, and fragments may spread each other: ``F0`` spreading
``F1`` twice, ``F1`` spreading ``F2`` twice, and so on, is 1.6 KB at thirty levels but a
billion fields once expanded. Walking spreads as if they were inlined (as graphql-core's
validation rules and the usual depth limiters do) takes time exponential in the document.
Here each fragment is measured once and its figures reused wherever it is spread, so the
whole document is measured in time linear in its size, and a document over any bound is
refused before graphql-core's own validation or execution sees it. graphql-core's
overlapping-fields rule compares every pair of fields that answer under one name in one
selection set, so the repeats of a name are bounded too (a thousand ``head { position }`` took
seconds to refuse).

Depth counts as strawberry's ``QueryDepthLimiter`` did: a field with a selection set is one
level deeper than what it selects, a leaf adds nothing, introspection (``__schema``) is not
counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass(frozen=True)
class Bounds:
    """What one document may hold (set from the ``LEDGER_GRAPHQL_*`` settings)."""

    max_depth: int
    max_aliases: int
    #: fields once every fragment spread is expanded, in all operations together
    max_selections: int
    #: ``...Name`` spreads written in the document
    max_fragment_spreads: int
    #: fields answering under one name in one selection set (fragments expanded)
    max_repeats: int


@dataclass(frozen=True)
class Shape:
    """One selection set's figures once its fragments are expanded."""

    depth: int
    fields: int
    #: how many fields answer under each name at this level
    names: Counter[str] = field(default_factory=Counter)
    #: the most fields under one name at this level or any below
    repeats: int = 0


_EMPTY = Shape(depth=0, fields=0)


class _Measure:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            node.name.value: node
            for node in document.definitions
            if isinstance(node, FragmentDefinitionNode)
        }
        self.memo: dict[str, Shape] = {}
        #: fragments being measured: a cycle counts as empty here (graphql-core refuses it)
        self.open: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> Shape:
        if node is None:
            return _EMPTY
        depth = 0
        fields = 0
        repeats = 0
        names: Counter[str] = Counter()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                fields += 1 + inner.fields
                names[(selection.alias or selection.name).value] += 1
                if selection.selection_set is not None and not selection.name.value.startswith(
                    "__"
                ):
                    depth = max(depth, 1 + inner.depth)
            else:
                inner = (
                    self.fragment(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else self.selection_set(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else _EMPTY
                )
                fields += inner.fields
                depth = max(depth, inner.depth)
                names.update(inner.names)
            repeats = max(repeats, inner.repeats)
        repeats = max(repeats, max(names.values(), default=0))
        return Shape(depth=depth, fields=fields, names=names, repeats=repeats)

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return _EMPTY
        self.open.add(name)
        shape = self.selection_set(definition.selection_set)
        self.open.discard(name)
        self.memo[name] = shape
        return shape


def _count_written(document: DocumentNode) -> tuple[int, int]:
    """Aliases and fragment spreads as written (each node once), with an explicit stack."""
    aliases = 0
    spreads = 0
    pending: list[SelectionSetNode] = [
        node.selection_set
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                spreads += 1
                continue
            if isinstance(selection, FieldNode) and selection.alias is not None:
                aliases += 1
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return aliases, spreads


def check_bounds(document: DocumentNode, bounds: Bounds) -> list[GraphQLError]:
    """Every bound the document exceeds, each as an error naming the figure and the limit."""
    errors: list[GraphQLError] = []
    aliases, spreads = _count_written(document)
    if aliases > bounds.max_aliases:
        errors.append(
            _refusal(
                f"{aliases} aliases exceed the limit of {bounds.max_aliases}", bounds.max_aliases
            )
        )
    if spreads > bounds.max_fragment_spreads:
        errors.append(
            _refusal(
                f"{spreads} fragment spreads exceed the limit of {bounds.max_fragment_spreads}",
                bounds.max_fragment_spreads,
            )
        )
    if errors:
        return errors  # measuring may recurse along spreads: only a bounded number of them
    measure = _Measure(document)
    fields = 0
    repeats = 0
    for node in document.definitions:
        if not isinstance(node, OperationDefinitionNode):
            continue
        shape = measure.selection_set(node.selection_set)
        fields += shape.fields
        repeats = max(repeats, shape.repeats)
        if shape.depth > bounds.max_depth:
            name = node.name.value if node.name else "anonymous"
            errors.append(
                _refusal(
                    f"'{name}' exceeds maximum operation depth of {bounds.max_depth}"
                    f" (it is {shape.depth} deep)",
                    bounds.max_depth,
                )
            )
    if fields > bounds.max_selections:
        errors.append(
            _refusal(
                f"the query selects {fields} fields once its fragments are expanded, more than"
                f" {bounds.max_selections}: ask for fewer fields or split the query",
                bounds.max_selections,
            )
        )
    if repeats > bounds.max_repeats:
        errors.append(
            _refusal(
                f"one selection asks for the same field {repeats} times, more than"
                f" {bounds.max_repeats}: give each its own alias or ask once",
                bounds.max_repeats,
            )
        )
    return errors


def _refusal(message: str, limit: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "QUERY_TOO_COMPLEX", "limit": limit})
