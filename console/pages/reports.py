"""报备 Channel reports: the list (status as of now, filtered by status, invalid reason, channel and agent,
paged), the entry form (console/pages/reports_entry.py) and the Excel import with its preview and the
template (console/pages/reports_import.py). The channel manager and the manager enter reports; the
administrator only reads them; a consultant does not see the page."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.pages.base import Page, Snap
from console.pages.report_words import report_reasons, report_statuses
from console.pages.reports_entry import ReportEntry
from console.pages.reports_import import ReportImport
from console.private_files import write_private
from console.widgets import Column, PagedTableModel, table_view
from reports.sheet_text import append
from service import reception
from service.queries.reports import ReportFilter, list_reports, status_counts
from service.store import Store


def load_registry(store: Store) -> tuple[dict[str, list[str]], str, dict[str, int]]:
    """Channels with their agents, the number rule in force, and the reports in each status now."""
    return reception.channels(store), store.rules_at().number_mode, status_counts(store)


class ReportsPage(Page):
    key = "reports"
    permission = "reports.view"

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.channels: dict[str, list[str]] = {}
        self.heading(self.title())
        self.counts = QLabel()
        self.counts.setObjectName("report_counts")
        self.counts.setProperty("role", "hint")
        self.layout_.addWidget(self.counts)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("report_tabs")
        self.tabs.addTab(self._build_list(), self.tr("报备列表"))
        self.entry = ReportEntry(ctx, self._after_write)
        self.importer = ReportImport(ctx, self._after_write)
        if ctx.desk is not None and ctx.desk.can("reports.enter"):
            self.tabs.addTab(self.entry, self.tr("录入报备"))
            self.tabs.addTab(self.importer, self.tr("Excel 导入"))
        else:
            self.entry.hide()
            self.importer.hide()
        self.layout_.addWidget(self.tabs, 1)

    def title(self) -> str:
        return self.tr("报备")

    def _build_list(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(12, 12, 12, 12)
        filters = QHBoxLayout()
        self.status_filter = self._combo("report_status_filter", self.tr("全部状态"), report_statuses())
        self.reason_filter = self._combo("report_reason_filter", self.tr("全部无效原因"), report_reasons())
        self.channel_filter = self._combo("report_channel_filter", self.tr("全部渠道"), {})
        self.agent_filter = self._combo("report_agent_filter", self.tr("全部经纪人"), {})
        for label, combo in ((self.tr("状态"), self.status_filter), (self.tr("原因"), self.reason_filter),
                             (self.tr("渠道"), self.channel_filter), (self.tr("经纪人"), self.agent_filter)):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        filters.addStretch(1)
        column.addLayout(filters)
        self.channel_filter.currentIndexChanged.connect(self._channel_chosen)
        for combo in (self.status_filter, self.reason_filter, self.agent_filter):
            combo.currentIndexChanged.connect(self.reload)
        statuses, reasons = report_statuses(), report_reasons()
        self.model = PagedTableModel(self.ctx, [
            Column(self.tr("编号"), lambda r: r.id, align_right=True),
            Column(self.tr("报备时间"), lambda r: self._local(r.at)),
            Column(self.tr("渠道"), lambda r: r.channel), Column(self.tr("经纪人"), lambda r: r.agent),
            Column(self.tr("客户电话"), lambda r: r.phone), Column(self.tr("客户"), lambda r: r.surname),
            Column(self.tr("状态"), lambda r: statuses.get(r.status, r.status)),
            Column(self.tr("无效原因"), lambda r: reasons.get(r.reason, r.reason) if r.reason else ""),
            Column(self.tr("到访截止"), lambda r: self._local(r.expires_at)),
            Column(self.tr("渠道申报时间"), lambda r: self._local(r.stated_at)),
            Column(self.tr("录入人"), lambda r: self.tr("命令行导入") if r.entered_by == "import" else r.entered_by)])
        self.table = table_view(self.model, "report_table")
        column.addWidget(self.table, 1)
        return box

    def _combo(self, name: str, everything: str, choices: dict[str, str]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setMinimumWidth(140)
        combo.addItem(everything, None)
        for code, text in choices.items():
            combo.addItem(text, code)
        return combo

    def _local(self, moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(self.ctx.zone).strftime("%m-%d %H:%M")

    # ------------------------------------------------------------ data
    def refresh(self) -> None:
        self.ctx.run(load_registry, self.ctx.store, on_done=self._registry_loaded)
        self.reload()

    def filter(self) -> ReportFilter:
        return ReportFilter(status=self.status_filter.currentData(), reason=self.reason_filter.currentData(),
                            channel=self.channel_filter.currentData(), agent=self.agent_filter.currentData())

    def reload(self) -> None:
        store, flt = self.ctx.store, self.filter()
        self.model.load(lambda offset, limit: list_reports(store, flt, offset, limit))

    def _registry_loaded(self, loaded: tuple[dict[str, list[str]], str, dict[str, int]]) -> None:
        channels, number_mode, counts = loaded
        self.entry.set_registry(channels, number_mode)
        statuses = report_statuses()
        self.counts.setText("　·　".join(f"{statuses[code]} {n}" for code, n in counts.items()))
        if channels != self.channels:
            self.channels = channels
            chosen = self.channel_filter.currentData()
            self.channel_filter.blockSignals(True)
            while self.channel_filter.count() > 1:
                self.channel_filter.removeItem(1)
            for name in channels:
                self.channel_filter.addItem(name, name)
            self.channel_filter.setCurrentIndex(max(0, self.channel_filter.findData(chosen)))
            self.channel_filter.blockSignals(False)
            self._fill_agent_filter()

    def _channel_chosen(self) -> None:
        self._fill_agent_filter()
        self.reload()

    def _fill_agent_filter(self) -> None:
        channel = self.channel_filter.currentData()
        agents = self.channels.get(channel, []) if channel else sorted({a for names in self.channels.values()
                                                                         for a in names})
        chosen = self.agent_filter.currentData()
        self.agent_filter.blockSignals(True)
        while self.agent_filter.count() > 1:
            self.agent_filter.removeItem(1)
        for name in agents:
            self.agent_filter.addItem(name, name)
        self.agent_filter.setCurrentIndex(max(0, self.agent_filter.findData(chosen)))
        self.agent_filter.blockSignals(False)

    def _after_write(self) -> None:
        self.refresh()

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        self.tabs.setCurrentIndex(0)
        snap("reports")
        if self.tabs.count() < 3:
            return
        self.tabs.setCurrentWidget(self.entry)
        self.entry.phone.setText("138123")
        self.entry.submit()
        snap("reports_entry_error")
        self.entry.phone.clear()
        self.entry.form.clear_errors()
        with tempfile.TemporaryDirectory(prefix="anchang-tour-") as folder:
            self.tabs.setCurrentWidget(self.importer)
            latest = self.model.rows[0].at.astimezone(self.ctx.zone) if self.model.rows else None
            self.importer.load_file(tour_sheet(Path(folder) / "报备.xlsx", self.channels, latest))
            snap("reports_import_preview")
        self.tabs.setCurrentIndex(0)


def tour_sheet(path: Path, channels: dict[str, list[str]], latest: datetime | None) -> Path:
    """A channel's sheet as offices send them: mostly good rows, a few with the usual mistakes."""
    named = [(channel, agent) for channel, agents in channels.items() for agent in agents] or [("贝壳", "周杰")]
    book = openpyxl.Workbook()
    sheet: Any = book.active
    sheet.title = "报备"
    append(sheet, ["渠道", "经纪人", "客户电话", "客户姓名", "报备时间"])
    bad: dict[int, list[str | None]] = {3: ["万科", "小王", "13912349901"],  # unknown channel
           6: [named[0][0], named[0][1], "12345"],  # not a phone
           8: [named[-1][0], None, "13912349902"],  # agent missing
           11: [named[0][0], named[0][1], "13912340000"]}  # the first row again
    for index in range(14):
        channel, agent = named[index % len(named)]
        if index in bad:
            append(sheet, [*bad[index], None, None])
        else:
            stated = None if latest is None or index % 2 else \
                latest.replace(tzinfo=None, second=0, microsecond=0) - timedelta(minutes=20 * index)
            append(sheet, [channel, agent, f"1391234{index:04d}", "张女士" if index % 3 == 0 else None, stated])
    return write_private(path, lambda target: (book.save(target), target)[1])
