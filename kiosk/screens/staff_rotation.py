"""接待轮序: who is on duty, in which order, busy or free (one tap), and who takes the next walk-in."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from db.database import read_session
from db.models import Consultant
from kiosk.staff_desk import run_as_staff
from kiosk.widgets import button, clear_layout, label
from service import reception
from service.desk import Desk
from service.roles import can


def consultants(store: Any) -> list[str]:
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(Consultant.name).where(Consultant.active).order_by(Consultant.name)))


class RotationTab(QWidget):
    def __init__(self, kiosk: Any) -> None:
        super().__init__()
        self.setObjectName("staff_rotation")
        self.kiosk = kiosk
        self.duty: list[str] = []
        layout = QVBoxLayout(self)
        self.message = label("", "rotation_message", size=20)
        layout.addWidget(self.message)
        self.board = QGridLayout()
        layout.addLayout(self.board)
        layout.addWidget(label(self.tr("值班（点选后保存）"), "duty_title", size=22, bold=True))
        self.duty_grid = QGridLayout()
        layout.addLayout(self.duty_grid)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("刷新"), "rotation_refresh", "secondary", on_click=self.refresh))
        self.save_button = button(self.tr("保存值班"), "duty_save", "primary", on_click=self._save_duty)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addStretch(1)

    def refresh(self) -> None:
        user = self.kiosk.staff_user  # offered what the role may do; the Desk refuses the rest all the same
        self.save_button.setVisible(user is not None and can(user.role, "duty.edit"))
        store = self.kiosk.store
        self.kiosk.runner.run(lambda: (reception.rotation_board(store), consultants(store)),
                              on_done=self._show, on_error=lambda _e: self.message.setText(
                                  self.tr("数据库不可用，稍后再试")))

    def _show(self, loaded: tuple[list[reception.RotationSlot], list[str]]) -> None:
        board, everyone = loaded
        clear_layout(self.board)
        self.duty = [slot.name for slot in board]
        next_one = next((slot.name for slot in board if slot.is_next), None)
        self.message.setText(self.tr("下一位：%1").replace("%1", next_one) if next_one else self.tr("无人值班"))
        for index, slot in enumerate(board):
            marker = self.tr("▶ 下一位") if slot.is_next else ""
            self.board.addWidget(label(f"{index + 1}. {slot.name}  {marker}", f"slot_{slot.name}", size=22),
                                 index, 0)
            toggle = button(self.tr("忙碌") if slot.busy else self.tr("空闲"), f"busy_{slot.name}",
                            "danger" if slot.busy else "secondary",
                            on_click=lambda n=slot.name, b=slot.busy: self.set_busy(n, not b))
            self.board.addWidget(toggle, index, 1)
        clear_layout(self.duty_grid)
        for index, name in enumerate(everyone):
            widget = button(name, f"duty_{name}", "toggle", on_click=lambda n=name: self._toggle_duty(n))
            widget.setCheckable(True)
            widget.setChecked(name in self.duty)
            self.duty_grid.addWidget(widget, index // 4, index % 4)

    def _toggle_duty(self, name: str) -> None:
        self.duty = [n for n in self.duty if n != name] if name in self.duty else self.duty + [name]
        found = self.findChild(QPushButton, f"duty_{name}")
        if found is not None:
            found.setChecked(name in self.duty)

    def set_busy(self, name: str, busy: bool) -> None:
        run_as_staff(self.kiosk, Desk.set_busy, name, busy, on_done=lambda _r: self.refresh(), say=self._said)

    def _save_duty(self) -> None:
        run_as_staff(self.kiosk, Desk.set_duty, list(self.duty), on_done=lambda _r: self.refresh(), say=self._said)

    def _said(self, words: str) -> None:
        self.message.setText(words)
