"""The browser side in real Chromium, with every host but 127.0.0.1 unresolvable: GraphiQL, the
API docs and the explorer work from the app's own files, show the report's figures, move through
time one request per step, render hostile content as text, and log no console error.

Screenshots and the measured first paint go to ``test-artifacts/browser/`` (not committed).
Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded browser);
without it these tests are skipped, except in CI (``CI`` set), where they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from conftest import EVENTS, ROOT, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.domain.hash_chain import event_hash
from ledger.domain.recorded_event import RecordedEvent
from ledger.security.roles import Role
from ledger.security.tokens import create_token
from ledger.service.commands import ImportEvents

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path(os.environ.get("LEDGER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # nothing but this machine can be reached: a page that needs a CDN shows it at once
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
YERIMBETOV = "person-iskander-yerimbetov"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    base: str
    ledger: Ledger
    editor_token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app over the loaded report, served by uvicorn on a free port in this process."""
    path = tmp_path_factory.mktemp("browser") / "ledger.db"
    ledger = make_ledger(f"sqlite:///{path}")
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    token = create_token(ledger.engine, "browser-editor", Role.EDITOR)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ledger=ledger), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", ledger, token)
    server.should_exit = True
    thread.join(timeout=10)
    ledger.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests")
        pytest.skip(reason)
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page with everything it logged and asked for."""

    page: Any
    base: str
    problems: list[str] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)

    def graphql_posts(self) -> int:
        return sum(
            1 for r in self.requests if r.method == "POST" and r.url == f"{self.base}/graphql"
        )

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def foreign_requests(self) -> list[str]:
        local = (self.base, "data:", "blob:")
        return [r.url for r in self.requests if not r.url.startswith(local)]


@pytest.fixture
def tab(browser: Any, served: Served) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    opened = Tab(page, served.base)
    page.on(
        "console",
        lambda m: (
            opened.problems.append(f"console {m.type}: {m.text}")
            if m.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    page.on("request", lambda request: opened.requests.append(request))
    yield opened
    context.close()


def _day_number(iso: str) -> int:
    return date.fromisoformat(iso).toordinal() - date(1970, 1, 1).toordinal()


def test_graphiql_renders_offline_and_runs_the_readme_summary_query(tab: Tab) -> None:
    page = tab.page
    page.goto(f"{tab.base}/graphql")
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    result.filter(has_text="PARTIALLY_IMPLEMENTED").wait_for()
    text = result.inner_text()
    assert '"count": 18' in text and '"count": 2' in text  # the editor shows what fits
    # the explorer plugin is there
    assert page.locator("[aria-label='Show GraphiQL Explorer']").count() == 1
    tab.shot("graphiql")
    assert tab.problems == []
    assert tab.foreign_requests() == []


def test_graphiql_sends_the_headers_pane_token_as_a_header_never_in_the_url(
    tab: Tab, served: Served
) -> None:
    page = tab.page
    page.goto(f"{tab.base}/graphql")
    page.get_by_role("button", name="Headers").click()
    headers_editor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    headers_editor.click()
    page.keyboard.type(f'{{"Authorization": "Bearer {served.editor_token}"}}')
    with page.expect_request(f"{tab.base}/graphql") as sent:
        page.locator(".graphiql-execute-button").click()
    assert sent.value.headers.get("authorization") == f"Bearer {served.editor_token}"
    page.locator(".result-window").filter(has_text="implementationSummary").wait_for()
    stored = page.evaluate("() => JSON.stringify(Object.assign({}, window.localStorage))")
    assert served.editor_token not in page.url
    assert served.editor_token not in stored
    assert tab.problems == []


def test_swagger_docs_and_redoc_render_without_leaving_the_machine(tab: Tab) -> None:
    page = tab.page
    page.goto(f"{tab.base}/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="Ledger").wait_for()
    page.locator(".opblock-summary-path").first.wait_for()
    tab.shot("docs")
    assert tab.problems == []
    assert tab.foreign_requests() == []

    page.goto(f"{tab.base}/redoc")
    page.locator("h1").filter(has_text="Ledger").wait_for()
    # ReDoc's menu shows its vendor's logo from a CDN: the page's policy keeps the browser from
    # asking for it (and says so in the console), so nothing reaches another host.
    finished: list[str] = []
    page.on("requestfinished", lambda r: finished.append(r.url))
    page.reload()
    page.locator("h1").filter(has_text="Ledger").wait_for()
    assert [url for url in finished if not url.startswith((tab.base, "blob:", "data:"))] == []


def _open_explorer(tab: Tab, route: str) -> None:
    tab.page.goto(f"{tab.base}/explore/#{route}")
    tab.page.locator("#view[aria-busy='false'][data-renders]").wait_for()


def _wait_for_render(tab: Tab, renders_before: int, as_of: str) -> None:
    tab.page.locator(
        f"#view[aria-busy='false'][data-as-of='{as_of}']:not([data-renders='{renders_before}'])"
    ).wait_for()


def test_explorer_shows_the_report_at_its_date(tab: Tab) -> None:
    page = tab.page
    _open_explorer(tab, "/?asOf=2020-02-17")
    page.get_by_label("Show those named:").select_option("political prisoner")
    held = page.locator("#held-list")
    assert held.get_attribute("data-count") == "16"
    assert held.locator("tbody tr").count() == 16
    assert "Maks Bokayev" in held.inner_text()

    kazakhstan = page.locator("section[data-addressee='Kazakhstan']")
    partial = kazakhstan.locator("[data-status='PARTIALLY_IMPLEMENTED'] li")
    assert partial.count() == 2
    assert "EP-2019-KZ-05" in partial.nth(0).inner_text()
    assert "EP-2019-KZ-07" in partial.nth(1).inner_text()
    counts = page.locator("ul.counts li[data-status='NOT_IMPLEMENTED'] .count").first
    assert counts.inner_text() == "18"
    unlabelled = page.locator("input, select").evaluate_all(
        "controls => controls.filter(c => c.labels.length === 0).map(c => c.id)"
    )
    assert unlabelled == []
    tab.shot("explore-overview")
    assert tab.problems == []
    assert tab.foreign_requests() == []


def test_slider_moves_one_request_at_a_time_and_shows_yerimbetov_released(tab: Tab) -> None:
    page = tab.page
    _open_explorer(tab, "/?asOf=2020-02-17")
    page.locator("details > summary").click()  # everyone, not only the held
    row = page.locator(f"table.persons tr[data-person='{YERIMBETOV}']").last
    slider = page.get_by_label("As of, on the ledger's span")

    before = tab.graphql_posts()
    renders = int(page.locator("#view").get_attribute("data-renders") or 0)
    slider.fill(str(_day_number("2019-12-26")))
    _wait_for_render(tab, renders, "2019-12-26")
    assert tab.graphql_posts() == before + 1
    assert "imprisoned" in row.inner_text()
    assert page.get_by_label("As of (date)").input_value() == "2019-12-26"
    assert slider.get_attribute("aria-valuetext") == "26 December 2019"

    # a day later, by keyboard
    before = tab.graphql_posts()
    renders = int(page.locator("#view").get_attribute("data-renders") or 0)
    slider.focus()
    page.keyboard.press("ArrowRight")
    _wait_for_render(tab, renders, "2019-12-27")
    assert tab.graphql_posts() == before + 1
    assert "restricted" in row.inner_text()
    assert "2019-12-27" in row.inner_text()
    tab.shot("explore-2019-12-27")
    assert tab.problems == []


def test_known_at_shows_the_record_as_the_ledger_knew_it(tab: Tab) -> None:
    page = tab.page
    _open_explorer(tab, "/?asOf=2020-02-17")
    not_implemented = page.locator("ul.counts li[data-status='NOT_IMPLEMENTED'] .count").first
    assert not_implemented.inner_text() == "18"

    renders = int(page.locator("#view").get_attribute("data-renders") or 0)
    before = tab.graphql_posts()
    page.get_by_label("Known at (UTC date and time)").fill("2000-01-01T00:00:00")
    _wait_for_render(tab, renders, "2020-02-17")
    assert tab.graphql_posts() == before + 1
    assert "as known at 2000-01-01T00:00:00Z" in page.locator("#view-title").inner_text()
    assert not_implemented.inner_text() == "0"  # nothing had been recorded yet

    renders += 1
    page.get_by_role("button", name="Now").click()
    _wait_for_render(tab, renders, "2020-02-17")
    assert not_implemented.inner_text() == "18"
    assert tab.problems == []


def test_person_page_draws_custody_over_time_with_sources_and_why(tab: Tab) -> None:
    page = tab.page
    _open_explorer(tab, f"/person/{YERIMBETOV}?asOf=2020-02-17")  # the server is warm now
    timing = page.evaluate(
        """() => ({
          rendered: performance.getEntriesByName('ledger:person-rendered')[0].startTime,
          firstContentfulPaint: (performance.getEntriesByName('first-contentful-paint')[0]
                                 || {}).startTime,
        })"""
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "person-page-timing.json").write_text(json.dumps(timing, indent=2))
    print(f"\nperson page: rendered {timing['rendered']:.0f} ms after navigation start")

    periods = page.locator("ol.periods li")
    assert [re.sub(r"#\d+", "#N", periods.nth(i).inner_text()) for i in range(periods.count())] == [
        "unknown from the start of the record to 2019-03-14",
        "imprisoned from 2019-03-14 to 2019-12-27 — event #N (Custody observed)",
        "restricted from 2019-12-27 (still at 2020-02-17) — event #N (Person released)",
    ]
    assert page.locator("svg.timeline rect").count() >= 3
    un = page.locator("section.facts").filter(has_text="UN decisions")
    assert "A/HRC/WGAD/2018/67" in un.inner_text()
    assert un.get_by_role("link", name="Opinion No. 67/2018", exact=False).count() == 1

    page.get_by_role("button", name="Why is this so?").click()
    opener = page.locator(".event.opener")
    assert "Person released" in opener.inner_text()
    assert "focused" in (opener.get_attribute("class") or "")
    assert opener.evaluate("element => element === document.activeElement")
    tab.shot("explore-person")
    assert tab.problems == []


def test_recommendation_page_shows_status_timeline_and_assessments(tab: Tab) -> None:
    page = tab.page
    _open_explorer(tab, "/recommendation/recommendation-ep-2019-kz-05?asOf=2020-02-17")
    periods = page.locator("ol.periods li")
    assert periods.count() == 2
    # from the issue (a timeline the explorer derives) or from the start of the record (the
    # server's statusTimeline): either way not assessed until the report's assessment
    assert periods.nth(0).inner_text().startswith("not assessed from ")
    assert periods.nth(1).inner_text().startswith("partially implemented from 2020-02-17")
    assessment = page.locator("section.facts").filter(has_text="Assessments (1)")
    assert "partially fulfilled" in assessment.inner_text()
    assert assessment.locator("ul.sources a").count() >= 1
    assert tab.problems == []


def test_api_errors_are_shown_in_the_page(tab: Tab) -> None:
    page = tab.page
    page.goto(f"{tab.base}/explore/#/?asOf=2020-13-45")
    error = page.get_by_role("alert")
    error.filter(has_text="'2020-13-45': month 13 does not exist").wait_for()
    page.goto(f"{tab.base}/explore/#/person/person-nobody?asOf=2020-02-17")
    error.filter(has_text="no person with the id “person-nobody”").wait_for()
    assert page.locator("#view").inner_text() != ""


def _import_old_event(ledger: Ledger, stream_id: str, data: dict[str, Any], sources: Any) -> None:
    """Append an event the way an import of an old export does: sources as they were stored,
    from before the ledger refused links that are not http(s)."""
    head = ledger.store.head()
    draft = RecordedEvent(
        id=uuid.uuid4(),
        position=head.position + 1,
        stream_id=stream_id,
        version=1,
        type="PersonProfiled",
        schema_version=2,
        occurred_on=None,
        recorded_at=datetime.now(UTC),
        recorded_by="old-export",
        data=data,
        sources=tuple(sources),
        hash="",
        previous_hash=head.hash,
    )
    ledger.service.import_events(ImportEvents((draft._replace(hash=event_hash(draft, head.hash)),)))


def test_content_from_events_is_text_and_only_http_links_are_clickable(
    tab: Tab, served: Served
) -> None:
    hostile_name = '<img src=x onerror="window.__pwned=1">Mallory'
    _import_old_event(
        served.ledger,
        "person-mallory",
        {"name": hostile_name, "summary": "<script>window.__pwned=3</script>"},
        [
            {"title": "<b>click me</b>", "url": "javascript:window.__pwned=2"},
            {"title": "A real page", "url": "https://example.org/report"},
        ],
    )
    page = tab.page
    _open_explorer(tab, "/person/person-mallory?asOf=2020-02-17")
    assert page.locator("#view-title").inner_text() == hostile_name
    assert page.locator("#view img, #view script, #view b").count() == 0
    event = page.locator(".event").first
    assert "<script>window.__pwned=3</script>" in event.inner_text()
    assert event.locator("a").count() == 1  # only the https source
    assert event.locator("a").get_attribute("href") == "https://example.org/report"
    event.get_by_text("<b>click me</b>").click()
    assert page.evaluate("() => window.__pwned === undefined")
    assert tab.problems == []


def test_explorer_updates_live_when_an_event_is_appended(tab: Tab, served: Served) -> None:
    page = tab.page
    schema = httpx.post(
        f"{served.base}/graphql",
        json={"query": '{ __type(name: "Subscription") { fields { name } } }'},
    ).json()
    if not schema["data"]["__type"]:
        pytest.skip("the API has no Subscription type yet")
    page.goto(f"{tab.base}/explore/#/person/person-mallory-live?asOf=2020-02-17")
    page.get_by_role("alert").filter(has_text="person-mallory-live").wait_for()
    page.locator("#live[data-live='connected']").wait_for()
    appended = httpx.post(
        f"{served.base}/v1/streams/person-mallory-live/events",
        headers={"Authorization": f"Bearer {served.editor_token}"},
        json={
            "events": [
                {
                    "type": "PersonProfiled",
                    "data": {"name": "Live Person"},
                    "sources": [{"title": "A test"}],
                }
            ]
        },
    )
    assert appended.status_code == 201, appended.text
    page.locator("#view-title").filter(has_text="Live Person").wait_for()
    assert "person-mallory-live" in page.locator("#live").inner_text()
