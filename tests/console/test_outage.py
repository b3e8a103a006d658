"""The database restarts under a running console: a banner, no crash, the page refreshes when the
server is back, and what was typed into the page stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLineEdit

from db.clock import SystemClock
from tests.console.conftest import make_console_store
from tests.console.helpers import open_console, settle


def test_a_postgresql_restart_shows_a_banner_and_keeps_the_form(qtbot: Any, private_pg: tuple[str, Any],
                                                               tmp_path: Path) -> None:
    url, pg_ctl = private_pg
    store = make_console_store(url + "?connect_timeout=2", tmp_path / "keys")
    store.clock = SystemClock()
    window = open_console(qtbot, store, "经理")
    page = window.open_page("customers")
    settle(window)
    field = page.findChild(QLineEdit)
    assert field is not None
    field.setText("张")
    pg_ctl("stop")
    page.refresh()  # what a journal event or a click would do
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=30_000)
    assert "数据库连接中断" in window.banner.text()
    pg_ctl("start")
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=30_000)
    settle(window)
    assert window.current_page() is page and field.text() == "张"  # nothing typed is lost
    assert "重新连接" in window.message_bar.text()
    window.close()
    store.dispose()
