"""The customers behind a number of the 数据看板 (its click-through): a list inside the page, paged from
the database, of the customers the user may see (a consultant: their own and the pool; how many more the
number counts is said, never who). 打开 (or a double click) opens the customer's page on 客户."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.pages import customer_words as cw
from console.widgets import Column, PagedTableModel, button, table_view
from reports import desk_reports
from reports.behind import Behind
from reports.period import Period
from service.queries.customers import CustomerRow
from service.queries.figure_customers import BehindCount


class BehindPanel(QWidget):
    def __init__(self, ctx: ConsoleContext, on_back: Callable[[], None],
                 on_customer: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_behind")
        self.ctx = ctx
        self.on_customer = on_customer
        self.zone: ZoneInfo | None = None
        self.behind: Behind | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(button(self.tr("← 返回看板"), "dashboard_behind_back", "secondary", on_back))
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        top.addWidget(button(self.tr("打开客户"), "dashboard_behind_open", "primary", self.open_selected))
        column.addLayout(top)
        self.count = QLabel()
        self.count.setObjectName("dashboard_behind_count")
        self.count.setProperty("role", "hint")
        self.count.setWordWrap(True)
        column.addWidget(self.count)
        self.model = PagedTableModel(ctx, [
            Column(self.tr("客户"), lambda r: r.surname or "—"),
            Column(self.tr("手机"), lambda r: r.phone_masked),
            Column(self.tr("归属"), lambda r: cw.owner_text(r.owner)),
            Column(self.tr("渠道"), lambda r: cw.channel_text(r.channel, r.agent)),
            Column(self.tr("阶段"), lambda r: cw.stages().get(r.stage or "", "")),
            Column(self.tr("首访"), lambda r: self._local(r.first_visit_at, "%Y-%m-%d")),
            Column(self.tr("最近到访"), lambda r: self._local(r.last_visit_at, "%Y-%m-%d %H:%M")),
            Column(self.tr("到访次数"), lambda r: r.visit_count, align_right=True)])
        self.table = table_view(self.model, "dashboard_behind_table")
        self.table.setMinimumHeight(420)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        column.addWidget(self.table, 1)

    def _local(self, at: Any, form: str) -> str:
        if at is None:
            return ""
        return at.astimezone(self.zone).strftime(form) if self.zone is not None else at.strftime(form)

    def show_behind(self, period: Period, behind: Behind, caption: str) -> None:
        """Lists the customers behind `behind` over `period` (the desk's scope)."""
        desk = self.ctx.desk
        assert desk is not None, "the dashboard exists only for a logged-in user"
        self.behind, self.zone = behind, period.zone
        self.title.setText(f"{caption} · {period.label}")
        self.count.setText(self.tr("查找中…"))
        self.ctx.run(desk_reports.behind_count, desk, period, behind, on_done=self._counted)
        self.model.load(lambda offset, limit: desk_reports.behind_page(desk, period, behind, offset, limit))

    def _counted(self, counted: BehindCount) -> None:
        text = self.tr("共 %n 位客户", "", counted.shown)
        if counted.hidden:
            text += self.tr("；另有 %n 位不在您的客户与公海中，未列出", "", counted.hidden)
        self.count.setText(text + self.tr("（同一客户多次计入时只列一次）"))

    @property
    def rows(self) -> list[CustomerRow]:
        return list(self.model.rows)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.on_customer(self.model.row_at(index.row()).id)

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open_index(rows[0])
        else:
            self.ctx.message.emit(self.tr("请先在列表中选择一位客户"), "hint")
