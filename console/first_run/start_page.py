"""First page: a new site (this is its first computer) or joining an existing one (a second kiosk or
console on the site's PostgreSQL)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWizardPage

from console.widgets import BUTTON_HEIGHT


class StartPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("first_run_start")
        self.setTitle(self.tr("欢迎使用案场通"))
        self.setSubTitle(self.tr("这台电脑还没有设置。请选择："))
        column = QVBoxLayout(self)
        self.choice = QButtonGroup(self)
        self.new_site = self._option(column, "first_run_new", self.tr("新建站点"),
                                     self.tr("这是本案场的第一台电脑：创建数据库、站点密钥和管理员。"))
        self.join = self._option(column, "first_run_join", self.tr("加入已有站点"),
                                 self.tr("本案场已有站点（PostgreSQL）：导入在其他电脑上导出的站点密钥包。"))
        self.new_site.setChecked(True)
        column.addStretch(1)

    def _option(self, column: QVBoxLayout, name: str, text: str, detail: str) -> QRadioButton:
        option = QRadioButton(text)
        option.setObjectName(name)
        option.setMinimumHeight(BUTTON_HEIGHT)
        self.choice.addButton(option)
        column.addWidget(option)
        note = QLabel(detail)
        note.setWordWrap(True)
        note.setContentsMargins(32, 0, 0, 12)
        column.addWidget(note)
        return option

    def joining(self) -> bool:
        return self.join.isChecked()
