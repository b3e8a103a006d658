"""ID card: the GA 467 reader fills the name and the ID number (both shown masked: 孙**, 110105********002X,
as everywhere on the visitor's screens); an ID read verifies the visit. Reader unplugged, no card, a bad
checksum: a message, no crash, nothing recorded."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout

from kiosk.widgets import Screen, button, label
from service.reception import shown_surname
from vision.idcard import (
    InvalidIdNumber,
    NoCardError,
    ReaderChecksumError,
    ReaderError,
    ReaderNotFoundError,
    check_id_number,
)


def read_once(open_reader: Any, port: str) -> Any:
    """Worker thread: open, read, close; every failure is a ReaderError or InvalidIdNumber."""
    reader = open_reader(port)
    reader.open()
    try:
        card = reader.read_card()
    finally:
        reader.close()
    number = check_id_number(card.text.id_number)
    return card.text.name, number


class IdCardScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("idcard")
        self.kiosk = kiosk
        self.layout_.addWidget(label(self.tr("请将身份证放在读卡区"), "idcard_title", size=40, bold=True))
        self.layout_.addStretch(1)
        self.status = label("", "idcard_status", size=28)
        self.layout_.addWidget(self.status)
        self.name = label("", "idcard_name", size=40, bold=True)
        self.layout_.addWidget(self.name)
        self.number = label("", "idcard_number", size=32)
        self.layout_.addWidget(self.number)
        self.layout_.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("返回"), "idcard_back", "secondary", height=88, on_click=kiosk.reset))
        self.next = button(self.tr("下一步"), "idcard_next", "primary", height=88, on_click=self._next)
        row.addWidget(self.next)
        self.layout_.addLayout(row)
        self.poll = QTimer(self)
        self.poll.setSingleShot(True)
        self.poll.setInterval(kiosk.services.timings.card_poll_ms)
        self.poll.timeout.connect(self._read)
        self.waited_ms = 0
        self.reading = False

    def enter(self) -> None:
        self.name.setText("")
        self.number.setText("")
        self.next.setEnabled(False)
        self.waited_ms = 0
        self.status.setText(self.tr("正在读取…"))
        self._read()

    def _read(self) -> None:
        port = self.kiosk.services.reader_port
        if self.kiosk.current != "idcard" or self.reading:
            return
        if not port:
            self.status.setText(self.tr("未连接身份证读卡器，请用其他方式登记"))
            return
        self.reading = True
        self.kiosk.runner.run(read_once, self.kiosk.services.open_reader, port,
                              on_done=self._read_done, on_error=self._read_failed)

    def _read_done(self, result: tuple[str, Any]) -> None:
        self.reading = False
        flow = self.kiosk.flow
        if self.kiosk.current != "idcard" or flow is None:
            return
        name, number = result
        flow.id_name, flow.id_card = name, number.number
        self.name.setText(shown_surname(name) or "")  # a public screen: 孙**, never the full name
        self.number.setText(number.masked)
        self.status.setText(self.tr("读取成功"))
        self.next.setEnabled(True)

    def _read_failed(self, error: BaseException) -> None:
        self.reading = False
        if self.kiosk.current != "idcard":
            return
        if isinstance(error, NoCardError):
            self.waited_ms += self.poll.interval()
            if self.waited_ms >= self.kiosk.services.timings.card_wait_ms:
                self.status.setText(self.tr("没有读到身份证，请重新放置或用其他方式登记"))
                return
            self.status.setText(self.tr("请将身份证放在读卡区"))
            self.poll.start()
        elif isinstance(error, ReaderNotFoundError):
            self.kiosk.reader_ok = False
            self.status.setText(self.tr("身份证读卡器未连接，请用其他方式登记"))
        elif isinstance(error, ReaderChecksumError):
            self.status.setText(self.tr("读卡通信错误，请重新放置身份证"))
            self.poll.start()
        elif isinstance(error, InvalidIdNumber):
            self.status.setText(self.tr("身份证号码校验失败，请到前台登记"))
        elif isinstance(error, ReaderError):
            self.status.setText(self.tr("身份证读卡器故障，请用其他方式登记"))
        else:
            self.status.setText(self.tr("读卡失败，请用其他方式登记"))

    def _next(self) -> None:
        if self.kiosk.flow is not None and self.kiosk.flow.id_card:
            self.kiosk.show_screen("phone")
