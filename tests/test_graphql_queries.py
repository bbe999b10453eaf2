"""GraphQL reads over the loaded report, through HTTP, on SQLite and PostgreSQL: time travel
flows from the root arguments into nested fields, pagination is complete and bounded, bad
arguments are named, and the request limits refuse what would be too deep or too costly."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import BACKENDS, EVENTS, ROOT, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from statement_log import statements

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

REPORT_DATE = "2020-02-17"


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[TestClient]:
    """One database per backend with the report loaded: read-only tests share it."""
    ledger = make_ledger(fresh_database_url(request.param))
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    with TestClient(create_app(ledger=ledger)) as client:
        yield client
    ledger.close()


def gql(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return response.json()


def data(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = gql(client, query, variables)
    assert "errors" not in body, body
    return body["data"]


def messages(body: Any) -> str:
    return " | ".join(error["message"] for error in body.get("errors", []))


def ledger_of(client: TestClient) -> Ledger:
    ledger: Ledger = client.app.state.ledger  # type: ignore[attr-defined]
    return ledger


def test_report_summary_at_its_date_counts_18_not_implemented_and_2_partially(
    loaded: TestClient,
) -> None:
    result = data(
        loaded,
        """query($at: Date) { implementationSummary(asOf: $at, addressee: "Kazakhstan")
             { status count } }""",
        {"at": REPORT_DATE},
    )
    counts = {row["status"]: row["count"] for row in result["implementationSummary"]}
    assert counts == {
        "NOT_ASSESSED": 0,
        "NOT_IMPLEMENTED": 18,
        "PARTIALLY_IMPLEMENTED": 2,
        "IMPLEMENTED": 0,
    }


def test_before_the_report_every_recommendation_is_not_assessed(loaded: TestClient) -> None:
    result = data(
        loaded,
        """{ implementationSummary(asOf: "2020-02-16", addressee: "Kazakhstan")
             { status count } }""",
    )
    counts = {row["status"]: row["count"] for row in result["implementationSummary"]}
    assert counts["NOT_ASSESSED"] == 20
    assert counts["NOT_IMPLEMENTED"] == counts["PARTIALLY_IMPLEMENTED"] == 0


def test_custody_changes_on_the_day_of_a_dated_release_not_before(loaded: TestClient) -> None:
    query = """query($at: Date) { person(id: "person-iskander-yerimbetov", asOf: $at)
                 { custodyStatus custodySince { text precision } } }"""
    before = data(loaded, query, {"at": "2019-12-26"})["person"]
    on_the_day = data(loaded, query, {"at": "2019-12-27"})["person"]
    assert before["custodyStatus"] == "IMPRISONED"
    assert on_the_day == {
        "custodyStatus": "RESTRICTED",
        "custodySince": {"text": "2019-12-27", "precision": "DAY"},
    }


def test_nested_fields_answer_at_the_root_point_without_repeating_it(loaded: TestClient) -> None:
    query = """query($at: Date) { person(id: "person-maks-bokayev", asOf: $at) {
        recommendations { code status assessments { status }
          persons { name custodyStatus } } } }"""
    before = data(loaded, query, {"at": "2020-02-16"})["person"]["recommendations"]
    after = data(loaded, query, {"at": REPORT_DATE})["person"]["recommendations"]
    assert before and all(r["status"] == "NOT_ASSESSED" and not r["assessments"] for r in before)
    assert all(r["status"] != "NOT_ASSESSED" and r["assessments"] for r in after)
    assert any(p["name"] == "Maks Bokayev" for r in after for p in r["persons"])


def test_known_at_before_the_load_returns_nothing(loaded: TestClient) -> None:
    first = ledger_of(loaded).store.query(limit=1)[0]
    before = (first.recorded_at - timedelta(seconds=1)).isoformat()
    result = data(
        loaded,
        """query($k: DateTime) {
             persons(knownAt: $k) { totalCount edges { node { name } } }
             recommendations(knownAt: $k) { totalCount }
             person(id: "person-maks-bokayev", knownAt: $k) { name }
             implementationSummary(knownAt: $k) { count } }""",
        {"k": before},
    )
    assert result["persons"] == {"totalCount": 0, "edges": []}
    assert result["recommendations"]["totalCount"] == 0
    assert result["person"] is None
    assert {row["count"] for row in result["implementationSummary"]} == {0}


def test_event_pagination_walks_every_event_exactly_once_by_position(loaded: TestClient) -> None:
    query = """query($after: String) { events(first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { position } } } }"""
    positions: list[int] = []
    after = None
    while True:
        page = data(loaded, query, {"after": after})["events"]
        positions += [edge["node"]["position"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    head = ledger_of(loaded).store.head().position
    assert positions == list(range(1, head + 1))
    assert page["totalCount"] == head


def test_persons_are_paged_in_one_stable_name_order_each_exactly_once(loaded: TestClient) -> None:
    query = """query($after: String) { persons(first: 7, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { name } } } }"""
    names: list[str] = []
    after = None
    while True:
        page = data(loaded, query, {"after": after})["persons"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(names) == page["totalCount"] == len(set(names))
    one_page = data(loaded, "{ persons(first: 100) { edges { node { name } } } }")["persons"]
    assert names == [edge["node"]["name"] for edge in one_page["edges"]]
    assert names[0] == "Ablovas Dzhumayev"


def test_recommendations_are_ordered_by_code(loaded: TestClient) -> None:
    result = data(
        loaded,
        '{ recommendations(first: 100, addressee: "Kazakhstan") '
        "{ totalCount edges { node { code } } } }",
    )
    codes = [edge["node"]["code"] for edge in result["recommendations"]["edges"]]
    assert codes == sorted(codes)
    assert result["recommendations"]["totalCount"] == len(codes) == 20


def test_global_ids_are_opaque_and_name_the_same_person_as_the_stream_id(
    loaded: TestClient,
) -> None:
    by_stream = data(loaded, '{ person(id: "person-maks-bokayev") { id name } }')["person"]
    global_id = by_stream["id"]
    assert base64.b64decode(global_id).decode() == "Person:person-maks-bokayev"
    result = data(
        loaded,
        """query($id: ID!) { person(id: $id) { name }
             node(id: $id) { __typename id ... on Person { name } } }""",
        {"id": global_id},
    )
    assert result["person"]["name"] == "Maks Bokayev"
    assert result["node"] == {"__typename": "Person", "id": global_id, "name": "Maks Bokayev"}


def test_events_reached_through_a_person_are_nodes_too(loaded: TestClient) -> None:
    result = data(
        loaded,
        """{ person(id: "person-maks-bokayev") { events(first: 2) {
             totalCount edges { node { id type streamId } } } } }""",
    )
    events = result["person"]["events"]
    assert events["totalCount"] >= 2
    first = events["edges"][0]["node"]
    node = data(
        loaded,
        "query($id: ID!) { node(id: $id) { ... on Event { type streamId } } }",
        {"id": first["id"]},
    )["node"]
    assert node == {"type": first["type"], "streamId": "person-maks-bokayev"}


def test_first_above_100_is_an_error_not_a_silent_cap(loaded: TestClient) -> None:
    for query in (
        "{ persons(first: 101) { totalCount } }",
        "{ events(first: 500) { totalCount } }",
        '{ person(id: "person-maks-bokayev") { events(first: 101) { totalCount } } }',
    ):
        body = gql(loaded, query)
        assert body.get("data") is None
        assert "first" in messages(body) and "100" in messages(body)
    body = gql(loaded, "query($n: Int) { recommendations(first: $n) { totalCount } }", {"n": 101})
    assert "first" in messages(body)


def test_a_malformed_as_of_is_named_in_the_error(loaded: TestClient) -> None:
    literal = gql(loaded, '{ persons(asOf: "2019-02-30") { totalCount } }')
    variable = gql(loaded, "query($d: Date) { persons(asOf: $d) { totalCount } }", {"d": "soon"})
    for body in (literal, variable):
        assert body.get("data") is None
        assert "asOf" in messages(body)


def test_a_known_at_without_offset_is_named_in_the_error(loaded: TestClient) -> None:
    body = gql(
        loaded,
        "query($k: DateTime) { implementationSummary(knownAt: $k) { count } }",
        {"k": "2020-01-01T00:00:00"},
    )
    assert body.get("data") is None
    assert "knownAt" in messages(body) and "offset" in messages(body)


def test_a_bad_time_inside_stream_diff_input_is_named(loaded: TestClient) -> None:
    body = gql(
        loaded,
        """{ streamDiff(streamId: "person-maks-bokayev", from: {asOf: "2019-99-01"}, to: {})
             { started { id } } }""",
    )
    assert "asOf" in messages(body)


def test_stream_diff_lists_the_events_that_started_counting_between_two_dates(
    loaded: TestClient,
) -> None:
    result = data(
        loaded,
        """{ streamDiff(streamId: "person-iskander-yerimbetov",
                       from: {asOf: "2019-12-26"}, to: {asOf: "2019-12-27"})
             { started { type occurredOn { text } } stopped { type } } }""",
    )["streamDiff"]
    assert {"type": "PersonReleased", "occurredOn": {"text": "2019-12-27"}} in result["started"]
    assert result["stopped"] == []


def test_custody_summary_counts_every_person_once_with_every_status(loaded: TestClient) -> None:
    result = data(
        loaded,
        """{ custodySummary(asOf: "2020-02-17") { status count }
             persons(asOf: "2020-02-17") { totalCount } }""",
    )
    statuses = [row["status"] for row in result["custodySummary"]]
    assert statuses == ["UNKNOWN", "FREE", "RESTRICTED", "DETAINED", "IMPRISONED"]
    assert sum(row["count"] for row in result["custodySummary"]) == result["persons"]["totalCount"]


def test_a_query_deeper_than_the_limit_is_refused(loaded: TestClient) -> None:
    chain = "retractedBy { " * 7 + "id" + " }" * 7
    deep = '{ person(id: "person-maks-bokayev") { events(first: 1) { edges { node { %s } } } } }'
    body = gql(loaded, deep % chain)
    assert body.get("data") is None
    assert "depth" in messages(body)
    shallow = gql(loaded, deep % ("retractedBy { " * 5 + "id" + " }" * 5))
    assert "errors" not in shallow, shallow


def test_a_query_whose_nested_pages_multiply_past_the_cost_bound_is_refused(
    loaded: TestClient,
) -> None:
    body = gql(
        loaded,
        """{ persons(first: 100) { edges { node { recommendations { persons {
             events(first: 100) { totalCount } } } } } } }""",
    )
    assert body.get("data") is None
    assert "cost" in messages(body)


def test_too_many_aliases_are_refused(loaded: TestClient) -> None:
    aliases = " ".join(f"a{i}: head {{ position }}" for i in range(40))
    body = gql(loaded, "{ " + aliases + " }")
    assert body.get("data") is None
    assert "alias" in messages(body).lower()


def test_introspection_works(loaded: TestClient) -> None:
    result = data(
        loaded,
        """{ __schema { queryType { name } mutationType { name }
             types { name kind fields { name type { name kind ofType { name kind ofType {
               name kind ofType { name kind } } } } } } } }""",
    )
    names = {t["name"] for t in result["__schema"]["types"]}
    assert {"Person", "Recommendation", "Event", "Node", "PageInfo", "UserError"} <= names
    assert result["__schema"]["mutationType"] == {"name": "Mutation"}


def test_graphiql_is_served_on_get(loaded: TestClient) -> None:
    response = loaded.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def readme_examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## GraphQL examples", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```graphql\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_query_examples_run_on_the_loaded_report(loaded: TestClient) -> None:
    queries = [q for q in readme_examples() if not q.lstrip().startswith("mutation")]
    assert len(queries) >= 3
    for query in queries:
        data(loaded, query)


def test_a_recommendation_reached_through_a_person_lists_its_events(loaded: TestClient) -> None:
    result = data(
        loaded,
        """{ person(id: "person-maks-bokayev", asOf: "2020-02-17") {
               recommendations { code events(first: 10) { totalCount
                 edges { node { type } } } } } }""",
    )
    for recommendation in result["person"]["recommendations"]:
        types = [edge["node"]["type"] for edge in recommendation["events"]["edges"]]
        assert types[0] == "RecommendationIssued", recommendation["code"]
        assert "ImplementationAssessed" in types, recommendation["code"]
        assert recommendation["events"]["totalCount"] == len(types)


def test_the_report_summary_reads_the_addressees_once_for_both_fields_naming_one(
    loaded: TestClient,
) -> None:
    with statements(ledger_of(loaded)) as sent:
        body = data(
            loaded,
            """{ implementationSummary(asOf: "2020-02-17", addressee: "Kazakhstan") { status count }
              recommendations(asOf: "2020-02-17", addressee: "kazakhstan",
                status: [PARTIALLY_IMPLEMENTED]) { totalCount } }""",
        )
    assert body["recommendations"]["totalCount"] == 2
    counts = {row["status"]: row["count"] for row in body["implementationSummary"]}
    assert counts["PARTIALLY_IMPLEMENTED"] == 2
    # one statement selects the addressees (the summary's, with its counts); none other does
    selecting = [s for s, _ in sent if "recommendation_states.addressee" in s.split("FROM")[0]]
    assert len(selecting) == 1, sent


def test_the_report_summary_reads_the_custody_summary_with_the_implementation_summary(
    loaded: TestClient,
) -> None:
    """A custody summary asked at the implementation summary's point is read in its
    statement; at another point, or where the root field does not look (a fragment), it is
    read on its own; the answers are the same."""

    def report(custody_as_of: str, fragment: bool = False) -> tuple[Any, list[str]]:
        custody = f'custodySummary(asOf: "{custody_as_of}") {{ status count }}'
        document = f"""{{ implementationSummary(asOf: "2020-02-17", addressee: "Kazakhstan") {{
            status count }} {"...custody" if fragment else custody} }}"""
        if fragment:
            document += f" fragment custody on Query {{ {custody} }}"
        with statements(ledger_of(loaded)) as sent:
            body = data(loaded, document)
        return body, [s for s, _ in sent if "custody_status" in s]

    together, read = report("2020-02-17")
    assert len(read) == 1 and "recommendation_states" in read[0], read
    apart, read = report("2020-02-17", fragment=True)
    assert apart == together and len(read) == 1 and "recommendation_states" not in read[0]
    elsewhere, read = report("2016-01-01")
    assert len(read) == 1 and "recommendation_states" not in read[0], read
    assert elsewhere["implementationSummary"] == together["implementationSummary"]
    assert elsewhere["custodySummary"] != together["custodySummary"]


def test_a_persons_history_reads_its_state_naming_recommendations_and_events_in_one_statement(
    loaded: TestClient,
) -> None:
    """The fields asked of the person are read with it; the same fields asked where the
    person's resolver does not look (a fragment) read on their own and answer the same."""
    fields = """name recommendations { code status }
        events(first: $first, after: $after) { totalCount edges { cursor node { position } } }"""
    plain = f"""query($first: Int, $after: String) {{
        person(id: "person-maks-bokayev", asOf: "2020-02-17") {{ {fields} }} }}"""
    in_fragment = f"""query($first: Int, $after: String) {{
        person(id: "person-maks-bokayev", asOf: "2020-02-17") {{ ...history }} }}
        fragment history on Person {{ {fields} }}"""
    first_page = data(loaded, in_fragment, {"first": 2})["person"]["events"]["edges"]
    for variables in [{"first": 2}, {"first": 3, "after": first_page[0]["cursor"]}, {}]:
        with statements(ledger_of(loaded)) as sent:
            body = data(loaded, plain, variables)
        # (besides the answer cache's read of the head) one statement reads all three
        reads = [s for s, _ in sent if "recommendation_persons" in s or "events.data" in s]
        assert len(reads) == 1 and "person_states" in reads[0], sent
        assert body == data(loaded, in_fragment, variables)
        assert body["person"]["recommendations"]
    refused = gql(loaded, plain, {"first": -1})
    assert "argument 'first' must be between 0" in messages(refused)


def test_a_page_of_persons_reads_the_recommendations_naming_them_in_its_own_statement(
    loaded: TestClient,
) -> None:
    """The persons' recommendations are read with the page; asked where the persons resolver
    does not look (a fragment) they are read on their own and answer the same."""
    fields = "name recommendations { code status }"
    plain = f"""query($first: Int, $after: String) {{ persons(asOf: "2020-02-17", first: $first,
        after: $after) {{ totalCount edges {{ cursor node {{ {fields} }} }} }} }}"""
    in_fragment = f"""query($first: Int, $after: String) {{ persons(asOf: "2020-02-17",
        first: $first, after: $after) {{ totalCount edges {{ cursor node {{ ...named }} }} }} }}
        fragment named on Person {{ {fields} }}"""
    first_page = data(loaded, in_fragment, {"first": 5})["persons"]["edges"]
    for variables in [{"first": 5}, {"first": 100}, {"first": 3, "after": first_page[3]["cursor"]}]:
        with statements(ledger_of(loaded)) as sent:
            body = data(loaded, plain, variables)
        naming = [s for s, _ in sent if "recommendation_persons" in s]
        assert len(naming) == 1 and "person_states" in naming[0], sent
        assert body == data(loaded, in_fragment, variables)
        assert any(edge["node"]["recommendations"] for edge in body["persons"]["edges"])


def test_a_persons_history_counts_its_events_from_the_state_it_read(loaded: TestClient) -> None:
    """totalCount is the state row's own event count: the lookup of the person read it, so the
    page of events costs no statement of its own for it (and says the same as a fresh read)."""
    query = """{ person(id: "person-maks-bokayev", asOf: "2020-02-17") {
        events(first: 2) { totalCount edges { node { position } } } } }"""
    with statements(ledger_of(loaded)) as sent:
        body = data(loaded, query)
    listed = data(
        loaded,
        """{ persons(asOf: "2020-02-17", search: "Bokayev") { edges { node {
        events(first: 2) { totalCount } } } } }""",
    )
    total = body["person"]["events"]["totalCount"]
    assert total == listed["persons"]["edges"][0]["node"]["events"]["totalCount"] > 2
    assert len(body["person"]["events"]["edges"]) == 2
    # the person's lookup reads its state row, event_count included; nothing reads it again
    assert sum("event_count" in statement for statement, _ in sent) == 1, sent
