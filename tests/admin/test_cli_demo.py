"""`anchang demo` and `anchang board`: a repeatable week through the real Store, a board with masked phones."""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db.models import CheckinRef, Customer, JournalEntry, Report, VisitStay
from judge.rules import RuleSet
from operations import demo

MASKED = re.compile(r"1[3-9]\d\*{4}\d{4}")


def _without_timing(text: str) -> str:
    return re.sub(r"\d+\.\d s", "", text)


def _count(url: str, table: type) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    engine.dispose()
    return value


def _the_week_has_stays(url: str) -> None:
    """Receptions (接待开始/结束) of the week's visitors: 15 to 95 minutes, a few visitors still being
    received at the end of today, every start and end journalled, the consultants marked busy by them."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stays = conn.execute(sa.select(VisitStay.consultant, VisitStay.started_at, VisitStay.ended_at)).all()
        kinds = dict(conn.execute(sa.select(JournalEntry.kind, sa.func.count()).group_by(JournalEntry.kind)).all())
    engine.dispose()
    ended = [(end - start).total_seconds() / 60 for _c, start, end in stays if end is not None]
    assert len(stays) >= 150 and all(15 <= minutes < 96 for minutes in ended)
    assert 1 <= len(stays) - len(ended) <= 10  # today's last visitors, still with their consultant
    assert kinds["reception_stay"] == len(stays) + len(ended)
    assert kinds["busy"] >= len({consultant for consultant, _s, _e in stays})


def _the_visitors_named_their_sources(url: str) -> None:
    """Every demo check-in says how the visitor heard of the project, as the kiosk asks (the dashboard's
    来访来源 chart would otherwise be one bar of 未记录)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        sources = dict(conn.execute(sa.select(CheckinRef.source, sa.func.count()).group_by(CheckinRef.source)).all())
        visits = conn.execute(sa.select(sa.func.count()).where(JournalEntry.kind == "visit")).scalar_one()
    engine.dispose()
    assert None not in sources and sum(sources.values()) == visits
    assert {"自然来访", "线上平台", "老业主推荐", "渠道带访"} <= set(sources)


def test_demo_prints_a_masked_board_and_repeats(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # made at 18:00 today: the whole office day is on the board (a demo ends at the moment it is made,
    # tests/admin/test_demo_clock.py), and both runs are made at the same moment
    zone = RuleSet().timezone
    evening = datetime.combine(datetime.now(zone).date(), time(18), zone)
    monkeypatch.setattr(demo, "wall_clock", lambda: evening)
    assert main(["init"]) == 0
    capsys.readouterr()
    real_url = f"sqlite:///{data_dir / 'anchang.sqlite3'}"
    written_by_init = _count(real_url, JournalEntry)  # the first admin user
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for heading in ("今日来访", "接待轮序", "公海池", "待裁决案件", "建议裁决", "未处理预警", "报备状态", "journal intact"):
        assert heading in out
    assert re.search(r"\d{11}", out) is None  # no full phone number anywhere
    assert len(MASKED.findall(out)) >= 25  # today's visits, with masked phones
    visits = int(re.search(r"today's visits: (\d+)", out).group(1))  # type: ignore[union-attr]
    assert 25 <= visits <= 45
    for name in ("王丽", "李强", "张敏", "刘洋", "陈静", "赵磊"):
        assert name in out
    for channel in ("贝壳", "链家", "中原"):
        assert channel in out

    demo_url = f"sqlite:///{data_dir / 'demo.sqlite3'}"
    assert _count(demo_url, JournalEntry) > 300
    assert _count(demo_url, Report) > 30
    _the_week_has_stays(demo_url)
    _the_visitors_named_their_sources(demo_url)
    assert _count(real_url, JournalEntry) == written_by_init  # the real database untouched

    # the story is seeded: a second run replaces the demo database and tells the same week
    assert main(["demo"]) == 0
    again = capsys.readouterr().out
    assert _without_timing(again) == _without_timing(out)
    assert _count(demo_url, Customer) == _count(demo_url, Customer)

    # the other commands work on the demo database too
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANCHANG_DATABASE_URL", demo_url)
        assert main(["verify"]) == 0
        assert main(["board", "--at", "2020-01-01 12:00"]) == 0  # before anything happened: an empty board
    board = capsys.readouterr().out
    assert "today's visits: 0" in board


def test_demo_refuses_a_database_in_use(data_dir: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", sqlite_url)
    assert main(["init"]) == 0
    assert main(["rules", "set", "pool.daily_claim_limit=4"]) == 0
    before = _count(sqlite_url, JournalEntry)
    capsys.readouterr()
    assert main(["demo"]) == 1
    assert "the demo needs an empty database" in capsys.readouterr().err
    assert _count(sqlite_url, JournalEntry) == before


def test_demo_on_postgresql(data_dir: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", pg_url)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "journal intact" in out and re.search(r"\d{11}", out) is None
    assert not (data_dir / "demo.sqlite3").exists()
