"""今日's 号码查看申请 panel, for a manager: consultants' requests from their phones to see a customer's full
number (service/number_requests.py). The manager approves or refuses with a reason; the consultant then
sees the number once on their phone. Hidden while none waits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit

from console.context import ConsoleContext
from console.pages.today_parts import Written, caption, card, hint
from console.widgets import Column, PagedTableModel, button, table_view
from service import number_requests
from service.desk import Desk
from service.number_requests import NumberRequest


class NumberRequestsPanel(QFrame):
    def __init__(self, ctx: ConsoleContext, desk: Desk, local: Callable[[datetime], str], written: Written) -> None:
        super().__init__()
        self.ctx, self.desk, self.written = ctx, desk, written
        column = card(self, "number_requests_card")
        self.caption = caption(self.tr("号码查看申请"))
        column.addWidget(self.caption)
        column.addWidget(hint(self.tr("置业顾问在手机上申请查看客户完整号码：批准后号码只向其显示一次，申请、决定和查看都记入日志")))
        self.model = PagedTableModel(ctx, [
            Column(self.tr("时间"), lambda r: local(r.requested_at)),
            Column(self.tr("顾问"), lambda r: r.consultant),
            Column(self.tr("手机"), lambda r: r.phone_masked or "—"),
            Column(self.tr("原因"), lambda r: r.reason)])
        self.view = table_view(self.model, "number_requests")
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.model.loaded.connect(self.view.horizontalHeader().resizeSections)
        column.addWidget(self.view)
        self.reason = QLineEdit()
        self.reason.setObjectName("number_request_reason")
        self.reason.setPlaceholderText(self.tr("决定理由（至少 4 个字）"))
        self.reason.setMinimumHeight(48)
        self.reason.textChanged.connect(lambda _: self._selected())
        column.addWidget(self.reason)
        row = QHBoxLayout()
        self.approve_button = button(self.tr("批准"), "number_request_approve", "primary", lambda: self.decide(True))
        self.refuse_button = button(self.tr("拒绝"), "number_request_refuse", "", lambda: self.decide(False))
        row.addWidget(self.approve_button)
        row.addWidget(self.refuse_button)
        row.addStretch(1)
        column.addLayout(row)
        self.setVisible(False)
        self._selected()

    def refresh(self) -> None:
        self.ctx.run(partial(number_requests.requests, waiting_only=True), self.desk, on_done=self.show_rows)

    def show_rows(self, rows: list[NumberRequest]) -> None:
        self.caption.setText(self.tr("号码查看申请（%1）").replace("%1", str(len(rows))))
        self.model.page_size = len(rows) + 1  # read whole: one page holds every row
        self.model.load(lambda offset, limit: rows[offset:offset + limit])
        self.setVisible(bool(rows))
        self._selected()

    def chosen(self) -> NumberRequest | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selected(self) -> None:
        ready = self.chosen() is not None and bool(self.reason.text().strip())
        self.approve_button.setEnabled(ready)
        self.refuse_button.setEnabled(ready)

    def decide(self, approve: bool) -> None:
        if (row := self.chosen()) is None:
            return
        done = self.tr("已批准 %1 的申请") if approve else self.tr("已拒绝 %1 的申请")

        def decided(_seq: int) -> None:
            self.reason.clear()
            self.written(done.replace("%1", row.consultant))

        self.ctx.run(number_requests.decide, self.desk, row.id, approve, self.reason.text(), on_done=decided)
