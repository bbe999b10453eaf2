"""`ledger rebuild` restores the projections from the events; `ledger verify` notices when the
stored projections differ from a fresh fold."""

from __future__ import annotations

from sqlalchemy import delete, update
from typer.testing import CliRunner

from conftest import EVENTS
from ledger.cli.main import app
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.projections.rebuild import rebuild, verify_projections
from ledger.store.tables import PersonStateRow

ROWS = PersonStateRow.__table__


def loaded(ledger: Ledger) -> Ledger:
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    return ledger


def test_projections_kept_at_append_time_equal_a_fresh_fold(ledger: Ledger) -> None:
    report = verify_projections(loaded(ledger).engine)
    assert report.ok and report.streams > 0


def test_verify_names_the_stream_whose_projection_was_changed(ledger: Ledger) -> None:
    loaded(ledger)
    with ledger.engine.begin() as connection:
        connection.execute(
            update(ROWS).where(ROWS.c.stream_id == "person-maks-bokayev").values(event_count=99)
        )
    report = verify_projections(ledger.engine)
    assert report.first_bad_stream == "person-maks-bokayev"


def test_rebuild_restores_deleted_projections(ledger: Ledger) -> None:
    loaded(ledger)
    before = ledger.read_model.persons(TimePoint(), limit=100).page
    with ledger.engine.begin() as connection:
        connection.execute(delete(ROWS))
    assert not verify_projections(ledger.engine).ok
    rebuild(ledger.engine)
    assert verify_projections(ledger.engine).ok
    assert ledger.read_model.persons(TimePoint(), limit=100).page == before


def test_the_cli_rebuilds_and_verifies(ledger: Ledger, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loaded(ledger)
    monkeypatch.setenv("LEDGER_DATABASE_URL", ledger.engine.url.render_as_string(False))
    runner = CliRunner()
    rebuilt = runner.invoke(app, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt" in rebuilt.output
    with ledger.engine.begin() as connection:
        connection.execute(delete(ROWS).where(ROWS.c.stream_id == "person-maks-bokayev"))
    verified = runner.invoke(app, ["verify"])
    assert verified.exit_code != 0
    assert "person-maks-bokayev" in verified.output + str(verified.stderr_bytes or b"")


def test_a_rebuild_keeps_a_restricted_event_out_of_the_public_rows_only(ledger: Ledger) -> None:
    sources = [Source(title="report")]
    ledger.service.append(
        "person-a",
        [
            NewEvent("PersonProfiled", {"name": "A"}, tuple(sources)),
            NewEvent(
                "PersonDetained",
                {"kind": "PRE_TRIAL_DETENTION"},
                tuple(sources),
                PartialDate.of(2018),
                restricted=True,
            ),
        ],
        recorded_by="test",
    )
    ledger.service.append(
        "person-b", [NewEvent("PersonProfiled", {"name": "B"}, tuple(sources))], recorded_by="test"
    )
    public, full = (
        ledger.read_model.person("person-a", TimePoint(), visibility=visibility)
        for visibility in (Visibility.PUBLIC, Visibility.FULL)
    )
    rebuild(ledger.engine)
    assert verify_projections(ledger.engine).ok
    for visibility, before in ((Visibility.PUBLIC, public), (Visibility.FULL, full)):
        assert ledger.read_model.person("person-a", TimePoint(), visibility=visibility) == before
    assert public is not None and full is not None
    assert public.custody_status != full.custody_status
