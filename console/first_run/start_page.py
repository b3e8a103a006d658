"""First page: a new site (this is its first computer) or joining an existing one (a second kiosk or
console on the site's PostgreSQL); and whether the site is this computer's, for every user in the group
anchang (/etc/anchang, /var/lib/anchang), or this user's own. The shared one is offered to whoever may set
it up (operations/system_site.py: root, or a member of the group the package made); others see why not."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QButtonGroup, QCheckBox, QLabel, QRadioButton, QVBoxLayout, QWizardPage

from console.widgets import BUTTON_HEIGHT
from db.site_dirs import system_site
from operations.system_site import group_id, may_set_up


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
        site = system_site()
        refusal = may_set_up(site)
        self.for_everyone = QCheckBox(self.tr("本机所有用户共用（推荐）"))
        self.for_everyone.setObjectName("first_run_for_everyone")
        self.for_everyone.setMinimumHeight(BUTTON_HEIGHT)
        self.for_everyone.setEnabled(refusal is None)
        self.for_everyone.setChecked(refusal is None)  # a kiosk PC's auto-login user and the staff share it
        column.addSpacing(12)
        column.addWidget(self.for_everyone)
        where = self.tr("设置保存在 %1，数据在 %2，anchang 组的成员都能使用。").replace(
            "%1", str(site.config_file)).replace("%2", str(site.data_dir))
        self.for_everyone_note = QLabel(where if refusal is None else self._why_not())
        self.for_everyone_note.setObjectName("first_run_for_everyone_note")
        self.for_everyone_note.setWordWrap(True)
        self.for_everyone_note.setContentsMargins(32, 0, 0, 12)
        column.addWidget(self.for_everyone_note)
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

    def _why_not(self) -> str:
        if os.name != "posix":
            return self.tr("不可用：%ProgramData%\\Anchang 无法写入，请以管理员身份重新运行安装程序。站点只属于您自己。")
        if group_id() is None:
            return self.tr("不可用：本机没有 anchang 组（安装 anchang 软件包时创建）。站点只属于您自己。")
        return self.tr("不可用：需要管理员把您加入 anchang 组（sudo adduser %1 anchang）后重新登录，或运行 sudo "
                       "anchang init --system。否则站点只属于您自己。").replace("%1", _user_name())

    def joining(self) -> bool:
        return self.join.isChecked()

    def shared(self) -> bool:
        """The site is for every user of this computer (the system site)."""
        return self.for_everyone.isEnabled() and self.for_everyone.isChecked()


def _user_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "USER"
