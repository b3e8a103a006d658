"""The kiosk before any site exists (started from the menu or at login, no terminal): a window that says
what to do and where it looked, 关闭 and 重试; 重试 after an administrator has set the site up starts the
kiosk. Without a screen: the stderr line and exit 2, as before."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from kiosk import app as kiosk_app
from kiosk import no_site
from kiosk.fakes import ScriptedFaceEngine
from kiosk.no_site import CannotStart, CannotStartWindow
from kiosk.window import KioskWindow

BIN = Path(sys.executable).parent


def words(window: Any, name: str) -> str:
    found = window.findChild(QLabel, name)
    assert found is not None, name
    return str(found.text())


def test_the_window_says_what_to_do_and_tries_again(qtbot: Any, tmp_path: Path) -> None:
    tries: list[int] = []

    def attempt() -> str:
        tries.append(1)
        if len(tries) == 1:
            raise CannotStart("数据库无法打开 / cannot open the database: connection refused", tmp_path)
        return "services"

    window = CannotStartWindow(CannotStart("no settings", tmp_path, no_site=True), attempt)
    qtbot.addWidget(window)
    window.show()
    assert window.objectName() == "kiosk_cannot_start"
    assert words(window, "cannot_start_title") == "本机还没有案场站点"
    assert "案场通 工作台" in words(window, "cannot_start_body") and "anchang init" in words(window, "cannot_start_body")
    assert "anchang join" in words(window, "cannot_start_body")  # a second station joins, never inits
    english = words(window, "cannot_start_english")
    assert english.startswith("No site on this computer yet") and "the console" in english
    assert str(tmp_path) in words(window, "cannot_start_folder")

    retry = window.findChild(QPushButton, "cannot_start_retry")
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: retry.isEnabled())  # still cannot: now for another reason, said as it is
    assert words(window, "cannot_start_title") == "来访登记无法启动"
    assert words(window, "cannot_start_body") == "数据库无法打开 / cannot open the database: connection refused"
    assert words(window, "cannot_start_status") == "仍无法启动，请按上面的说明处理后再试"
    with qtbot.waitSignal(window.started, timeout=10_000) as started:
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    assert started.args == ["services"]


def test_the_kiosk_starts_once_the_site_is_set_up_and_retried(
        qtbot: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The real `anchang-kiosk` main on an empty data folder, with a screen: the window, then `anchang init`
    meanwhile, then 重试: the kiosk's start screen."""
    from admin.cli import main as anchang

    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    monkeypatch.setattr(no_site, "can_show_window", lambda: True)
    monkeypatch.setattr("kiosk.faces.MeshFaceEngine", ScriptedFaceEngine)  # no face models for this
    seen: dict[str, str] = {}

    def admin_sets_it_up() -> None:
        window = next((w for w in QApplication.topLevelWidgets()
                       if w.objectName() == "kiosk_cannot_start" and w.isVisible()), None)
        if window is None:
            QTimer.singleShot(50, admin_sets_it_up)
            return
        seen["title"] = words(window, "cannot_start_title")
        seen["folder"] = words(window, "cannot_start_folder")
        assert anchang(["init"]) == 0
        window.findChild(QPushButton, "cannot_start_retry").click()

    QTimer.singleShot(0, admin_sets_it_up)
    # the kiosk's event loop is not entered here: a QApplication that has left exec() once would end
    # every later test's event loop at once
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert kiosk_app.main(["--windowed", "--camera", "none"]) == 0
    assert seen == {"title": "本机还没有案场站点",
                    "folder": f"查找的数据文件夹 / data folder looked in: {data_dir}"}
    assert "cannot start" in capsys.readouterr().err  # the stderr line stays
    kiosk = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "kiosk" and w.isVisible())
    assert isinstance(kiosk, KioskWindow) and kiosk.current == "start"
    kiosk.allow_close = True
    kiosk.close()


def test_closing_the_window_ends_the_kiosk_with_its_exit_code(
        qtbot: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    monkeypatch.setattr(no_site, "can_show_window", lambda: True)

    def close() -> None:
        window = next((w for w in QApplication.topLevelWidgets()
                       if w.objectName() == "kiosk_cannot_start" and w.isVisible()), None)
        if window is None:
            QTimer.singleShot(50, close)
            return
        window.findChild(QPushButton, "cannot_start_close").click()

    QTimer.singleShot(0, close)
    assert kiosk_app.main(["--windowed"]) == 2


@pytest.mark.parametrize("platform", ["offscreen", None])
def test_without_a_screen_it_is_the_stderr_line_and_exit_2(tmp_path: Path, platform: str | None) -> None:
    env = {**os.environ, "ANCHANG_DATA_DIR": str(tmp_path / "empty")}
    for name in ("ANCHANG_DATABASE_URL", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    if platform is not None:
        env["QT_QPA_PLATFORM"] = platform
    began = time.monotonic()
    result = subprocess.run([str(BIN / "anchang-kiosk")], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2 and "cannot start" in result.stderr and "anchang init" in result.stderr
    assert time.monotonic() - began < 30  # no window waiting for anyone


def test_a_screen_is_told_by_the_platform_and_the_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert not no_site.can_show_window()
    monkeypatch.setenv("DISPLAY", ":0")
    assert no_site.can_show_window()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not no_site.can_show_window()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert no_site.can_show_window()


def test_a_refusal_at_the_schema_check_is_the_window_s_text(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A database a newer version has migrated: what operations.upgrade says goes to stderr and to the window."""
    import argparse

    def newer(program: str) -> int:
        print(f"{program}: 无法启动 / cannot start: the database's schema is newer", file=sys.stderr)
        return 1

    monkeypatch.setattr("operations.upgrade.start_check", newer)
    with pytest.raises(CannotStart) as refused:
        kiosk_app.open_services(argparse.Namespace(), {})
    assert refused.value.reason == "anchang-kiosk: 无法启动 / cannot start: the database's schema is newer"
    assert refused.value.code == 1 and not refused.value.no_site and refused.value.folder == data_dir
    assert "schema is newer" in capsys.readouterr().err
