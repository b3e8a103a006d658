"""`anchang init --system`: the site for every user of a computer, in tmp folders standing in for /etc/anchang
and /var/lib/anchang (ANCHANG_SYSTEM_CONFIG_DIR, ANCHANG_SYSTEM_DATA_DIR), in this process's group
(ANCHANG_SYSTEM_GROUP). Run as root, a second user (nobody) really shares the SQLite site through the
group, and is refused without it."""

from __future__ import annotations

import grp
import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db.database import make_engine
from db.keys import KEY_FILES
from db.models import Station
from db.site_dirs import current_site
from kiosk.outbox import outbox_path
from operations import system_site

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    return _stand_ins(tmp_path, monkeypatch)


def _stand_ins(base: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    for name in ("ANCHANG_DATA_DIR", "ANCHANG_DATABASE_URL", "ANCHANG_OWNER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "home-data"))  # the user who runs it has no site
    monkeypatch.setenv("ANCHANG_SYSTEM_CONFIG_DIR", str(base / "etc"))
    monkeypatch.setenv("ANCHANG_SYSTEM_DATA_DIR", str(base / "var"))
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", grp.getgrgid(os.getgid()).gr_name)
    return {"etc": base / "etc", "var": base / "var", "home": base / "home-data"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_system_sets_up_a_group_shared_site(system: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--system"]) == 0
    out = capsys.readouterr().out
    assert "adduser" in out
    config, data = system["etc"] / "anchang.toml", system["var"]
    assert (_mode(config), config.stat().st_gid) == (0o640, os.getgid())
    assert f'data_dir = "{data}"' in config.read_text(encoding="utf-8")
    assert (_mode(data), data.stat().st_gid) == (0o2770, os.getgid())
    assert {_mode(data / name) for name in KEY_FILES} == {0o640}
    assert {(data / name).stat().st_gid for name in KEY_FILES} == {os.getgid()}
    assert _mode(data / "anchang.sqlite3") == 0o660
    everything = [path for path in data.rglob("*")]
    assert not [path for path in everything if path.stat().st_mode & 0o007], "nothing readable by others"
    assert not list(system["home"].rglob("*")), "nothing in the administrator's own data folder"


def test_every_command_finds_the_system_site_without_environment_variables(
        system: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--system"]) == 0
    assert current_site().data_dir == system["var"]
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert main(["backup"]) == 0  # into <data dir>/backups, for the group
    backups = system["var"] / "backups"
    assert _mode(backups) == 0o2770
    assert {_mode(path) for path in backups.iterdir()} == {0o660}
    assert _mode(system["var"] / "anchang.sqlite3-writer.lock") == 0o660  # the next user may queue too


def test_init_system_refuses_without_the_group(system: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", "no-such-group-anchang")
    assert main(["init", "--system"]) == 1
    err = capsys.readouterr().err
    assert err.index("系统组 no-such-group-anchang 不存在") < err.index("does not exist") < err.index("addgroup")
    assert not system["etc"].exists() and not system["var"].exists()


def test_a_user_outside_the_group_is_told_to_ask_an_administrator(
        system: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 4321)  # not root...
    monkeypatch.setattr(os, "getegid", lambda: 4321)
    monkeypatch.setattr(os, "getgroups", lambda: [4321])  # ...and not in the group
    assert main(["init", "--system"]) == 1
    err = capsys.readouterr().err
    assert "需要管理员权限" in err and "sudo anchang init --system" in err
    assert not system["etc"].exists() and not system["var"].exists()


def test_a_member_may_set_up_folders_an_administrator_made_theirs(
        system: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    site = system_site.system_site()
    monkeypatch.setattr(os, "geteuid", lambda: 4321)
    monkeypatch.setattr(os, "getgroups", lambda: [os.getgid()])
    assert system_site.may_set_up(site) is not None  # the folders are not there yet
    system["etc"].mkdir()
    system["var"].mkdir()
    assert system_site.may_set_up(site) is None


def test_a_failed_init_system_leaves_no_site_to_find(system: dict[str, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--system", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:9/none"]) == 1
    assert not (system["etc"] / "anchang.toml").exists()
    assert not current_site().shared


@pytest.fixture
def open_to_others(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """Stand-ins another user can reach (pytest's tmp folders are root's alone)."""
    base = Path(tempfile.mkdtemp(prefix="anchang-system-"))
    base.chmod(0o755)
    try:
        yield _stand_ins(base, monkeypatch)
    finally:
        shutil.rmtree(base)


def _as_nobody(args: list[str], groups: list[int]) -> tuple[int, str]:
    """`anchang ARGS` as the user nobody in `groups`: a forked child of this process drops to that user
    (the interpreter under /root is not another user's to start), so the modules it needs are imported
    here first. Its exit code and what it printed."""
    import operations.audit  # noqa: F401 - the child cannot read the interpreter's folder

    with tempfile.TemporaryFile("w+", encoding="utf-8") as said:
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            code = 70
            try:
                os.setgroups(groups)
                os.setgid(65534)
                os.setuid(65534)
                os.environ.update(HOME="/nonexistent", XDG_DATA_HOME="/nonexistent")
                sys.stdout = sys.stderr = said
                code = main(args)
                said.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        said.seek(0)
        return os.waitstatus_to_exitcode(status), said.read()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run as a second user")
def test_a_second_user_in_the_group_shares_the_site(open_to_others: dict[str, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--system"]) == 0
    capsys.readouterr()
    gid = os.getgid()
    assert main(["verify"]) == 0
    code, said = _as_nobody(["verify"], [gid])
    assert code == 0, said
    code, said = _as_nobody(["checkpoint"], [gid])  # a write by the second user: database, lock, file
    assert code == 0, said
    checkpoints = list((open_to_others["var"] / "checkpoints").iterdir())
    assert [(path.stat().st_uid, _mode(path)) for path in checkpoints] == [(65534, 0o660)]
    assert main(["verify"]) == 0  # and the first user still reads what the second wrote
    code, said = _as_nobody(["verify"], [])
    assert code != 0
    assert "Permission denied" in said and "adduser" in said


@pytest.mark.parametrize("program", ["kiosk.app", "console.app"])
def test_the_kiosk_and_the_console_take_the_system_sites_umask(system: dict[str, Path], program: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """What they make beyond the files they set modes on (a folder for backups, SQLite's own files) is
    the group's to write: umask 007 (a desktop session's 022 would leave the next user out)."""
    import importlib

    system["etc"].mkdir()
    (system["etc"] / "anchang.toml").write_text(f'[site]\ndata_dir = "{system["var"]}"\n', encoding="utf-8")
    module = importlib.import_module(program)
    seen: list[int] = []

    def umask_when_started(args: object) -> int:  # the program's work, after its logging started
        seen.append(os.umask(0o077))
        os.umask(seen[-1])
        return 0

    monkeypatch.setattr(module, "started_main", umask_when_started)
    previous = os.umask(0o022)
    try:
        assert module.main([]) == 0
        assert os.umask(0o022) == 0o022  # given back when main returns: the next test's files are its own
    finally:
        os.umask(previous)
    assert seen == [0o007]


def _program(module: str, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    keep = {key: value for key, value in os.environ.items()
            if key.startswith("ANCHANG_SYSTEM_") or key in ("PATH", "XDG_DATA_HOME", "HOME")}
    return subprocess.run([sys.executable, "-m", module, *args], env={**keep, "LANG": "C.UTF-8", **env},
                          cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_the_kiosk_and_the_console_find_the_system_site(system: dict[str, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--system"]) == 0
    kiosk = _program("kiosk.app", ["--exit-when-ready", "--windowed", "--camera", "none"],
                     QT_QPA_PLATFORM="offscreen")
    assert kiosk.returncode == 0, kiosk.stderr
    outbox = outbox_path(system["var"])
    assert (_mode(outbox), outbox.stat().st_gid) == (0o660, os.getgid())  # the next kiosk user's too
    console = _program("console.app", [])  # no display: it says so once its site and database opened
    assert console.returncode == 2
    assert "the console needs a screen" in console.stderr and "cannot start" not in console.stderr
    engine = make_engine(f"sqlite:///{system['var'] / 'anchang.sqlite3'}")
    try:
        with engine.connect() as connection:
            kinds = set(connection.execute(sa.select(Station.kind)).scalars())
    finally:
        engine.dispose()
    assert {"kiosk", "console"} <= kinds
    made = list(system["var"].rglob("*"))
    assert {_mode(path) for path in made if path.is_dir()} <= {0o2770}  # logs/, backups/...: the group writes
    assert not [path for path in made if path.stat().st_mode & 0o007], "nothing readable by others"


def test_a_second_station_joins_as_the_system_site(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A kiosk PC's site is every user's (its auto-login kiosk user, the staff): `anchang join --system`.
    A refused join leaves no site for the programs to find."""
    from tests.admin.test_cli_join import bundle_file, first_site

    keys = first_site(pg_url, tmp_path, monkeypatch)
    bundle, passphrase = bundle_file(keys, tmp_path)
    system = _stand_ins(tmp_path / "second-pc", monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO("WRONG-WRONG-WRON\n"))
    assert main(["join", str(bundle), "--database-url", pg_url, "--passphrase-stdin", "--system"]) == 2
    assert not (system["etc"] / "anchang.toml").exists() and not list(system["var"].iterdir())

    monkeypatch.setattr("sys.stdin", io.StringIO(passphrase + "\n"))
    assert main(["join", str(bundle), "--database-url", pg_url, "--passphrase-stdin", "--system",
                 "--name", "前台2"]) == 0
    assert "adduser" in capsys.readouterr().out
    config = system["etc"] / "anchang.toml"
    assert (_mode(config), config.stat().st_gid) == (0o640, os.getgid())
    text = config.read_text(encoding="utf-8")
    assert f'data_dir = "{system["var"]}"' in text and "kiosk-前台2" in text
    assert _mode(system["var"]) == 0o2770
    assert {_mode(system["var"] / name) for name in KEY_FILES} == {0o640}
    site = current_site()
    assert (site.data_dir, site.config_file) == (system["var"], config)  # found without variables
