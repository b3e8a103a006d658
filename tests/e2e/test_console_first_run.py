"""A new office PC, as its administrator meets it: the real `anchang-console` in a real window on a computer
where the package made the system site's empty folders, the first-run wizard driven through the window
system with 本机所有用户共用 left ticked, then the administrator's login. Afterwards the site is the
computer's (settings in the system configuration folder, data in the group's folder, nothing readable by
others) and a second program finds it without any setting (issue 17, item 1)."""

from __future__ import annotations

import grp
import os
import sqlite3
import stat
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

from tests.e2e.driver import BIN, Program

PASSWORD = "Binjiang-2026"


def new_office_pc(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    """The environment of a user with no site of their own on a PC whose package made /etc/anchang and
    /var/lib/anchang (stand-ins here) for the group this user is in."""
    etc, var = tmp_path / "etc-anchang", tmp_path / "var-lib-anchang"
    for folder, mode in ((etc, 0o2775), (var, 0o2770)):
        folder.mkdir()
        folder.chmod(mode)
    env = {"XDG_DATA_HOME": str(tmp_path / "home-data"), "ANCHANG_DATA_DIR": "", "ANCHANG_DATABASE_URL": "",
           "ANCHANG_SYSTEM_CONFIG_DIR": str(etc), "ANCHANG_SYSTEM_DATA_DIR": str(var),
           "ANCHANG_SYSTEM_GROUP": grp.getgrgid(os.getgid()).gr_name}
    return env, etc, var


def test_the_administrator_sets_up_the_site_for_every_user_then_logs_in(start: Callable[..., Program],
                                                                        tmp_path: Path) -> None:
    env, etc, var = new_office_pc(tmp_path)
    console = start("anchang-console", env=env)
    shared = console.wait_for("first_run_for_everyone", enabled=True)
    assert shared.checked, "本机所有用户共用 is the default for whoever may set it up"
    assert str(etc / "anchang.toml") in console.text("first_run_for_everyone_note")
    console.snap("start-page")
    console.click("first_run_next")
    console.type_into("first_run_project_name", "滨江壹号 营销中心")
    console.click("first_run_next")
    assert str(var) in console.text("first_run_data_dir")  # the data goes to the group's folder
    console.click("first_run_next")
    console.type_into("first_run_password", PASSWORD, secret=True)
    console.type_into("first_run_password_again", PASSWORD, secret=True)
    console.click("first_run_next")  # the rules, left as they are
    console.wait_for("first_run_rules")
    console.click("first_run_next")  # the consent notice, the default
    console.wait_for("first_run_consent")
    console.click("first_run_next")
    console.wait_for("first_run_result", contains="站点已建好", timeout=120)
    console.snap("finished")
    console.click("first_run_finish_button")

    console.type_into("login_name", "admin")
    console.type_into("login_password", PASSWORD, secret=True)
    console.click("login_submit")
    console.wait_for("current_user", contains="admin")
    console.snap("logged-in")

    settings = tomllib.loads((etc / "anchang.toml").read_text("utf-8"))
    assert settings["site"]["data_dir"] == str(var) and settings["kiosk"]["title"] == "滨江壹号 营销中心"
    made = [var, *var.rglob("*")]
    assert not [path for path in made if path.stat().st_mode & 0o007], "nothing readable by others"
    assert {stat.S_IMODE(path.stat().st_mode) for path in made if path.is_dir()} == {0o2770}
    assert (var / "logs" / "anchang-console.log").exists()
    assert not (tmp_path / "home-data" / "anchang").exists()  # nothing in the administrator's own folder
    with sqlite3.connect(var / "anchang.sqlite3") as db:
        assert ("console", "console") in db.execute("SELECT name, kind FROM stations").fetchall()

    # another program of the computer (here the command line) finds the site with no setting at all
    listed = subprocess.run([str(BIN / "anchang"), "user", "list"], env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "admin" in listed.stdout
