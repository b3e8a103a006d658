"""Which site a program finds (ANCHANG_DATA_DIR, the user's own, the system site, a new per-user one) and
the modes the system site's files get: folders 2770, files 0660, keys and settings 0640, in its group."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import config, site_dirs
from db.database import make_engine, run_write
from db.keys import KEY_FILES, Keyring, write_private
from db.site_dirs import Site, current_site, make_folder, using_site


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A home's data folder and a system site's /etc/anchang and /var/lib/anchang, all in tmp_path."""
    monkeypatch.delenv("ANCHANG_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    monkeypatch.setenv("ANCHANG_SYSTEM_CONFIG_DIR", str(tmp_path / "etc"))
    monkeypatch.setenv("ANCHANG_SYSTEM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", grp.getgrgid(os.getgid()).gr_name)
    return {"personal": tmp_path / "home-data" / "anchang", "etc": tmp_path / "etc", "var": tmp_path / "var"}


def _system_site_exists(places: dict[str, Path], data: Path | None = None) -> None:
    places["etc"].mkdir()
    where = f'[site]\ndata_dir = "{data}"\n' if data is not None else ""
    (places["etc"] / "anchang.toml").write_text(where, encoding="utf-8")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_any_site_a_new_one_is_the_users_own(places: dict[str, Path]) -> None:
    assert current_site() == Site(places["personal"], places["personal"] / "anchang.toml", shared=False)


def test_the_system_site_is_found_without_environment_variables(places: dict[str, Path]) -> None:
    _system_site_exists(places, places["var"] / "elsewhere")
    site = current_site()
    assert (site.data_dir, site.config_file, site.shared) == (
        places["var"] / "elsewhere", places["etc"] / "anchang.toml", True)
    assert config.data_dir() == places["var"] / "elsewhere"
    assert config.database_url() == f"sqlite:///{places['var'] / 'elsewhere' / 'anchang.sqlite3'}"


def test_the_system_site_without_a_data_dir_setting_uses_the_default(places: dict[str, Path]) -> None:
    _system_site_exists(places)
    assert current_site().data_dir == places["var"]


@pytest.mark.parametrize("marker", ["anchang.toml", *KEY_FILES])
def test_a_users_own_site_comes_before_the_system_site(places: dict[str, Path], marker: str) -> None:
    _system_site_exists(places)
    places["personal"].mkdir(parents=True)
    (places["personal"] / marker).write_text("", encoding="utf-8")
    assert current_site() == Site(places["personal"], places["personal"] / "anchang.toml", shared=False)


def test_an_empty_personal_folder_is_no_site(places: dict[str, Path]) -> None:
    _system_site_exists(places)
    places["personal"].mkdir(parents=True)  # e.g. left by a log or a cache
    assert current_site().shared


def test_anchang_data_dir_comes_first(places: dict[str, Path], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _system_site_exists(places)
    places["personal"].mkdir(parents=True)
    (places["personal"] / "anchang.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "explicit"))
    assert current_site() == Site(tmp_path / "explicit", tmp_path / "explicit" / "anchang.toml", shared=False)
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(places["var"]))  # the system site's folder, named: still shared
    assert current_site().shared


def test_a_system_site_the_user_may_not_read_says_who_may(places: dict[str, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _system_site_exists(places)

    def refused(path: Path) -> bytes:  # what a user outside the group meets (root reads every file)
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(config.ConfigError, match="Permission denied.*adduser \\$USER"):
        config.settings()


def test_system_site_folders_are_setgid_group_shared(places: dict[str, Path]) -> None:
    system = site_dirs.system_site()
    old = os.umask(0o022)  # a desktop session's umask: the mode is set, not left to it
    try:
        folder = make_folder(system.data_dir / "backups", system)
    finally:
        os.umask(old)
    assert _mode(folder) == 0o2770
    assert _mode(system.data_dir) == 0o2770


def test_a_users_folder_made_too_open_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    make_folder(folder, Site(folder, folder / "anchang.toml", shared=False))
    assert _mode(folder) == 0o700


def test_system_site_keys_are_group_readable_only(places: dict[str, Path]) -> None:
    with using_site(site_dirs.system_site()) as system:
        Keyring.create(system.data_dir)
        write_private(system.data_dir / "station-id", b"x")
    for name in KEY_FILES:
        assert _mode(system.data_dir / name) == 0o640
        assert (system.data_dir / name).stat().st_gid == os.getgid()
    assert _mode(system.data_dir / "station-id") == 0o660
    assert _mode(system.data_dir) == 0o2770


def test_a_users_keys_stay_owner_only(places: dict[str, Path]) -> None:
    Keyring.create(places["personal"])
    assert {_mode(places["personal"] / name) for name in KEY_FILES} == {0o600}
    assert _mode(places["personal"]) == 0o700


def test_system_settings_are_0640_in_the_group(places: dict[str, Path]) -> None:
    places["etc"].mkdir()
    with using_site(site_dirs.system_site()):
        path = config.save_settings({"site": {"data_dir": str(places["var"])}})
    assert path == places["etc"] / "anchang.toml"
    assert _mode(path) == 0o640
    assert path.stat().st_gid == grp.getgrnam(site_dirs.system_group()).gr_gid


def test_settings_refuse_a_missing_group(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    places["etc"].mkdir()
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", "no-such-group-anchang")
    with using_site(site_dirs.system_site()), pytest.raises(config.ConfigError, match="系统组 .* 不存在"):
        config.save_settings({})


def test_the_writer_lock_file_gets_the_databases_mode(tmp_path: Path) -> None:
    database = tmp_path / "anchang.sqlite3"
    database.touch()
    database.chmod(0o660)
    old = os.umask(0o077)  # stricter than the file: the lock must still be the group's
    try:
        engine = make_engine(f"sqlite:///{database}")
        run_write(engine, lambda session: session.execute(sa.text("CREATE TABLE t (x INTEGER)")))
        engine.dispose()
    finally:
        os.umask(old)
    assert _mode(tmp_path / "anchang.sqlite3-writer.lock") == 0o660
