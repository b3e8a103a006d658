"""The 站点 page's key export: a new one-time passphrase and the site's key bundle under it
(service/key_bundle.py), shown once, as a QR code and a file to save, for a second kiosk or console joining
this site in its first-run wizard. 完成 wipes the passphrase from the screen; it is never stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.private_files import write_private_text
from console.widgets import button
from service import key_bundle

QR_SCALE = 3  # a version-15 code at 3 px a module: 255 px (the page fits 860 px), read off the screen


def save_bundle(path: str, text: str) -> Path:
    """Writes the bundle readable by its owner only (it is encrypted, but still the site's keys)."""
    return write_private_text(path, text + "\n")


def bundle_and_qr(desk: Any) -> tuple[str, str, bytes | None]:
    """(passphrase, bundle text, QR PNG or None when the bundle does not fit one code), on a worker."""
    from vision.qr import qr_png

    passphrase, text = key_bundle.export_for(desk)
    return passphrase, text, qr_png(text, scale=QR_SCALE) if key_bundle.qr_fits(text) else None


class KeyExportPanel(QFrame):
    def __init__(self, page: Any) -> None:
        super().__init__()
        self.setObjectName("key_export")
        self.setProperty("role", "card")
        self.page = page
        self.text = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("导出站点密钥包"))
        title.setObjectName("subtitle")
        column.addWidget(title)
        intro = QLabel(self.tr("新的登记机或工作台加入本站点时，在其首次设置中导入密钥包，并输入一次性口令。"
                               "每次导出都生成新口令，并记录在日志中。"))
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.start = button(self.tr("生成密钥包"), "key_export_start", "primary", self.export)
        column.addWidget(self.start, 0, Qt.AlignmentFlag.AlignLeft)
        self.shown = QWidget()
        self.shown.setObjectName("key_export_shown")
        shown = QHBoxLayout(self.shown)
        shown.setContentsMargins(0, 8, 0, 0)
        self.qr = QLabel()
        self.qr.setObjectName("key_qr")
        shown.addWidget(self.qr)
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("一次性口令（只显示这一次）：")))
        self.passphrase = QLabel()
        self.passphrase.setObjectName("key_passphrase")
        self.passphrase.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont("monospace")  # read out loud and typed on the other computer: large, fixed width
        big.setStyleHint(QFont.StyleHint.Monospace)
        big.setPointSize(26)
        big.setBold(True)
        self.passphrase.setFont(big)
        right.addWidget(self.passphrase)
        warning = QLabel(self.tr("口令请当面告知新电脑的操作人员：不要写在密钥包文件旁，也不要与二维码一起拍照发送。"))
        warning.setObjectName("key_warning")
        warning.setWordWrap(True)
        right.addWidget(warning)
        self.note = QLabel()
        self.note.setObjectName("key_export_note")
        self.note.setWordWrap(True)
        right.addWidget(self.note)
        actions = QHBoxLayout()
        actions.addWidget(button(self.tr("保存为文件…"), "key_export_save", "secondary", self._choose_file))
        actions.addWidget(button(self.tr("完成（清除口令）"), "key_export_done", "secondary", self.wipe))
        actions.addStretch(1)
        right.addLayout(actions)
        right.addStretch(1)
        shown.addLayout(right, 1)
        column.addWidget(self.shown)
        self.shown.hide()

    def export(self) -> None:
        self.start.setEnabled(False)
        self.page.ctx.run(bundle_and_qr, self.page.desk, on_done=self._made, on_error=self._failed)

    def _made(self, made: tuple[str, str, bytes | None]) -> None:
        passphrase, self.text, png = made
        self.start.setEnabled(True)
        self.passphrase.setText(passphrase)
        if png is None:
            self.qr.clear()
            self.qr.hide()
            self.note.setText(self.tr("密钥包太大，无法放进一个二维码：请保存为文件，用 U 盘带到新电脑。"))
        else:
            pixmap = QPixmap()
            pixmap.loadFromData(png, "PNG")
            self.qr.setPixmap(pixmap)
            self.qr.show()
            self.note.setText(self.tr("新电脑可导入此二维码的照片或截图，也可导入保存的文件。"))
        self.shown.show()

    def _failed(self, error: BaseException) -> None:
        self.start.setEnabled(True)
        self.page.ctx.message.emit(str(error), "error")

    def _choose_file(self) -> None:
        suggested = str(Path.home() / "site.anchang-keys")
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("保存站点密钥包"), suggested,
                                                    self.tr("密钥包 (*.anchang-keys)"))
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> None:
        self.page.ctx.run(save_bundle, path, self.text, on_done=self._saved, on_error=self._failed)

    def _saved(self, target: Path) -> None:
        self.page.ctx.message.emit(self.tr("已保存密钥包：%1").replace("%1", str(target)), "success")

    def wipe(self) -> None:
        self.text = ""
        self.passphrase.clear()
        self.qr.clear()
        self.shown.hide()
