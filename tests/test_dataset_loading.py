"""`ledger load`: validate every file first, store nothing when one is bad, load idempotently."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import make_ledger
from ledger.cli.main import app
from ledger.container import Ledger
from ledger.dataset.files import DatasetError, load_yaml, read_dataset
from ledger.dataset.loader import load_dataset
from ledger.domain.errors import IdConflict, NotFound

EVENTS = Path(__file__).resolve().parents[1] / "events"

SOURCES = """\
sources:
  - id: report
    title: The report
    publisher: Open Dialogue Foundation
    published: "2020-02"
"""


def write_stream(folder: Path, name: str, body: str) -> Path:
    path = folder / "persons" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def person(slug: str, term: str = "60", event_id: str | None = None) -> str:
    return f"""\
stream: person-{slug}
events:
  - id: {uuid.uuid4()}
    type: PersonProfiled
    data: {{name: {slug.title()}}}
    sources: [report]
  - id: {event_id or uuid.uuid4()}
    type: PersonSentenced
    occurredOn: "2019-12"
    data: {{kind: IMPRISONMENT, termMonths: {term}}}
    sources: [report]
"""


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    (tmp_path / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    write_stream(tmp_path, "alpha", person("alpha"))
    write_stream(tmp_path, "beta", person("beta"))
    return tmp_path


def test_loading_twice_stores_nothing_new(ledger: Ledger, dataset: Path) -> None:
    first = load_dataset(ledger.service, dataset, recorded_by="t")
    second = load_dataset(ledger.service, dataset, recorded_by="t")
    assert (first.events_read, first.events_stored) == (4, 4)
    assert second.events_stored == 0
    assert ledger.store.head().position == 4


def test_sources_are_resolved_from_the_source_list(ledger: Ledger, dataset: Path) -> None:
    load_dataset(ledger.service, dataset, recorded_by="t")
    event = ledger.store.read_stream("person-alpha")[1]
    assert event.sources == (
        {"title": "The report", "publisher": "Open Dialogue Foundation", "published": "2020-02"},
    )


def test_a_bad_file_is_named_with_its_line_event_and_field_and_nothing_is_stored(
    ledger: Ledger, dataset: Path
) -> None:
    bad = write_stream(dataset, "gamma", person("gamma", term='"five years"'))
    with pytest.raises(DatasetError) as refused:
        load_dataset(ledger.service, dataset, recorded_by="t")
    message = str(refused.value)
    assert f"{bad}:7" in message  # the line where event #2 begins
    assert "event #2" in message
    assert "data.termMonths" in message
    assert ledger.store.head().position == 0


def test_an_unknown_source_id_is_refused(dataset: Path) -> None:
    write_stream(dataset, "gamma", person("gamma").replace("[report]", "[nowhere]", 1))
    with pytest.raises(DatasetError, match=r"'nowhere' is not in sources\.yaml"):
        read_dataset(dataset)


def test_an_event_without_a_stable_id_is_refused(dataset: Path) -> None:
    body = person("gamma")
    first_id = body.split("id: ")[1].split("\n")[0]
    write_stream(dataset, "gamma", body.replace(f"  - id: {first_id}\n    type", "  - type"))
    with pytest.raises(DatasetError, match="needs a stable 'id'"):
        read_dataset(dataset)


def test_invalid_yaml_names_the_line(dataset: Path) -> None:
    path = write_stream(dataset, "gamma", "stream: person-gamma\nevents: [\n  - {")
    with pytest.raises(DatasetError, match=re.escape(str(path))):
        read_dataset(dataset)


def test_an_edited_event_is_refused_rather_than_silently_changed(
    ledger: Ledger, dataset: Path
) -> None:
    event_id = str(uuid.uuid4())
    write_stream(dataset, "gamma", person("gamma", event_id=event_id))
    load_dataset(ledger.service, dataset, recorded_by="t")
    write_stream(dataset, "gamma", person("gamma", term="72", event_id=event_id))
    with pytest.raises(IdConflict, match=event_id):
        load_dataset(ledger.service, dataset, recorded_by="t")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(
    fresh_database_url: Callable[[str], str],
) -> None:
    ledger = make_ledger(fresh_database_url("sqlite"))
    with ledger.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    ledger.close()


def test_a_refused_load_stores_nothing_however_many_files_come_before_the_refused_event(
    ledger: Ledger, dataset: Path
) -> None:
    for number in range(60):
        write_stream(dataset, f"p{number:02d}", person(f"p{number:02d}"))
    unknown = uuid.uuid4()
    write_stream(
        dataset,
        "zz-last",
        person("zz-last").replace(
            "    sources: [report]\n", f"    disputes: [{unknown}]\n    sources: [report]\n", 1
        ),
    )
    with pytest.raises(NotFound, match=str(unknown)):
        load_dataset(ledger.service, dataset, recorded_by="t")
    assert ledger.store.head().position == 0


def test_every_file_of_the_data_set_reads_as_pyyaml_reads_it() -> None:
    for path in sorted(EVENTS.rglob("*.yaml")):
        assert load_yaml(path)[0] == yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_a_scalar_met_again_in_a_file_reads_as_it_did_the_first_time(tmp_path: Path) -> None:
    """The loader keeps each plain scalar's tag by its text: the second time a text comes, in
    any place, it must read as PyYAML reads it, as must its quoted twin."""
    scalars = ["12", "1.5", ".inf", "0x1f", "true", "yes", "null", "~", "2019-12-02", "", "a b"]
    items = [f"  {s or 'empty'}: {s}\n  q{s or 'empty'}: '{s}'\n" for s in scalars]
    document = "first:\n" + "".join(items) + "again:\n" + "".join(items) + "list: [12, '12', yes]\n"
    path = tmp_path / "scalars.yaml"
    path.write_text(document, encoding="utf-8")
    loaded = load_yaml(path)[0]
    assert loaded == yaml.safe_load(document)
    assert loaded["again"] == loaded["first"]
    assert loaded["again"][12] == 12 and loaded["again"]["q12"] == "12"


def test_anchors_merge_keys_and_unquoted_dates_read_as_yaml_means_them(dataset: Path) -> None:
    write_stream(
        dataset,
        "gamma",
        f"""\
stream: person-gamma
events:
  - id: {uuid.uuid4()}
    type: PersonProfiled
    data: &profile {{name: Gamma}}
    sources: &cited [report]
  - id: {uuid.uuid4()}
    type: PersonSentenced
    occurredOn: 2019-12-02
    data:
      <<: {{kind: IMPRISONMENT}}
      termMonths: 60
    sources: *cited
""",
    )
    stream = next(s for s in read_dataset(dataset).streams if s.stream_id == "person-gamma")
    profile, sentence = stream.events
    assert profile.data == {"name": "Gamma"}
    assert sentence.data == {"kind": "IMPRISONMENT", "termMonths": 60}
    assert sentence.occurred_on is not None and sentence.occurred_on.text == "2019-12-02"
    assert sentence.sources == profile.sources
    assert stream.lines == (3, 7)


def test_the_load_command_names_the_file_and_line_of_a_refused_event(
    ledger: Ledger, dataset: Path
) -> None:
    bad = write_stream(dataset, "gamma", person("gamma", term='"five years"'))
    url = ledger.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["load", str(dataset)], env={"LEDGER_DATABASE_URL": url})
    assert result.exit_code == 1
    assert f"{bad}:7" in result.output and "data.termMonths" in result.output
    assert "unexpected" not in result.output
    assert ledger.store.head().position == 0
