"""站点: the kiosks, consoles and `anchang` commands writing to this site (service/stations.py): kind,
computer, first and last start, last write, and whether retired (by whom, why). A manager or an
administrator retires one (asked twice: a retired station's writes are refused from then on, for good)
and exports the site's key bundle for a computer joining the site (key_export.py); the 诊断包 for a support
call (diagnostics.py); how phones trust the site's certificate for `anchang serve` (phone_trust.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.pages.base import Page, Snap
from console.pages.diagnostics import DiagnosticsPanel
from console.pages.key_export import KeyExportPanel
from console.pages.phone_trust import PhoneTrustPanel
from console.widgets import Column, PagedTableModel, button, table_view
from service import stations
from service.desk import MIN_REASON, Desk

TIME_FORMAT = "%Y-%m-%d %H:%M"
KINDS = {"kiosk": QT_TRANSLATE_NOOP("StationsPage", "登记机"),
         "console": QT_TRANSLATE_NOOP("StationsPage", "工作台"),
         "admin": QT_TRANSLATE_NOOP("StationsPage", "命令行")}


class StationsPage(Page):
    key = "stations"
    permission = "stations.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.zone: Any = None
        self.chosen: stations.StationInfo | None = None
        intro = QLabel(self.tr("每台登记机和工作台以其站点名写入日志。停用的站点（电脑更换、丢失或调走）此后的写入一律被拒绝。"))
        intro.setWordWrap(True)
        self.layout_.addWidget(intro)
        self.model = PagedTableModel(ctx, [
            Column(self.tr("站点名"), lambda r: r.name + (self.tr("（本机）") if r.name == ctx.store.station else "")),
            Column(self.tr("类型"), lambda r: QCoreApplication.translate("StationsPage", str(KINDS.get(r.kind, r.kind)))),
            Column(self.tr("电脑"), lambda r: r.host),
            Column(self.tr("首次启动"), lambda r: self._local(r.first_seen)),
            Column(self.tr("最近启动"), lambda r: self._local(r.last_seen)),
            Column(self.tr("最近写入"), lambda r: self._local(r.last_write)),
            Column(self.tr("状态"), self._status)])
        self.view = table_view(self.model, "stations_table")
        self.view.setMinimumHeight(150)
        self.view.selectionModel().selectionChanged.connect(self._chosen)
        self.layout_.addWidget(self.view, 1)
        lower = QHBoxLayout()
        lower.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(16)
        self.retires = self.desk.can("stations.retire")
        if self.retires:
            left.addWidget(self._build_retire(), 1)
        self.diagnostics = DiagnosticsPanel(self)  # for a support call: whoever may see the stations
        left.addWidget(self.diagnostics)
        lower.addLayout(left, 1)
        right = QVBoxLayout()  # each card its own height, beside the left column
        right.setSpacing(16)
        if self.desk.can("keys.export"):
            self.export = KeyExportPanel(self)
            right.addWidget(self.export)
        self.trust = PhoneTrustPanel(self)  # the CA is public: whoever sees the page may show it to a phone
        right.addWidget(self.trust)
        right.addStretch(1)
        lower.addLayout(right, 2)
        self.layout_.addLayout(lower)

    def title(self) -> str:
        return self.tr("站点")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    def _local(self, at: Any) -> str:
        if at is None:
            return ""
        return (at.astimezone(self.zone) if self.zone is not None else at).strftime(TIME_FORMAT)

    def _status(self, row: stations.StationInfo) -> str:
        if not row.retired:
            return self.tr("在用")
        return self.tr("已停用（%1 于 %2：%3）").replace("%1", row.retired_by or "").replace(
            "%2", self._local(row.retired_at)).replace("%3", row.reason or "")

    # ------------------------------------------------------------ retiring
    def _build_retire(self) -> QFrame:
        card = QFrame()
        card.setObjectName("stations_retire")
        card.setProperty("role", "card")
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        title = QLabel(self.tr("停用站点"))
        title.setObjectName("subtitle")
        column.addWidget(title)
        self.chosen_label = QLabel(self.tr("请在上表中选择要停用的站点"))
        self.chosen_label.setObjectName("stations_chosen")
        self.chosen_label.setWordWrap(True)
        column.addWidget(self.chosen_label)
        self.reason = QLineEdit()
        self.reason.setObjectName("stations_reason")
        self.reason.setMinimumHeight(48)
        self.reason.setPlaceholderText(self.tr("停用原因，如：电脑更换、丢失"))
        column.addWidget(self.reason)
        self.problem = QLabel()
        self.problem.setObjectName("stations_problem")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        column.addWidget(self.problem)
        self.retire_button = button(self.tr("停用站点"), "stations_retire_button", "danger", self.ask)
        self.confirm_button = button(self.tr("确认停用"), "stations_retire_confirm", "danger", self.retire)
        self.confirm_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.retire_button)
        row.addWidget(self.confirm_button)
        row.addStretch(1)
        column.addLayout(row)
        column.addStretch(1)
        self._enable()
        return card

    def _chosen(self, *_args: Any) -> None:
        rows = self.view.selectionModel().selectedRows()
        self.chosen = self.model.row_at(rows[0].row()) if rows else None
        if self.retires:
            self.chosen_label.setText(self.tr("所选站点：%1").replace("%1", self.chosen.name) if self.chosen
                                      else self.tr("请在上表中选择要停用的站点"))
            self.problem.clear()
            self.confirm_button.hide()
            self._enable()

    def _enable(self) -> None:
        self.retire_button.setEnabled(self.chosen is not None and not self.chosen.retired)

    def choose(self, name: str) -> None:
        """Selects station `name` in the table (tests and the tour)."""
        for row, info in enumerate(self.model.rows):
            if info.name == name:
                self.view.selectRow(row)
                return
        raise LookupError(name)

    def ask(self) -> None:
        if self.chosen is None:
            return
        if len(self.reason.text().strip()) < MIN_REASON:
            self.problem.setText(self.tr("请写明停用原因（至少 %1 个字）").replace("%1", str(MIN_REASON)))
            return
        self.problem.setText(self.tr("停用后 %1 的写入一律被拒绝，且不能恢复。确定吗？").replace("%1", self.chosen.name))
        self.confirm_button.show()

    def retire(self) -> None:
        if self.chosen is None:
            return
        name, reason = self.chosen.name, self.reason.text()
        self.confirm_button.setEnabled(False)
        self.ctx.run(stations.retire, self.desk, name, reason,
                     on_done=lambda _seq: self._retired(name), on_error=self._refused)

    def _retired(self, name: str) -> None:
        self.confirm_button.setEnabled(True)
        self.confirm_button.hide()
        self.reason.clear()
        self.problem.clear()
        self.ctx.message.emit(self.tr("已停用站点 %1").replace("%1", name), "success")
        self.refresh()

    def _refused(self, error: BaseException) -> None:
        self.confirm_button.setEnabled(True)
        self.confirm_button.hide()
        self.problem.setText(str(error))

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store
        self.ctx.run(lambda: store.rules_at().timezone, on_done=self._loaded)
        self.trust.refresh()

    def _loaded(self, zone: Any) -> None:
        self.zone = zone
        desk = self.desk
        self.model.load(lambda offset, limit: stations.list_stations(desk)[offset:offset + limit])
        self._chosen()  # the reload cleared the selection

    def tour(self, snap: Snap) -> None:
        snap(self.key)
        if self.desk.can("keys.export"):
            self.export.export()
            snap("stations_key_export")
            self.export.wipe()
