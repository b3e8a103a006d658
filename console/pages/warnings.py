"""预警 Warnings (防飞单): how many are in each step of the workflow and how precise they have been (the
share of handled warnings that were confirmed: resolved or blacklisted, against dismissed), the list
filtered by status and kind, and one warning with its steps and the next ones (warnings_detail.py).
A consultant sees the warnings about their own customers and may only follow up."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.pages.base import Page, Snap
from console.pages.report_words import warning_kinds, warning_statuses
from console.pages.warnings_detail import WarningDetail
from console.widgets import Column, PagedTableModel, table_view
from service.queries.warnings import HANDLED, WarningCounts, WarningFilter, list_warnings, warning_counts
from service.store import Store

CARDS = ("open", "following", "intervened", "resolved", "dismissed", "blacklisted")


class WarningsPage(Page):
    key = "warnings"
    permission = "warnings.view"

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.layout_.addLayout(self._build_cards())
        filters = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("warning_status_filter")
        self.status_filter.addItem(self.tr("待办（未结）"), "active")
        self.status_filter.addItem(self.tr("全部状态"), None)
        for code, text in warning_statuses().items():
            self.status_filter.addItem(text, code)
        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("warning_kind_filter")
        self.kind_filter.addItem(self.tr("全部类型"), None)
        for code, text in warning_kinds().items():
            self.kind_filter.addItem(text, code)
        for label, combo in ((self.tr("状态"), self.status_filter), (self.tr("类型"), self.kind_filter)):
            combo.setMinimumWidth(160)
            combo.currentIndexChanged.connect(self.reload)
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        filters.addStretch(1)
        self.layout_.addLayout(filters)

        kinds, statuses = warning_kinds(), warning_statuses()
        self.model = PagedTableModel(ctx, [
            Column(self.tr("编号"), lambda w: w.id, align_right=True),
            Column(self.tr("时间"), lambda w: self._local(w.at)),
            Column(self.tr("类型"), lambda w: kinds.get(w.kind, w.kind)),
            Column(self.tr("客户"), lambda w: f"{w.phone} {w.surname or ''}".strip() if w.customer_id is not None
                   else self.tr("（未登记）")),
            Column(self.tr("归属顾问"), lambda w: w.owner),
            Column(self.tr("状态"), lambda w: statuses.get(w.status, w.status))])
        self.table = table_view(self.model, "warning_table")
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.detail = WarningDetail(ctx, self._after_step)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("warning_split")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([680, 460])
        self.model.loaded.connect(self._select_first)
        self.layout_.addWidget(split, 1)

    def title(self) -> str:
        return self.tr("预警")

    def _build_cards(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.card_values: dict[str, QLabel] = {}
        names = warning_statuses() | {"precision": self.tr("准确率")}
        for code in (*CARDS, "precision"):
            card = QFrame()
            card.setProperty("role", "card")
            column = QVBoxLayout(card)
            column.setContentsMargins(12, 6, 12, 6)
            column.setSpacing(0)
            value = QLabel("–")
            value.setObjectName(f"warning_count_{code}")
            font = QFont(value.font())
            font.setPixelSize(22)  # the theme sizes type in pixels
            font.setBold(True)
            value.setFont(font)
            label = QLabel(names[code])
            label.setProperty("role", "hint")
            column.addWidget(value)
            column.addWidget(label)
            self.card_values[code] = value
            row.addWidget(card, 1)
        return row

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.ctx.zone).strftime("%m-%d %H:%M")

    @property
    def consultant(self) -> str | None:
        return self.ctx.desk.consultant if self.ctx.desk is not None else None

    # ------------------------------------------------------------ data
    def filter(self) -> WarningFilter:
        return WarningFilter(status=self.status_filter.currentData(), kind=self.kind_filter.currentData(),
                             consultant=self.consultant)

    def refresh(self) -> None:
        self.ctx.run(warning_counts, self.ctx.store, self.consultant, on_done=self._show_counts)
        self.reload()
        if self.detail.current is not None:
            self.detail.load(self.detail.current.id)

    def reload(self) -> None:
        store, flt = self.ctx.store, self.filter()
        self.model.load(lambda offset, limit: list_warnings(store, flt, offset, limit))

    def _show_counts(self, counts: WarningCounts) -> None:
        for code in CARDS:
            self.card_values[code].setText(str(counts.by_status[code]))
        precision = counts.precision
        value = self.card_values["precision"]
        value.setText("–" if precision is None else f"{precision:.0%}")
        value.setToolTip(self.tr("已处理 %1 条中确认 %2 条（已解决或已拉黑），排除 %3 条")
                         .replace("%1", str(counts.handled)).replace("%2", str(counts.confirmed))
                         .replace("%3", str(counts.handled - counts.confirmed)))

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        if rows:
            self.detail.load(self.model.row_at(rows[0].row()).id)

    def _select_first(self) -> None:
        """Opens the newest warning when none is open yet, so the page never starts blank."""
        self.table.resizeColumnsToContents()  # inside the splitter the header does not follow new rows itself
        if self.detail.current is None and self.model.rowCount():
            self.table.selectRow(0)

    def _after_step(self) -> None:
        self.ctx.run(warning_counts, self.ctx.store, self.consultant, on_done=self._show_counts)
        self.reload()

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("warnings")
        self.status_filter.setCurrentIndex(self.status_filter.findData(None))
        self.ctx.run(_worked_warning, self.ctx.store, self.consultant, on_done=self._show_worked)
        snap("warning_steps")
        self.status_filter.setCurrentIndex(0)

    def _show_worked(self, warning_id: int | None) -> None:
        if warning_id is not None:
            self.detail.load(warning_id)


def _worked_warning(store: Store, consultant: str | None) -> int | None:
    """A warning that has been worked through (for the tour): the newest handled one."""
    for status in HANDLED:
        rows = list_warnings(store, WarningFilter(status=status, consultant=consultant), 0, 1)
        if rows:
            return rows[0].id
    return None
