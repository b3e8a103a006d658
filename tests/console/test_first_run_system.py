"""The first-run wizard sets up the site for every user of the computer (本机所有用户共用): offered, and
ticked, to whoever may set the system site up (here: a member of its group with the folders writable, as
the package leaves them); a user outside the group sees why not and gets a site of their own."""

from __future__ import annotations

import grp
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest

from db.config import config_file, data_dir, database_url
from db.keys import KEY_FILES
from db.site_dirs import current_site
from operations import first_run
from tests.console.test_first_run import finished, log_in_at_the_console, new_site_pages, open_wizard


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def computer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A user without a site of their own; the system site's folders made by the package (empty)."""
    monkeypatch.delenv("ANCHANG_DATA_DIR", raising=False)
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    etc, var = tmp_path / "etc", tmp_path / "var"
    for folder in (etc, var):
        folder.mkdir(mode=0o2770)
        folder.chmod(0o2770)
    monkeypatch.setenv("ANCHANG_SYSTEM_CONFIG_DIR", str(etc))
    monkeypatch.setenv("ANCHANG_SYSTEM_DATA_DIR", str(var))
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", grp.getgrgid(os.getgid()).gr_name)
    assert first_run.needed()
    return {"etc": etc, "var": var, "home": tmp_path / "home-data"}


def test_a_new_site_for_every_user_of_the_computer(qtbot: Any, computer: dict[str, Path]) -> None:
    wizard = open_wizard(qtbot)
    start = wizard.start
    assert start.for_everyone.isEnabled() and start.for_everyone.isChecked()
    assert str(computer["etc"] / "anchang.toml") in start.for_everyone_note.text()
    wizard.next()
    wizard.next()
    assert str(computer["var"]) in wizard.database.where.text()
    wizard.back()
    wizard.back()
    new_site_pages(qtbot, wizard)
    assert finished(wizard), wizard.finish.result.text()
    wizard.button(wizard.WizardButton.FinishButton).click()

    assert not first_run.needed()
    site = current_site()  # found without variables, by every program and user of the group
    assert (site.config_file, site.data_dir, site.shared) == (computer["etc"] / "anchang.toml", computer["var"], True)
    assert (config_file(), data_dir()) == (site.config_file, site.data_dir)
    settings = tomllib.loads(site.config_file.read_text("utf-8"))
    assert settings["site"]["data_dir"] == str(computer["var"]) and settings["kiosk"]["title"] == "滨江壹号"
    assert _mode(site.config_file) == 0o640
    assert {_mode(computer["var"] / name) for name in KEY_FILES} == {0o640}
    assert not [path for path in computer["var"].rglob("*") if path.stat().st_mode & 0o007], "nothing for others"
    assert not computer["home"].exists()  # nothing of the site in the user's own folder
    window = log_in_at_the_console(qtbot, database_url())
    window.close()
    window.ctx.store.dispose()


def test_a_user_who_may_not_gets_the_reason_and_a_site_of_their_own(qtbot: Any, computer: dict[str, Path],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", "anchang-test-no-such-group")
    assert "没有 anchang 组" in open_wizard(qtbot).start.for_everyone_note.text()  # no package, no group
    monkeypatch.setenv("ANCHANG_SYSTEM_GROUP", grp.getgrgid(os.getgid()).gr_name)  # the group is there
    for not_root_nor_member in ("os.geteuid", "os.getegid"):
        monkeypatch.setattr(not_root_nor_member, lambda: 4321)
    monkeypatch.setattr("os.getgroups", lambda: [4321])
    wizard = open_wizard(qtbot)
    start = wizard.start
    assert not start.for_everyone.isEnabled() and not start.shared()
    assert "sudo adduser" in start.for_everyone_note.text() and "anchang init --system" in start.for_everyone_note.text()
    new_site_pages(qtbot, wizard)
    assert finished(wizard), wizard.finish.result.text()
    assert not (computer["etc"] / "anchang.toml").exists() and not list(computer["var"].iterdir())
    assert current_site().data_dir == computer["home"] / "anchang" and not current_site().shared
