"""The rule scenarios (shared ones and our own) run through the real engine and service API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from service.scenarios import EXIT_FAILED, EXIT_MALFORMED, EXIT_OK, run_paths, scenario_files

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "scenarios"
OWN = REPO / "tests" / "scenarios"
ALL_FILES = ([*sorted(SHARED.glob("*.yaml"))] if SHARED.exists() else []) + sorted(OWN.glob("*.yaml"))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_scenario_passes(path: Path) -> None:
    out = io.StringIO()
    status = run_paths([path], out)
    assert status == EXIT_OK, out.getvalue()
    assert out.getvalue().strip().endswith("1 passed, 0 failed")


def test_shared_scenarios_are_present() -> None:
    if not SHARED.exists():
        pytest.skip("../shared/scenarios is not beside this checkout")
    assert len(list(SHARED.glob("*.yaml"))) >= 6


def test_own_scenarios_cover_every_code() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in OWN.glob("*.yaml"))
    assert len(list(OWN.glob("*.yaml"))) >= 25
    from judge.reasons import CASE_KINDS, CLAIM_REFUSALS, REPORT_INVALID_REASONS, WARNING_KINDS

    for code in (*REPORT_INVALID_REASONS, *CLAIM_REFUSALS, *CASE_KINDS, *WARNING_KINDS):
        assert code in text, f"no scenario of ours mentions {code}"
    for needle in ("masked_3_4", "pledge_freezes", "rules:", "competitive", "commission: natural"):
        assert needle in text


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """title: t
consultants: [A, B]
events:
  - {at: "2026-03-01 10:00", visit: {phone: "13800000001", consultant: A}}
expect:
  - {at: "2026-03-01 10:00", phone: "13800000001", owner: A}
"""


def test_failed_expectation_names_file_expectation_and_conclusion(tmp_path: Path) -> None:
    path = _write(tmp_path, "wrong.yaml", GOOD.replace("owner: A}", "owner: B}"))
    out = io.StringIO()
    assert run_paths([path], out) == EXIT_FAILED
    text = out.getvalue()
    assert "wrong.yaml: expect[0]" in text and "owner: expected B, engine concluded A" in text
    assert text.strip().endswith("0 passed, 1 failed")


WARNED = """title: w
consultants: [A]
events:
  - {at: "2026-03-01 10:00", visit: {phone: "13800000001", consultant: A}}
  - {at: "2026-03-02 10:00", visit: {phone: "13800000001", consultant: A}}
  - {at: "2026-03-03 10:00", visit: {phone: "13800000001", consultant: A}}
  - {at: "2026-03-03 11:00", warning: {phone: "13800000001", kind: repeat_visits_no_pledge, status: dismissed}}
  - {at: "2026-03-03 12:00", warning: {phone: "13800000001", kind: repeat_visits_no_pledge, status: following, by: A}, result: refused}
expect:
  - {at: "2026-03-03 12:00", phone: "13800000001", warning_status: {repeat_visits_no_pledge: dismissed}}
"""


def test_warning_steps_expected_refused_or_with_a_status_report_what_the_engine_did(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_paths([_write(tmp_path, "ok.yaml", WARNED)], out) == EXIT_OK, out.getvalue()
    wrong = WARNED.replace("status: dismissed}}", "status: following}}").replace(
        "{repeat_visits_no_pledge: dismissed}", "{repeat_visits_no_pledge: resolved}")
    out = io.StringIO()
    assert run_paths([_write(tmp_path, "wrong.yaml", wrong)], out) == EXIT_FAILED
    text = out.getvalue()
    assert "wrong.yaml: events[4].result: expected the warning refused, the engine accepted it" in text
    assert "warning_status: expected {'repeat_visits_no_pledge': 'resolved'}, engine concluded " \
           "{'repeat_visits_no_pledge': 'following'}" in text
    out = io.StringIO()
    assert run_paths([_write(tmp_path, "bad.yaml", WARNED.replace("status: dismissed}}", "status: open}}"))],
                     out) == EXIT_MALFORMED
    assert "bad.yaml: events[3].warning.status: unknown step 'open'" in out.getvalue()


@pytest.mark.parametrize(("change", "key"), [
    (("consultant: A}}", "consultant: Z}}"), "events[0].visit.consultant"),
    (("owner: A}", "owner: A, colour: red}"), "expect[0].colour"),
    (('"2026-03-01 10:00", visit', '"2026-03-41 10:00", visit'), "events[0].at"),
    (("visit: {phone", "vist: {phone"), "events[0].vist"),
    (("owner: A}", "owner: A, warnings: [nonsense]}"), "expect[0].warnings[0]"),
    (("title: t", "title: t\nrules: {pool.no_such_rule: 1}"), "rules"),
    (('phone: "13800000001", consultant', 'phone: "1380000", consultant'), "events[0].visit.phone"),
    (("consultant: A}}", 'consultant: A, arrived: "2026-03-01 10:01"}}'), "events[0].visit.arrived"),
    (("consultant: A}}", 'consultant: A, arrived: "10:00"}}'), "events[0].visit.arrived"),
])
def test_malformed_scenario_exits_2_naming_file_and_key(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    old, new = change
    assert old in GOOD
    path = _write(tmp_path, "bad.yaml", GOOD.replace(old, new))
    out = io.StringIO()
    assert run_paths([path, _write(tmp_path, "good.yaml", GOOD)], out) == EXIT_MALFORMED
    assert f"bad.yaml: {key}" in out.getvalue()
    assert out.getvalue().strip().endswith("1 passed, 1 failed")


def test_folders_are_searched(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", "b.yml", GOOD)
    assert [p.name for p in scenario_files([tmp_path])] == ["a.yaml", "b.yml"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_paths([tmp_path / "nope.yaml"], out) == EXIT_MALFORMED


@pytest.mark.parametrize(("arrived", "message"), [
    ("2026-03-01 10:01", "a check-in cannot arrive after it reached the store"),
    ("10:00", "bad time '10:00'"),
])
def test_a_visit_arrival_is_a_time_no_later_than_the_visit(tmp_path: Path, arrived: str, message: str) -> None:
    path = _write(tmp_path, "bad.yaml", GOOD.replace("consultant: A}}", f'consultant: A, arrived: "{arrived}"}}}}'))
    out = io.StringIO()
    assert run_paths([path], out) == EXIT_MALFORMED
    assert f"bad.yaml: events[0].visit.arrived: {message}" in out.getvalue()
