"""What the hardening of issue 13 costs, and what it stops.

    .venv/bin/python bench/hardening.py [--postgres URL] [--requests 300] [--feed-events 20000]

1. Validation time of the fan-out family (``F0`` spreads ``F1`` twice … ``Fn``) at depth 10,
   30 and 60: the linear measure alone, and a whole refused request over HTTP. For scale, the
   exponential walk it replaced (strawberry's depth limiter) at depths 10 to 16.
2. p99 latency of the README's GraphQL queries with the new checks (document bounds, request
   guard, execution off the event loop, strict JSON at the gate) and without them (the
   previous extensions, executed on the event loop, no guard, no strict JSON check).
3. Feed throughput (events/s) with per-row hash checking and without.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from graphql import parse, validate
from strawberry import Schema
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from ledger.app import create_app
from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.dataset.loader import load_dataset
from ledger.domain.new_event import parse_new_event
from ledger.graphql import errors as graphql_errors
from ledger.graphql import schema as graphql_schema
from ledger.graphql.bounds import Bounds, check_bounds
from ledger.security import middleware
from ledger.store.migrate import upgrade
from ledger.store.verification import checked_page
from readme_queries import PERSON_HISTORY, REPORT_SUMMARY

ROOT = Path(__file__).resolve().parents[1]

README_QUERIES = {
    "summary": REPORT_SUMMARY,
    "history": PERSON_HISTORY,
    "diff": """{
  before: person(id: "person-iskander-yerimbetov", asOf: "2019-12-26") { custodyStatus }
  after: person(id: "person-iskander-yerimbetov", asOf: "2019-12-27") {
    custodyStatus custodySince { text } }
  streamDiff(streamId: "person-iskander-yerimbetov",
             from: {asOf: "2019-12-26"}, to: {asOf: "2019-12-27"}) {
    started { type occurredOn { text } data } stopped { type } } }""",
    "known": """{
  head { position recordedAt }
  knownBeforeTheLoad: implementationSummary(
    asOf: "2020-02-17", addressee: "Kazakhstan", knownAt: "2020-01-01T00:00:00Z"
  ) { status count }
  knownNow: implementationSummary(asOf: "2020-02-17", addressee: "Kazakhstan") {
    status count } }""",
}


def fan_out(depth: int) -> str:
    fragments = [
        f"fragment F{level} on Query {{ ...F{level + 1} ...F{level + 1} head {{ position }} }}"
        for level in range(depth)
    ]
    fragments.append(f"fragment F{depth} on Query {{ head {{ position }} }}")
    return "query { ...F0 } " + " ".join(fragments)


def best_of(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def fan_out_figures(client: TestClient) -> None:
    settings = Settings()
    bounds = Bounds(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_selections=settings.graphql_max_selections,
        max_fragment_spreads=settings.graphql_max_fragment_spreads,
        max_repeats=settings.graphql_max_repeats,
    )
    print("fan-out family: refusal time")
    for depth in (10, 30, 60):
        document = parse(fan_out(depth))
        measure = best_of(20, lambda document=document: check_bounds(document, bounds))
        http = best_of(
            10, lambda depth=depth: client.post("/graphql", json={"query": fan_out(depth)})
        )
        print(
            f"  depth {depth:2}: measure {measure * 1000:7.3f} ms   whole HTTP request"
            f" {http * 1000:7.2f} ms"
        )
    old = Schema(query=graphql_schema.Query)
    rules = (*QueryDepthLimiter(max_depth=10).validation_rules,)
    print("  before (strawberry depth limiter alone, exponential):")
    for depth in (10, 12, 14, 16):
        document = parse(fan_out(depth))
        took = best_of(1, lambda document=document: validate(old._schema, document, rules))
        if took > 5:
            break
        print(f"    depth {depth:2}: {took * 1000:9.1f} ms")


def timed(client: TestClient, query: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = client.post("/graphql", json={"query": query})
        times.append(time.perf_counter() - start)
        assert "errors" not in answer.json(), answer.text
    return times


@contextmanager
def without_new_checks() -> Iterator[None]:
    """The app as it was: previous extensions, on the event loop, no guard, no strict JSON."""
    saved = (
        graphql_schema.build_schema,
        graphql_errors.LedgerSchema.execute,
        middleware.RequestGuard,
        middleware._malformed_json,
    )
    built = graphql_schema.build_schema

    def old_build(settings: Settings | None = None) -> Any:
        schema = built(settings)
        schema.extensions = [
            lambda: QueryDepthLimiter(max_depth=10),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=5000),
            *schema.extensions[2:],
        ]
        return schema

    class Passthrough:
        def __init__(self, app: Any, settings: Settings) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    graphql_schema.build_schema = old_build  # type: ignore[assignment]
    graphql_errors.LedgerSchema.execute = Schema.execute  # type: ignore[method-assign]
    middleware.RequestGuard = Passthrough  # type: ignore[assignment,misc]
    middleware._malformed_json = lambda *_args: None
    try:
        yield
    finally:
        (
            graphql_schema.build_schema,
            graphql_errors.LedgerSchema.execute,
            middleware.RequestGuard,
            middleware._malformed_json,
        ) = saved  # type: ignore[assignment,misc]


def latency_figures(ledger: Ledger, requests: int, rounds: int = 10) -> None:
    """The two apps answer in alternating rounds, so that a machine busy with other work
    weighs on both alike."""
    print(f"README queries over {requests} requests each (ms): with / without the new checks")
    with without_new_checks():
        plain_app = create_app(ledger=ledger)
    checked_app = create_app(ledger=ledger)
    with_checks: dict[str, list[float]] = {name: [] for name in README_QUERIES}
    without: dict[str, list[float]] = {name: [] for name in README_QUERIES}
    with TestClient(checked_app) as checked, TestClient(plain_app) as plain:
        for _ in range(rounds):
            for name, query in README_QUERIES.items():
                with_checks[name] += timed(checked, query, requests // rounds)
                with without_new_checks():
                    without[name] += timed(plain, query, requests // rounds)
    for name in README_QUERIES:
        new, old = with_checks[name], without[name]
        p99_new, p99_old = (statistics.quantiles(t, n=100)[98] for t in (new, old))
        p50_new, p50_old = statistics.median(new), statistics.median(old)
        print(
            f"  {name:8}: p99 {p99_new * 1000:7.2f} / {p99_old * 1000:7.2f} ratio"
            f" {p99_new / p99_old:.2f};  p50 {p50_new * 1000:6.2f} / {p50_old * 1000:6.2f}"
            f" ratio {p50_new / p50_old:.2f}"
        )


def feed_figures(ledger: Ledger, events: int) -> None:
    have = ledger.store.head().position
    batch = [
        parse_new_event({"type": "IncidentReported", "occurredOn": "2019-05",
                         "data": {"kind": "SEARCH", "description": "home searched"},
                         "sources": [{"title": "bench"}]})
        for _ in range(100)
    ]  # fmt: skip
    stream = 0
    while ledger.store.head().position < have + events:
        ledger.service.append(f"person-bench-{stream}", batch, recorded_by="bench")
        stream += 1
    total = ledger.store.head().position

    def read_all(page: Callable[[int], int]) -> None:
        after = 0
        while after < total:
            after = page(after)

    def plain(after: int) -> int:
        return ledger.store.read_feed(after, 1000)[-1].position

    def checked(after: int) -> int:
        events, bad = checked_page(ledger.store, after, 1000)
        assert bad is None
        return events[-1].position

    without = best_of(3, lambda: read_all(plain))
    with_check = best_of(3, lambda: read_all(checked))
    print(
        f"feed over {total} events, pages of 1000: {total / with_check:,.0f} events/s checked,"
        f" {total / without:,.0f} events/s unchecked (ratio {without / with_check:.2f})"
    )


def run(url: str, label: str, requests: int, feed_events: int) -> None:
    print(f"== {label}")
    ledger = build_ledger(Settings(database_url=url, write_rate_per_minute=0))
    upgrade(ledger.engine)
    load_dataset(ledger.service, ROOT / "events", recorded_by="bench")
    with TestClient(create_app(ledger=ledger)) as client:
        fan_out_figures(client)
    latency_figures(ledger, requests)
    feed_figures(ledger, feed_events)
    ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="an empty PostgreSQL database (URL)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--feed-events", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", "SQLite", args.requests, args.feed_events)
    if args.postgres:
        run(args.postgres, "PostgreSQL", args.requests, args.feed_events)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
