"""The first-run wizard (console/first_run), driven as a user would: a new single-station site on SQLite
whose administrator then logs in at the console; a new site on PostgreSQL after a failed and a good
connection test; joining that site with its key bundle (file or QR picture) — and the refusals: a wrong
passphrase, another site's bundle, a database that already holds a site."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.context import ConsoleContext
from console.first_run.join_page import read_bundle_file, read_bundle_image
from console.first_run.wizard import FirstRunWizard
from console.window import ConsoleWindow
from db.config import config_file, data_dir, database_url
from db.keys import KEY_FILES, Keyring
from operations import first_run
from service import key_bundle, site_settings, stations, users
from service.desk import Desk
from service.store import Store
from tests.console.helpers import settle as settle_window

PASSWORD = "Binjiang-2026"
NOTICE = "本项目采集人脸特征仅用于来访登记与客户归属确认。"
UNREACHABLE = "postgresql+psycopg://anchang@127.0.0.1:1/anchang"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def fresh_computer(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A computer without settings or keys; no database URL from the environment."""
    monkeypatch.delenv("ANCHANG_DATABASE_URL", raising=False)
    assert first_run.needed()
    return data_dir


def open_wizard(qtbot: Any) -> FirstRunWizard:
    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def settle(qtbot: Any, wizard: FirstRunWizard) -> None:
    qtbot.waitUntil(lambda: wizard.runner.pending == 0, timeout=60_000)


def click(qtbot: Any, wizard: FirstRunWizard, widget: Any) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    settle(qtbot, wizard)


def new_site_pages(qtbot: Any, wizard: FirstRunWizard, *, pg_url: str | None = None) -> None:
    """From the first page through the new-site pages to the finish page, which then runs the setup."""
    wizard.next()
    assert wizard.currentPage() is wizard.project
    wizard.project.name.setText("  ")
    assert not wizard.project.isComplete()
    wizard.project.name.setText("滨江壹号")
    wizard.next()
    assert wizard.currentPage() is wizard.database
    if pg_url is not None:
        wizard.database.several.setChecked(True)
        wizard.database.connection.url.setText(pg_url)
        click(qtbot, wizard, wizard.database.connection.test)
    assert wizard.database.isComplete()
    wizard.next()
    wizard.admin.password.setText("12345678")
    wizard.admin.again.setText("12345678")
    assert not wizard.admin.isComplete() and "太简单" in wizard.admin.problem.text()
    wizard.admin.password.setText(PASSWORD)
    assert not wizard.admin.isComplete()  # typed once only
    wizard.admin.again.setText(PASSWORD)
    assert wizard.admin.isComplete()
    wizard.next()
    wizard.rules.fields["protection.consultant_days"].setValue(45)
    wizard.next()
    wizard.consent.text.setPlainText(NOTICE)
    wizard.next()
    assert wizard.currentPage() is wizard.finish
    settle(qtbot, wizard)


def finished(wizard: FirstRunWizard) -> bool:
    return wizard.finish.isComplete() and "完成" in wizard.finish.result.text()


def log_in_at_the_console(qtbot: Any, url: str) -> ConsoleWindow:
    """What `anchang-console` does after the wizard: the store on the new site, then the login screen."""
    store = Store.open(url, data_dir(), station="console", kind="console")
    window = ConsoleWindow(ConsoleContext(store))
    qtbot.addWidget(window)
    window.show()
    window.login.name.setText("admin")
    window.login.password.setText(PASSWORD)
    window.login.submit()
    settle_window(window)
    assert window.user is not None and window.user.role == "admin"
    return window


def test_a_single_station_site_then_the_administrator_logs_in(qtbot: Any) -> None:
    wizard = open_wizard(qtbot)
    new_site_pages(qtbot, wizard)
    assert finished(wizard), wizard.finish.result.text()
    assert "初始化完成" in wizard.finish.log.toPlainText()
    for gone in (wizard.WizardButton.BackButton, wizard.WizardButton.CancelButton):
        assert not wizard.button(gone).isVisible()  # the site exists: only 完成 is left
    wizard.button(wizard.WizardButton.FinishButton).click()
    assert wizard.result() == wizard.DialogCode.Accepted
    assert not first_run.needed()
    for name in KEY_FILES:
        assert stat.S_IMODE((data_dir() / name).stat().st_mode) == 0o600
    settings = tomllib.loads(config_file().read_text("utf-8"))
    assert settings["kiosk"]["title"] == "滨江壹号" and "database" not in settings
    url = database_url()
    assert url.startswith("sqlite:")
    window = log_in_at_the_console(qtbot, url)
    store = window.ctx.store
    assert store.rules_at()["protection.consultant_days"] == 45
    assert store.rules_at()["channel.mode"] == "report_protect"  # left at its default
    assert site_settings.consent_notice(store.engine) is not None
    assert site_settings.consent_notice(store.engine)[0] == NOTICE  # type: ignore[index]
    assert site_settings.project_title(store.engine) == "滨江壹号"
    window.close()
    store.dispose()


def test_the_default_notice_is_not_stored(qtbot: Any) -> None:
    wizard = open_wizard(qtbot)
    wizard.project.name.setText("滨江壹号")
    for _ in range(5):
        wizard.admin.password.setText(PASSWORD)
        wizard.admin.again.setText(PASSWORD)
        wizard.next()
    assert wizard.currentPage() is wizard.consent
    assert wizard.consent.notice() is None  # the default: the kiosk shows it in its own language
    wizard.consent.text.setPlainText("")
    assert not wizard.consent.isComplete()


@pytest.mark.postgres
def test_a_postgresql_site_after_a_failed_connection_test(qtbot: Any, pg_url: str) -> None:
    wizard = open_wizard(qtbot)
    wizard.project.name.setText("滨江壹号")
    wizard.next()
    wizard.next()
    page = wizard.database
    page.several.setChecked(True)
    assert not page.isComplete()  # several stations need a tested connection
    for bad in (UNREACHABLE, "mysql://anchang@127.0.0.1/anchang"):
        page.connection.url.setText(bad)
        click(qtbot, wizard, page.connection.test)
        assert "连接失败" in page.connection.result.text()
        assert not page.isComplete()
    page.connection.url.setText(pg_url)
    click(qtbot, wizard, page.connection.test)
    assert page.connection.result.text() == "连接成功" and page.isComplete()
    page.connection.url.setText(pg_url + " ")  # an edit asks for a new test
    page.connection.url.setText(pg_url)
    assert not page.isComplete()
    wizard.back()
    wizard.back()
    new_site_pages(qtbot, wizard, pg_url=pg_url)
    assert finished(wizard), wizard.finish.result.text()
    assert tomllib.loads(config_file().read_text("utf-8"))["database"]["url"] == pg_url
    log_in_at_the_console(qtbot, pg_url).ctx.store.dispose()
    # a second computer choosing 新建站点 on the same database is sent to 加入已有站点
    again = open_wizard(qtbot)
    again.project.name.setText("别的项目")
    again.next()
    again.next()
    again.database.several.setChecked(True)
    again.database.connection.url.setText(pg_url)
    click(qtbot, again, again.database.connection.test)
    assert "已有站点" in again.database.connection.result.text() and not again.database.isComplete()


# ------------------------------------------------------------------------------------------ joining
def site_on_postgres(pg_url: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The site's first computer (its own data directory) sets the site up and exports the key bundle;
    returns (passphrase, bundle text)."""
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(directory))
    first_run.create_site(first_run.NewSite(project="滨江壹号", admin_password=PASSWORD, database_url=pg_url),
                          say=lambda _line: None)
    store = Store.open(pg_url, directory, station="console", kind="console")
    try:
        return key_bundle.export_for(Desk(store, users.authenticate(store, "admin", PASSWORD)))
    finally:
        store.dispose()


def join_pages(qtbot: Any, wizard: FirstRunWizard, bundle: Path, reader: Any, passphrase: str, url: str) -> None:
    wizard.start.join.setChecked(True)
    wizard.next()
    page = wizard.join
    assert wizard.currentPage() is page and not page.isComplete()
    page.load(reader, str(bundle))
    settle(qtbot, wizard)
    page.passphrase.setText(passphrase)
    page.connection.url.setText(url)
    click(qtbot, wizard, page.connection.test)
    page.station.setText("前台2")
    assert page.isComplete(), page.problem.text()
    wizard.next()
    settle(qtbot, wizard)


@pytest.mark.postgres
@pytest.mark.parametrize("as_picture", [False, True])
def test_joining_the_site_with_its_key_bundle(qtbot: Any, pg_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, as_picture: bool) -> None:
    from vision.qr import qr_png

    passphrase, text = site_on_postgres(pg_url, tmp_path / "first-pc", monkeypatch)
    bundle = tmp_path / ("bundle.png" if as_picture else "site.anchang-keys")
    if as_picture:
        bundle.write_bytes(qr_png(text, scale=4))
    else:
        bundle.write_text(text + "\n", "utf-8")
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "second-pc"))
    wizard = open_wizard(qtbot)
    join_pages(qtbot, wizard, bundle, read_bundle_image if as_picture else read_bundle_file,
               passphrase.lower(), pg_url)
    assert finished(wizard), wizard.finish.result.text()
    settings = tomllib.loads(config_file().read_text("utf-8"))
    assert settings["database"]["url"] == pg_url and settings["kiosk"]["title"] == "滨江壹号"
    assert settings["console"]["station"] == "console-前台2" and settings["kiosk"]["station"] == "kiosk-前台2"
    for name in KEY_FILES:
        assert stat.S_IMODE((data_dir() / name).stat().st_mode) == 0o600
    store = Store.open(pg_url, data_dir(), station=settings["console"]["station"], kind="console")
    admin = Desk(store, users.authenticate(store, "admin", PASSWORD))
    assert "console-前台2" in {info.name for info in stations.list_stations(admin)}
    store.dispose()


@pytest.mark.postgres
def test_a_wrong_passphrase_and_another_sites_bundle_are_refused(qtbot: Any, pg_url: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    passphrase, text = site_on_postgres(pg_url, tmp_path / "first-pc", monkeypatch)
    bundle = tmp_path / "site.anchang-keys"
    bundle.write_text(text, "utf-8")
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "second-pc"))
    wizard = open_wizard(qtbot)
    wrong = ("0" if passphrase[0] != "0" else "1") + passphrase[1:]
    join_pages(qtbot, wizard, bundle, read_bundle_file, wrong, pg_url)
    assert not wizard.finish.isComplete() and "口令错误" in wizard.finish.result.text()
    assert not any(data_dir().glob("*.key")) and not config_file().exists()
    assert wizard.button(wizard.WizardButton.BackButton).isEnabled()  # back to correct it

    other = tmp_path / "other.anchang-keys"
    other_passphrase = key_bundle.new_passphrase()
    other.write_text(key_bundle.export_text(Keyring.create(tmp_path / "other-site"), other_passphrase), "utf-8")
    wizard.back()
    wizard.join.load(read_bundle_file, str(other))
    settle(qtbot, wizard)
    wizard.join.passphrase.setText(other_passphrase)
    wizard.next()
    settle(qtbot, wizard)
    assert not wizard.finish.isComplete() and "另一个站点" in wizard.finish.result.text()
    assert not any(data_dir().glob("*.key"))

    wizard.back()
    wizard.join.load(read_bundle_file, str(tmp_path / "first-pc" / "anchang.toml"))  # not a bundle at all
    settle(qtbot, wizard)
    assert "不是站点密钥包" in wizard.join.problem.text() and not wizard.join.isComplete()


def test_anchang_console_opens_the_wizard_on_a_new_computer(monkeypatch: pytest.MonkeyPatch) -> None:
    """`anchang-console` on a computer without settings or keys shows the wizard first; cancelled, it
    exits without having written anything."""
    import console.app
    import console.first_run.wizard as wizard_module

    shown: list[bool] = []
    monkeypatch.setattr(wizard_module, "run_first_run", lambda: shown.append(True) and False)
    assert console.app.main([]) == 1
    assert shown and first_run.needed()


@pytest.mark.postgres
def test_a_join_that_fails_midway_leaves_nothing_and_the_wizard_is_offered_again(
        qtbot: Any, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server goes away after the bundle's keys were installed: the finish page says so (and that the
    bundle is spent); the keys, station id and settings are taken back, so the next start opens the wizard."""
    import console.app
    import console.first_run.wizard as wizard_module

    passphrase, text = site_on_postgres(pg_url, tmp_path / "first-pc", monkeypatch)
    bundle = tmp_path / "site.anchang-keys"
    bundle.write_text(text, "utf-8")
    monkeypatch.setenv("ANCHANG_DATA_DIR", str(tmp_path / "second-pc"))

    def server_gone(*_args: object, **_kwargs: object) -> None:
        raise first_run.AdminError("无法连接数据库 / cannot reach the database: server closed the connection")

    monkeypatch.setattr(first_run, "prepare_database", server_gone)
    wizard = open_wizard(qtbot)
    join_pages(qtbot, wizard, bundle, read_bundle_file, passphrase, pg_url)
    assert not wizard.finish.isComplete()
    assert "server closed the connection" in wizard.finish.result.text()
    assert "密钥包已用掉" in wizard.finish.result.text()
    assert not data_dir().exists() and first_run.needed()
    wizard.reject()

    shown: list[bool] = []
    monkeypatch.setattr(wizard_module, "run_first_run", lambda: shown.append(True) and False)
    assert console.app.main([]) == 1 and shown
