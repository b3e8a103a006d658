"""anchang-console logs to <data dir>/logs/anchang-console.log with the station named in [console]
(operations/program_log.py), from its first line: also a console that cannot start says why in its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from console import app as console_app


def test_the_console_logs_its_start_and_why_it_cannot_start_to_its_file(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    (data_dir / "anchang.toml").write_text('[console]\nstation = "console-manager"\n', encoding="utf-8")
    shown: list[BaseException] = []

    def user_closes_the_window(error: BaseException) -> bool:  # console/start_problem.py's window, closed
        shown.append(error)
        return False

    monkeypatch.setattr("console.start_problem.show_start_problem", user_closes_the_window)
    assert console_app.main([]) == 2  # settings but no site keys
    assert len(shown) == 1
    lines = (data_dir / "logs" / "anchang-console.log").read_text("utf-8").splitlines()
    assert "INFO [console-manager] anchang-console: anchang-console" in lines[0] and "started" in lines[0]
    assert any(" ERROR [console-manager] console.app: 无法启动 / cannot start: " in line for line in lines)


def test_a_console_on_a_computer_not_set_up_and_without_a_screen_says_so_in_its_file(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    monkeypatch.setattr(console_app, "has_display", lambda: False)
    assert console_app.main([]) == 2
    text = (data_dir / "logs" / "anchang-console.log").read_text("utf-8")
    assert " ERROR [console] console.app: 本机尚未设置 / this computer is not set up" in text
