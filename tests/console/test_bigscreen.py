"""大屏, the big screen (console/bigscreen), on real stores (SQLite and PostgreSQL): what it shows against a
seeded site counted by hand (tests/reports/seed.py), a check-in from another station arriving live,
nothing of a visitor beyond the surname display and the masked phone in any widget, full screen and
frameless, opened from the console for a logged-in user only, and a database that goes away."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from matplotlib.text import Text
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QPushButton, QWidget

from console.bigscreen.launch import open_from_console
from console.bigscreen.window import REFRESH_MS, BigScreenWindow
from console.context import ConsoleContext
from db.clock import SystemClock
from db.database import make_engine
from db.keys import Keyring
from reports.figures import figures
from reports.period import day_of
from service import users
from service.live import SQLITE_POLL_S, LiveFeed
from service.store import ManualClock, Store
from tests.console.conftest import PASSWORD, make_console_store
from tests.console.helpers import find, open_console, settle
from tests.db.stores import T0
from tests.reports.seed import ZONE, Seeded, local, seed_site
from ui.i18n import install_translator

LIVE_BUDGET_S = SQLITE_POLL_S + 3.0  # the poll (PostgreSQL: LISTEN, at once), the debounce, the read; load


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> Iterator[Seeded]:
    s = seed_site(db_url, tmp_path / "keys")
    yield s
    s.store.dispose()


@pytest.fixture
def feeds() -> Iterator[list[LiveFeed]]:
    opened: list[LiveFeed] = []
    yield opened
    for feed in opened:
        feed.close()


def open_screen(qtbot: Any, store: Store, live: LiveFeed | None = None, **options: Any) -> BigScreenWindow:
    """The big screen on its own, as `anchang-console --big-screen` opens it, windowed at 1920 x 1080."""
    ctx = ConsoleContext(store)
    if live is not None:
        live.subscribe(ctx.journal.emit)
    screen = BigScreenWindow(ctx, project="翠湖天地", **options)
    qtbot.addWidget(screen)
    screen.present(full_screen=False)
    qtbot.waitUntil(lambda: screen.data is not None, timeout=20_000)
    settle(screen)  # type: ignore[arg-type]
    return screen


def rows(view: QAbstractItemView) -> list[list[str]]:
    model = view.model()
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def tile(screen: BigScreenWindow, name: str) -> tuple[str, str]:
    return screen.tiles[name].value.text(), screen.tiles[name].note.text()


def chart_texts(screen: BigScreenWindow, name: str) -> list[str]:
    figure = screen.charts[name].figure
    assert figure is not None, f"no {name} chart"
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def every_text(root: QWidget) -> str:
    """Every string the screen can show: labels, buttons, titles, list cells and headers, chart text."""
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        texts.append(widget.toolTip())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            texts += [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]
            texts += [str(cell) for row in rows(widget) for cell in row]
    if isinstance(root, BigScreenWindow):
        for name in root.charts:
            texts += chart_texts(root, name)
    return "\n".join(texts)


def test_the_figures_shown_are_the_seeded_days(qtbot: Any, seeded: Seeded) -> None:
    """D2 as counted by hand: B (return, after midnight), A (return), E (first, waiting): 3 visit groups;
    C's 认购 the day's one deal, C and A pledged; the month so far 8 groups."""
    store = seeded.store
    store.clock.at = local(2, 18, 0)  # type: ignore[attr-defined]
    screen = open_screen(qtbot, store)
    assert tile(screen, "groups") == ("3", "登记 3 人次")
    assert tile(screen, "first") == ("1 / 2", "首访占 33%")
    assert tile(screen, "deals") == ("1", "认筹 2")
    assert tile(screen, "month") == ("8", "未设月度目标")
    assert rows(screen.leaders_view) == [["1", "李强", "2", "0", "1"], ["2", "王丽", "1", "1", "0"]]
    assert rows(screen.checkins_view) == [["14:00", "—", "138****0005", "首访", "王丽"],
                                          ["09:00", "王**", "138****0001", "复访", "李强"],
                                          ["00:10", "白先生", "138****0002", "复访", "李强"]]
    assert {"自然来访", "3（100.0%）"} <= set(chart_texts(screen, "channel_share"))
    # no report on D2: no 报备到访率; A of the 3 who visited pledged (C pledged without visiting that day)
    assert {"报备 0", "来访 3", "认筹 2  转化 33.3%", "认购 1  转化 50.0%"} <= set(chart_texts(screen, "funnel"))
    assert "2026-03-02" in screen.day_label.text()
    # the same numbers the dashboard and the printed daily report read
    assert screen.data is not None
    day = figures(store, day_of(date(2026, 3, 2), ZONE), now=local(2, 18, 0))
    assert (screen.data.figures.visits, screen.data.figures.funnel) == (day.visits, day.funnel)


def test_in_english_the_charts_are_english_but_for_names(qtbot: Any, qapp: Any, seeded: Seeded) -> None:
    seeded.store.clock.at = local(2, 18, 0)  # type: ignore[attr-defined]
    install_translator(qapp, "en")
    try:
        screen = open_screen(qtbot, seeded.store)
    finally:
        install_translator(qapp, "zh")
    channels, funnel = chart_texts(screen, "channel_share"), chart_texts(screen, "funnel")
    assert {"Walk-in", "3 (100.0%)"} <= set(channels)
    assert {"Reported 0", "Visited 3", "Pledged 2  conv. 33.3%"} <= set(funnel)
    assert not re.search(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]", "".join(channels + funnel))


def test_a_check_in_at_another_station_shows_within_the_live_interval(qtbot: Any, db_url: str, tmp_path: Path,
                                                                      feeds: list[LiveFeed]) -> None:
    keys = tmp_path / "keys"
    here = make_console_store(db_url, keys)
    kiosk = Store(make_engine(db_url), Keyring.load(keys), clock=ManualClock(T0), station="kiosk-2")
    try:
        feeds.append(LiveFeed(here))
        screen = open_screen(qtbot, here, feeds[-1])
        assert rows(screen.checkins_view) == [] and tile(screen, "groups")[0] == "0"
        started = time.monotonic()
        kiosk.register_visit("13812345678", name="张伟明", verified=False, actor="kiosk", ref=uuid.uuid4().hex,
                             arrived_at=kiosk.now(), source="自然来访")
        qtbot.waitUntil(lambda: len(rows(screen.checkins_view)) == 1, timeout=int(LIVE_BUDGET_S * 1000))
        elapsed = time.monotonic() - started
        [row] = rows(screen.checkins_view)
        assert row[1:4] == ["张**", "138****5678", "首访"]
        assert tile(screen, "groups")[0] == "1" and "自然来访" in chart_texts(screen, "channel_share")
        print(f"check-in on the big screen after {elapsed:.2f} s ({here.engine.dialect.name})")
    finally:
        kiosk.dispose()
        here.dispose()


def test_no_full_phone_or_full_name_in_any_widget(qtbot: Any, any_store: Store) -> None:
    visitors = {"13912345678": "张伟明", "13698765432": "欧阳娜娜", "13711112222": "Zhang Wei"}
    for phone, name in visitors.items():
        any_store.register_visit(phone, name=name, consultant="李强", channel="贝壳", agent="周杰")
    screen = open_screen(qtbot, any_store)
    shown = every_text(screen)
    for phone, name in visitors.items():
        assert phone not in shown and phone[3:] not in shown
        assert name not in shown
    assert "伟明" not in shown and "娜娜" not in shown and "Wei" not in shown
    for masked in ("139****5678", "136****5432", "137****2222"):
        assert masked in shown
    assert {"张**", "欧阳**", "Zhang *"} <= {row[1] for row in rows(screen.checkins_view)}


def test_full_screen_frameless_and_sized_for_the_hall_tv(qtbot: Any, store: Store) -> None:
    screen = open_screen(qtbot, store, escape_closes=False)
    assert screen.windowFlags() & Qt.WindowType.FramelessWindowHint
    image = screen.grab()
    assert (image.width(), image.height()) == (1920, 1080)
    assert screen.minimumSizeHint().height() <= 1080 and screen.minimumSizeHint().width() <= 1920
    screen.showFullScreen()
    assert screen.isFullScreen()
    qtbot.keyClick(screen, Qt.Key.Key_Escape)  # on its own: Esc leaves full screen, the screen stays
    assert not screen.isFullScreen() and screen.isVisible()
    qtbot.keyClick(screen, Qt.Key.Key_F11)
    assert screen.isFullScreen()
    assert screen._periodic.isActive() and screen._periodic.interval() == REFRESH_MS


def test_the_console_opens_it_for_a_logged_in_user_and_esc_returns(qtbot: Any, store: Store) -> None:
    window = open_console(qtbot, store)
    menu = find(window, "open_big_screen", QPushButton)
    assert not menu.isVisibleTo(window)  # the login screen: no way to the big screen
    window.enter(users.authenticate(store, "李强", PASSWORD))  # a consultant: the hall TV is everyone's
    settle(window)
    assert menu.isVisibleTo(window)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton)
    screen = window.findChild(BigScreenWindow)
    assert screen is not None and screen.isFullScreen() and screen.ctx is window.ctx
    settle(window)
    assert screen.data is not None and "138****" not in every_text(screen)  # an empty day
    assert open_from_console(window) is screen  # the menu again: the same screen, raised
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    assert screen.closed and window.isVisible()
    settle(window)


def test_midnight_reads_the_new_day(qtbot: Any, store: Store) -> None:
    screen = open_screen(qtbot, store)
    screen._wall_day = date(2000, 1, 1)  # the wall clock's last tick was on another day
    screen._tick()
    assert screen._loading  # a read is under way
    settle(screen)  # type: ignore[arg-type]
    assert not screen._loading


def test_a_postgresql_restart_shows_a_banner_and_the_last_figures(qtbot: Any, private_pg: tuple[str, Any],
                                                                  tmp_path: Path) -> None:
    url, pg_ctl = private_pg
    store = make_console_store(url + "?connect_timeout=2", tmp_path / "keys")
    try:
        store.clock = ManualClock(datetime.now(UTC))  # today's check-in (a system clock would be refused:
        store.register_visit("13812345678", name="张伟明", consultant="李强")  # months past the set-up's T0)
        store.clock = SystemClock()  # the server's: the reconnect probe must reach it
        screen = open_screen(qtbot, store)
        assert tile(screen, "groups")[0] == "1"
        pg_ctl("stop")
        screen.refresh()  # what a minute's tick or journal news would do
        qtbot.waitUntil(lambda: screen.banner.isVisible(), timeout=30_000)
        assert "数据库连接中断" in screen.banner.text()
        assert tile(screen, "groups")[0] == "1" and len(rows(screen.checkins_view)) == 1  # the last figures stay
        pg_ctl("start")
        qtbot.waitUntil(lambda: not screen.banner.isVisible(), timeout=30_000)
        settle(screen)  # type: ignore[arg-type]
        assert tile(screen, "groups")[0] == "1"
        screen.close()
    finally:
        store.dispose()
