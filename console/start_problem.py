"""When the console cannot start: a window saying what is wrong and the way out, not only a line on
stderr (which a desktop session drops).

Keys that are not the database's, or settings without keys, are what an older version's `anchang init`
left on a second computer (issue 17): for those the window offers to move the data folder aside — after
a confirmation, renamed to NAME.moved-<time>, never deleted (operations/half_made.py) — and the console then
opens its first-run wizard, whose 加入已有站点 joins the site with a key bundle.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout

from console.widgets import button
from db.config import config_file, data_dir
from db.keys import KeysMismatch, KeysMissing
from db.migrate import SchemaMissing
from operations.half_made import move_aside

# the errors after which moving the data folder aside and joining (or setting up) again is a way out
HALF_MADE = (KeysMismatch, KeysMissing, SchemaMissing)


class StartProblemWindow(QDialog):
    """Accepted once the data folder was moved aside (the caller then starts the first-run wizard)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.setObjectName("start_problem")
        self.setWindowTitle(self.tr("案场通 · 工作台无法启动"))
        self.folder = data_dir()
        self.moved: list[Path] = []
        column = QVBoxLayout(self)
        heading = QLabel(self.tr("工作台无法启动"))
        heading.setProperty("role", "title")
        column.addWidget(heading)
        self.reason = self._text("start_problem_reason", " ".join(str(error).split()))
        column.addWidget(self.reason)
        self.way_out = self._text("start_problem_way_out", self._way_out(error))
        column.addWidget(self.way_out)
        self.outcome = self._text("start_problem_outcome", "")
        self.outcome.hide()
        column.addWidget(self.outcome)
        row = QHBoxLayout()
        row.addStretch(1)
        self.move_button = button(self.tr("把数据文件夹移到一边…"), "start_problem_move", "primary", self.confirm_move)
        self.move_button.setVisible(isinstance(error, HALF_MADE))
        row.addWidget(self.move_button)
        row.addWidget(button(self.tr("关闭"), "start_problem_close", "secondary", self.reject))
        column.addLayout(row)
        self.resize(760, 360)

    def _text(self, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def _way_out(self, error: BaseException) -> str:
        folder = str(self.folder)
        if isinstance(error, KeysMismatch):
            text = self.tr("本机的站点密钥不属于该数据库的站点（可能是旧版本在第二台电脑上运行 anchang init 留下的）。"
                           "出路：把数据文件夹 %1 移到一边（不会删除），然后用密钥包重新加入站点——"
                           "密钥包由经理在能正常使用的工作台上“站点 → 生成密钥包”制作。")
        elif isinstance(error, KeysMissing):
            text = self.tr("本机有设置，但缺少站点密钥。若本机是已有站点的又一台电脑：把数据文件夹 %1 移到一边"
                           "（不会删除），再用密钥包加入站点；若本机是站点唯一的电脑：请从离线备份放回密钥文件。")
        elif isinstance(error, SchemaMissing):
            text = self.tr("本机有站点密钥，但数据库中没有站点（一次未完成的设置）。出路：把数据文件夹 %1 移到一边"
                           "（不会删除），然后重新设置或加入站点；若数据库文件丢失，请从备份恢复（anchang restore）。")
        else:
            text = self.tr("请检查数据库服务器与网络是否正常，然后重新打开工作台；仍不行请联系管理员（原因也已写入日志）。")
        return text.replace("%1", folder)

    def confirm_move(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("移到一边"),
                          self.tr("将把 %1 改名为 %2 并保留其中全部文件，不删除任何东西。之后打开首次设置向导。继续吗？")
                          .replace("%1", str(self.folder))
                          .replace("%2", str(self.folder.with_name(f"{self.folder.name}.moved-{stamp}"))),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("start_problem_confirm")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("移到一边"))
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("取消"))
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda clicked: self.move_folder(stamp) if clicked is yes else None)
        box.finished.connect(box.deleteLater)
        box.open()

    def move_folder(self, stamp: str) -> None:
        try:
            self.moved = move_aside(self.folder, config_file(), stamp)
        except OSError as error:
            self.outcome.setText(self.tr("未能移动：%1").replace("%1", f"{error.strerror or error}: {error.filename}"))
            self.outcome.setProperty("role", "error")
            self.outcome.show()
            return
        self.accept()


def show_start_problem(error: BaseException) -> bool:
    """The window, modal; True when the data folder was moved aside (start afresh: the wizard)."""
    window = StartProblemWindow(error)
    return window.exec() == QDialog.DialogCode.Accepted
