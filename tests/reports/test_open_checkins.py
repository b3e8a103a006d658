"""日报's 未确认登记 (issue 15): the day's check-ins still waiting for 前台确认 at its end — masked phone,
time, consultant, the channel each named, and whether reception confirmed it since — on the page, in the
workbook and in the lists behind them (SQLite and PostgreSQL). One arrival's two check-ins are both
listed; one confirmed or dismissed within the day is not."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from admin.cli import main
from reports.details import day_details
from reports.period import day_of
from service.store import Store
from tests.db.stores import new_store
from tests.reports.seed import ZONE, Seeded

D1 = day_of(date(2026, 3, 1), ZONE)
D2 = day_of(date(2026, 3, 2), ZONE)
TWICE, CONFIRMED, LATE, MISTAKE = "13900000011", "13900000022", "13900000033", "13900000044"


def at(store: Store, day: int, hour: int, minute: int = 0) -> None:
    store.clock.at = datetime(2026, 3, day, hour, minute, tzinfo=ZONE)  # type: ignore[attr-defined]


@pytest.fixture
def office(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """D1: a phone checks in with 链家 then again (confirmed the next morning), one is confirmed within the
    hour, one is a mistake, and one comes at 22:00 and is still waiting on D2 afternoon."""
    store = new_store(db_url, data_dir, ("李强", "王丽"), {"链家": ["郑伟"]}, station="reports-test")
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    at(store, 1, 10)
    store.register_visit(TWICE, name="张女士", verified=False, channel="链家", agent="郑伟", actor="kiosk")
    at(store, 1, 10, 3)
    store.register_visit(TWICE, verified=False, actor="kiosk")  # the same arrival
    at(store, 1, 11)
    store.register_visit(CONFIRMED, verified=False, actor="kiosk")
    store.confirm_visit(CONFIRMED, by="前台")
    at(store, 1, 12)
    store.dismiss_checkin(store.register_visit(MISTAKE, verified=False, actor="kiosk").seq, by="前台")
    at(store, 1, 22)
    store.register_visit(LATE, name="李先生", verified=False, actor="kiosk")
    at(store, 2, 9)
    store.confirm_visit(TWICE, by="前台")  # the next morning: it was still waiting at D1's end
    at(store, 2, 15)
    yield store
    store.dispose()


def test_the_days_check_ins_waiting_at_its_end(office: Store) -> None:
    listed = [(c.arrived_at.astimezone(ZONE).strftime("%H:%M"), c.phone, c.surname, c.consultant, c.channel,
               c.agent, c.confirmed_since) for c in day_details(office, D1).open_checkins]
    assert listed == [("10:00", "139****0011", "张女士", "李强", "链家", "郑伟", True),
                      ("10:03", "139****0011", "张女士", "李强", None, None, True),
                      ("22:00", "139****0033", "李先生", "王丽", None, None, False)]
    assert day_details(office, D2).open_checkins == ()  # D1's late one is D1's, not D2's
    assert [c.phone for c in day_details(office, D1, consultant="王丽").open_checkins] == ["139****0033"]


def test_before_the_day_ends_the_list_holds_those_waiting_now(office: Store) -> None:
    at(office, 2, 16)
    office.register_visit("13900000055", verified=False, actor="kiosk")
    assert [c.phone for c in day_details(office, D2).open_checkins] == ["139****0055"]


def test_the_daily_report_prints_and_exports_them(office: Store, tmp_path: Path) -> None:
    pdf, book = tmp_path / "daily.pdf", tmp_path / "daily.xlsx"
    assert main(["report", "daily", "--date", "2026-03-01", "--out", str(pdf)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    section = text[text.index("未确认登记"):]
    assert "仍待确认" in section and "事后已确认" in section and "链家/郑伟" in section
    assert "139****0033" in section and "139****0022" not in section and "139****0044" not in section
    assert TWICE not in text and LATE not in text  # phones only masked
    assert main(["report", "daily", "--date", "2026-03-01", "--out", str(book)]) == 0
    sheet = openpyxl.load_workbook(book)["未确认登记"]
    assert [tuple(c.value for c in row[1:]) for row in sheet.iter_rows(min_row=2)] == [
        ("139****0011", "张女士", "李强", "链家/郑伟", "事后已确认"),
        ("139****0011", "张女士", "李强", "自然来访", "事后已确认"),
        ("139****0033", "李先生", "王丽", "自然来访", "仍待确认")]


def test_the_seeded_sites_waiting_check_in(seeded: Seeded) -> None:
    [waiting] = day_details(seeded.store, D2).open_checkins
    assert (waiting.phone, waiting.channel, waiting.confirmed_since) == ("138****0005", None, False)
