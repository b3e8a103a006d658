"""公海: the customers in the public pool, how long and why they are there (protection lapsed, or released
by their consultant), and for a consultant the claim: today's limit, the cooldown on customers they lost
and the protection a claim gives are shown before the tap, and the engine's refusal reason after it.
A manager assigns a customer from here to a consultant (the Desk's assign, as the customer page's 指派)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QWidget

from console.pages.base import Page, Snap
from console.refusals import said
from console.widgets import Column, PagedTableModel, button, table_view
from service.desk import Desk
from service.queries import pool as queries
from service.queries.customers import filter_options
from service.store import WriteResult


def _label(name: str, role: str = "hint") -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


class PoolPage(Page):
    key = "pool"
    permission = "pool.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.may_claim = ctx.desk is not None and ctx.desk.can("pool.claim")
        self.may_assign = ctx.desk is not None and ctx.desk.can("customers.assign")
        self.zone: Any = None
        self.now: datetime | None = None
        self.allowance: queries.ClaimAllowance | None = None
        self.heading(self.title())
        self.allowance_label = _label("claim_allowance")
        self.layout_.addWidget(self.allowance_label)
        columns = [
            Column(self.tr("客户"), lambda r: f"{r.phone} {r.surname or ''}".strip()),
            Column(self.tr("入池原因"), lambda r: self.why_label(r.why)),
            Column(self.tr("在公海"), lambda r: self.duration(r.since)),
            Column(self.tr("入池时间"), lambda r: self._local(r.since)),
            Column(self.tr("原归属顾问"), lambda r: r.previous_owner or ""),
            Column(self.tr("渠道"), lambda r: self.tr("自然来访") if r.channel == "natural" else r.channel or ""),
            Column(self.tr("到访次数"), lambda r: r.visit_count, align_right=True),
            Column(self.tr("最近到访"), lambda r: self._local(r.last_visit_at)),
            Column(self.tr("备注"), self.row_note)]
        self.model = PagedTableModel(ctx, columns)
        self.table = table_view(self.model, "pool_table")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.loaded.connect(self._selection_changed)
        self.model.loaded.connect(self._fit_columns)
        self.layout_.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.claim_hint = _label("claim_hint")
        row.addWidget(self.claim_hint, 1)
        self.claim_button = button(self.tr("认领"), "claim", "primary", self.claim)
        self.claim_button.setEnabled(False)
        self.claim_button.setVisible(self.may_claim)
        row.addWidget(self.claim_button)
        self.assign_to = QComboBox()
        self.assign_to.setObjectName("pool_assign_to")
        self.assign_to.setMinimumHeight(48)
        self.assign_to.setMinimumWidth(160)
        self.assign_to.setPlaceholderText(self.tr("选择置业顾问"))
        self.assign_to.currentIndexChanged.connect(self._selection_changed)
        self.assign_button = button(self.tr("指派"), "pool_assign", "primary", self.assign)
        for widget in (self.assign_to, self.assign_button):
            widget.setVisible(self.may_assign)
            row.addWidget(widget)
        self.assign_button.setEnabled(False)
        self.layout_.addLayout(row)
        self.claim_result = _label("claim_result", "success")
        self.claim_result.hide()
        self.layout_.addWidget(self.claim_result)

    def title(self) -> str:
        return self.tr("公海")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None  # the window builds pages after a login
        return self.ctx.desk

    # ------------------------------------------------------------ words
    def why_label(self, why: str | None) -> str:
        return {queries.LAPSED: self.tr("保护期满"), queries.RELEASED: self.tr("顾问释放")}.get(why or "", "")

    def refusal_label(self, code: str) -> str:
        return {"not_in_pool": self.tr("客户已不在公海"), "daily_limit": self.tr("今日认领已达上限"),
                "reclaim_cooldown": self.tr("冷静期内不能重新认领"), "blacklisted": self.tr("客户在黑名单中")
                }.get(code, code)

    def duration(self, since: datetime | None) -> str:
        if since is None or self.now is None:
            return ""
        hours = max(0, int((self.now - since).total_seconds() // 3600))
        days, hours = divmod(hours, 24)
        if days:
            return self.tr("%1 天 %2 小时").replace("%1", str(days)).replace("%2", str(hours))
        return self.tr("%1 小时").replace("%1", str(hours)) if hours else self.tr("不到 1 小时")

    def row_note(self, r: queries.PoolRow) -> str:
        if r.blacklisted:
            return self.tr("黑名单")
        if r.my_cooldown_until is not None:
            return self.tr("冷静期至 %1").replace("%1", self._local(r.my_cooldown_until))
        return ""

    def _local(self, at: datetime | None) -> str:
        if at is None:
            return ""
        return (at.astimezone(self.zone) if self.zone is not None else at).strftime("%m-%d %H:%M")

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        desk = self.desk

        def load() -> tuple[Any, datetime, queries.ClaimAllowance, int]:
            now = desk.store.now()
            return desk.store.rules_at(now).timezone, now, queries.claim_allowance(desk), queries.pool_size(desk)

        self.ctx.run(load, on_done=self._loaded)
        if self.may_assign and not self.assign_to.count():
            self.ctx.run(filter_options, desk, on_done=self._consultants)

    def _consultants(self, options: Any) -> None:
        chosen = self.assign_to.currentData()
        self.assign_to.clear()
        for name in options.consultants:
            self.assign_to.addItem(name, name)
        self.assign_to.setCurrentIndex(self.assign_to.findData(chosen) if chosen else -1)

    def _loaded(self, result: tuple[Any, datetime, queries.ClaimAllowance, int]) -> None:
        self.zone, self.now, self.allowance, size = result
        a = self.allowance
        text = self.tr("公海共 %1 位客户。").replace("%1", str(size))
        if a.consultant is not None:
            text += self.tr("今日已认领 %1 / %2 个，还可认领 %3 个。").replace("%1", str(a.used_today)) \
                .replace("%2", str(a.limit)).replace("%3", str(a.remaining))
        else:
            text += self.tr("每位顾问每天最多认领 %1 个。").replace("%1", str(a.limit))
        text += self.tr("释放或流失的客户，原顾问 %1 天内不能重新认领；认领后保护 %2 天。") \
            .replace("%1", str(a.cooldown_days)).replace("%2", str(a.protection_days))
        self.allowance_label.setText(text)
        self.allowance_label.setProperty("role", "warning" if a.consultant and not a.remaining else "hint")
        self.allowance_label.style().polish(self.allowance_label)
        desk = self.desk
        self.model.load(lambda offset, limit: queries.pool_rows(desk, offset, limit))

    # ------------------------------------------------------------ claim
    def selected(self) -> queries.PoolRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        row = self.selected()
        self.claim_button.setEnabled(self.may_claim and row is not None)
        self.assign_button.setEnabled(self.may_assign and row is not None and bool(self.assign_to.currentData()))
        if self.may_claim:
            self.claim_hint.setText(self.claim_outlook(row))
        elif self.may_assign:
            self.claim_hint.setText(self.tr("选择一位客户和置业顾问后指派") if row is None else
                                    self.tr("把 %1 指派给所选顾问：归属保护期重新计算").replace("%1", row.phone))

    def claim_outlook(self, row: queries.PoolRow | None) -> str:
        """What a claim of the selected customer would meet, before the tap (the engine has the last word)."""
        a = self.allowance
        if row is None or a is None:
            return self.tr("选择一位客户后认领")
        if row.blacklisted:
            return self.tr("该客户在黑名单中，认领会被拒绝")
        if row.my_cooldown_until is not None:
            return self.tr("冷静期：您失去或释放了该客户，%1 之前不能重新认领") \
                .replace("%1", self._local(row.my_cooldown_until))
        if not a.remaining:
            return self.tr("今日认领已达上限（%1 个），明天可再认领").replace("%1", str(a.limit))
        return self.tr("认领 %1：保护 %2 天；今日还可认领 %3 个").replace("%1", row.phone) \
            .replace("%2", str(a.protection_days)).replace("%3", str(a.remaining))

    def claim(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.claim_button.setEnabled(False)
        self.ctx.run(self.desk.claim, row.customer_id, on_done=lambda result: self._claimed(row, result),
                     on_error=self._claim_failed)

    def _claimed(self, row: queries.PoolRow, result: WriteResult) -> None:
        outcome = result.outcome
        if outcome.claim == "accepted":
            self._show_result(self.tr("认领成功：%1 现归您").replace("%1", row.phone), "success")
        else:
            rule = outcome.reasons[-1].rule if outcome.reasons else ""
            self._show_result(self.tr("认领未成功：%1（规则 %2）").replace("%1", self.refusal_label(outcome.claim or ""))
                              .replace("%2", rule), "error")
        self.refresh()

    def _claim_failed(self, error: BaseException) -> None:
        self._show_result(said(error), "error")
        self.refresh()

    # ------------------------------------------------------------ assign (a manager)
    def assign(self) -> None:
        row, consultant = self.selected(), self.assign_to.currentData()
        if row is None or not consultant:
            return
        self.assign_button.setEnabled(False)

        def assigned(_result: WriteResult) -> None:
            self._show_result(self.tr("已指派：%1 现归 %2").replace("%1", row.phone).replace("%2", consultant),
                              "success")
            self.refresh()

        def refused(error: BaseException) -> None:
            self._show_result(said(error), "error")
            self.refresh()

        self.ctx.run(self.desk.assign, row.customer_id, consultant, on_done=assigned, on_error=refused)

    def _show_result(self, text: str, role: str) -> None:
        self.claim_result.setText(text)
        self.claim_result.setProperty("role", role)
        self.claim_result.style().unpolish(self.claim_result)
        self.claim_result.style().polish(self.claim_result)
        self.claim_result.show()

    def _fit_columns(self) -> None:
        """Columns as wide as what the rows just loaded show (the header sized itself while empty)."""
        header = self.table.horizontalHeader()
        header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)  # stretch again over the new widths
        header.setStretchLastSection(True)

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("pool")
        if self.model.rows:
            self.table.selectRow(0)
            snap("pool_selected")
