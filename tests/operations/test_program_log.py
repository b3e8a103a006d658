"""operations/program_log.py: each program's rotating log file in the site's data folder, private as the
site's files, every line with time, level, station and logger, personal numbers masked; standard error
as the journal reads it under systemd."""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.personal import MASKED_NUMBER
from operations.program_log import log_file, start_logging
from operations.version import program_version

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (INFO|WARNING|ERROR) \[(\S+)\] (\S+): (.*)$")
log = logging.getLogger("tests.program_log")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture(autouse=True)
def no_journal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)


def test_a_line_has_time_level_station_and_logger_in_a_private_file(data_dir: Path, open_umask: None) -> None:
    logs = start_logging("anchang-kiosk", "kiosk-front")
    try:
        log.info("kiosk ready in %.1f s", 1.25)
    finally:
        logs.stop()
    path = log_file(data_dir, "anchang-kiosk")
    assert logs.file == path == data_dir / "logs" / "anchang-kiosk.log"
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    started, line = [match for text in path.read_text("utf-8").splitlines() if (match := LINE.match(text))]
    assert started.group(3) == "anchang-kiosk" and f"(pid {os.getpid()})" in started.group(4)
    assert started.group(4).startswith(f"anchang-kiosk {program_version()} 启动 / started")
    assert line.groups() == ("INFO", "kiosk-front", "tests.program_log", "kiosk ready in 1.2 s")


def test_the_file_rotates_by_size_and_keeps_the_backups_asked_for(data_dir: Path, open_umask: None) -> None:
    logs = start_logging("anchang-console", "console", max_bytes=2_000, backups=2)
    try:
        for number in range(200):
            log.info("line %d of a busy day", number)
    finally:
        logs.stop()
    folder = data_dir / "logs"
    assert sorted(path.name for path in folder.iterdir()) == [
        "anchang-console.log", "anchang-console.log.1", "anchang-console.log.2"]
    assert all(path.stat().st_size <= 2_000 and mode(path) == 0o600 for path in folder.iterdir())
    assert "line 199 of a busy day" in (folder / "anchang-console.log").read_text("utf-8")


def test_a_phone_or_id_number_is_masked_in_the_file_and_on_stderr(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = start_logging("anchang-kiosk", "kiosk")
    try:
        log.warning("submit failed for %s", "138 0013 8000")
        try:
            raise ValueError("身份证 110105194912310021 refused")
        except ValueError:
            log.exception("check-in refused")
    finally:
        logs.stop()
    written = (data_dir / "logs" / "anchang-kiosk.log").read_text("utf-8")
    shown = capsys.readouterr().err
    for text in (written, shown):
        assert "138 0013 8000" not in text and "110105194912310021" not in text
        # the message, and the traceback's source line and exception line
        assert text.count(MASKED_NUMBER) == 3 and "Traceback" in text


def test_under_systemd_stderr_lines_carry_the_journal_priority_not_a_time(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    logs = start_logging("anchang-kiosk", "kiosk-1")
    try:
        log.info("camera found")
        log.warning("camera lost")
    finally:
        logs.stop()
    assert capsys.readouterr().err.splitlines()[1:] == [
        "<6>INFO [kiosk-1] tests.program_log: camera found", "<4>WARNING [kiosk-1] tests.program_log: camera lost"]
    assert LINE.match((data_dir / "logs" / "anchang-kiosk.log").read_text("utf-8").splitlines()[0])


def test_the_command_line_shows_only_warnings_as_bare_messages_and_files_everything(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = start_logging("anchang", "admin", terminal=True, doing="backup")
    try:
        log.info("backup written")
        log.warning("the database is busy")
    finally:
        logs.stop()
    assert capsys.readouterr().err == "the database is busy\n"
    started, written, busy = (data_dir / "logs" / "anchang.log").read_text("utf-8").splitlines()
    assert "启动 / started: backup (pid" in started and "backup written" in written and "busy" in busy


def test_before_a_site_exists_nothing_is_made_and_stderr_still_logs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "not-yet"
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(missing))
    logs = start_logging("anchang-console", "console")
    try:
        log.warning("no site yet")
    finally:
        logs.stop()
    assert logs.file is None and not missing.exists()
    assert "no site yet" in capsys.readouterr().err


def test_a_site_folder_its_group_shares_gets_group_files(data_dir: Path, open_umask: None) -> None:
    data_dir.chmod(0o2770)
    logs = start_logging("anchang-console", "console")
    try:
        log.info("shared")
    finally:
        logs.stop()
    assert mode(data_dir / "logs") == 0o2770 and mode(data_dir / "logs" / "anchang-console.log") == 0o660


def test_a_log_folder_that_cannot_be_written_is_said_on_stderr(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data_dir / "logs").write_text("a file where the folder should be")
    logs = start_logging("anchang-kiosk", "kiosk")
    try:
        log.info("still logged")
    finally:
        logs.stop()
    err = capsys.readouterr().err
    assert logs.file is None and "cannot write the log file" in err and "still logged" in err


def test_starting_again_replaces_the_handlers_and_stop_restores_the_level(data_dir: Path) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    first = start_logging("anchang-kiosk", "kiosk")
    second = start_logging("anchang-kiosk", "kiosk")
    try:
        log.info("once")
    finally:
        second.stop()
        first.stop()
    assert (data_dir / "logs" / "anchang-kiosk.log").read_text("utf-8").count("once") == 1
    assert (list(root.handlers), root.level) == before
