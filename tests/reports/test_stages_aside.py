"""The stage counts read on a second connection (reports/stages_aside.py) are used only when that read
saw the same journal head as the figures' own session; otherwise (a write came between, or the second
read failed) they are read again in the session, so the figures never mix two states of the site."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from reports import stage_figures, stages_aside
from reports.figures import figures
from reports.period import month_of
from tests.reports.seed import ZONE, Seeded

MARCH = month_of(date(2026, 3, 1), ZONE)



def _counted_in(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Where each half of the stage counts ran: a reader thread or the figures' own (main) thread."""
    import threading

    where: list[tuple[str, str]] = []
    real = stage_figures.count_half

    def counting(*args: Any, **kwargs: Any) -> Any:
        aside = threading.current_thread().name.startswith("anchang-figures")
        where.append(("aside" if aside else "session", args[-1]))
        return real(*args, **kwargs)

    monkeypatch.setattr(stages_aside, "count_half", counting)
    return where


def test_the_counts_read_alongside_are_used_at_the_same_head(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = figures(seeded.store, MARCH)
    assert any(step.converted for step in expected.funnel[2:])  # the conversions' half counts something
    assert any(c.pledges for c in expected.channels)  # and the groupings' half
    where = _counted_in(monkeypatch)
    assert figures(seeded.store, MARCH) == expected
    assert sorted(where) == [("aside", "conversions"), ("aside", "groupings")]


def test_a_write_between_the_two_reads_means_the_session_counts_again(
        seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    """Here only the conversions' read saw another head: that half alone is counted again."""
    expected = figures(seeded.store, MARCH)
    real_read = stages_aside._read

    def an_older_head(*args: Any) -> Any:
        head, found = real_read(*args)
        if args[-1] == "conversions":
            return head - 1, {"converted": {"pledge": 999}}  # another state of the site
        return head, found

    monkeypatch.setattr(stages_aside, "_read", an_older_head)
    where = _counted_in(monkeypatch)
    assert figures(seeded.store, MARCH) == expected
    assert sorted(where) == [("aside", "conversions"), ("aside", "groupings"), ("session", "conversions")]


def test_a_failed_read_alongside_is_read_again_in_the_session(
        seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = figures(seeded.store, MARCH)

    def failing(*_args: Any) -> Any:
        raise RuntimeError("the second connection was refused")

    monkeypatch.setattr(stages_aside, "_read", failing)
    assert figures(seeded.store, MARCH) == expected
