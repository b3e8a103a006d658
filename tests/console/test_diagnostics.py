"""The 站点 page's 导出诊断包: the button asks where, and the console writes the support bundle there, 0600,
with its stations, its Qt version, its self-test run apart and its logs with a planted phone masked."""

from __future__ import annotations

import io
import stat
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import qVersion

from console.pages import diagnostics
from db.personal import MASKED_NUMBER
from service.store import Store
from tests.console.helpers import click, open_console, settle
from tests.console.test_stations import SHOTS, stations_page


def test_the_button_writes_the_bundle_where_the_user_chose(
        qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = store.keyring.directory
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(site))
    (site / "anchang.toml").write_text('[database]\nurl = "postgresql://station:Hunter2-pw@db.lan/anchang"\n',
                                       encoding="utf-8")
    (site / "logs").mkdir()
    (site / "logs" / "anchang-console.log").write_text("refused 13912345678 at the desk\n", encoding="utf-8")
    # the real `anchang-console --self-test` takes a quarter of a minute: a program that reports like it
    monkeypatch.setattr(diagnostics, "self_test_command", lambda: [
        sys.executable, "-c", "import sys; print('自检通过 / self-test passed:', sys.argv[1:])"])
    target = tmp_path / "support" / "诊断包.zip"
    target.parent.mkdir()
    monkeypatch.setattr(diagnostics.QFileDialog, "getSaveFileName", lambda *_args: (str(target), "*.zip"))
    store.register_station("console")
    window = open_console(qtbot, store, "经理")
    page = stations_page(window)
    click(qtbot, window, "diagnostics_export")
    qtbot.waitUntil(lambda: page.diagnostics.start.isEnabled(), timeout=60_000)
    settle(window)
    assert "已保存诊断包" in page.diagnostics.note.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "stations_diagnostics.png"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        held = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    assert "console-test | console | " in held["database.txt"]
    assert f"Qt {qVersion()}" in held["versions.txt"] and held["versions.txt"].startswith("anchang-console ")
    assert "self-test passed: ['--self-test']" in held["self-test.txt"]
    assert held["logs/anchang-console.log"] == f"refused {MASKED_NUMBER} at the desk\n"
    assert "Hunter2-pw" not in held["config/anchang.toml"] and "station:***@db.lan" in held["config/anchang.toml"]


def test_a_bundle_that_cannot_be_written_is_said_on_the_panel(
        qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(store.keyring.directory))
    monkeypatch.setattr(diagnostics, "self_test_command", lambda: [sys.executable, "-c", "print('ok')"])
    window = open_console(qtbot, store, "管理员")
    page = stations_page(window)
    page.diagnostics.save_to(str(tmp_path / "missing-folder" / "bundle.zip"))
    qtbot.waitUntil(lambda: page.diagnostics.start.isEnabled(), timeout=60_000)
    assert "诊断包未能保存" in page.diagnostics.note.text() and "missing-folder" in page.diagnostics.note.text()
