"""今日: the day's check-ins as they happen (new and returning, who received them, channel, verified or
waiting, 停留时长), 接待开始 / 接待结束 on a visit, reception's queue to confirm, and the rotation board with
busy/free (today_parts.py). A consultant sees their own visits, and a pop-up when one of their protected
customers arrives.

Live: the window forwards journal news (LiveFeed: this process's writes at once, other stations over
LISTEN/NOTIFY or a poll); the page reloads, debounced, while shown, and every minute for the clocks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from console.pages.base import Page, Snap
from console.pages.today_numbers import NumberRequestsPanel
from console.pages.today_parts import ArrivalToast, QueuePanel, RotationPanel, caption
from console.pages.today_refused import RefusedPanel
from console.widgets import Column, PagedTableModel, button, table_view
from service import reception, serving
from service.desk import Desk
from service.live import Arrival, owner_arrivals
from service.queries import today as q

SIDE_WIDTH = 430
TICK_MS = 60_000  # receptions in progress show their time so far
NEWS_DEBOUNCE_MS = 150  # the live page: a burst of kiosk check-ins is still one reload, and well inside 1 s
TOUR_PHONE = "13900001234"  # the tour's kiosk check-in (a throwaway demo database)


class TodayPage(Page):
    key = "today"
    permission = "today.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.mine: str | None = self.desk.consultant  # a consultant's own view
        self.day: q.Day | None = None
        self._selected_seq: int | None = None
        self._arrivals_since: int | None = None  # journal seq up to which arrivals were looked at
        self._news_head = 0
        self._checking = False
        self.toast: ArrivalToast | None = None

        top = QHBoxLayout()
        title = QLabel(self.title())
        title.setObjectName("title")
        self.summary = QLabel()
        self.summary.setObjectName("today_summary")
        self.summary.setProperty("role", "hint")
        top.addWidget(title)
        top.addSpacing(16)
        top.addWidget(self.summary, 1)
        self.layout_.addLayout(top)
        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(self._build_feed(), 1)
        body.addWidget(self._build_side())
        self.layout_.addLayout(body, 1)

        self._journal_timer.setInterval(NEWS_DEBOUNCE_MS)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        if self.mine is not None:
            self.ctx.run(q.journal_head, ctx.store, on_done=self._baseline)

    def title(self) -> str:
        return self.tr("今日")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "pages exist only for a logged-in user"
        return self.ctx.desk

    def _on_tick(self) -> None:
        if self.isVisible():
            self.refresh()

    # ------------------------------------------------------------ building
    def _build_feed(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(caption(self.tr("我的来访") if self.mine else self.tr("来访动态")))
        self.model = PagedTableModel(self.ctx, [
            Column(self.tr("到访"), lambda v: self.local(v.arrived_at)),
            Column(self.tr("客户"), lambda v: v.surname or "—"),
            Column(self.tr("手机"), lambda v: v.phone_masked),
            Column(self.tr("首/复访"), lambda v: self.tr("首访") if v.first_visit else self.tr("复访")),
            Column(self.tr("渠道"), self._channel),
            Column(self.tr("接待顾问"), lambda v: v.stay_consultant or v.consultant or "—"),
            Column(self.tr("状态"), lambda v: self.tr("已核验") if v.verified else self.tr("待确认")),
            Column(self.tr("停留时长"), self._stay)])
        self.feed = table_view(self.model, "today_feed")
        self.feed.selectionModel().selectionChanged.connect(lambda *_: self._visit_selected())
        self.model.loaded.connect(self._reselect)
        column.addWidget(self.feed, 1)

        bar = QWidget()
        bar.setObjectName("serve_bar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.serve_as = QComboBox()
        self.serve_as.setObjectName("serve_as")
        self.serve_as.setMinimumHeight(40)
        self.serve_as.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        if self.mine is None:  # reception and the manager may name who receives; a consultant is themself
            row.addWidget(QLabel(self.tr("接待顾问")))
            row.addWidget(self.serve_as)
        self.start_button = button(self.tr("接待开始"), "reception_start", "primary", self.start_reception)
        self.end_button = button(self.tr("接待结束"), "reception_end", "secondary", self.end_reception)
        hint = QLabel(self.tr("选中一条来访后开始或结束接待"))
        hint.setProperty("role", "hint")
        for widget in (self.start_button, self.end_button):
            row.addWidget(widget)
        row.addWidget(hint, 1)
        bar.setVisible(self.desk.can(serving.SERVE))
        column.addWidget(bar)
        self._visit_selected()
        return column

    def _build_side(self) -> QScrollArea:
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        self.queue: QueuePanel | None = None
        self.refused: RefusedPanel | None = None  # kiosk check-ins refused at the outbox's flush
        if self.desk.can("reception.confirm"):
            self.refused = RefusedPanel(self.ctx, self.desk, self.local_when, self._written)
            column.addWidget(self.refused)
            self.queue = QueuePanel(self.ctx, self.desk, self.local_when, self._written)
            column.addWidget(self.queue)
        self.numbers: NumberRequestsPanel | None = None  # consultants' requests from their phones
        if self.desk.can("customers.reveal"):
            self.numbers = NumberRequestsPanel(self.ctx, self.desk, self.local_when, self._written)
            column.addWidget(self.numbers)
        self.rotation = RotationPanel(self.set_busy if self.desk.can("duty.busy") else None)
        column.addWidget(self.rotation)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("today_side")
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setFixedWidth(SIDE_WIDTH)
        return scroll

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store
        self.ctx.run(q.summary, store, self.mine, on_done=self._summary_loaded)
        self.ctx.run(reception.rotation_board, store, on_done=self._show_rotation)
        if self.queue is not None:
            self.ctx.run(q.queue, store, on_done=self.queue.show_rows)
        if self.refused is not None:
            self.refused.refresh()
        if self.numbers is not None:
            self.numbers.refresh()

    def _summary_loaded(self, summary: q.TodaySummary) -> None:
        self.day = day = summary.day
        store, mine = self.ctx.store, self.mine
        self.model.load(lambda offset, limit: q.today_visits(store, day, offset, limit, mine))
        text = self.tr("今日来访 %1 · 首访 %2 · 复访 %3 · 待确认 %4 · 接待中 %5") if mine is None else \
            self.tr("我的来访 %1 · 首访 %2 · 复访 %3 · 待确认 %4 · 接待中 %5")
        values = (summary.visits, summary.first_visits, summary.visits - summary.first_visits, summary.waiting,
                  summary.receiving)
        for index, value in enumerate(values, 1):
            text = text.replace(f"%{index}", str(value))
        self.summary.setText(f"{day.now.astimezone(day.zone):%Y-%m-%d}  {text}")

    def _show_rotation(self, slots: list[reception.RotationSlot]) -> None:
        self.rotation.show_slots(slots)
        chosen = self.serve_as.currentData()
        self.serve_as.clear()
        self.serve_as.addItem(self.tr("来访分配的顾问"), None)
        for slot in slots:
            self.serve_as.addItem(slot.name, slot.name)
        if chosen is not None and (found := self.serve_as.findData(chosen)) >= 0:
            self.serve_as.setCurrentIndex(found)

    # ------------------------------------------------------------ cells
    def local(self, at: datetime | None) -> str:
        if at is None:
            return ""
        return f"{at.astimezone(self.day.zone) if self.day else at.astimezone():%H:%M}"

    def local_when(self, at: datetime) -> str:
        """The time today, with the date an earlier day (a check-in still waiting from yesterday)."""
        if self.day is None or self.day.start <= at < self.day.end:
            return self.local(at)
        return f"{at.astimezone(self.day.zone):%m-%d %H:%M}"

    def _channel(self, visit: q.TodayVisit) -> str:
        if visit.channel is None:
            return visit.source or self.tr("自然来访")
        return f"{visit.channel} · {visit.agent}" if visit.agent else visit.channel

    def _stay(self, visit: q.TodayVisit) -> str:
        if visit.stay_seconds is not None:
            return self.duration(visit.stay_seconds)
        if visit.receiving and visit.stay_started is not None and self.day is not None:
            so_far = int((self.day.now - visit.stay_started).total_seconds())
            return self.tr("接待中 %1").replace("%1", self.duration(max(0, so_far)))
        return ""

    def duration(self, seconds: int) -> str:
        minutes = round(seconds / 60)
        if minutes < 60:
            return self.tr("%1 分钟").replace("%1", str(minutes))
        return self.tr("%1 小时 %2 分").replace("%1", str(minutes // 60)).replace("%2", str(minutes % 60))

    # ------------------------------------------------------------ the feed and receptions
    def selected_visit(self) -> q.TodayVisit | None:
        rows = self.feed.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_visit(self, visit_seq: int) -> None:
        for row, visit in enumerate(self.model.rows):
            if visit.visit_seq == visit_seq:
                self.feed.selectRow(row)
                return

    def _reselect(self) -> None:
        self.feed.horizontalHeader().resizeSections()  # to the rows' contents, not only the titles
        if self._selected_seq is not None:
            self.select_visit(self._selected_seq)
        self._visit_selected()

    def _visit_selected(self) -> None:
        visit = self.selected_visit()
        if visit is not None:
            self._selected_seq = visit.visit_seq
        self.start_button.setEnabled(visit is not None and visit.stay_started is None)
        self.end_button.setEnabled(visit is not None and visit.receiving)

    def start_reception(self) -> None:
        if (visit := self.selected_visit()) is not None:
            self.ctx.run(serving.start_reception, self.desk, visit.visit_seq,
                         self.serve_as.currentData() if self.mine is None else None,
                         on_done=lambda stay: self._written(self.tr("%1 开始接待").replace("%1", stay.consultant)))

    def end_reception(self) -> None:
        if (visit := self.selected_visit()) is not None:
            self.ctx.run(serving.end_reception, self.desk, visit.visit_seq, on_done=lambda stay: self._written(
                self.tr("接待结束，停留 %1").replace("%1", self.duration(stay.seconds or 0))))

    def set_busy(self, consultant: str, busy: bool) -> None:
        self.ctx.run(self.desk.set_busy, consultant, busy, on_done=lambda _r: self._written(
            (self.tr("%1 已设为忙碌") if busy else self.tr("%1 已设为空闲")).replace("%1", consultant)))

    def _written(self, text: str) -> None:
        self.ctx.message.emit(text, "success")
        self.refresh()

    # ------------------------------------------------------------ a consultant's arrivals
    def on_journal(self, seq: int) -> None:
        super().on_journal(seq)
        if self.mine is None:
            return
        self._news_head = max(self._news_head, seq)
        if self._arrivals_since is None:
            self._arrivals_since = seq - 1  # news before the login's journal head was read
        self._check_arrivals()

    def _baseline(self, head: int) -> None:
        if self._arrivals_since is None:
            self._arrivals_since = head

    def _check_arrivals(self) -> None:
        since, head = self._arrivals_since, self._news_head
        if self._checking or since is None or head <= since:
            return
        self._checking = True

        def arrived(arrivals: list[Arrival]) -> None:
            self._checking = False
            self._arrivals_since = max(since, head)
            self.show_arrivals([a for a in arrivals if a.seq <= head])  # later ones: the next round
            self._check_arrivals()

        def failed(_error: BaseException) -> None:
            self._checking = False  # the next news tries again from the same place

        self.ctx.run(owner_arrivals, self.ctx.store, since, on_done=arrived, on_error=failed)

    def show_arrivals(self, arrivals: list[Arrival]) -> None:
        mine = [a for a in arrivals if a.owner == self.mine]
        if not mine:
            return
        if self.toast is None:  # over the pages (hidden with them when the console locks)
            self.toast = ArrivalToast(_ancestor(self, "main") or self.window())
            self.destroyed.connect(self.toast.deleteLater)
        for item in mine:
            who = " ".join(part for part in (item.surname, item.phone_masked) if part)
            self.toast.add(self.tr("%1 %2 到访").replace("%1", self.local(item.at)).replace("%2", who))

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        """The day as it stands; on the tour's throwaway demo database also a kiosk check-in waiting in the
        queue, a wrong correction refused beside the field, and a reception in progress. A consultant:
        the day's arrivals of their customers as the pop-up shows them."""
        snap("today")
        if self.mine is not None:
            day = self.day
            if day is not None:
                self.ctx.run(q.arrivals_since, self.ctx.store, day.start, on_done=self.show_arrivals)
                snap("today_arrival_popup")
            return
        store = self.ctx.store
        self.ctx.run(lambda: store.register_visit(TOUR_PHONE, name="刘先生", verified=False, actor="kiosk",
                                                  source="自然来访"), on_done=lambda _r: self.refresh())
        snap("today_kiosk_checkin")
        if self.queue is not None and self.queue.model.rows:
            self.queue.view.selectRow(0)
            self.queue.open_correct()
            self.queue.phone.setText("1390000")
            self.queue.correct()
            snap("today_queue_correct_refused")
            self.queue.close_forms()
        waiting = [v for v in self.model.rows if v.verified and v.consultant and v.stay_started is None]
        if waiting and self.desk.can(serving.SERVE):
            self.select_visit(waiting[0].visit_seq)
            self.start_reception()
            snap("today_reception_started")


def _ancestor(widget: QWidget, name: str) -> QWidget | None:
    parent = widget.parentWidget()
    while parent is not None and parent.objectName() != name:
        parent = parent.parentWidget()
    return parent
