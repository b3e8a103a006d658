"""The project's name: shown on the kiosk's start screen and kept in the database for every station."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QWizardPage

from console.first_run.parts import line

MAX_PROJECT = 64


class ProjectPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("first_run_project")
        self.setTitle(self.tr("项目名称"))
        self.setSubTitle(self.tr("来访登记机的首页显示此名称，例如“滨江壹号 营销中心”。"))
        form = QFormLayout(self)
        self.name = line("first_run_project_name", self.tr("项目名称"))
        self.name.setMaxLength(MAX_PROJECT)
        self.name.textChanged.connect(lambda _text: self.completeChanged.emit())
        form.addRow(self.tr("项目名称"), self.name)

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return bool(self.name.text().strip())

    def project(self) -> str:
        return self.name.text().strip()
