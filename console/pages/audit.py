"""审计: verify the journal (the hash chain against every kept signed checkpoint, then snapshots and
projections against a replay) with a progress bar and a cancel; for an administrator, export a signed
checkpoint to a chosen file and back the database up now; and two lists: every full-number reveal
(who, when, which customer, masked, and the reason) and every case decided against the engine's
recommendation (who, when, and the written reason); and the appeal lookups paused after too many misses
(who, when, until when: service/appeal_guard.py).

Verification, export and backup run off the GUI thread through one ProgressPanel: the window keeps
answering while a million entries are checked, and 取消 stops the work between two steps.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QWidget,
)

from console.context import ConsoleContext
from console.long_task import ProgressPanel
from console.pages.base import Page, Snap
from console.widgets import Column, PagedTableModel, button, table_view
from console.words import actor_text
from db.config import data_dir
from operations import audit_desk
from service.queries import audit as queries

TIME_FORMAT = "%Y-%m-%d %H:%M"


def fitted_view(model: PagedTableModel, name: str) -> QTableView:
    """table_view, whose columns fit their contents again after each page arrives: a reload on a shown
    view (a reset, then rows) otherwise keeps the widths of the empty table."""
    view = table_view(model, name)
    model.loaded.connect(lambda: view.horizontalHeader().resizeSections())
    return view


class AuditPage(Page):
    key = "audit"
    permission = "audit.view"

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.zone: Any = None
        self.last_check: audit_desk.SiteCheck | None = None
        self.layout_.addWidget(self._build_actions())
        self.progress = ProgressPanel(ctx, "audit_progress")
        self.progress.finished.connect(lambda _ok: self._enable(True))
        self.layout_.addWidget(self.progress)
        self.result = QLabel()
        self.result.setObjectName("audit_result")
        self.result.setWordWrap(True)
        self.result.hide()
        self.layout_.addWidget(self.result)

        self.reveals = PagedTableModel(ctx, [
            Column(self.tr("时间"), lambda r: self._local(r.at)),
            Column(self.tr("查看人"), lambda r: actor_text(r.actor)),
            Column(self.tr("客户"), lambda r: r.customer),
            Column(self.tr("流水号"), lambda r: r.seq, align_right=True),
            Column(self.tr("原因"), lambda r: r.reason)])
        self.overrides = PagedTableModel(ctx, [
            Column(self.tr("裁决时间"), lambda r: self._local(r.decided_at)),
            Column(self.tr("案件"), lambda r: f"#{r.case_id}"),
            Column(self.tr("客户"), lambda r: r.customer),
            Column(self.tr("建议裁决"), lambda r: r.recommended),
            Column(self.tr("实际裁决"), lambda r: r.verdict),
            Column(self.tr("裁决人"), lambda r: r.decided_by),
            Column(self.tr("理由"), lambda r: r.reason)])
        self.pauses = PagedTableModel(ctx, [
            Column(self.tr("时间"), lambda r: self._local(r.at)),
            Column(self.tr("用户"), lambda r: actor_text(r.actor)),
            Column(self.tr("未找到可申诉客户的次数"), lambda r: r.misses, align_right=True),
            Column(self.tr("暂停至"), lambda r: self._local(r.until)),
            Column(self.tr("流水号"), lambda r: r.seq, align_right=True)])
        self.tabs = QTabWidget()
        self.tabs.setObjectName("audit_tabs")
        self.tabs.addTab(fitted_view(self.reveals, "audit_reveals"), self.tr("完整号码查看记录"))
        self.tabs.addTab(fitted_view(self.overrides, "audit_overrides"), self.tr("推翻建议的裁决"))
        self.tabs.addTab(fitted_view(self.pauses, "audit_lookup_pauses"), self.tr("申诉号码查询暂停"))
        self.layout_.addWidget(self.tabs, 1)

    def title(self) -> str:
        return self.tr("审计")

    def _can(self, permission: str) -> bool:
        return self.ctx.desk is not None and self.ctx.desk.can(permission)

    # ------------------------------------------------------------ building
    def _build_actions(self) -> QFrame:
        card = QFrame()
        card.setObjectName("audit_actions")
        card.setProperty("role", "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(12)
        self.buttons: list[QPushButton] = []
        self.verify_button = button(self.tr("校验日志"), "audit_verify", "primary", self.verify)
        self._row(grid, 0, self.tr("核对哈希链与已保存的签名检查点，再以日志重放核对引擎快照与各视图"),
                  None, self.verify_button)
        self.checkpoint_path = QLineEdit(str(data_dir() / "checkpoints"))
        self.checkpoint_path.setObjectName("audit_checkpoint_path")
        self.checkpoint_button = button(self.tr("导出签名检查点"), "audit_checkpoint", "secondary",
                                        self.export_checkpoint)
        if self._can("audit.checkpoint"):
            self._row(grid, 1, self.tr("检查点保存到"), self.checkpoint_path, self.checkpoint_button,
                      self._choose_checkpoint_file)
        self.backup_folder = QLineEdit(str(data_dir() / "backups"))
        self.backup_folder.setObjectName("audit_backup_folder")
        self.backup_button = button(self.tr("立即备份"), "audit_backup", "secondary", self.backup)
        if self._can("audit.backup"):
            self._row(grid, 2, self.tr("备份到文件夹"), self.backup_folder, self.backup_button,
                      self._choose_backup_folder)
        grid.setColumnStretch(1, 1)
        self.verify_button.setVisible(self._can("audit.verify"))
        return card

    def _row(self, grid: QGridLayout, row: int, text: str, field: QLineEdit | None, action: QPushButton,
             choose: Any = None) -> None:
        label = QLabel(text)
        label.setWordWrap(True)
        if field is None:
            grid.addWidget(label, row, 0, 1, 3)
        else:
            grid.addWidget(label, row, 0)
            grid.addWidget(field, row, 1)
            field.setMinimumHeight(40)
            grid.addWidget(button(self.tr("选择…"), f"{action.objectName()}_choose", "secondary", choose), row, 2)
        grid.addWidget(action, row, 3)
        self.buttons.append(action)

    def _choose_checkpoint_file(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("保存签名检查点"), self.checkpoint_path.text(),
                                                    self.tr("检查点 (*.json)"))
        if path:
            self.checkpoint_path.setText(path)

    def _choose_backup_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("选择备份文件夹"), self.backup_folder.text())
        if path:
            self.backup_folder.setText(path)

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store
        self.ctx.run(lambda: store.rules_at().timezone, on_done=self._loaded)

    def _loaded(self, zone: Any) -> None:
        self.zone = zone
        store = self.ctx.store
        self.reveals.load(lambda offset, limit: queries.reveals(store, offset, limit))
        self.overrides.load(lambda offset, limit: queries.overrides(store, offset, limit))
        self.pauses.load(lambda offset, limit: queries.lookup_pauses(store, offset, limit))

    def _local(self, at: Any) -> str:
        if at is None:
            return ""
        return (at.astimezone(self.zone) if self.zone is not None else at).strftime(TIME_FORMAT)

    # ------------------------------------------------------------ long work
    def _enable(self, enabled: bool) -> None:
        for action in self.buttons:
            action.setEnabled(enabled)

    def _start(self, fn: Any, *args: Any, on_done: Any) -> None:
        self._enable(False)
        self.result.hide()
        self.progress.start(fn, *args, on_done=on_done, on_error=self._failed)

    def verify(self) -> None:
        desk = self.ctx.desk
        assert desk is not None
        self._start(lambda progress: audit_desk.check_site_apart(desk, progress), on_done=self._verified)

    def _verified(self, check: audit_desk.SiteCheck) -> None:
        self.last_check = check
        chain = check.chain
        if not chain.ok:
            self._show(self.tr("校验失败：") + chain.message, "error")
        elif check.derived is not None and not check.derived.ok:
            self._show(self.tr("日志完整，但以下数据与日志重放不符：") + "；".join(check.derived.differences[:5]), "error")
        else:
            text = self.tr("校验通过：日志完整，共 %1 条；引擎快照与各视图与日志重放一致。").replace(
                "%1", f"{chain.entries_checked:,}")
            if check.checkpoints:
                text += self.tr("%1 个签名检查点相符。").replace("%1", str(chain.checkpoints_held))
            else:
                text += self.tr("尚无已保存的签名检查点：整体改写的日志只有对照检查点才能发现，请定期导出并另行保存。")
            self._show(text, "success")

    def export_checkpoint(self) -> None:
        desk, target = self.ctx.desk, self.checkpoint_path.text().strip()
        assert desk is not None
        self._start(lambda progress: audit_desk.export_checkpoint(desk, target or None, progress),
                    on_done=self._exported)

    def _exported(self, result: Any) -> None:
        path, checkpoint = result
        self._show(self.tr("已导出签名检查点：第 %1 条，保存于 %2。请另行保存在数据库之外（打印或拷贝）").replace(
            "%1", str(checkpoint.seq)).replace("%2", str(path)), "success")

    def backup(self) -> None:
        desk, folder = self.ctx.desk, self.backup_folder.text().strip()
        assert desk is not None
        self._start(lambda progress: audit_desk.backup_now(desk, folder or None, progress), on_done=self._backed_up)

    def _backed_up(self, done: audit_desk.BackupDone) -> None:
        text = self.tr("已备份到 %1（%2 字节）。密钥不在备份中，请另行离线保存数据目录中的密钥文件").replace(
            "%1", str(done.path)).replace("%2", f"{done.size:,}")
        if done.journal is not None and not done.journal.ok:
            self._show(text + "\n" + self.tr("备份中的日志校验失败：") + done.journal.message, "error")
        else:
            self._show(text, "success")

    def _failed(self, error: BaseException) -> None:
        self._show(str(error), "error")

    def _show(self, text: str, kind: str) -> None:
        self.result.setText(text)
        self.result.setProperty("role", kind)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.result.show()

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        self._tour_reveal()
        snap("audit_verified")

    def _tour_reveal(self) -> None:
        """The demo week has no reveal: the tour's manager reveals one number, with a reason, as a manager
        checking a caller's identity would, so the list shows what a reveal leaves behind; then the
        journal is verified."""
        desk = self.ctx.desk
        if desk is None or not desk.can("customers.reveal"):
            self.verify()
            return
        reason = self.tr("客户来电要求核对登记号码")

        def reveal_first() -> None:
            with desk.store._lock:  # the engine cache is read under the store's lock
                site = desk.store.site()
                first = min((cid for cid, c in site.customers.items() if c.merged_into is None), default=None)
            if first is not None:
                desk.reveal(first, reason)

        def revealed(_none: None) -> None:
            self.refresh()
            self.verify()

        self.ctx.run(reveal_first, on_done=revealed)
