"""operations/diagnose.py, the 诊断包: what the zip holds, that no secret (a key's base64, a database password)
gets in, that a phone in a log line is masked, and that the bundle is made while the database is away."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from admin.cli import main
from db.config import config_file, database_url
from db.keys import KEY_FILES
from db.migrate import head_revision
from db.personal import MASKED_NUMBER, personal_number_in
from operations import diagnose
from operations.common import open_engine

PASSWORD = "Hunter2-pw"
SETTINGS = f"""# the server's own (for the upgrade):
# url = "postgresql+psycopg://anchang_owner:{PASSWORD}@10.0.0.5/anchang"
[kiosk]
station = "kiosk-front"
[reader]
passphrase = "{PASSWORD}"
"""


def members(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def fake_self_test() -> str:
    return "anchang 0.1.0 — 自检 / self-test\n  ok    modules: 200 modules\n自检通过 / self-test passed: 1 checks\n"


@pytest.fixture
def site(data_dir: Path) -> Path:
    assert main(["init"]) == 0
    assert main(["rules", "set", "pool.daily_claim_limit=4"]) == 0  # a write: registered as the station "admin"
    config_file().write_text(SETTINGS, encoding="utf-8")
    return data_dir


def bundle_of(site: Path, engine: Callable[[], Any] | None = None) -> dict[str, str]:
    opened = engine if engine is not None else (lambda: open_engine(database_url()))
    return members(diagnose.build("anchang-console", site, config_file(), opened, fake_self_test, qt="6.8.0"))


def test_the_bundle_holds_versions_self_test_configuration_folder_database_and_logs(site: Path) -> None:
    held = bundle_of(site)
    assert set(held) == {"README.txt", "versions.txt", "self-test.txt", "config/anchang.toml",
                         "config/environment.txt", "data-folder.txt", "database.txt", "logs/anchang.log"}
    assert held["versions.txt"].startswith("anchang-console ") and "Qt 6.8.0" in held["versions.txt"]
    assert "Python 3." in held["versions.txt"] and "OS " in held["versions.txt"]
    assert held["self-test.txt"] == fake_self_test()
    assert 'station = "kiosk-front"' in held["config/anchang.toml"]
    assert f"schema revision: {head_revision()} (this program's: {head_revision()})" in held["database.txt"]
    assert "  admin | admin | " in held["database.txt"]  # the stations
    assert "启动 / started: rules" in held["logs/anchang.log"]
    assert all(name in held["data-folder.txt"] for name in KEY_FILES)  # listed by name only
    assert "nothing needed masking" in held["README.txt"]


def test_no_key_and_no_password_gets_into_the_bundle(site: Path) -> None:
    held = bundle_of(site)
    keys = ["".join(line for line in (site / name).read_text("ascii").splitlines() if not line.startswith("#"))
            for name in KEY_FILES]
    assert all(len(key) > 20 for key in keys)
    for text in held.values():
        assert PASSWORD not in text and not any(key in text or key[:24] in text for key in keys)
    assert "anchang_owner:***@10.0.0.5" in held["config/anchang.toml"]
    assert 'passphrase = "***"' in held["config/anchang.toml"]


def test_a_phone_planted_in_a_log_line_is_masked_and_said(site: Path) -> None:
    (site / "logs" / "anchang-kiosk.log").write_text("older version: submit failed for 139-1234-5678\n",
                                                       encoding="utf-8")
    held = bundle_of(site)
    assert held["logs/anchang-kiosk.log"] == f"older version: submit failed for {MASKED_NUMBER}\n"
    assert "logs/anchang-kiosk.log: 1 处已隐去 / 1 masked" in held["README.txt"]
    assert all(personal_number_in(text) is None for text in held.values())


def test_a_long_log_gives_its_newest_lines_only(site: Path) -> None:
    lines = [f"line {number:06d} of a long day" for number in range(40_000)]  # about 1 MB
    (site / "logs" / "anchang-console.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tail = bundle_of(site)["logs/anchang-console.log"]
    first, *kept = tail.splitlines()
    assert first.startswith("[前 ") and "bytes left out]" in first
    assert kept == lines[-len(kept):] and len(tail.encode()) <= diagnose.LOG_TAIL_BYTES + 100


def test_the_bundle_is_made_while_the_database_is_away(site: Path) -> None:
    def away() -> Any:
        raise ConnectionRefusedError("connection refused by 10.0.0.5:5432")

    held = bundle_of(site, engine=away)
    assert held["database.txt"].startswith("数据库无法读取 / the database cannot be read: ConnectionRefusedError")
    assert "自检通过" in held["self-test.txt"]


@pytest.mark.parametrize(("written", "shown"), [
    ("postgresql+psycopg://station:p%40ss@db.lan:5432/anchang", "postgresql+psycopg://station:***@db.lan:5432/anchang"),
    ("url = 'postgresql://u:pw@h/d?sslmode=require'", "url = 'postgresql://u:***@h/d?sslmode=require'"),
    ("postgresql://db.lan/anchang?user=x&password=pw1&sslmode=require",
     "postgresql://db.lan/anchang?user=x&password=***&sslmode=require"),
    ('owner_password = "s3cret"', 'owner_password = "***"'),
    ("postgresql+psycopg://station@db.lan/anchang", "postgresql+psycopg://station@db.lan/anchang"),
])
def test_passwords_are_taken_out_of_urls_and_secret_settings(written: str, shown: str) -> None:
    assert diagnose.redact(written) == shown


def test_the_self_test_report_is_the_program_s_own_run_apart() -> None:
    import sys

    report = diagnose.run_self_test([sys.executable, "-c", "import sys; print('ok', sys.argv[1:])"])
    assert report.startswith("ok ['--self-test']") and "exit code 0" in report
    late = diagnose.run_self_test([sys.executable, "-c", "import time; time.sleep(5)"], timeout_s=0.5)
    assert "did not finish within 0.5 s" in late
