"""The first-run wizard: 新建站点 (project, database, administrator, rules, consent notice) or 加入已有
站点 (key bundle, passphrase, PostgreSQL, this computer's name), then the finish page that does it.

`run_first_run()` shows it and returns True once the site is set up (the console then opens its login
screen on it). The wizard owns a worker pool (ui/workers.py): connection tests, reading a bundle and the
setup itself never run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWizard, QWizardPage

from console.first_run.admin_page import AdminPage
from console.first_run.consent_page import ConsentPage
from console.first_run.database_page import DatabasePage
from console.first_run.finish_page import FinishPage
from console.first_run.join_page import JoinPage
from console.first_run.project_page import ProjectPage
from console.first_run.rules_page import RulesPage
from console.first_run.start_page import StartPage
from console.widgets import BUTTON_HEIGHT
from operations import system_site
from operations.first_run import JoinSite, NewSite, create_site, join_site
from ui.workers import TaskRunner

START, PROJECT, DATABASE, ADMIN, RULES, CONSENT, JOIN, FINISH = range(8)
NEW_SITE_ORDER = (START, PROJECT, DATABASE, ADMIN, RULES, CONSENT, FINISH)
SIZE = (960, 720)


class FirstRunWizard(QWizard):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("first_run")
        self.setWindowTitle(self.tr("案场通 · 首次设置"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.runner = TaskRunner(self, max_threads=2)
        self.database_url: str | None = None  # the site's, once set up
        self.start, self.project, self.database = StartPage(), ProjectPage(), DatabasePage(self)
        self.admin, self.rules, self.consent = AdminPage(), RulesPage(), ConsentPage()
        self.join, self.finish = JoinPage(self), FinishPage(self)
        pages: dict[int, QWizardPage] = {START: self.start, PROJECT: self.project, DATABASE: self.database,
                                         ADMIN: self.admin, RULES: self.rules, CONSENT: self.consent,
                                         JOIN: self.join, FINISH: self.finish}
        for page_id, page in pages.items():
            self.setPage(page_id, page)
        self.setStartId(START)
        for which, name in ((QWizard.WizardButton.BackButton, "first_run_back"),
                            (QWizard.WizardButton.NextButton, "first_run_next"),
                            (QWizard.WizardButton.FinishButton, "first_run_finish_button"),
                            (QWizard.WizardButton.CancelButton, "first_run_cancel")):
            self.button(which).setObjectName(name)
            self.button(which).setMinimumHeight(BUTTON_HEIGHT)
            self.button(which).setMinimumWidth(120)
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("上一步"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.resize(*SIZE)

    def joining(self) -> bool:
        return self.start.joining()

    def nextId(self) -> int:  # noqa: N802 - Qt's name
        current = self.currentId()
        if current == START:
            return JOIN if self.joining() else PROJECT
        if current == JOIN:
            return FINISH
        if current in NEW_SITE_ORDER[:-1]:
            return NEW_SITE_ORDER[NEW_SITE_ORDER.index(current) + 1]
        return -1

    def work(self) -> tuple[Callable[..., str], NewSite | JoinSite]:
        """What the finish page runs, and its plan, from what the pages hold."""
        set_up, plan = self._work()
        if not self.start.shared():
            return set_up, plan

        def on_system_site(plan: Any, say: Callable[[str], None]) -> str:
            return system_site.on_system_site(lambda: set_up(plan, say), say)
        return on_system_site, plan

    def _work(self) -> tuple[Callable[..., str], NewSite | JoinSite]:
        if self.joining():
            return join_site, JoinSite(database_url=self.join.connection.url.text().strip(),
                                       bundle_text=self.join.bundle_text, passphrase=self.join.passphrase.text(),
                                       station_name=self.join.station.text().strip())
        return create_site, NewSite(project=self.project.project(), admin_password=self.admin.admin_password(),
                                    database_url=self.database.database_url(), rules=self.rules.changes(),
                                    consent_notice=self.consent.notice())

    def reject(self) -> None:
        if self.finish.running:
            return  # the setup is half done: let it finish (or fail) before the window can close
        super().reject()

    def done(self, result: int) -> None:
        self.runner.wait(30_000)
        super().done(result)

    def tour(self, snap: Callable[[str], None]) -> None:
        """The pages of both paths as a user meets them, for `anchang-console --tour`."""
        snap("first_run_start")
        self.project.name.setText(self.tr("滨江壹号 营销中心"))
        for name in ("first_run_project", "first_run_database", "first_run_admin"):
            self.next()
            snap(name)
        self.admin.password.setText("abc")
        snap("first_run_admin_weak")
        self.admin.password.setText("Binjiang-2026")
        self.admin.again.setText("Binjiang-2026")
        for name in ("first_run_rules", "first_run_consent"):
            self.next()
            snap(name)
        self.restart()
        self.start.join.setChecked(True)
        self.next()
        snap("first_run_join")


def run_first_run() -> bool:
    """Shows the wizard (modal); True when the site was set up, False when it was cancelled."""
    wizard = FirstRunWizard()
    return wizard.exec() == QWizard.DialogCode.Accepted
