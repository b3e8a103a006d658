"""黑名单: who is listed now (customers by masked phone and surname, agents, channels), when, by whom
and why; the history of changes; and, for a manager, listing and unlisting with a written reason.

A customer is found by surname, pinyin initials, the last four digits, the 前三后四 form or the full
number; a full number nobody has registered yet can be listed too (a known troublemaker's phone). The typed number stays in
its field only until the listing is done.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.pages.base import Page, Snap
from console.widgets import Column, Form, PagedTableModel, button, table_view
from console.words import actor_text
from service import blacklist_admin, reception
from service.desk import Desk
from service.queries import blacklist as queries
from service.staff_admin import FieldRefused

CARD_WIDTH = 400


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subtitle")
    return label


class BlacklistPage(Page):
    key = "blacklist"
    permission = "blacklist.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.editor = self.ctx.desk is not None and self.ctx.desk.can("blacklist.edit")
        self._zone: Any = None
        self._picks: list[queries.CustomerPick] = []
        self._typed = ""  # the search text the picks came from (a full number, for a new one)
        self._selected: queries.Listed | None = None
        kinds = self.kind_labels()

        self.current = PagedTableModel(ctx, [
            Column(self.tr("类型"), lambda r: kinds[r.kind]),
            Column(self.tr("对象"), lambda r: r.shown),
            Column(self.tr("所属渠道"), lambda r: r.channel),
            Column(self.tr("列入时间"), lambda r: self._local(r.since)),
            Column(self.tr("操作人"), lambda r: actor_text(r.by)),
            Column(self.tr("原因"), lambda r: r.reason)])
        self.current_view = table_view(self.current, "blacklist_current")
        self.current_view.selectionModel().selectionChanged.connect(self._row_selected)
        self.current.loaded.connect(self._reselect)
        self.history = PagedTableModel(ctx, [
            Column(self.tr("时间"), lambda r: self._local(r.at)),
            Column(self.tr("变更"), lambda r: self.tr("列入") if r.listed else self.tr("移出")),
            Column(self.tr("类型"), lambda r: kinds[r.kind]),
            Column(self.tr("对象"), lambda r: r.shown),
            Column(self.tr("操作人"), lambda r: actor_text(r.actor)),
            Column(self.tr("原因"), lambda r: r.reason),
            Column(self.tr("流水号"), lambda r: r.seq, align_right=True)])
        self.tabs = QTabWidget()
        self.tabs.setObjectName("blacklist_tabs")
        self.tabs.addTab(self.current_view, self.tr("当前名单"))
        self.tabs.addTab(table_view(self.history, "blacklist_history"), self.tr("变更记录"))

        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self.tabs, 1)
        if self.editor:
            body.addWidget(self._build_card())
        self.layout_.addLayout(body, 1)

    def title(self) -> str:
        return self.tr("黑名单")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    def kind_labels(self) -> dict[str, str]:
        return {"customer": self.tr("客户"), "agent": self.tr("经纪人"), "channel": self.tr("渠道")}

    # ------------------------------------------------------------ building
    def _build_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("blacklist_card")
        card.setProperty("role", "card")
        card.setFixedWidth(CARD_WIDTH)
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(6)
        column.addWidget(section(self.tr("列入黑名单")))
        self.form = Form("blacklist_form")
        self.kind = QComboBox()
        self.form.add(self.tr("类型"), self.kind, "blacklist_kind")
        for kind, label in self.kind_labels().items():
            self.kind.addItem(label, kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.search = QLineEdit()
        self.form.add(self.tr("客户"), self.search, "blacklist_customer")
        self.search.setPlaceholderText(self.tr("姓氏、拼音首字母、后四位或完整号码"))
        self.search.returnPressed.connect(self.find_customers)
        self.picks = QListWidget()
        self.picks.setObjectName("blacklist_picks")
        self.picks.setFixedHeight(96)
        self.picks.currentRowChanged.connect(lambda _row: self.form.error("blacklist_customer", ""))
        self.form.form.addRow("", self.picks)
        self.agent = QComboBox()
        self.form.add(self.tr("经纪人"), self.agent, "blacklist_agent")
        self.channel = QComboBox()
        self.form.add(self.tr("渠道"), self.channel, "blacklist_channel")
        self.reason = QLineEdit()
        self.form.add(self.tr("原因"), self.reason, "blacklist_reason")
        self.reason.setPlaceholderText(self.tr("例如：多次恶意截客"))
        column.addWidget(self.form)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("查找客户"), "blacklist_find", "secondary", self.find_customers))
        row.addWidget(button(self.tr("列入黑名单"), "blacklist_add", "danger", self.add))
        column.addLayout(row)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        column.addWidget(line)
        column.addWidget(section(self.tr("移出黑名单")))
        self.unlist_form = Form("unlist_form")
        self.unlist_target = QLabel(self.tr("请在左侧名单中选择"))
        self.unlist_form.add(self.tr("对象"), self.unlist_target, "unlist_target")
        self.unlist_target.setWordWrap(True)
        self.unlist_reason = QLineEdit()
        self.unlist_form.add(self.tr("原因"), self.unlist_reason, "unlist_reason")
        column.addWidget(self.unlist_form)
        self.unlist_button = button(self.tr("移出黑名单"), "blacklist_remove", "secondary", self.remove)
        column.addWidget(self.unlist_button)
        column.addStretch(1)
        self._kind_changed()
        self._select(None)
        return card

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        for field, shown in ((self.search, kind == "customer"), (self.agent, kind == "agent"),
                             (self.channel, kind == "channel")):
            box = field.parentWidget()  # the field's box: the field and its error line
            assert box is not None
            self.form.form.setRowVisible(box, shown)
        self.form.form.setRowVisible(self.picks, kind == "customer")
        self.form.clear_errors()

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store

        def load() -> tuple[Any, list[queries.Listed], dict[str, list[str]]]:
            return store.rules_at().timezone, queries.listed(store), reception.channels(store)

        self.ctx.run(load, on_done=self._loaded)

    def _loaded(self, result: tuple[Any, list[queries.Listed], dict[str, list[str]]]) -> None:
        self._zone, found, channels = result
        self.current.load(lambda offset, limit: found[offset:offset + limit])
        self.history.load(lambda offset, limit: queries.history(self.ctx.store, offset, limit))
        if self.editor:
            self._fill(self.agent, [(f"{agent}（{channel}）", agent) for channel, agents in channels.items()
                                    for agent in agents])
            self._fill(self.channel, [(channel, channel) for channel in channels])

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
        """New choices, keeping the one chosen when it is still there."""
        chosen = combo.currentData()
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        if chosen is not None and (index := combo.findData(chosen)) >= 0:
            combo.setCurrentIndex(index)

    def _local(self, at: Any) -> str:
        if at is None:
            return ""
        return (at.astimezone(self._zone) if self._zone is not None else at).strftime("%Y-%m-%d %H:%M")

    # ------------------------------------------------------------ the customer picker
    def find_customers(self) -> None:
        text = self.search.text().strip()
        self.form.error("blacklist_customer", "")
        if not text:
            self.form.error("blacklist_customer", self.tr("请输入姓氏、拼音首字母、手机后四位或完整号码"))
            return
        self.ctx.run(queries.find_customers, self.ctx.store, text,
                     on_done=lambda picks: self._picked(text, picks), on_error=self._search_refused)

    def _search_refused(self, error: BaseException) -> None:
        self._picked("", [])
        if isinstance(error, ValueError):
            self.form.error("blacklist_customer", str(error))
        else:
            self.ctx.message.emit(str(error), "error")

    def _picked(self, text: str, picks: list[queries.CustomerPick]) -> None:
        self._typed, self._picks = text, picks
        self.picks.clear()
        for pick in picks:
            label = pick.shown
            if pick.customer_id is None:
                label = self.tr("%1（新号码，尚未登记）").replace("%1", pick.shown)
            elif pick.blacklisted:
                label = self.tr("%1（已在黑名单）").replace("%1", pick.shown)
            item = QListWidgetItem(label)
            if pick.blacklisted:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.picks.addItem(item)
        if text and not picks:
            self.form.error("blacklist_customer", self.tr("没有找到客户；可输入完整号码列入新号码"))
        elif len(picks) == 1 and not picks[0].blacklisted:
            self.picks.setCurrentRow(0)

    # ------------------------------------------------------------ writes
    def add(self) -> None:
        self.form.clear_errors()
        kind, reason, desk = self.kind.currentData(), self.reason.text(), self.desk
        field = {"customer": "blacklist_customer", "agent": "blacklist_agent", "channel": "blacklist_channel"}[kind]
        if kind == "customer":
            row = self.picks.currentRow()
            if not 0 <= row < len(self._picks) or self._picks[row].blacklisted:
                self.form.error(field, self.tr("请先查找并选择客户"))
                return
            pick = self._picks[row]
            if pick.customer_id is None:
                self._write(blacklist_admin.list_phone, (desk, self._typed, reason), {}, field)
            else:
                self._write(blacklist_admin.set_listed, (desk,), {"customer_id": pick.customer_id,
                                                                  "reason": reason}, field)
            return
        target = (self.agent if kind == "agent" else self.channel).currentData()
        if not target:
            self.form.error(field, self.tr("请选择"))
            return
        self._write(blacklist_admin.set_listed, (desk,), {kind: target, "reason": reason}, field)

    def _write(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], field: str) -> None:
        fields = {"target": field, "reason": "blacklist_reason"}

        def done(_result: Any) -> None:
            self.reason.clear()
            self.search.clear()
            self._picked("", [])
            self.ctx.message.emit(self.tr("已列入黑名单"), "success")
            self.refresh()

        self.ctx.run(lambda: fn(*args, **kwargs), on_done=done,
                     on_error=lambda error: self._refused(self.form, fields, error))

    def _refused(self, form: Form, fields: dict[str, str], error: BaseException) -> None:
        if isinstance(error, FieldRefused) and error.field in fields:
            form.error(fields[error.field], str(error))
        else:
            self.ctx.message.emit(str(error), "error")

    def _row_selected(self, *_args: Any) -> None:
        rows = self.current_view.selectionModel().selectedRows()
        self._select(self.current.row_at(rows[0].row()) if rows else None)

    def _reselect(self) -> None:
        """After a reload: the row chosen before stays chosen (a reason being typed keeps its target)."""
        chosen = self._selected
        rows = [i for i, row in enumerate(self.current.rows)
                if chosen is not None and (row.kind, row.key) == (chosen.kind, chosen.key)]
        if rows:
            self.current_view.selectRow(rows[0])
        else:
            self._select(None)

    def _select(self, listed: queries.Listed | None) -> None:
        self._selected = listed
        if not self.editor:
            return
        self.unlist_form.clear_errors()
        if listed is None:
            self.unlist_target.setText(self.tr("请在左侧名单中选择"))
        else:
            self.unlist_target.setText(f"{self.kind_labels()[listed.kind]} · {listed.shown}")
        self.unlist_button.setEnabled(listed is not None)

    def remove(self) -> None:
        listed = self._selected
        if listed is None:
            return
        self.unlist_form.clear_errors()
        target: dict[str, Any] = {listed.kind if listed.kind != "customer" else "customer_id":
                                  int(listed.key) if listed.kind == "customer" else listed.key}
        fields = {"target": "unlist_target", "reason": "unlist_reason"}
        desk, reason = self.desk, self.unlist_reason.text()

        def done(_result: Any) -> None:
            self.unlist_reason.clear()
            self._select(None)
            self.ctx.message.emit(self.tr("已移出黑名单"), "success")
            self.refresh()

        self.ctx.run(lambda: blacklist_admin.set_listed(desk, listed=False, reason=reason, **target),
                     on_done=done, on_error=lambda error: self._refused(self.unlist_form, fields, error))

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("blacklist")
        self.tabs.setCurrentIndex(1)
        snap("blacklist_history")
        self.tabs.setCurrentIndex(0)
        if self.editor:
            self.kind.setCurrentIndex(0)
            self.search.setText("139 1234 5678")  # a full number: found, or offered as a new one
            self.find_customers()
            snap("blacklist_search")
            self.reason.clear()
            self.add()
            snap("blacklist_reason_needed")
            self.search.clear()
            self._picked("", [])
            self.form.clear_errors()
