"""The .deb's maintainer scripts and build settings, checked without building: remove and purge say where
the sites' data is kept and how to delete it (and delete nothing); an upgrade restarts the kiosk services
of logged-in users; removal takes the kiosk's auto-login with it; the maintainer is a real one, set at
build time; the version comes from pyproject.toml, the changelog's newest entry names it."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installer" / "linux"


def maintainer_script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(LINUX / name), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **env})


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """A system site, two users with their own sites and one without, as /etc, /var and a passwd file."""
    etc, var = tmp_path / "etc", tmp_path / "var"
    (etc / "anchang").mkdir(parents=True)
    (etc / "anchang" / "anchang.toml").write_text("[site]\n")
    (var / "lib" / "anchang").mkdir(parents=True)
    (var / "lib" / "anchang" / "anchang.sqlite3").write_bytes(b"site")
    homes = {name: tmp_path / "home" / name for name in ("wang", "li", "zhao")}
    for name in ("wang", "li"):
        (homes[name] / ".local" / "share" / "anchang").mkdir(parents=True)
        (homes[name] / ".local" / "share" / "anchang" / "master.key").write_bytes(b"key")
    homes["zhao"].mkdir(parents=True)
    passwd = tmp_path / "passwd"
    passwd.write_text("".join(f"{name}:x:100{i}:100{i}::{home}:/bin/sh\n" for i, (name, home) in enumerate(homes.items())))
    return {"etc": etc, "var": var, "passwd": passwd, **homes}


@pytest.mark.parametrize("action", ["remove", "purge"])
def test_remove_and_purge_say_where_the_data_is_kept_and_how_to_delete_it(machine: dict[str, Path], action: str) -> None:
    result = maintainer_script("postrm", action, env={
        "ANCHANG_SYSCONFDIR": str(machine["etc"]), "ANCHANG_LOCALSTATEDIR": str(machine["var"]),
        "ANCHANG_PASSWD": str(machine["passwd"])})
    assert result.returncode == 0, result.stderr
    said = result.stdout
    kept = [machine["etc"] / "anchang", machine["var"] / "lib" / "anchang",
            machine["wang"] / ".local/share/anchang", machine["li"] / ".local/share/anchang"]
    for folder in kept:
        assert f"    {folder}\n" in said
        assert folder.is_dir()  # kept
    assert str(machine["zhao"]) not in said
    delete = next(line for line in said.splitlines() if line.strip().startswith("sudo rm -rf"))
    assert sorted(delete.split()[3:]) == sorted(map(str, kept))
    assert "the sites' data is kept" in said and "installer/README.md" not in (LINUX / "postrm").read_text()


def test_nothing_found_still_says_where_data_would_be(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text("")
    result = maintainer_script("postrm", "purge", env={
        "ANCHANG_SYSCONFDIR": str(tmp_path / "etc"), "ANCHANG_LOCALSTATEDIR": str(tmp_path / "var"),
        "ANCHANG_PASSWD": str(tmp_path / "passwd")})
    assert "(none found" in result.stdout and "~/.local/share/anchang" in result.stdout


def test_an_upgrade_restarts_the_running_kiosk_services_of_logged_in_users(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "loginctl").write_text("#!/bin/sh\necho '1000 wang  no'\necho '1001 li    no'\n")
    # wang's kiosk service runs, li has none running
    (fake / "systemctl").write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\n'
                                    'case "$*" in *wang@.host*is-active*) exit 0 ;; *is-active*) exit 3 ;; esac\nexit 0\n')
    (fake / "getent").write_text("#!/bin/sh\nexit 0\n")  # the group is there since the first install
    (fake / "chown").write_text("#!/bin/sh\n")
    for program in fake.iterdir():
        program.chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin", "ANCHANG_SYSCONFDIR": str(tmp_path / "etc"),
           "ANCHANG_LOCALSTATEDIR": str(tmp_path / "var")}
    upgraded = maintainer_script("postinst", "configure", "0.1.0", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "restarted wang's kiosk" in upgraded.stdout and "li's" not in upgraded.stdout
    assert "--machine=wang@.host --user try-restart anchang-kiosk.service" in calls.read_text()
    assert "li@.host --user try-restart" not in calls.read_text()
    calls.unlink()
    assert maintainer_script("postinst", "configure", env=env).returncode == 0  # a first install restarts nothing
    assert not calls.exists()


@pytest.mark.parametrize("there", [False, True])
def test_configure_makes_the_system_group_and_the_site_folders_once(tmp_path: Path, there: bool) -> None:
    """The group anchang and the system site's empty folders, in it: /etc/anchang 2775 (others see whether a
    site exists), /var/lib/anchang 2770. A second configure (an upgrade) changes neither."""
    calls = tmp_path / "calls"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "getent").write_text(f"#!/bin/sh\n[ \"$*\" = 'group anchang' ] && exit {0 if there else 2}\nexit 1\n")
    for command in ("groupadd", "chown"):
        (fake / command).write_text(f'#!/bin/sh\necho "{command} $*" >> "{calls}"\n')
    for program in fake.iterdir():
        program.chmod(0o755)
    etc, var = tmp_path / "etc", tmp_path / "var"
    env = {"PATH": f"{fake}:/usr/bin:/bin", "ANCHANG_SYSCONFDIR": str(etc), "ANCHANG_LOCALSTATEDIR": str(var)}
    installed = maintainer_script("postinst", "configure", env=env)
    assert installed.returncode == 0, installed.stderr
    made = calls.read_text().splitlines()
    assert ("groupadd --system anchang" in made) is not there
    assert ("sudo adduser USER anchang" in installed.stdout) is not there
    assert f"chown root:anchang {etc / 'anchang'}" in made and f"chown root:anchang {var / 'lib' / 'anchang'}" in made
    assert oct(os.stat(etc / "anchang").st_mode & 0o7777) == oct(0o2775)
    assert oct(os.stat(var / "lib" / "anchang").st_mode & 0o7777) == oct(0o2770)
    (var / "lib" / "anchang").chmod(0o2750)  # an administrator's own choice since
    calls.unlink()
    (fake / "getent").write_text("#!/bin/sh\nexit 0\n")
    assert maintainer_script("postinst", "configure", "0.1.0", env=env).returncode == 0
    assert not calls.exists() and oct(os.stat(var / "lib" / "anchang").st_mode & 0o7777) == oct(0o2750)


def test_purge_takes_the_empty_site_folders_and_keeps_a_site(tmp_path: Path) -> None:
    etc, var = tmp_path / "etc", tmp_path / "var"
    (etc / "anchang").mkdir(parents=True)
    (var / "lib" / "anchang").mkdir(parents=True)
    (tmp_path / "passwd").write_text("")
    env = {"ANCHANG_SYSCONFDIR": str(etc), "ANCHANG_LOCALSTATEDIR": str(var), "ANCHANG_PASSWD": str(tmp_path / "passwd")}
    removed = maintainer_script("postrm", "remove", env=env)
    assert "(none found" in removed.stdout and (etc / "anchang").is_dir()  # empty: not a site, still there
    assert maintainer_script("postrm", "purge", env=env).returncode == 0
    assert not (etc / "anchang").exists() and not (var / "lib" / "anchang").exists()
    (etc / "anchang").mkdir()
    (etc / "anchang" / "anchang.toml").write_text("[site]\n")
    purged = maintainer_script("postrm", "purge", env=env)
    assert f"    {etc / 'anchang'}\n" in purged.stdout and (etc / "anchang" / "anchang.toml").exists()


def test_removal_takes_the_kiosk_auto_login_it_wrote_and_no_other(tmp_path: Path) -> None:
    dropin = tmp_path / "lightdm" / "lightdm.conf.d" / "50-anchang-kiosk.conf"
    dropin.parent.mkdir(parents=True)
    env = {"ANCHANG_SYSCONFDIR": str(tmp_path)}
    dropin.write_text("# Written by `anchang-kiosk-autostart session --user kiosk`\n[Seat:*]\nautologin-user=kiosk\n")
    assert maintainer_script("prerm", "upgrade", "0.1.1", env=env).returncode == 0 and dropin.exists()
    result = maintainer_script("prerm", "remove", env=env)
    assert result.returncode == 0 and not dropin.exists() and "auto-login" in result.stdout
    dropin.write_text("[Seat:*]\nautologin-user=someone\n")  # the administrator's own
    assert maintainer_script("prerm", "remove", env=env).returncode == 0 and dropin.exists()


def test_the_maintainer_is_a_build_variable_with_a_real_default() -> None:
    assert re.search(r"^Maintainer: @MAINTAINER@$", (LINUX / "control").read_text(), re.M)
    build = (ROOT / "installer" / "build-linux.sh").read_text(encoding="utf-8")
    assert 'MAINTAINER="${ANCHANG_MAINTAINER:-Anchang 案场通 <support@anchang.example>}"' in build
    assert "localhost" not in (LINUX / "control").read_text()


@pytest.mark.parametrize("args, said", [
    (["--maintainer", "anchang"], "maintainer must read 'NAME <MAIL>'"),
    (["--maintainer", "A & B <a@b.example>"], "maintainer must read"),
    (["--version", "1.0 beta"], "not a package version"),
    (["--apt-repo"], "usage: build-linux.sh"),
])
def test_the_build_refuses_bad_settings_before_it_starts(args: list[str], said: str) -> None:
    result = subprocess.run(["bash", str(ROOT / "installer" / "build-linux.sh"), *args], capture_output=True,
                            text=True, timeout=30, env={**os.environ, "ANCHANG_MAINTAINER": "Anchang 案场通 <a@b.example>"})
    assert result.returncode == 2 and said in result.stderr, result.stderr


def test_the_changelog_names_the_version_the_build_defaults_to() -> None:
    from operations.version import program_version

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert program_version() == version
    newest = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert newest is not None and newest.group(1) == version
