"""客户: every customer the user may see (a consultant: their own and the pool), found by surname, name,
pinyin initials (张小明: z, zx, zxm, zhang) or the last four digits of the phone (the full number and
138****5678 work too), filtered by owner, status (protected, pool, not yet visited), channel, stage and
first-visit dates. The list is paged from the database as it scrolls, so 100,000 customers stay smooth.
A double click (or Enter, or 打开) opens the customer's page inside this page (customer_detail.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.pages import customer_words as words
from console.pages.base import Page, Snap
from console.pages.customer_detail import CustomerDetail, fit_columns
from console.widgets import Column, Form, PagedTableModel, button, table_view
from service.desk import Desk
from service.queries import customers as q
from service.queries.journal_index import warm

TYPING_MS = 350  # search as the user pauses typing
WARM_AFTER_MS = 5_000  # read the journal index after login, once the first page has loaded


class CustomersPage(Page):
    key = "customers"
    permission = "customers.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.mine = ctx.desk.consultant if ctx.desk is not None else None
        self.sees_all = ctx.desk is not None and ctx.desk.sees_all_customers()
        self.filter = q.CustomerFilter()
        self._options: q.FilterOptions | None = None
        self._ready = False  # no query before the page is first shown (it is built at login)
        self._warmed = False
        self.zone: Any = None  # the site's time zone, loaded with the filter choices
        self.stack = QStackedWidget()
        self.stack.setObjectName("customers_stack")
        self.list_panel = self._build_list()
        self.detail = CustomerDetail(ctx, self.show_list)
        self.stack.addWidget(self.list_panel)
        self.stack.addWidget(self.detail)
        self.layout_.addWidget(self.stack, 1)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_MS)
        self._typing.timeout.connect(self.apply_filter)
        self._warm_timer = QTimer(self)  # a child: it dies with the page (logout)
        self._warm_timer.setSingleShot(True)
        self._warm_timer.timeout.connect(self._warm)
        self._warm_timer.start(WARM_AFTER_MS)  # built at login: the index is read before it is needed

    def _warm(self) -> None:
        """Reads the journal index on a worker (seconds on a million entries, once per station), so the
        first customer opened does not wait for it."""
        if not self._warmed and self.ctx.desk is not None:
            self._warmed = True
            self.ctx.run(warm, self.ctx.store, on_done=lambda _seq: None)

    def title(self) -> str:
        return self.tr("客户")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    # ------------------------------------------------------------ building
    def _build_list(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        top = QHBoxLayout()
        title = QLabel(self.title() if self.sees_all else self.tr("我的客户与公海"))
        title.setObjectName("title")
        top.addWidget(title)
        self.search_form = Form("customers_search_form")
        self.search = QLineEdit()
        self.search_form.add(self.tr("查找"), self.search, "customers_search")
        self.search.setPlaceholderText(self.tr("姓氏、姓名、拼音首字母或手机后4位"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.textEdited.connect(lambda _text: self._typing.start())
        self.search.returnPressed.connect(self.apply_filter)
        top.addWidget(self.search_form, 1)
        self.count = QLabel()
        self.count.setObjectName("customers_count")
        self.count.setProperty("role", "hint")
        top.addWidget(self.count)
        column.addLayout(top)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.owner = self._combo("customers_owner", [(self.tr("全部顾问"), None)])
        self.owner.setVisible(self.sees_all)
        self.status = self._combo("customers_status", [
            (self.tr("全部状态"), "all"), (self.tr("保护中"), "protected"), (self.tr("公海"), "pool"),
            (self.tr("未到访"), "unvisited")])
        self.channel = self._combo("customers_channel", [(self.tr("全部渠道"), None)])
        self.stage = self._combo("customers_stage", [(self.tr("全部阶段"), None), (self.tr("未认筹"), q.NO_STAGE),
                                                     *((label, code) for code, label in words.stages().items())])
        self.dated = QCheckBox(self.tr("首访日期"))
        self.dated.setObjectName("customers_dated")
        self.dated.toggled.connect(self._dates_toggled)
        today = QDate.currentDate()
        self.date_from = self._date("customers_from", today.addDays(-30))
        self.date_to = self._date("customers_to", today)
        for widget in (self.owner, self.status, self.channel, self.stage, self.dated, self.date_from,
                       QLabel("—"), self.date_to):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(button(self.tr("清除条件"), "customers_clear", "link", self.clear_filter))
        filters.addWidget(button(self.tr("打开"), "customers_open", "primary", self.open_selected))
        column.addLayout(filters)

        self.model = PagedTableModel(self.ctx, [
            Column(self.tr("客户"), lambda r: r.surname or "—"),
            Column(self.tr("手机"), lambda r: r.phone_masked),
            Column(self.tr("归属"), lambda r: words.owner_text(r.owner)),
            Column(self.tr("保护到期"), lambda r: self._local(r.protected_until, date_only=True)
                   or (self.tr("冻结") if r.frozen else "")),
            Column(self.tr("渠道"), lambda r: words.channel_text(r.channel, r.agent)),
            Column(self.tr("阶段"), lambda r: words.stages().get(r.stage or "", "")),
            Column(self.tr("首访"), lambda r: self._local(r.first_visit_at, date_only=True)),
            Column(self.tr("最近到访"), lambda r: self._local(r.last_visit_at)),
            Column(self.tr("到访次数"), lambda r: r.visit_count, align_right=True),
            Column(self.tr("标记"), lambda r: self.tr("黑名单") if r.blacklisted else "")])
        self.table = table_view(self.model, "customers_table")
        self.model.loaded.connect(self._fit_columns)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        column.addWidget(self.table, 1)
        self._dates_toggled(False)
        return panel

    def _fit_columns(self) -> None:
        if len(self.model.rows) <= self.model.page_size:  # the first page: later pages keep the widths
            fit_columns(self.table)

    def _combo(self, name: str, items: list[tuple[str, Any]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setMinimumHeight(40)
        for label, value in items:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(lambda _index: self.apply_filter())
        return combo

    def _date(self, name: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumHeight(40)
        edit.dateChanged.connect(lambda _value: self.apply_filter())
        return edit

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def _local(self, at: Any, date_only: bool = False) -> str:
        if at is None:
            return ""
        return at.astimezone(self.zone).strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self.ctx.desk is None:
            return
        self._warm()
        self.ctx.run(_setup, self.desk, on_done=self._set_up)

    def _set_up(self, setup: tuple[Any, q.FilterOptions]) -> None:
        self.zone, options = setup
        self.detail.zone = self.zone
        self._fill_options(options)
        self._ready = True
        if self.stack.currentWidget() is self.detail:
            self.detail.reload()
        else:
            self.apply_filter(force=True)

    def on_journal(self, _seq: int) -> None:
        """New facts: the customer's page reloads; the list only while it is scrolled to the top (a
        reload would lose the place of someone reading further down)."""
        if self.isVisible() and (self.stack.currentWidget() is self.detail
                                 or self.table.verticalScrollBar().value() == 0):
            self._journal_timer.start()

    def _fill_options(self, options: q.FilterOptions) -> None:
        if options == self._options:
            return
        self._options = options
        for combo, values in ((self.owner, options.consultants), (self.channel, ["natural", *options.channels])):
            chosen = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(words.channel_text(value) if value == "natural" else value, value)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)

    def current_filter(self) -> q.CustomerFilter:
        dated = self.dated.isChecked()
        return q.CustomerFilter(
            text=self.search.text().strip(), consultant=self.owner.currentData() if self.sees_all else None,
            status=self.status.currentData(), channel=self.channel.currentData(), stage=self.stage.currentData(),
            first_visit_from=_py_date(self.date_from.date()) if dated else None,
            first_visit_to=_py_date(self.date_to.date()) if dated else None)

    def apply_filter(self, force: bool = False) -> None:
        if not self._ready or self.ctx.desk is None:
            return  # not shown yet: refresh() loads the list
        self._typing.stop()
        self.search_form.clear_errors()
        flt = self.current_filter()
        if flt == self.filter and not force:
            return
        if flt.first_visit_from and flt.first_visit_to and flt.first_visit_from > flt.first_visit_to:
            self.count.setText(self.tr("首访日期：开始日期晚于结束日期"))
            return
        self.filter = flt
        desk = self.desk
        self.count.setText(self.tr("查找中…"))
        self.ctx.run(q.count_customers, desk, flt, on_done=lambda n: self._counted(flt, n),
                     on_error=self._search_refused)
        self.model.load(lambda offset, limit: _rows_or_none(desk, flt, offset, limit))

    def _counted(self, flt: q.CustomerFilter, count: int) -> None:
        if flt == self.filter:
            self.count.setText(self.tr("共 %n 位客户", "", count))

    def _search_refused(self, error: BaseException) -> None:
        self.count.setText("")
        self.search_form.error("customers_search", str(error))

    def clear_filter(self) -> None:
        for combo in (self.owner, self.status, self.channel, self.stage):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.dated.blockSignals(True)
        self.dated.setChecked(False)
        self.dated.blockSignals(False)
        self._dates_toggled(False)
        self.search.clear()
        self.apply_filter()

    # ------------------------------------------------------------ the customer's page
    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.show_customer(self.model.row_at(index.row()).id)

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open_index(rows[0])
        else:
            self.ctx.message.emit(self.tr("请先在列表中选择一位客户"), "hint")

    def show_customer(self, customer_id: int) -> None:
        """Opens the customer's page (also for other pages linking to a customer)."""
        self.stack.setCurrentWidget(self.detail)
        self.detail.show_customer(customer_id)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_panel)
        self.apply_filter(force=True)  # what was done on the customer's page shows in the list

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("customers")
        busiest = max(self.model.rows, default=None, key=lambda r: (  # a customer with a story to show
            r.owner not in ("pool", "none") and not r.frozen, r.channel not in (None, "natural"), r.visit_count))
        if busiest is not None and busiest.surname:
            self.search.setText(busiest.surname.rstrip("* "))  # 张* -> 张
            self.apply_filter()
            snap("customers_search")
            self.show_customer(busiest.id)
            snap("customer_page")
            dialog = self.detail.open_reveal(inline=True) if self.detail.reveal_button.isVisible() else None
            if dialog is not None:  # drawn inside the window, so the snapshot holds it
                dialog.reason.setText(self.tr("客户来电要求回拨"))
                snap("customer_reveal")
                dialog.confirm()
                snap("customer_revealed")
                dialog.close()
        self.search.clear()
        self.show_list()


def _setup(desk: Desk) -> tuple[Any, q.FilterOptions]:
    return desk.store.rules_at().timezone, q.filter_options(desk)


def _py_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _rows_or_none(desk: Desk, flt: q.CustomerFilter, offset: int, limit: int) -> list[q.CustomerRow]:
    """A page of rows; a search text that cannot be searched shows no rows (the count says why)."""
    try:
        return q.list_customers(desk, flt, offset, limit)
    except q.SearchError:
        return []
