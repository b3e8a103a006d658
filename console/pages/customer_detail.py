"""A customer's page, shown inside the 客户 page: who owns them and until when (with the rule), channel and
reports, stage, visits, cases and warnings, the timeline of every journal entry about them, and what the
user's role may do (console/pages/customer_actions.py). The phone is masked; a manager may see the full
number once, with a written reason, in a dialog (the reveal is journalled)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.context import ConsoleContext
from console.pages import customer_words as words
from console.pages.customer_actions import CustomerActions
from console.pages.report_words import report_outcome, warning_kinds, warning_statuses
from console.widgets import Column, Form, PagedTableModel, button, table_view
from console.words import actor_text
from service.queries.customer_page import CustomerPage, customer_page


class CustomerDetail(QWidget):
    def __init__(self, ctx: ConsoleContext, on_back: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customer_detail")
        self.ctx = ctx
        self.page: CustomerPage | None = None
        self.customer_id: int | None = None
        self.zone: Any = None  # the site's time zone (the customers page loads it)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)

        top = QHBoxLayout()
        top.addWidget(button(self.tr("← 返回列表"), "customer_back", "secondary", on_back))
        self.heading = QLabel()
        self.heading.setObjectName("subtitle")
        top.addWidget(self.heading, 1)
        self.reveal_button = button(self.tr("查看完整号码"), "customer_reveal", "secondary", self._reveal_clicked)
        self.reveal_button.setVisible(ctx.desk is not None and ctx.desk.can("customers.reveal"))
        top.addWidget(self.reveal_button)
        column.addLayout(top)

        cards = QGridLayout()
        cards.setSpacing(10)
        self.facts: dict[str, QLabel] = {}
        for index, (key, title) in enumerate((("owner", self.tr("归属")), ("channel", self.tr("渠道与报备")),
                                              ("stage", self.tr("阶段")), ("visits", self.tr("到访")))):
            cards.addWidget(self._card(key, title), 0, index)
        column.addLayout(cards)

        body = QHBoxLayout()
        body.setSpacing(12)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("customer_tabs")
        self.timeline = self._table("customer_timeline", [
            Column(self.tr("日志号"), lambda e: f"#{e.seq}", align_right=True),
            Column(self.tr("时间"), lambda e: self._local(e.at)),
            Column(self.tr("事件"), words.event_text),
            Column(self.tr("经办"), lambda e: actor_text(e.actor)),
            Column(self.tr("详情"), words.detail_text)])
        self.reports = self._table("customer_reports", [
            Column(self.tr("日志号"), lambda r: f"#{r.id}", align_right=True),
            Column(self.tr("报备时间"), lambda r: self._local(r.at)),
            Column(self.tr("渠道 · 经纪人"), lambda r: words.channel_text(r.channel, r.agent)),
            Column(self.tr("状态"), lambda r: report_outcome(r.status, r.reason)),
            Column(self.tr("有效期至"), lambda r: self._local(r.expires_at))])
        self.cases = self._table("customer_cases", [
            Column(self.tr("编号"), lambda c: c.id, align_right=True),
            Column(self.tr("类型"), lambda c: words.case_kinds().get(c.kind, c.kind)),
            Column(self.tr("提出方"), lambda c: c.claimant or "—"),
            Column(self.tr("建议裁决"), lambda c: words.owner_text(c.recommended)),
            Column(self.tr("状态"), lambda c: words.case_statuses().get(c.status, c.status)),
            Column(self.tr("裁决"), lambda c: words.owner_text(c.verdict) if c.verdict else "—"),
            Column(self.tr("依据记录"), lambda c: " ".join(f"#{s}" for s in c.evidence))])
        self.warnings = self._table("customer_warnings", [
            Column(self.tr("时间"), lambda w: self._local(w.at)),
            Column(self.tr("类型"), lambda w: warning_kinds().get(w.kind, w.kind)),
            Column(self.tr("状态"), lambda w: warning_statuses().get(w.status, w.status)),
            Column(self.tr("依据记录"), lambda w: " ".join(f"#{s}" for s in w.evidence)),
            Column(self.tr("说明"), lambda w: w.note)])
        for view, title in ((self.timeline, self.tr("时间线")), (self.reports, self.tr("报备")),
                            (self.cases, self.tr("判客")), (self.warnings, self.tr("预警"))):
            self.tabs.addTab(view[1], title)
        body.addWidget(self.tabs, 1)
        self.action_panel = CustomerActions(ctx, self.reload)
        body.addWidget(self.action_panel)
        column.addLayout(body, 1)

    def _card(self, key: str, title: str) -> QFrame:
        card = QFrame()
        card.setObjectName(f"customer_card_{key}")
        card.setProperty("role", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(12, 8, 12, 8)
        inner.setSpacing(2)
        caption = QLabel(title)
        caption.setProperty("role", "hint")
        value = QLabel()
        value.setObjectName(f"customer_{key}")
        value.setWordWrap(True)
        value.setTextFormat(Qt.TextFormat.PlainText)
        inner.addWidget(caption)
        inner.addWidget(value, 1)
        self.facts[key] = value
        return card

    def _table(self, name: str, columns: list[Column]) -> tuple[PagedTableModel, Any]:
        model = PagedTableModel(self.ctx, columns)
        view = table_view(model, name)
        model.loaded.connect(lambda: fit_columns(view))  # rows arrive while the tab may be hidden
        return model, view

    def _local(self, at: datetime | None) -> str:
        return "" if at is None else at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    # ------------------------------------------------------------ loading
    def show_customer(self, customer_id: int) -> None:
        self.customer_id = customer_id
        self.page = None
        self.heading.setText(self.tr("正在打开客户 #%1…").replace("%1", str(customer_id)))
        self.reveal_button.setEnabled(False)
        self.action_panel.clear(customer_id)
        self.tabs.setCurrentIndex(0)
        self.reload()

    def reload(self) -> None:
        if self.customer_id is None or self.ctx.desk is None:
            return
        wanted = self.customer_id
        self.ctx.run(customer_page, self.ctx.desk, wanted,
                     on_done=lambda page: self._loaded(wanted, page), on_error=self._refused)

    def _refused(self, error: BaseException) -> None:
        self.heading.setText(str(error))
        self.ctx.message.emit(str(error), "error")

    def _loaded(self, wanted: int, page: CustomerPage) -> None:
        if wanted != self.customer_id:
            return  # another customer was opened meanwhile
        self.page = page
        name = page.surname or self.tr("（未留姓名）")
        self.heading.setText(f"{name} · {page.phone_masked} · #{page.id}")
        self.reveal_button.setEnabled(not page.forgotten)
        self.facts["owner"].setText(self._owner_text(page))
        channel = words.channel_text(page.channel, page.agent)
        if page.commission:
            channel += "\n" + self.tr("佣金归属：%1").replace("%1", words.channel_text(page.commission))
        channel += "\n" + self.tr("报备 %n 条", "", len(page.reports))
        self.facts["channel"].setText(channel)
        stage = words.stages().get(page.stage or "", self.tr("未认筹"))
        if page.deal_at is not None:
            stage += "\n" + self.tr("成交于 %1").replace("%1", self._local(page.deal_at))
        self.facts["stage"].setText(stage)
        visits = self.tr("%n 次", "", page.visit_count)
        if page.first_visit_at is not None:
            visits += "\n" + self.tr("首访 %1").replace("%1", self._local(page.first_visit_at))
        flags = [self.tr("黑名单")] if page.blacklisted else []
        if page.awaiting_confirmation:
            flags.append(self.tr("待前台确认"))
        self.facts["visits"].setText(visits + ("\n" + " · ".join(flags) if flags else ""))
        for (model, _view), rows in ((self.timeline, page.timeline), (self.reports, page.reports),
                                     (self.cases, page.cases), (self.warnings, page.warnings)):
            model.load(_slicer(rows))
        shown = len(page.timeline)
        self.tabs.setTabText(0, self.tr("时间线") if shown == page.timeline_total else
                             self.tr("时间线（最近 %1 条，共 %2 条）").replace("%1", f"{shown:,}")
                             .replace("%2", f"{page.timeline_total:,}"))
        for index, count in ((1, len(page.reports)), (2, len(page.cases)), (3, len(page.warnings))):
            self.tabs.setTabText(index, f"{(self.tr('报备'), self.tr('判客'), self.tr('预警'))[index - 1]} ({count})")
        self.action_panel.show_page(page)

    def _owner_text(self, page: CustomerPage) -> str:
        lines = [words.owner_text(page.owner)]
        protection = page.protection
        if protection is not None:
            if protection.until is not None:
                lines.append(self.tr("保护至 %1（%2）").replace("%1", self._local(protection.until))
                             .replace("%2", words.countdown(protection.until, page.now)))
            rule = words.rule_text(protection.rule, protection.days)
            if protection.since_seq is not None:
                rule += self.tr("，自日志 #%1 起归属").replace("%1", str(protection.since_seq))
            lines.append(self.tr("依据：%1").replace("%1", rule))
        elif page.owner == "pool" and page.lost:
            consultant, at = page.lost[-1]
            lines.append(self.tr("%1 于 %2 失去归属").replace("%1", consultant).replace("%2", self._local(at)))
        elif page.owner == "none":
            lines.append(self.tr("尚未核验到访"))
        return "\n".join(lines)

    # ------------------------------------------------------------ the full number
    def _reveal_clicked(self) -> None:
        self.open_reveal()

    def open_reveal(self, inline: bool = False) -> RevealDialog | None:
        """The reveal dialog; `inline` draws it as a sheet inside the window (the tour's snapshots)."""
        if self.page is None:
            return None
        dialog = RevealDialog(self.ctx, self.page, self)
        dialog.revealed.connect(self.reload)  # the reveal is now on the timeline
        if inline:
            dialog.setWindowFlags(Qt.WindowType.Widget)
            dialog.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
            dialog.setStyleSheet("QDialog#reveal_dialog { background: #FFFFFF; border: 2px solid #1F6F8B; "
                                 "border-radius: 8px; }")
            dialog.adjustSize()
            dialog.move((self.width() - dialog.width()) // 2, 120)
            dialog.show()
            dialog.raise_()
            return dialog
        dialog.open()
        return dialog


class RevealDialog(QDialog):
    """查看完整号码: a reason first; the number is shown here once and never kept."""

    revealed = Signal()

    def __init__(self, ctx: ConsoleContext, page: CustomerPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reveal_dialog")
        self.setWindowTitle(self.tr("查看完整号码"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(460)
        self.ctx, self.customer_id = ctx, page.id
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(12)
        title = QLabel(self.tr("查看完整号码"))
        title.setObjectName("subtitle")
        column.addWidget(title)
        intro = QLabel(self.tr("客户 %1（%2）的完整号码只显示一次；本次查看连同原因记入日志。")
                       .replace("%1", page.surname or f"#{page.id}").replace("%2", page.phone_masked))
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.form = Form("reveal_form")
        self.reason = QLineEdit()
        self.form.add(self.tr("原因"), self.reason, "reveal_reason")
        self.reason.setPlaceholderText(self.tr("例如：客户来电要求回拨"))
        self.reason.returnPressed.connect(self.confirm)
        column.addWidget(self.form)
        self.number = QLabel()
        self.number.setObjectName("reveal_number")
        self.number.setProperty("role", "success")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number.hide()
        column.addWidget(self.number)
        row = QHBoxLayout()
        row.addStretch(1)
        self.confirm_button = button(self.tr("确认查看"), "reveal_confirm", "primary", self.confirm)
        row.addWidget(self.confirm_button)
        row.addWidget(button(self.tr("关闭"), "reveal_close", "secondary", self.dismiss))
        column.addLayout(row)

    def dismiss(self) -> None:
        self.close()

    def confirm(self) -> None:
        self.form.clear_errors()
        reason = self.reason.text().strip()
        if len(reason) < 4:
            self.form.error("reveal_reason", self.tr("请写明原因（至少 4 个字）"))
            return
        assert self.ctx.desk is not None
        self.confirm_button.setEnabled(False)
        self.ctx.run(self.ctx.desk.reveal, self.customer_id, reason, on_done=self._shown, on_error=self._refused)

    def _shown(self, number: str) -> None:
        self.number.setText(self.tr("完整号码：%1").replace("%1", number))
        self.number.show()
        self.reason.setReadOnly(True)
        self.confirm_button.hide()
        self.adjustSize()
        self.revealed.emit()

    def _refused(self, error: BaseException) -> None:
        self.confirm_button.setEnabled(True)
        self.form.error("reveal_reason", str(error))


def fit_columns(view: QTableView) -> None:
    """Columns as wide as their contents, the last one taking the rest of the width."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setStretchLastSection(True)


def _slicer(rows: tuple[Any, ...]) -> Callable[[int, int], list[Any]]:
    """A PagedTableModel fetch over rows already loaded."""
    return lambda offset, limit: list(rows[offset:offset + limit])
