"""The 站点 page's 导出诊断包: the support bundle (operations/diagnose.py) of this console's site, with
`anchang-console --self-test` run apart, saved where the user chooses, readable by its owner only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QVBoxLayout

from console.private_files import write_private_bytes
from console.widgets import button
from operations import diagnose


def self_test_command() -> list[str]:
    return diagnose.program_command("console.app", "anchang-console")


def make_bundle(store: Any, path: str) -> Path:
    """On a worker: the bundle of the site whose keys this console holds, written 0600 to `path`."""
    from db.config import config_file

    command = self_test_command()
    data = diagnose.build("anchang-console", store.keyring.directory, config_file(), store.engine,
                          lambda: diagnose.run_self_test(command), qt=qVersion())
    return write_private_bytes(path, data)


class DiagnosticsPanel(QFrame):
    def __init__(self, page: Any) -> None:
        super().__init__()
        self.setObjectName("diagnostics")
        self.setProperty("role", "card")
        self.page = page
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("诊断包"))
        title.setObjectName("subtitle")
        column.addWidget(title)
        intro = QLabel(self.tr("技术支持需要时导出：版本、自检结果、近期日志、不含密码的配置和站点列表。"
                               "不含密钥；电话号码和身份证号已隐去。"))
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.start = button(self.tr("导出诊断包…"), "diagnostics_export", "secondary", self._choose_file)
        column.addWidget(self.start, 0, Qt.AlignmentFlag.AlignLeft)
        self.note = QLabel()
        self.note.setObjectName("diagnostics_note")
        self.note.setWordWrap(True)
        column.addWidget(self.note)
        column.addStretch(1)

    def _choose_file(self) -> None:
        suggested = str(Path.home() / f"anchang-diagnose-{datetime.now():%Y%m%d-%H%M}.zip")
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("保存诊断包"), suggested, self.tr("诊断包 (*.zip)"))
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> None:
        self.start.setEnabled(False)
        self.note.setText(self.tr("正在生成诊断包（含自检，约需半分钟）…"))
        self.page.ctx.run(make_bundle, self.page.ctx.store, path, on_done=self._saved, on_error=self._failed)

    def _saved(self, target: Path) -> None:
        self.start.setEnabled(True)
        self.note.setText(self.tr("已保存诊断包：%1").replace("%1", str(target)))
        self.page.ctx.message.emit(self.note.text(), "success")

    def _failed(self, error: BaseException) -> None:
        self.start.setEnabled(True)
        self.note.setText(self.tr("诊断包未能保存：%1").replace("%1", str(error)))
        self.page.ctx.message.emit(self.note.text(), "error")
