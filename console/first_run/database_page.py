"""One station (SQLite in this computer's data directory) or several (the site's PostgreSQL server,
connection tested before the wizard goes on)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWizardPage

from console.first_run.parts import ConnectionTest
from console.widgets import BUTTON_HEIGHT
from db.config import data_dir
from db.site_dirs import system_site


class DatabasePage(QWizardPage):
    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setObjectName("first_run_database")
        self.setTitle(self.tr("数据库"))
        self.setSubTitle(self.tr("只有一台电脑时用本机数据库；多台登记机和工作台共用一个 PostgreSQL 服务器。"))
        column = QVBoxLayout(self)
        group = QButtonGroup(self)
        self.single = QRadioButton(self.tr("单机（本机数据库 SQLite）"))
        self.single.setObjectName("first_run_single")
        self.several = QRadioButton(self.tr("多机（PostgreSQL 服务器）"))
        self.several.setObjectName("first_run_several")
        for option in (self.single, self.several):
            option.setMinimumHeight(BUTTON_HEIGHT)
            group.addButton(option)
        self.single.setChecked(True)
        column.addWidget(self.single)
        self.where = QLabel()
        self.where.setObjectName("first_run_data_dir")
        self.where.setWordWrap(True)
        self.where.setContentsMargins(32, 0, 0, 12)
        column.addWidget(self.where)
        column.addWidget(self.several)
        self.connection = ConnectionTest(wizard, "first_run_pg", want_site=False)
        self.connection.setContentsMargins(32, 0, 0, 0)
        column.addWidget(self.connection)
        column.addStretch(1)
        self.connection.changed.connect(self.completeChanged.emit)
        self.several.toggled.connect(self._toggled)
        self._toggled(False)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        folder = system_site().data_dir if self.wizard_.start.shared() else data_dir()
        self.where.setText(self.tr("数据保存在：%1").replace("%1", str(folder)))

    def _toggled(self, several: bool) -> None:
        self.connection.setEnabled(several)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.single.isChecked() or self.connection.ok()

    def database_url(self) -> str | None:
        """None: SQLite in the data directory."""
        return self.connection.url.text().strip() if self.several.isChecked() else None
