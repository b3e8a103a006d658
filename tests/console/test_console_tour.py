"""`anchang-console --tour DIR` renders the login screen and every page to numbered PNGs and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFrame

from console.first_run.wizard import SIZE as FIRST_RUN_SIZE
from console.pages import PAGES
from console.tour import Tour
from service.live import Arrival
from service.store import Store
from tests.console.helpers import open_console, settle

BIN = Path(sys.executable).parent


def test_tour_renders_every_page(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ANCHANG_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([str(BIN / "anchang-console"), "--tour", str(out)], capture_output=True, text=True,
                            timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    shots = sorted(out.glob("*.png"))
    names = {shot.stem.split("_", 1)[1] for shot in shots}
    assert {"login", "login_wrong_password"} <= names
    for key, _module in PAGES:
        assert any(name == key or name.startswith(f"{key}_") for name in names), f"no picture of page {key}"
    assert "big_screen" in names  # 大屏, at the hall TV's size
    assert {"first_run_start", "first_run_rules", "first_run_join"} <= names  # the wizard of a new computer
    for shot in shots:
        image = QImage(str(shot))
        size = (1920, 1080) if shot.stem.endswith("_big_screen") else (1366, 860)
        if "_first_run" in shot.stem:  # the first-run wizard, a window of its own
            size = FIRST_RUN_SIZE
        assert (image.width(), image.height()) == size, shot.name


def test_a_pop_up_of_the_page_before_is_closed_before_the_next_pages_picture(qtbot: Any, store: Store,
                                                                              tmp_path: Path) -> None:
    """The consultant's 今日 tour leaves the arrival pop-up up; the 数据看板 picture after it shows no pop-up."""
    window = open_console(qtbot, store, "李强")
    today: Any = window.open_page("today")
    settle(window)
    today.show_arrivals([Arrival(seq=1, owner="李强", phone_masked="138****5678", surname="张女士",
                                 at=datetime.now(UTC))])
    window.show_message("上一页的消息", "hint")
    toast = window.findChild(QFrame, "arrival_toast")
    assert toast is not None and toast.isVisible() and window.message_bar.isVisible()
    window.open_page("dashboard")
    tour = Tour(QApplication.instance(), tmp_path, window)  # type: ignore[arg-type]
    tour.quiet()
    assert not toast.isVisible() and not window.message_bar.isVisible()
    tour.snap("consultant_dashboard")
    assert (tmp_path / "01_consultant_dashboard.png").exists()
