"""What a root field's nested fields (or its sibling root fields) will read, seen in the query
before they resolve.

On PostgreSQL every statement is a round trip to the server; a person's history (its state,
the recommendations naming it, a page of its events) was three, one after the other, as the
person and then its fields resolved. The ``person`` root field looks at the fields asked of it
first and reads their answers with the person's own in one statement
(``ReadModel.person_read``), kept for those fields as their siblings' reads
(:mod:`ledger.graphql.siblings`) under the keys they read by. The ``persons`` root field does
the same for its nodes' ``recommendations`` (``ReadModel.persons`` with ``naming``): a page and the
recommendations naming its persons in one statement instead of two; the
``implementationSummary`` root field looks for a ``custodySummary`` root field at its point
(:func:`root_arguments`), whose counts it reads with its own. What the query does not show
plainly (a field inside a fragment, a second page of events under another alias, arguments
the field will refuse) is read by the field itself, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLError, GraphQLField, GraphQLObjectType, get_named_type
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast
from strawberry.types import Info

from ledger.graphql.connections import check_first, decode_fold_cursor
from ledger.readmodel.api import EventsPage


@dataclass(frozen=True)
class PersonFields:
    """``naming``: ``recommendations`` is asked; ``events``: the page the first ``events``
    field reads (its cursor, and its size plus the one that tells whether there is more)."""

    naming: bool = False
    events: EventsPage | None = None


def person_fields(info: Info) -> PersonFields:
    """The fields directly in the person's selection set (graphql-core's nodes of it)."""
    person = get_named_type(info._raw_info.return_type)
    assert isinstance(person, GraphQLObjectType)
    nodes = info._raw_info.field_nodes
    naming = any(_fields(node, "recommendations") for node in nodes)
    field, variables = person.fields["events"], info.variable_values
    pages = (_page(field, page, variables) for node in nodes for page in _fields(node, "events"))
    events = next((page for page in pages if page is not None), None)
    return PersonFields(naming, events)


def persons_naming(info: Info) -> bool:
    """Whether a page of persons' nodes ask for ``recommendations`` (``edges { node {
    recommendations } }``, fields directly in the selection sets), read with the page."""
    for node in info._raw_info.field_nodes:
        for edges in _fields(node, "edges"):
            for person in _fields(edges, "node"):
                if any(_fields(person, "recommendations")):
                    return True
    return False


def root_arguments(info: Info, name: str) -> list[dict[str, Any]]:
    """The arguments of each root field ``name`` of the operation (directly in its selection
    set), valued as the field will get them (absent: None); a field whose arguments it will
    refuse is left out (it answers them itself)."""
    root = info._raw_info.parent_type
    field = root.fields.get(name)
    found: list[dict[str, Any]] = []
    if field is None:
        return found
    for node in info._raw_info.operation.selection_set.selections:
        if isinstance(node, FieldNode) and node.name.value == name:
            given = _arguments(field, node, info.variable_values)
            if all(value is not Undefined for value in given.values()):
                found.append(given)
    return found


def _arguments(field: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``field`` at ``node``, valued as the field will get them: a literal or a
    variable's value, None when absent, ``Undefined`` where no value can be had (one the field
    refuses, a variable not given)."""
    given: dict[str, Any] = dict.fromkeys(field.args)
    for argument in node.arguments or ():
        name = argument.name.value
        given[name] = value_from_ast(argument.value, field.args[name].type, variables)
    return given


def _fields(node: FieldNode, name: str) -> list[FieldNode]:
    """The fields named ``name`` directly in ``node``'s selection set."""
    if node.selection_set is None:
        return []
    return [
        selection
        for selection in node.selection_set.selections
        if isinstance(selection, FieldNode) and selection.name.value == name
    ]


def _page(field: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> EventsPage | None:
    """The page an ``events`` field will read, its arguments valued as the field will get them
    (a literal, a variable, or its default, None, when absent)."""
    given = _arguments(field, node, variables)
    first, after = (
        None if given[name] is Undefined else given[name] for name in ("first", "after")
    )
    try:
        limit = check_first(first)
        start = decode_fold_cursor(after) if after is not None else None
    except GraphQLError:  # the field answers it
        return None
    return start, limit + 1
