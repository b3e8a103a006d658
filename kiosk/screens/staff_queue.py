"""前台确认: check-ins by phone alone, waiting for reception: confirm with one tap, correct the number, or
mark a mistake. Rows show the masked phone and the surname display only."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from db.personal import InvalidPhone, normalize_phone
from kiosk.screens.phone import BACK, CLEAR, KEYS, grouped
from kiosk.staff_desk import confirm_checkin, run_as_staff
from kiosk.widgets import Columns, Keypad, button, clear_layout, label
from service import reception
from service.desk import Desk


class QueueTab(QWidget):
    def __init__(self, kiosk: Any) -> None:
        super().__init__()
        self.setObjectName("staff_queue")
        self.kiosk = kiosk
        self.rows: list[reception.PendingCheckin] = []
        self.correcting: int | None = None
        self.digits = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        body = Columns("queue_body", stretch=((3, 2), (1, 0)))  # the number to correct: beside, or below
        layout.addWidget(body)
        left = body.first
        self.message = label("", "queue_message", size=20)
        left.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        self.list = QWidget()
        self.grid = QGridLayout(self.list)
        self.grid.setSpacing(8)
        scroll.setWidget(self.list)
        left.addWidget(scroll, 1)
        left.addWidget(button(self.tr("刷新"), "queue_refresh", "secondary", on_click=self.refresh))
        self.panel = QWidget()
        self.panel.setObjectName("correct_panel")
        panel = QVBoxLayout(self.panel)
        panel.addWidget(label(self.tr("更正号码"), "correct_title", size=24, bold=True))
        self.display = label("", "correct_display", size=32, bold=True)
        panel.addWidget(self.display)
        keypad = Keypad(KEYS, "correct_digits", key_height=64)
        keypad.key(CLEAR).setText(self.tr("清空"))
        keypad.key(BACK).setText(self.tr("删除"))
        keypad.pressed.connect(self._press)
        panel.addWidget(keypad)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("取消"), "correct_cancel", "secondary", on_click=self._cancel))
        row.addWidget(button(self.tr("确定更正"), "correct_ok", "primary", on_click=self._correct))
        panel.addLayout(row)
        panel.addStretch(1)
        body.second.addWidget(self.panel)
        self.panel.setVisible(False)

    def refresh(self) -> None:
        self.kiosk.runner.run(reception.pending_checkins, self.kiosk.store, on_done=self._show,
                              on_error=lambda _e: self.message.setText(self.tr("数据库不可用，稍后再试")))

    def _show(self, rows: list[reception.PendingCheckin]) -> None:
        self.rows = rows
        clear_layout(self.grid)
        self.message.setText(self.tr("待确认 %1 条登记").replace("%1", str(len(rows))) if rows
                             else self.tr("没有待确认的登记"))
        for index, row in enumerate(rows):
            when = row.at.astimezone().strftime("%H:%M")
            text = f"{when}  {row.phone_masked or ''}  {row.surname or ''}  → {row.consultant or '—'}"
            self.grid.addWidget(label(text, f"pending_{row.visit_seq}", size=20), index, 0)
            self.grid.addWidget(button(self.tr("确认"), f"confirm_{row.visit_seq}", "primary",
                                       on_click=lambda s=row.visit_seq: self.confirm(s)), index, 1)
            self.grid.addWidget(button(self.tr("更正"), f"correct_{row.visit_seq}", "secondary",
                                       on_click=lambda s=row.visit_seq: self._start_correct(s)), index, 2)
            self.grid.addWidget(button(self.tr("误登"), f"dismiss_{row.visit_seq}", "danger",
                                       on_click=lambda s=row.visit_seq: self.dismiss(s)), index, 3)
        self.grid.setRowStretch(len(rows), 1)

    def _done(self, text: str) -> Any:
        def show(_result: object) -> None:
            self.message.setText(text)
            self.refresh()
        return show

    def _said(self, words: str) -> None:
        self.message.setText(words)
        self.refresh()

    def confirm(self, visit_seq: int) -> None:
        run_as_staff(self.kiosk, confirm_checkin, visit_seq, on_done=self._done(self.tr("已确认")), say=self._said)

    def dismiss(self, visit_seq: int) -> None:
        run_as_staff(self.kiosk, Desk.dismiss_checkin, visit_seq, on_done=self._done(self.tr("已标记为误登")),
                     say=self._said)

    def _start_correct(self, visit_seq: int) -> None:
        self.correcting, self.digits = visit_seq, ""
        self.panel.setVisible(True)
        self._press("")

    def _press(self, key: str) -> None:
        if key == CLEAR:
            self.digits = ""
        elif key == BACK:
            self.digits = self.digits[:-1]
        elif key and len(self.digits) < 11:
            self.digits += key
        self.display.setText(grouped(self.digits) or "—")

    def _cancel(self) -> None:
        self.correcting = None
        self.panel.setVisible(False)

    def _correct(self) -> None:
        if self.correcting is None:
            return
        try:
            normalize_phone(self.digits)
        except InvalidPhone:
            self.message.setText(self.tr("这不是有效的手机号，请检查"))
            return
        seq, phone = self.correcting, self.digits
        self._cancel()
        run_as_staff(self.kiosk, Desk.correct_checkin, seq, phone, on_done=self._done(self.tr("号码已更正")),
                     say=self._said)
