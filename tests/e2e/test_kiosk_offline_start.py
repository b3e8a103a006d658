"""The real `anchang-kiosk` started while its database is away (issue 16, item 3): it opens instead of
exiting, says it is offline, takes a visitor's check-in into its outbox, and writes it once the database
is back. The channels and agents it read the day before are offered, and the check-in keeps its channel."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.driver import Program
from tests.e2e.test_kiosk_checkin import outbox_rows, phone_checkin, visits_of

pytestmark = pytest.mark.screen(1080, 1920)


def test_a_kiosk_started_with_the_database_away_checks_in_and_delivers_when_it_is_back(
        start: Callable[..., Program], demo_site: dict[str, str], tmp_path: Path) -> None:
    mounted, away = tmp_path / "share", tmp_path / "away"
    mounted.mkdir()
    database = mounted / "demo.sqlite3"  # the demo site's database on a share, its keys on this PC
    with closing(sqlite3.connect(demo_site["ANCHANG_DATABASE_URL"].removeprefix("sqlite:///"))) as source, \
            closing(sqlite3.connect(database)) as copy:
        source.backup(copy)
    env = {**demo_site, "ANCHANG_DATABASE_URL": f"sqlite:///{database}"}
    before = visits_of(env)
    cache = Path(env["ANCHANG_DATA_DIR"]) / "catalog.cache"
    yesterday = start("anchang-kiosk", "--windowed", "--camera", "none", env=env)
    yesterday.wait_screen("start")
    yesterday.until(cache.exists, "the catalogue kept", timeout=30)
    assert yesterday.stop() == 0
    mounted.rename(away)  # the share is not there when the kiosk starts
    kiosk = start("anchang-kiosk", "--windowed", "--camera", "none", env=env)
    kiosk.wait_screen("start")
    kiosk.wait_for("site_status", contains="离线")
    phone_checkin(kiosk, "13912340401")
    kiosk.click("source_1")  # 渠道带访: the channels read the day before
    kiosk.click("channel_贝壳")
    kiosk.click("agent_周杰")
    kiosk.click("submit")
    kiosk.wait_screen("done", timeout=10)
    assert kiosk.text("done_message") == "登记已保存，请到前台"
    assert outbox_rows(env) == 1
    kiosk.click("done_home")
    away.rename(mounted)  # back: the outbox's retry (every 15 s) reaches it
    kiosk.until(lambda: outbox_rows(env) == 0, "outbox drained", timeout=90)
    assert visits_of(env) == before + 1
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT channel FROM visits ORDER BY id DESC LIMIT 1").fetchone() == ("贝壳",)
    kiosk.until(lambda: kiosk.find("site_status") is None, "the offline line gone", timeout=30)
