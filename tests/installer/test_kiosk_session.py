"""The kiosk PC's pieces the package ships, without building it: anchang-kiosk-autostart (an administrator's
commands refused plainly without root; `session --user` writes LightDM's auto-login drop-in), the user
service anchang-kiosk.service (restart policy, checked by systemd-analyze verify), and the kiosk session
script's restart loop where no systemd user manager runs."""

from __future__ import annotations

import configparser
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.single_instance import ALREADY_RUNNING_EXIT

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installer" / "linux"
HELPER = LINUX / "anchang-kiosk-autostart"
SESSION = LINUX / "anchang-kiosk-session"
UNIT = LINUX / "anchang-kiosk.service"
SCRIPTS = [HELPER, SESSION, LINUX / "postinst", LINUX / "prerm", LINUX / "postrm",
           ROOT / "installer" / "build-linux.sh", ROOT / "installer" / "make-apt-repo.sh",
           ROOT / "installer" / "repack-version.sh", ROOT / "installer" / "office-trial.sh", ROOT / "installer" / "smoke.sh"]


@pytest.fixture
def installed() -> Iterator[Path]:
    """The helper where the package puts it, /usr/bin beside /usr/share/anchang's autostart entry, in a
    folder an unprivileged user can reach (pytest's own are root's alone)."""
    top = Path(tempfile.mkdtemp(prefix="anchang-autostart-"))
    top.chmod(0o755)
    yield from _installed(top)
    shutil.rmtree(top)


def _installed(tmp_path: Path) -> Iterator[Path]:
    usr = tmp_path / "usr"
    (usr / "bin").mkdir(parents=True)
    (usr / "share" / "anchang").mkdir(parents=True)
    shutil.copy(HELPER, usr / "bin" / HELPER.name)
    shutil.copy(LINUX / "anchang-kiosk-autostart.desktop", usr / "share" / "anchang")
    for folder in (tmp_path / "etc", tmp_path / "home"):
        folder.mkdir()
        folder.chmod(0o777)  # the unprivileged user may try (and must be refused before writing)
    yield usr / "bin" / HELPER.name


def run(helper: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    home = helper.parents[2] / "home"
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(home), "ANCHANG_SYSCONFDIR": str(helper.parents[2] / "etc")}
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user else []
    return subprocess.run([*prefix, str(helper), *args], capture_output=True, text=True, env=env, timeout=30)


needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                                reason="runs the helper as root and as an unprivileged user (setpriv)")


@needs_root
def test_system_wide_commands_without_root_say_they_need_an_administrator(installed: Path) -> None:
    nobody = str(pwd.getpwnam("nobody").pw_uid)
    for args in (["enable", "--system"], ["disable", "--system"], ["session", "--user", "kiosk"], ["session", "--off"]):
        result = run(installed, *args, user=nobody)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert "需要管理员权限" in result.stderr and f"sudo anchang-kiosk-autostart {' '.join(args)}" in result.stderr
        assert "Permission denied" not in result.stderr
    assert not any((installed.parents[2] / "etc").iterdir())
    assert run(installed, "status", "--system", user=nobody).stdout.startswith("disabled")


@needs_root
def test_per_user_and_system_autostart_still_work(installed: Path) -> None:
    etc = installed.parents[2] / "etc"
    assert run(installed, "enable", "--system").returncode == 0
    assert (etc / "xdg" / "autostart" / "anchang-kiosk.desktop").read_text().count("X-Anchang-Autostart=true") == 1
    assert run(installed, "enable").returncode == 0
    assert (installed.parents[2] / "home" / ".config" / "autostart" / "anchang-kiosk.desktop").exists()
    assert run(installed, "enable", "--sideways").returncode == 2


@needs_root
def test_session_writes_the_lightdm_auto_login_of_the_kiosk_user(installed: Path) -> None:
    user = pwd.getpwuid(65534).pw_name  # any existing account other than root
    result = run(installed, "session", "--user", user)
    assert result.returncode == 0, result.stderr
    dropin = installed.parents[2] / "etc" / "lightdm" / "lightdm.conf.d" / "50-anchang-kiosk.conf"
    config = configparser.ConfigParser(interpolation=None)
    config.read(dropin)
    seat = config["Seat:*"]
    assert seat["autologin-user"] == user and seat["autologin-user-timeout"] == "0"
    assert seat["autologin-session"] == "anchang-kiosk"  # /usr/share/xsessions/anchang-kiosk.desktop
    assert seat["xserver-command"] == "X -s 0 -dpms"
    assert run(installed, "session", "--user", "root").returncode == 1
    refused = run(installed, "session", "--user", "no-such-user-here")
    assert refused.returncode == 1 and "no such user" in refused.stderr
    assert run(installed, "session", "--off").returncode == 0 and not dropin.exists()


def test_the_xsession_entry_runs_the_session_script() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(LINUX / "anchang-kiosk-session.desktop", encoding="utf-8")
    assert entry["Desktop Entry"]["Type"] == "XSession"
    assert entry["Desktop Entry"]["Exec"] == "/usr/libexec/anchang/anchang-kiosk-session"


def test_the_service_restarts_the_kiosk_within_seconds_and_not_a_second_instance() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(UNIT, encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"] == "/usr/bin/anchang-kiosk"
    assert service["Restart"] == "on-failure" and service["RestartSec"] == "2"
    assert service["RestartPreventExitStatus"] == str(ALREADY_RUNNING_EXIT)
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None or shutil.which("man") is None,
                    reason="systemd-analyze and man not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    """systemd's own parser: every key known, the program executable, the man page it names found."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_manpages", ROOT / "installer" / "make_manpages.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.write_pages(tmp_path / "man" / "man1", "0", "2030-01-01")
    program = tmp_path / "anchang-kiosk"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "MANPATH": str(tmp_path / "man")}

    def verify(text: str) -> subprocess.CompletedProcess[str]:
        unit = tmp_path / "anchang-kiosk.service"
        unit.write_text(text.replace("/usr/bin/anchang-kiosk", str(program)), encoding="utf-8")
        return subprocess.run(["systemd-analyze", "verify", "--user", str(unit)], capture_output=True, text=True,
                              env=env, timeout=60)

    shipped = UNIT.read_text(encoding="utf-8")
    result = verify(shipped)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    broken = verify(shipped.replace("Restart=on-failure", "Restart=sometimes"))
    assert "Failed to parse service restart specifier" in broken.stderr  # the check is not a no-op


@pytest.mark.parametrize("last", ["exit 0", "kill -TERM $$"])
def test_without_a_user_manager_the_session_restarts_a_dying_kiosk(tmp_path: Path, last: str) -> None:
    """The session script's own loop: a kiosk that crashes twice is started again 2 s later each time, one
    that exits 0 (closed by staff) or is stopped with SIGTERM (before its own handler was up, as systemd
    counts it: clean) ends the session."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    starts = tmp_path / "starts"
    (bin_dir / "anchang-kiosk").write_text(
        f'#!/bin/sh\necho x >> "{starts}"\n[ "$(wc -l < "{starts}")" -ge 3 ] && {{ {last}; }}\nkill -9 $$\n')
    (bin_dir / "anchang-kiosk").chmod(0o755)
    (bin_dir / "systemctl").write_text("#!/bin/sh\nexit 1\n")  # no user manager answers
    (bin_dir / "systemctl").chmod(0o755)
    began = time.monotonic()
    result = subprocess.run(["sh", str(SESSION)], capture_output=True, text=True, timeout=30,
                            env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert starts.read_text().count("x") == 3
    assert 3.5 < time.monotonic() - began < 10


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_the_shipped_scripts_pass_shellcheck() -> None:
    result = subprocess.run(["shellcheck", "-S", "warning", *map(str, SCRIPTS)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout
