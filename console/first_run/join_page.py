"""Joining an existing site: the key bundle exported at one of its stations (a file, or a photo of its
QR code), the passphrase shown there, the site's PostgreSQL (connection tested), and this computer's
name, from which its stations are named (console-<name>, kiosk-<name>) so each can be retired alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget, QWizardPage

from console.first_run.parts import ConnectionTest, line, say, status
from console.widgets import button
from operations.first_run import STATION_NAME, default_station_name
from service import key_bundle
from service.key_bundle import read_bundle_file


def read_bundle_image(path: str) -> str:
    """The bundle from a photo or screenshot of its QR code."""
    import cv2

    from vision.qr import QrDecoder

    image = cv2.imread(path)
    if image is None:
        raise key_bundle.NotABundle("无法读取图片 / cannot read that picture")
    found = [text for text in QrDecoder().decode(image) if text.upper().startswith(key_bundle.PREFIX)]
    if not found:
        raise key_bundle.NotABundle("图片中没有站点密钥包二维码 / no key-bundle QR code found in that picture")
    key_bundle.parse(found[0])
    return found[0]


class JoinPage(QWizardPage):
    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.setObjectName("first_run_join_site")
        self.setTitle(self.tr("加入已有站点"))
        self.setSubTitle(self.tr("在本站点已有的工作台上，由经理或管理员在“站点”页导出密钥包，并告知一次性口令。"))
        self.wizard_ = wizard
        self.bundle_text = ""
        column = QVBoxLayout(self)
        form = QFormLayout()
        files = QWidget()
        row = QHBoxLayout(files)
        row.setContentsMargins(0, 0, 0, 0)
        self.bundle_state = QLabel(self.tr("尚未选择"))
        self.bundle_state.setObjectName("first_run_bundle_state")
        self.bundle_state.setWordWrap(True)
        row.addWidget(self.bundle_state, 1)
        row.addWidget(button(self.tr("选择文件…"), "first_run_bundle_file", "secondary", self._choose_file))
        row.addWidget(button(self.tr("二维码图片…"), "first_run_bundle_image", "secondary", self._choose_image))
        form.addRow(self.tr("站点密钥包"), files)
        self.passphrase = line("first_run_passphrase", self.tr("例如 7K2M-9QXD-4HNP-R8TB"))
        self.passphrase.textChanged.connect(lambda _text: self.completeChanged.emit())
        form.addRow(self.tr("一次性口令"), self.passphrase)
        self.connection = ConnectionTest(wizard, "first_run_join_pg", want_site=True)
        self.connection.changed.connect(self.completeChanged.emit)
        form.addRow(self.tr("PostgreSQL 地址"), self.connection)
        self.station = line("first_run_station_name")
        self.station.setText(default_station_name())
        self.station.setMaxLength(40)
        self.station.textChanged.connect(lambda _text: self.completeChanged.emit())
        form.addRow(self.tr("本机名称"), self.station)
        column.addLayout(form)
        self.problem = status("first_run_bundle_problem")
        column.addWidget(self.problem)
        column.addStretch(1)

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("选择站点密钥包"), str(Path.home()),
                                                    self.tr("密钥包 (*.anchang-keys *.txt);;所有文件 (*)"))
        if path:
            self.load(read_bundle_file, path)

    def _choose_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("选择二维码图片"), str(Path.home()),
                                                    self.tr("图片 (*.png *.jpg *.jpeg *.bmp)"))
        if path:
            self.load(read_bundle_image, path)

    def load(self, reader: Any, path: str) -> None:
        """Reads the bundle with `reader` (file or picture) on the worker pool."""
        self.bundle_text = ""
        self.bundle_state.setText(self.tr("正在读取…"))
        self.completeChanged.emit()
        self.wizard_.runner.run(reader, path, on_done=lambda text: self._loaded(text, path),
                                on_error=self._unreadable)

    def _loaded(self, text: str, path: str) -> None:
        self.bundle_text = text
        self.bundle_state.setText(self.tr("已读取：%1").replace("%1", Path(path).name))
        say(self.problem, "")
        self.completeChanged.emit()

    def _unreadable(self, error: BaseException) -> None:
        self.bundle_state.setText(self.tr("尚未选择"))
        say(self.problem, str(error), "error")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return (bool(self.bundle_text) and bool(self.passphrase.text().strip()) and self.connection.ok()
                and STATION_NAME.fullmatch(self.station.text().strip()) is not None)
