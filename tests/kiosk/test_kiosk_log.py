"""anchang-kiosk logs to <data dir>/logs/anchang-kiosk.log with the station named in [kiosk] (admin/
program_log.py), from its first line: also a kiosk that cannot start says why in its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import app as kiosk_app


def test_the_kiosk_logs_its_start_and_why_it_cannot_start_to_its_file(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    (data_dir / "anchang.toml").write_text('[kiosk]\nstation = "kiosk-front"\n', encoding="utf-8")
    assert kiosk_app.main([]) == 2  # no site keys, and no screen (offscreen) for the window that says so
    lines = (data_dir / "logs" / "anchang-kiosk.log").read_text("utf-8").splitlines()
    assert "INFO [kiosk-front] anchang-kiosk: anchang-kiosk" in lines[0] and "started" in lines[0]
    assert any(" ERROR [kiosk-front] kiosk.app: 无法启动 / cannot start: " in line for line in lines)
