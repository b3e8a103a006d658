"""The warning workflow in the engine: a closed warning (resolved, dismissed, blacklisted) takes no step,
and the refusal names who closed it; open warnings take steps as before; a snapshot keeps who."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from judge import facts as f
from judge import snapshot
from judge.engine import Site
from judge.reasons import WarningClosed

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def warned_site() -> tuple[Site, int]:
    """Customer 1 visited three days running: a repeat_visits_no_pledge warning."""
    site = Site()
    site.apply(f.Duty(seq=1, at=T0, consultants=("A", "B")))
    for day in range(3):
        site.apply(f.Visit(seq=2 + day, at=T0 + timedelta(days=day), customer=1, consultant="A"))
    [warning] = site.warnings.values()
    return site, warning.id


def step(site: Site, seq: int, warning_id: int, status: str, by: str) -> None:
    site.apply(f.WarningUpdate(seq=seq, at=T0 + timedelta(days=3, minutes=seq), warning_id=warning_id,
                               status=status, note=f"note-{seq}", by=by))


@pytest.mark.parametrize(("closing", "label"), [("resolved", "已解决"), ("dismissed", "已排除"),
                                                ("blacklisted", "已拉黑")])
def test_a_closed_warning_refuses_every_further_step_naming_who_closed_it(closing: str, label: str) -> None:
    site, warning_id = warned_site()
    step(site, 10, warning_id, "following", "A")
    step(site, 11, warning_id, closing, "王经理")
    for seq, status in enumerate(("following", "intervened", "resolved", "dismissed", "blacklisted"), start=12):
        with pytest.raises(WarningClosed, match=f"已被 王经理 处理（{label}）/ .*closed by 王经理 \\({closing}\\)"):
            step(site, seq, warning_id, status, "李经理")
    warning = site.warnings[warning_id]
    assert (warning.status, warning.by, warning.note) == (closing, "王经理", "note-11")  # the first close stands
    assert site.last_seq == 11  # nothing of the refused steps was applied


def test_an_open_warning_takes_repeated_steps_and_a_closed_one_stays_closed_after_a_snapshot() -> None:
    site, warning_id = warned_site()
    step(site, 10, warning_id, "following", "A")
    step(site, 11, warning_id, "following", "A")
    step(site, 12, warning_id, "intervened", "王经理")
    step(site, 13, warning_id, "resolved", "王经理")
    loaded = snapshot.load(snapshot.dump(site))
    assert loaded.warnings[warning_id].by == "王经理"
    with pytest.raises(WarningClosed, match="已被 王经理 处理"):
        step(loaded, 14, warning_id, "dismissed", "李经理")

