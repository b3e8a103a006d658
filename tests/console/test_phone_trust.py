"""站点 page, 手机信任本站证书: the QR code on screen reads as this computer's CA download address, the
fingerprint shown is the site CA's, both phones' steps are there; without site keys the card says so."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from console.pages.phone_trust import PhoneTrustPanel
from console.pages.stations import StationsPage
from db.site_dirs import MASTER_KEY_FILE
from operations import site_ca
from service.store import Store
from tests.console.helpers import find, open_console, settle

pyzbar = pytest.importorskip("pyzbar.pyzbar")
SHOTS = Path(os.environ.get("ANCHANG_TEST_SHOTS", "/tmp/anchang-shots"))


def trust_panel(qtbot: Any, store: Store, user: str = "经理") -> PhoneTrustPanel:
    window = open_console(qtbot, store, user)
    page = window.open_page("stations")
    settle(window)
    assert isinstance(page, StationsPage)
    return page.trust


def decoded(image: QImage) -> list[str]:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(grey.constBits(), np.uint8).reshape(grey.height(), grey.bytesPerLine())
    pixels = np.ascontiguousarray(rows[:, :grey.width()])
    return [symbol.data.decode() for symbol in pyzbar.decode(pixels, symbols=[pyzbar.ZBarSymbol.QRCODE])]


def test_the_qr_code_opens_the_ca_download_and_the_fingerprint_is_the_cas(
        qtbot: Any, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(site_ca, "lan_names_and_addresses",
                        lambda: (["sales-office", "sales-office.local"], ["192.168.1.20", "10.0.0.5"]))
    monkeypatch.setattr("console.pages.phone_trust.lan_names_and_addresses", site_ca.lan_names_and_addresses)
    panel = trust_panel(qtbot, store)
    assert panel.shown.isVisible() and not panel.problem.isVisible()
    url = "https://192.168.1.20:8443/ca.crt"
    assert decoded(panel.qr.pixmap().toImage()) == [url]
    assert panel.url.text() == url
    ca = site_ca.ensure_ca(store.keyring.directory)
    assert "".join(panel.fingerprint.text().split()) == ca.fingerprint
    ios, android = find(panel, "phone_trust_ios", QLabel), find(panel, "phone_trust_android", QLabel)
    assert "证书信任设置" in ios.text() and "启用完全信任" in ios.text()
    assert "加密与凭据" in android.text() and "CA 证书" in android.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.window().grab().save(str(SHOTS / "stations_phone_trust.png"))


def test_without_site_keys_the_card_says_so(qtbot: Any, store: Store) -> None:
    (Path(store.keyring.directory) / MASTER_KEY_FILE).unlink()  # the store holds its keys already
    panel = trust_panel(qtbot, store, "管理员")
    assert panel.problem.isVisible() and not panel.shown.isVisible()
    assert "无法读取本站证书" in panel.problem.text() and MASTER_KEY_FILE in panel.problem.text()
    assert not (Path(store.keyring.directory) / site_ca.CA_KEY_FILE).exists()
