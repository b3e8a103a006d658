"""The 站点 page's 手机信任本站证书: phones open `anchang serve` over HTTPS signed by the site's own CA
(operations/site_ca.py), which they trust only once installed. A QR code for the CA's download address on
this computer, the CA's SHA-256 fingerprint to compare on the phone, and the iOS and Android steps."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from db.keys import KeysMissing
from operations.site_ca import ca_download_url, ensure_ca, lan_names_and_addresses

QR_SCALE = 5  # a short URL (version 3-4): about 165 px, easy for a phone camera off the screen


@dataclass(frozen=True)
class TrustDetails:
    url: str = ""
    fingerprint: str = ""
    png: bytes = b""
    problem: str = ""  # why the CA cannot be shown (no site keys here, a damaged CA file)


def trust_details(directory: Path) -> TrustDetails:
    """On a worker: the CA (made when this site has none yet) and its download address on this computer,
    by its first LAN address (what phones on the office network reach), else its mDNS name."""
    from vision.qr import qr_png

    try:
        ca = ensure_ca(directory)
    except (KeysMissing, ValueError, OSError) as error:  # ValueError: CaDamaged, a damaged CA file
        return TrustDetails(problem=str(error))
    names, addresses = lan_names_and_addresses()
    url = ca_download_url(addresses[0] if addresses else names[-1] if names else "localhost")
    return TrustDetails(url, ca.fingerprint, qr_png(url, scale=QR_SCALE))


class PhoneTrustPanel(QFrame):
    def __init__(self, page: Any) -> None:
        super().__init__()
        self.setObjectName("phone_trust")
        self.setProperty("role", "card")
        self.page = page
        self.details = TrustDetails()
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("手机信任本站证书"))
        title.setObjectName("subtitle")
        column.addWidget(title)
        intro = QLabel(self.tr("手机浏览器访问本站前，须先安装并信任本站证书（每部手机一次）。请在运行 anchang serve "
                               "的电脑上打开本页，用手机相机扫描二维码下载证书。浏览器提示连接不安全时，核对下方指纹"
                               "与手机上显示的一致后继续。"))
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.problem = QLabel()
        self.problem.setObjectName("phone_trust_problem")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()
        column.addWidget(self.problem)
        self.shown = QWidget()
        column.addWidget(self.shown)
        self._build_shown(self.shown)
        self.shown.hide()

    def _build_shown(self, holder: QWidget) -> None:
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 8, 0, 0)
        line.setSpacing(16)
        self.qr = QLabel()
        self.qr.setObjectName("phone_trust_qr")
        line.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        self.url = self._selectable("phone_trust_url")
        right.addWidget(self.url)
        right.addWidget(QLabel(self.tr("证书 SHA-256 指纹（安装时核对）：")))
        self.fingerprint = self._selectable("phone_trust_fingerprint")
        fixed = QFont("monospace")  # compared group by group with the phone's: fixed width
        fixed.setStyleHint(QFont.StyleHint.Monospace)
        self.fingerprint.setFont(fixed)
        right.addWidget(self.fingerprint)
        steps = QHBoxLayout()
        steps.setSpacing(16)
        steps.addWidget(self._steps("phone_trust_ios", self.tr("iPhone / iPad（用 Safari 打开）"), self.tr(
            "下载描述文件 → 设置 → 已下载描述文件 → 安装 → 通用 → 关于本机 → 证书信任设置 → 启用完全信任")), 1)
        steps.addWidget(self._steps("phone_trust_android", self.tr("安卓手机（Android）"), self.tr(
            "下载证书 → 设置 → 安全 → 加密与凭据 → 安装证书 → CA 证书 → 选择下载的 ca.crt")), 1)
        right.addLayout(steps)
        right.addStretch(1)
        line.addLayout(right, 1)

    def _selectable(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _steps(self, name: str, heading: str, path: str) -> QLabel:
        label = QLabel(f"<b>{html.escape(heading)}</b><br>{html.escape(path)}")  # "&" in the English
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return label

    def refresh(self) -> None:
        self.page.ctx.run(trust_details, self.page.ctx.store.keyring.directory, on_done=self._loaded)

    def _loaded(self, details: TrustDetails) -> None:
        self.details = details
        if details.problem:
            self.problem.setText(self.tr("无法读取本站证书：%1").replace("%1", details.problem))
            self.problem.show()
            self.shown.hide()
            return
        pixmap = QPixmap()
        pixmap.loadFromData(details.png, "PNG")
        self.qr.setPixmap(pixmap)
        self.url.setText(details.url)
        half = len(details.fingerprint) // 2 + 1  # 16 of the 32 bytes a line: the card stays narrow
        self.fingerprint.setText(f"{details.fingerprint[:half]}\n{details.fingerprint[half:]}")
        self.problem.hide()
        self.shown.show()
