"""NothingHalfMade: a failed setup removes only what it made, gives the settings their old content back,
and leaves everything once told the database relies on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from operations.half_made import NothingHalfMade, move_aside


class SetupFailed(Exception):
    pass


def test_a_failure_removes_what_appeared_and_the_folders_it_made(tmp_path: Path) -> None:
    data = tmp_path / "share" / "anchang"
    settings = tmp_path / "etc" / "anchang.toml"
    with pytest.raises(SetupFailed), NothingHalfMade(data, settings):
        (data / "backups").mkdir(parents=True)
        (data / "backups" / "old.sqlite3").write_bytes(b"x")
        (data / "master.key").write_bytes(b"k")
        settings.parent.mkdir()
        settings.write_text("[database]\n", "utf-8")
        raise SetupFailed
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_what_was_there_stays_and_the_settings_get_their_content_back(tmp_path: Path) -> None:
    data = tmp_path / "anchang"
    data.mkdir()
    (data / "notes.txt").write_text("mine", "utf-8")
    settings = data / "anchang.toml"
    settings.write_text('[kiosk]\ntitle = "滨江"\n', "utf-8")
    with pytest.raises(SetupFailed), NothingHalfMade(data, settings):
        settings.write_text('[database]\nurl = "postgresql://x"\n', "utf-8")
        (data / "station.id").write_text("0" * 32, "ascii")
        raise SetupFailed
    assert sorted(path.name for path in data.iterdir()) == ["anchang.toml", "notes.txt"]
    assert settings.read_text("utf-8") == '[kiosk]\ntitle = "滨江"\n'
    assert (data / "notes.txt").read_text("utf-8") == "mine"


def test_once_kept_a_failure_leaves_everything(tmp_path: Path) -> None:
    data = tmp_path / "anchang"
    with pytest.raises(SetupFailed), NothingHalfMade(data, data / "anchang.toml") as made:
        data.mkdir()
        (data / "master.key").write_bytes(b"k")
        made.keep()  # the database now holds these keys' check values
        raise SetupFailed
    assert (data / "master.key").read_bytes() == b"k"


def test_success_leaves_everything(tmp_path: Path) -> None:
    data = tmp_path / "anchang"
    with NothingHalfMade(data, data / "anchang.toml"):
        data.mkdir()
        (data / "anchang.toml").write_text("", "utf-8")
    assert (data / "anchang.toml").exists()


def test_moved_aside_never_deleted(tmp_path: Path) -> None:
    data = tmp_path / "anchang"
    data.mkdir()
    (data / "master.key").write_bytes(b"k")
    etc = tmp_path / "etc" / "anchang.toml"
    etc.parent.mkdir()
    etc.write_text("[database]\n", "utf-8")
    (tmp_path / "anchang.moved-20260301-1000").mkdir()  # moved once already, the same second
    moved = move_aside(data, etc, "20260301-1000")
    assert [path.name for path in moved] == ["anchang.moved-20260301-1000-1", "anchang.toml.moved-20260301-1000"]
    assert not data.exists() and not etc.exists()
    assert (moved[0] / "master.key").read_bytes() == b"k" and moved[1].read_text("utf-8") == "[database]\n"


def test_settings_inside_the_folder_move_with_it(tmp_path: Path) -> None:
    data = tmp_path / "anchang"
    data.mkdir()
    (data / "anchang.toml").write_text("", "utf-8")
    assert move_aside(data, data / "anchang.toml", "x") == [tmp_path / "anchang.moved-x"]
    assert (tmp_path / "anchang.moved-x" / "anchang.toml").exists()
