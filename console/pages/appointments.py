"""预约: the visitors expected on a day (today by default) and, for those who book (manager, reception,
consultants for themselves), a form to book one, the appointment's signed QR code to save or print, and
cancelling. The kiosk reads the code and checks the visitor in for the appointment's customer.

The phone typed into the form goes to the store and is cleared once the booking is made; the page only
ever shows it masked. A customer another consultant protects is refused beside the consultant field
(service.appointments.ProtectedCustomer); a manager is then offered to assign the customer with the booking.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from console.pages.appointment_code import AppointmentCodeCard, code_picture
from console.pages.base import Page, Snap
from console.widgets import Column, Form, PagedTableModel, button, table_view
from service import appointments
from service.appointments import AppointmentInputError, ProtectedCustomer
from service.desk import Desk
from service.queries import appointments as queries

FORM_WIDTH = 380
FIELDS = {"surname": "appointments_surname", "phone": "appointments_phone", "window": "appointments_window",
          "consultant": "appointments_consultant"}


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _time(value: QTime) -> time:
    return time(value.hour(), value.minute())


def _site_now(store: Any) -> tuple[datetime, ZoneInfo, list[str]]:
    now = store.now()
    return now, store.rules_at(now).timezone, queries.consultants(store)


def _code_for(desk: Desk, code: str) -> tuple[queries.AppointmentRow, str, bytes]:
    """Worker: the appointment, its signed QR text and the picture of it."""
    row = queries.get(desk, code)
    text = appointments.signed_code(desk, code)
    return row, text, code_picture(text)


class AppointmentsPage(Page):
    key = "appointments"
    permission = "appointments.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.booker = self.desk.can("appointments.create")
        self.zone: ZoneInfo | None = None
        self.statuses = {"booked": self.tr("待到访"), "arrived": self.tr("已到访"), "cancelled": self.tr("已取消"),
                         "missed": self.tr("未到访")}
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(self._build_list(), 1)
        if self.booker:
            body.addWidget(self._build_form())
        self.layout_.addLayout(body, 1)

    def title(self) -> str:
        return self.tr("预约")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    # ------------------------------------------------------------ building
    def _build_list(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("到访日期")))
        self.day = QDateEdit()
        self.day.setObjectName("appointments_day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.dateChanged.connect(lambda _d: self.load_list())
        top.addWidget(self.day)
        top.addWidget(button(self.tr("今天"), "appointments_today", "secondary", self.show_today))
        top.addStretch(1)
        column.addLayout(top)
        self.model = PagedTableModel(self.ctx, [
            Column(self.tr("时段"), lambda r: f"{r.starts_at:%H:%M}-{r.ends_at:%H:%M}"),
            Column(self.tr("来访人"), lambda r: r.surname or ""),
            Column(self.tr("手机号"), lambda r: r.phone_masked),
            Column(self.tr("置业顾问"), lambda r: r.consultant),
            Column(self.tr("状态"), lambda r: self.statuses.get(r.status, r.status)),
            Column(self.tr("预约人"), lambda r: r.created_by)])
        self.view = table_view(self.model, "appointments_list")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._row_selected())
        self.model.loaded.connect(self._reselect)
        self._selected_code: str | None = None  # kept across reloads (journal news reloads the list)
        column.addWidget(self.view, 1)
        if self.booker:
            actions = QHBoxLayout()
            self.cancel_button = button(self.tr("取消预约"), "appointments_cancel", "secondary", self.ask_cancel)
            self.cancel_button.setEnabled(False)
            actions.addWidget(self.cancel_button)
            self.cancel_question = QLabel()
            self.cancel_question.setObjectName("appointments_cancel_question")
            actions.addWidget(self.cancel_question)
            self.cancel_confirm = button(self.tr("确认取消"), "appointments_cancel_confirm", "danger", self.cancel)
            self.cancel_back = button(self.tr("不取消"), "appointments_cancel_back", "secondary", self._end_cancel)
            actions.addWidget(self.cancel_confirm)
            actions.addWidget(self.cancel_back)
            actions.addStretch(1)
            column.addLayout(actions)
            self._end_cancel()
        self.card = AppointmentCodeCard(self.ctx)
        column.addWidget(self.card)
        return column

    def _build_form(self) -> QFrame:
        card = QFrame()
        card.setObjectName("appointments_form_card")
        card.setProperty("role", "card")
        card.setFixedWidth(FORM_WIDTH)
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        subtitle = QLabel(self.tr("新建预约"))
        subtitle.setObjectName("subtitle")
        column.addWidget(subtitle)
        self.form = Form("appointments_form")
        self.surname = QLineEdit()
        self.surname.setPlaceholderText(self.tr("例如：张"))
        self.form.add(self.tr("姓"), self.surname, FIELDS["surname"])
        self.title_choice = QComboBox()
        self.title_choice.addItem(self.tr("女士"), "女士")
        self.title_choice.addItem(self.tr("先生"), "先生")
        self.form.add(self.tr("称呼"), self.title_choice, "appointments_title")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(self.tr("来访人的手机号"))
        self.form.add(self.tr("手机号"), self.phone, FIELDS["phone"])
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.form.add(self.tr("日期"), self.date, "appointments_date")
        window = QWidget()
        times = QHBoxLayout(window)
        times.setContentsMargins(0, 0, 0, 0)
        self.starts, self.ends = QTimeEdit(QTime(10, 0)), QTimeEdit(QTime(11, 0))
        for edit, name in ((self.starts, "appointments_starts"), (self.ends, "appointments_ends")):
            edit.setObjectName(name)
            edit.setDisplayFormat("HH:mm")
        self.starts.timeChanged.connect(self._keep_an_hour)
        times.addWidget(self.starts, 1)
        times.addWidget(QLabel(self.tr("至")))
        times.addWidget(self.ends, 1)
        self.form.add(self.tr("时段"), window, FIELDS["window"])
        self.consultant = QComboBox()
        self.form.add(self.tr("置业顾问"), self.consultant, FIELDS["consultant"])
        column.addWidget(self.form)
        self.create_button = button(self.tr("创建预约"), "appointments_create", "primary", self.book)
        column.addWidget(self.create_button)
        # a manager's way past another consultant's protection: an explicit assignment, never a silent one
        self.assign_button = button("", "appointments_assign", "secondary", lambda: self.book(assign=True))
        self.assign_button.hide()
        column.addWidget(self.assign_button)
        self.phone.textChanged.connect(lambda _t: self.assign_button.hide())
        self.consultant.currentIndexChanged.connect(lambda _i: self.assign_button.hide())
        column.addStretch(1)
        return card

    def _keep_an_hour(self, start: QTime) -> None:
        if self.ends.time() <= start:
            self.ends.setTime(start.addSecs(3600))

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self.zone is None:
            self.ctx.run(_site_now, self.ctx.store, on_done=self._first_load)
        else:
            self.load_list()

    def _first_load(self, result: tuple[datetime, ZoneInfo, list[str]]) -> None:
        now, self.zone, names = result
        local = now.astimezone(self.zone)
        self.today = QDate(local.year, local.month, local.day)
        self.day.blockSignals(True)
        self.day.setDate(self.today)
        self.day.blockSignals(False)
        if self.booker:
            self.date.setDate(self.today)
            self.date.setMinimumDate(self.today)
            next_hour = QTime(min(local.hour + 1, 22), 0)
            self.starts.setTime(next_hour)
            self.ends.setTime(next_hour.addSecs(3600))
            own = self.desk.consultant
            for name in [own] if own else names:
                self.consultant.addItem(name, name)
            self.consultant.setEnabled(own is None)
        self.load_list()

    def load_list(self) -> None:
        if self.zone is None:
            return
        desk, day = self.desk, _day(self.day.date())
        self.model.load(lambda offset, limit: queries.expected(desk, day, offset, limit))

    def _reselect(self) -> None:
        for index, row in enumerate(self.model.rows):
            if row.code == self._selected_code:
                if self.selected() is None:
                    self.view.selectRow(index)
                return

    def show_today(self) -> None:
        if self.zone is not None:
            self.day.setDate(self.today)

    def selected(self) -> queries.AppointmentRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _row_selected(self) -> None:
        row = self.selected()
        if self.booker:
            if row is None or row.code != self._selected_code:
                self._end_cancel()
            self.cancel_button.setEnabled(row is not None and row.status in ("booked", "missed"))
        if row is None:
            return
        self._selected_code = row.code
        if row.status == "booked":
            self.show_code(row.code)
        else:
            self.card.show_closed(row, self.statuses.get(row.status, row.status))

    def show_code(self, code: str) -> None:
        self.ctx.run(_code_for, self.desk, code, on_done=lambda found: self.card.show_code(*found))

    # ------------------------------------------------------------ booking
    def book(self, assign: bool = False) -> None:
        """`assign`: the manager's 改派并预约 after a refusal for another consultant's customer."""
        self.form.clear_errors()
        if self.zone is None or not self.create_button.isEnabled():
            return  # not loaded yet, or a booking on its way
        self.assign_button.hide()
        day = _day(self.date.date())
        starts = datetime.combine(day, _time(self.starts.time()), self.zone)
        ends = datetime.combine(day, _time(self.ends.time()), self.zone)
        self.create_button.setEnabled(False)
        self.ctx.run(partial(appointments.create, assign=assign), self.desk, self.surname.text(),
                     self.title_choice.currentData(), self.phone.text(), starts, ends, self.consultant.currentData(),
                     on_done=lambda code: self._created(code, day), on_error=self._refused)

    def _created(self, code: str, day: date) -> None:
        self.create_button.setEnabled(True)
        self.surname.clear()
        self.phone.clear()  # the full number does not stay on screen
        self.ctx.message.emit(self.tr("预约已创建，可保存或打印二维码发给来访人"), "success")
        self.day.blockSignals(True)
        self.day.setDate(QDate(day.year, day.month, day.day))
        self.day.blockSignals(False)
        self._selected_code = code
        self.load_list()
        self.show_code(code)

    def _refused(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        if isinstance(error, AppointmentInputError) and set(error.errors) <= set(FIELDS):
            for field, message in error.errors.items():
                self.form.error(FIELDS[field], message)
            if isinstance(error, ProtectedCustomer) and self.desk.can("customers.assign"):
                self.assign_button.setText(self.tr("改派给 %1 并预约").replace("%1", self.consultant.currentText()))
                self.assign_button.show()
        else:
            self.ctx.message.emit(str(error), "error")

    # ------------------------------------------------------------ cancelling
    def ask_cancel(self) -> None:
        row = self.selected()
        if row is None:
            return
        who = " ".join(part for part in (row.surname, row.phone_masked) if part)
        self.cancel_question.setText(self.tr("取消 %1 %2 的预约？").replace("%1", who).replace(
            "%2", f"{row.starts_at:%H:%M}-{row.ends_at:%H:%M}"))
        for widget in (self.cancel_question, self.cancel_confirm, self.cancel_back):
            widget.show()

    def _end_cancel(self) -> None:
        for widget in (self.cancel_question, self.cancel_confirm, self.cancel_back):
            widget.hide()

    def cancel(self) -> None:
        row = self.selected()
        self._end_cancel()
        if row is None:
            return

        def done(_result: Any) -> None:
            self.ctx.message.emit(self.tr("预约已取消，二维码不再有效"), "success")
            self.card.clear()
            self.load_list()

        self.ctx.run(appointments.cancel, self.desk, row.code, on_done=done)

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        if not self.booker:
            snap("appointments")
            return
        self.phone.setText("138 1234")
        self.book()
        snap("appointments_form_error")
        consultant = self.consultant.findData("李强")
        for surname, title, phone, hours in (("张", "女士", "138 1234 5678", 1), ("欧阳", "先生", "139 8765 4321", 2)):
            self.surname.setText(surname)
            self.title_choice.setCurrentIndex(self.title_choice.findData(title))
            self.phone.setText(phone)
            self.starts.setTime(QTime(min(self.starts.time().hour() + hours - 1, 22), 0))
            self.consultant.setCurrentIndex(max(consultant, 0))
            self.book()
            snap("appointments_created" if hours == 1 else "appointments")
        self.view.selectRow(0)
        snap("appointments_code")
