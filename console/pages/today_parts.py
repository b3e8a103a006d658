"""The 今日 page's side panels and its pop-up: reception's queue (确认 / 更正号码 / 标记为误登记 through the
Desk), the rotation board with busy/free, and a consultant's 到访提醒 card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.widgets import Column, Form, PagedTableModel, button, table_view
from db.personal import InvalidPhone, normalize_phone
from service.desk import Desk
from service.queries import today as q
from service.reception import RotationSlot

MAX_TOAST_LINES = 5
Written = Callable[[str], None]  # a write went through: say so (success) and reload the page


class QueuePanel(QFrame):
    """前台确认: every check-in waiting for reception, oldest arrival first, a phone's later check-in of the
    same arrival (再次签到) right under its first; the chosen one is confirmed (with the rest of its arrival),
    corrected or dismissed. The table grows with its rows (the page's side column scrolls), so the count
    in the caption is what it shows."""

    def __init__(self, ctx: ConsoleContext, desk: Desk, local: Callable[[datetime], str], written: Written) -> None:
        super().__init__()
        self.ctx, self.desk, self.written = ctx, desk, written
        column = card(self, "queue_card")
        self.caption = caption(self.tr("待确认登记"))
        column.addWidget(self.caption)
        self.model = PagedTableModel(ctx, [
            Column(self.tr("到访"), lambda r: local(r.at) if r.arrival is None else self.tr("%1 再次签到").replace(
                "%1", local(r.at))),
            Column(self.tr("客户"), lambda r: r.surname or "—"),
            Column(self.tr("手机"), lambda r: r.phone_masked),
            Column(self.tr("渠道"), self._channel),
            Column(self.tr("顾问"), lambda r: r.consultant or "—")])
        self.view = table_view(self.model, "today_queue")
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # it grows instead
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.model.loaded.connect(self.view.horizontalHeader().resizeSections)  # widths of the rows, not the titles
        self.model.loaded.connect(self._fit_rows)
        self._fit_rows()
        column.addWidget(self.view)
        row = QHBoxLayout()
        self.row_buttons = (button(self.tr("确认"), "queue_confirm", "primary", self.confirm),
                        button(self.tr("更正号码"), "queue_correct", "secondary", self.open_correct),
                        button(self.tr("标记为误登记"), "queue_dismiss", "danger", self.ask_dismiss))
        for widget in self.row_buttons:
            row.addWidget(widget)
        column.addLayout(row)

        self.correct_form = Form("correct_form")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(self.tr("11 位手机号"))
        self.phone.returnPressed.connect(self.correct)
        self.correct_form.add(self.tr("正确号码"), self.phone, "correct_phone")
        buttons = QHBoxLayout()
        buttons.addWidget(button(self.tr("取消"), "correct_cancel", "secondary", self.close_forms))
        buttons.addWidget(button(self.tr("保存更正"), "correct_save", "primary", self.correct))
        self.correct_form.form.addRow(buttons)
        column.addWidget(self.correct_form)
        self.dismiss_bar = QFrame()
        self.dismiss_bar.setObjectName("dismiss_confirm")
        self.dismiss_bar.setProperty("role", "banner")
        bar = QHBoxLayout(self.dismiss_bar)
        self.dismiss_text = QLabel()
        self.dismiss_text.setWordWrap(True)
        bar.addWidget(self.dismiss_text, 1)
        bar.addWidget(button(self.tr("取消"), "dismiss_cancel", "secondary", self.close_forms))
        bar.addWidget(button(self.tr("确定"), "dismiss_ok", "danger", self.dismiss))
        column.addWidget(self.dismiss_bar)
        self._selected()

    def show_rows(self, rows: list[q.QueueRow]) -> None:
        self.caption.setText(self.tr("待确认登记（%1）").replace("%1", str(len(rows))))
        self.model.page_size = len(rows) + 1  # the queue is read whole: one page holds every row
        self.model.load(lambda offset, limit: rows[offset:offset + limit])
        self._selected()

    def _fit_rows(self) -> None:
        """As tall as its rows (at least a row's room for the empty queue): nothing hidden below an edge."""
        rows = self.view.verticalHeader()
        room = max(rows.length(), rows.defaultSectionSize())
        # the horizontal bar's room always: whether it shows is known only after the columns are laid out
        self.view.setFixedHeight(self.view.horizontalHeader().sizeHint().height() + room
                                 + self.view.horizontalScrollBar().sizeHint().height() + 2 * self.view.frameWidth())

    def _channel(self, row: q.QueueRow) -> str:
        if row.channel is None:
            return self.tr("自然来访")
        return f"{row.channel} · {row.agent}" if row.agent else row.channel

    def chosen(self) -> q.QueueRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selected(self) -> None:
        for widget in self.row_buttons:
            widget.setEnabled(self.chosen() is not None)
        if self.chosen() is None:
            self.close_forms()

    def close_forms(self) -> None:
        self.correct_form.clear_errors()
        self.phone.clear()
        self.correct_form.hide()
        self.dismiss_bar.hide()

    def confirm(self) -> None:
        """Confirms the chosen row's whole arrival (its other check-ins leave the queue with it)."""
        if (row := self.chosen()) is not None:
            self.ctx.run(self.desk.confirm_checkin, row.customer_id,
                         on_done=lambda _r: self.written(self.tr("已确认 %1").replace("%1", row.phone_masked)))

    def open_correct(self) -> None:
        self.dismiss_bar.hide()
        self.correct_form.show()
        self.phone.setFocus()

    def correct(self) -> None:
        self.correct_form.clear_errors()
        row = self.chosen()
        if row is None:
            return
        phone = self.phone.text().strip()
        try:
            normalize_phone(phone)  # the reason beside the field before anything is sent
        except InvalidPhone as error:
            self.correct_form.error("correct_phone", str(error))
            return

        def corrected(result: Any) -> None:
            self.close_forms()
            self.written(self.tr("号码已更正为 %1").replace("%1", result.phone_masked or ""))

        self.ctx.run(self.desk.correct_checkin, row.visit_seq, phone, on_done=corrected,
                     on_error=lambda error: self.correct_form.error("correct_phone", str(error)))

    def ask_dismiss(self) -> None:
        if (row := self.chosen()) is not None:
            self.correct_form.hide()
            if row.arrival is None and row.arrival_size > 1:  # the first check-in takes its arrival along
                text = self.tr("将 %1 的 %2 次签到（同一到访）都标记为误登记？").replace("%2", str(row.arrival_size))
            else:
                text = self.tr("将 %1 的登记标记为误登记？")
            self.dismiss_text.setText(text.replace("%1", row.phone_masked))
            self.dismiss_bar.show()

    def dismiss(self) -> None:
        if (row := self.chosen()) is not None:
            self.close_forms()
            self.ctx.run(self.desk.dismiss_checkin, row.visit_seq,
                         on_done=lambda _r: self.written(self.tr("已标记为误登记")))


class RotationPanel(QFrame):
    """接待轮序: who is on duty in order, busy or free, who takes the next walk-in; toggles for reception."""

    def __init__(self, set_busy: Callable[[str, bool], None] | None) -> None:
        super().__init__()
        self.set_busy = set_busy  # None: the user may not change it
        column = card(self, "rotation_card")
        column.addWidget(caption(self.tr("接待轮序")))
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setColumnStretch(2, 1)
        column.addLayout(self.grid)

    def show_slots(self, slots: list[RotationSlot]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        if not slots:
            self.grid.addWidget(hint(self.tr("今日无人值班")), 0, 0)
        for index, slot in enumerate(slots):
            state = self.tr("忙碌") if slot.busy else (self.tr("下一位") if slot.is_next else self.tr("空闲"))
            status = QLabel(state)
            status.setObjectName(f"rotation_state_{slot.name}")
            status.setProperty("role", "warning" if slot.busy else ("success" if slot.is_next else "hint"))
            self.grid.addWidget(QLabel(f"{index + 1}. {slot.name}"), index, 0)
            self.grid.addWidget(status, index, 1, Qt.AlignmentFlag.AlignLeft)
            if self.set_busy is not None:
                toggle = button(self.tr("设为空闲") if slot.busy else self.tr("设为忙碌"), f"busy_{slot.name}",
                                "secondary", partial(self.set_busy, slot.name, not slot.busy))
                self.grid.addWidget(toggle, index, 3)


class ArrivalToast(QFrame):
    """到访提醒: a card over the top right corner of the window's pages until the consultant closes it;
    not modal, and hidden with the pages when the console locks."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("arrival_toast")
        self.setProperty("role", "card")
        self.lines: list[str] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        column.addWidget(caption(self.tr("到访提醒：您的客户到了")))
        self.text = QLabel()
        self.text.setObjectName("arrival_lines")
        column.addWidget(self.text)
        column.addWidget(button(self.tr("知道了"), "arrival_close", "primary", self.dismiss))
        self.hide()

    def add(self, line: str) -> None:
        self.lines = [*self.lines, line][-MAX_TOAST_LINES:]
        self.text.setText("\n".join(self.lines))
        self.adjustSize()
        host = self.parentWidget()
        if host is not None:
            self.move(max(0, host.width() - self.width() - 24), 72)
        self.show()
        self.raise_()

    def dismiss(self) -> None:
        self.lines = []
        self.hide()


def card(frame: QFrame, name: str) -> QVBoxLayout:
    frame.setObjectName(name)
    frame.setProperty("role", "card")
    column = QVBoxLayout(frame)
    column.setContentsMargins(16, 12, 16, 12)
    column.setSpacing(8)
    return column


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)  # in the side column's fixed width: a long hint wraps instead of widening it
    return label
