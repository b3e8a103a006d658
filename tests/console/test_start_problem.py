"""The console that cannot start shows a window with the reason and the way out. A computer an older
version's `anchang init` left with its own keys on the site's database is offered to move its data
folder aside (confirmed; renamed, never deleted), and the first-run wizard follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

import console.app
import console.first_run.wizard as wizard_module
from admin.cli import main as anchang
from console.start_problem import StartProblemWindow
from db.keys import Keyring
from operations import first_run
from service.store import Store

UNREACHABLE = "postgresql+psycopg://anchang@127.0.0.1:1/anchang"  # nothing listens on port 1


def half_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site on SQLite made at its first computer; then the second computer as an older version's
    `anchang init --database-url` left it: keys of its own and settings naming the site's database."""
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "first-pc"))
    assert anchang(["init", "--database-url", url]) == 0
    second = tmp_path / "second-pc"
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(second))
    Keyring.create(second)
    (second / "anchang.toml").write_text(f'[database]\nurl = "{url}"\n', "utf-8")
    return second


def start_error(folder: Path) -> BaseException:
    from db.config import database_url

    with pytest.raises(Exception) as caught:
        Store.open(database_url(), folder, station="console", kind="console")
    return caught.value


def click(qtbot: Any, widget: Any) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def confirm(window: StartProblemWindow, answer: QMessageBox.StandardButton) -> None:
    [box] = [box for box in window.findChildren(QMessageBox, "start_problem_confirm") if box.isVisible()]
    assert str(window.folder) in box.text() and "不删除" in box.text()
    box.button(answer).click()


def test_another_sites_keys_are_moved_aside_after_confirmation(qtbot: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = half_made(tmp_path, monkeypatch)
    keys = {path.name: path.read_bytes() for path in folder.iterdir()}
    window = StartProblemWindow(start_error(folder))
    qtbot.addWidget(window)
    window.show()
    assert "do not belong to this database" in window.reason.text()
    assert str(folder) in window.way_out.text() and "生成密钥包" in window.way_out.text()

    click(qtbot, window.move_button)
    confirm(window, QMessageBox.StandardButton.Cancel)  # changed their mind: nothing moves
    assert folder.exists() and window.result() != QDialog.DialogCode.Accepted

    click(qtbot, window.move_button)
    confirm(window, QMessageBox.StandardButton.Yes)
    assert window.result() == QDialog.DialogCode.Accepted
    [moved] = window.moved
    assert moved.name.startswith("second-pc.moved-") and not folder.exists()
    assert {path.name: path.read_bytes() for path in moved.iterdir()} == keys  # nothing deleted
    assert first_run.needed()  # a new computer again: the wizard is offered


def test_a_database_away_is_said_without_offering_to_move_anything(qtbot: Any, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = half_made(tmp_path, monkeypatch)
    (folder / "anchang.toml").write_text(f'[database]\nurl = "{UNREACHABLE}"\n', "utf-8")
    window = StartProblemWindow(start_error(folder))
    qtbot.addWidget(window)
    window.show()
    assert "127.0.0.1" in window.reason.text() and "数据库服务器" in window.way_out.text()
    assert not window.move_button.isVisible()


def test_anchang_console_shows_the_window_then_the_wizard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Until now it exited 2 with a line on stderr only; the wizard was never offered again."""
    folder = half_made(tmp_path, monkeypatch)
    shown: list[str] = []

    def user_moves_it_aside(window: StartProblemWindow) -> int:
        shown.append(window.way_out.text())
        window.move_button.click()
        confirm(window, QMessageBox.StandardButton.Yes)
        return window.result()

    monkeypatch.setattr(StartProblemWindow, "exec", user_moves_it_aside)
    monkeypatch.setattr(wizard_module, "run_first_run", lambda: shown.append("wizard") and False)
    assert console.app.main([]) == 1  # the wizard, cancelled here
    assert len(shown) == 2 and str(folder) in shown[0] and shown[1] == "wizard"
    assert "do not belong" in capsys.readouterr().err  # stderr (and the log) still say it
    assert [path.name.startswith("second-pc.moved-") for path in tmp_path.iterdir() if path.name.startswith(
        "second-pc")] == [True]


def test_closing_the_window_moves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = half_made(tmp_path, monkeypatch)
    monkeypatch.setattr(StartProblemWindow, "exec", lambda window: QDialog.DialogCode.Rejected)
    assert console.app.main([]) == 2
    assert (folder / "anchang.toml").exists()
