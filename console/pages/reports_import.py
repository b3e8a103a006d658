"""The 报备 page's Excel import: choose a sheet, see every row with its row number and the bad ones with
their reason (checked by operations/report_sheet.py, as `anchang import-reports` checks them), then record
the good rows off the GUI thread with a progress bar and 取消. A cancelled import keeps what it recorded;
导入 again records the rest. Also the template sheet (operations/report_template.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.context import ConsoleContext
from console.long_task import ProgressPanel
from console.pages.report_words import report_outcome
from console.private_files import write_private
from console.widgets import Column, button, table_view
from operations.report_sheet import (
    PreviewRow,
    Recorded,
    Rejected,
    SheetCheck,
    SheetRow,
    check_sheet,
    gap_text,
    import_rows,
    tolerance,
)
from operations.report_template import write_template
from service.store import Store

Index = QModelIndex | QPersistentModelIndex
BAD_ROW = QColor("#B3261E")


def check_file(store: Store, path: Path) -> tuple[SheetCheck, timedelta]:
    return check_sheet(store, path), tolerance(None)


class PreviewModel(QAbstractTableModel):
    """The sheet's rows (all in memory: a sheet is thousands of rows, not a database); bad rows in red."""

    def __init__(self, columns: list[Column]) -> None:
        super().__init__()
        self.columns = columns
        self.rows: list[PreviewRow] = []

    def set_rows(self, rows: list[PreviewRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def changed(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.columns[index.column()].value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole and row.problem is not None:
            return BAD_ROW
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[index.column()].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return None


class ReportImport(QWidget):
    def __init__(self, ctx: ConsoleContext, on_imported: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("report_import")
        self.ctx = ctx
        self.on_imported = on_imported
        self.check: SheetCheck | None = None
        self.allowed = timedelta(0)
        self.recorded: list[Recorded] = []
        self.refused: list[Rejected] = []
        self.by_number: dict[int, Recorded] = {}  # what the last import made of each row, by row number
        self.refused_by_number: dict[int, str] = {}
        self.all_rows: list[PreviewRow] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 16, 16, 16)
        column.setSpacing(10)
        bar = QHBoxLayout()
        bar.addWidget(button(self.tr("选择 Excel 文件…"), "import_choose", "secondary", self.choose_file))
        bar.addWidget(button(self.tr("下载模板…"), "import_template", "link", self.choose_template_target))
        bar.addStretch(1)
        self.only_bad = QCheckBox(self.tr("只看有问题的行"))
        self.only_bad.setObjectName("import_only_bad")
        self.only_bad.toggled.connect(self._show_rows)
        bar.addWidget(self.only_bad)
        self.import_button = button(self.tr("导入"), "import_start", "primary", self.start_import)
        self.import_button.setEnabled(False)
        bar.addWidget(self.import_button)
        column.addLayout(bar)
        self.summary = QLabel(self.tr("选择渠道的报备表（.xlsx），导入前逐行检查，有问题的行列出行号和原因，不会导入。"))
        self.summary.setObjectName("import_summary")
        self.summary.setProperty("role", "hint")
        self.summary.setWordWrap(True)
        column.addWidget(self.summary)
        self.progress = ProgressPanel(ctx, "import_progress")
        self.progress.finished.connect(self._finished)
        column.addWidget(self.progress)
        zone_time = self._local_time
        self.model = PreviewModel([
            Column(self.tr("行号"), lambda r: r.number, align_right=True),
            Column(self.tr("渠道"), lambda r: r.channel), Column(self.tr("经纪人"), lambda r: r.agent),
            Column(self.tr("客户电话"), lambda r: r.phone_shown), Column(self.tr("客户"), lambda r: r.name_shown),
            Column(self.tr("渠道申报时间"), lambda r: zone_time(r.stated_at)),
            Column(self.tr("检查结果"), self._row_result)])
        self.table = table_view(self.model, "import_table")
        column.addWidget(self.table, 1)

    def _local_time(self, moment: Any) -> str:
        return "" if moment is None else moment.astimezone(self.ctx.zone).strftime("%Y-%m-%d %H:%M")

    # ------------------------------------------------------------ choosing and checking
    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("选择报备表"), "", self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Reads and checks `path` on a worker; the preview shows every row."""
        self.import_button.setEnabled(False)
        self.summary.setText(self.tr("正在检查 %1 …").replace("%1", path.name))
        self._set_role(self.summary, "hint")
        self.ctx.run(check_file, self.ctx.store, path, on_done=self._checked, on_error=self._unreadable)

    def _checked(self, found: tuple[SheetCheck, timedelta]) -> None:
        self.check, self.allowed = found
        self.recorded, self.refused = [], []
        self.by_number, self.refused_by_number = {}, {}
        self.all_rows = self.check.preview()
        self._show_rows()
        self._update_summary()

    def _unreadable(self, error: BaseException) -> None:
        self.check = None
        self.all_rows = []
        self._show_rows()
        self.summary.setText(str(error))
        self._set_role(self.summary, "error")

    def _show_rows(self) -> None:
        rows = [r for r in self.all_rows if r.problem is not None] if self.only_bad.isChecked() else self.all_rows
        self.model.set_rows(rows)

    def _row_result(self, row: PreviewRow) -> str:
        if row.problem is not None:
            return self.tr("有问题：%1").replace("%1", row.problem)
        done = self.by_number.get(row.number)
        if done is not None:
            text = self.tr("已导入：%1").replace("%1", report_outcome(done.status, done.reason))
            if done.gap is not None:
                text += self.tr("（申报时间与入系统时间相差 %1，超过容差）").replace("%1", gap_text(done.gap))
            return text
        refused = self.refused_by_number.get(row.number)
        return self.tr("未导入：%1").replace("%1", refused) if refused else self.tr("可导入")

    def remaining(self) -> list[SheetRow]:
        """The good rows not yet recorded (all of them before an import; the rest after a cancel)."""
        if self.check is None:
            return []
        done = {r.number for r in self.recorded} | {r.number for r in self.refused}
        return [row for row in self.check.ordered() if row.number not in done]

    def _update_summary(self) -> None:
        check = self.check
        if check is None:
            return
        left = len(self.remaining())
        text = self.tr("工作表“%1”：共 %2 行，可导入 %3 行，有问题 %4 行（不会导入）。").replace("%1", check.title) \
            .replace("%2", str(len(check.rows))).replace("%3", str(len(check.good))).replace("%4", str(len(check.rejected)))
        if self.recorded or self.refused:
            pending = sum(1 for r in self.recorded if r.status == "pending")
            text += self.tr(" 已导入 %1 条（待到访 %2，无效 %3），未导入 %4 条。").replace("%1", str(len(self.recorded))) \
                .replace("%2", str(pending)).replace("%3", str(len(self.recorded) - pending)).replace("%4", str(left))
        self.summary.setText(text)
        self._set_role(self.summary, "warning" if check.rejected or self.refused else "hint")
        self.import_button.setText(self.tr("导入 %1 行").replace("%1", str(left)) if not self.recorded
                                   else self.tr("导入其余 %1 行").replace("%1", str(left)))
        can_enter = self.ctx.desk is not None and self.ctx.desk.can("reports.enter")
        self.import_button.setEnabled(bool(left) and can_enter and not self.progress.running)

    # ------------------------------------------------------------ importing
    def start_import(self) -> None:
        rows = self.remaining()
        desk = self.ctx.desk
        if not rows or desk is None:
            return
        self.import_button.setEnabled(False)
        recorded, refused, allowed = self.recorded, self.refused, self.allowed
        self.progress.start(lambda progress: import_rows(desk, rows, allowed, progress, recorded, refused))

    def _finished(self, _completed: bool) -> None:
        self.by_number = {r.number: r for r in self.recorded}
        self.refused_by_number = {r.number: r.reason for r in self.refused}
        self.model.changed()
        self._update_summary()
        self.on_imported()

    # ------------------------------------------------------------ the template
    def choose_template_target(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("保存报备导入模板"), self.tr("报备导入模板.xlsx"),
                                                    self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.save_template(Path(path))

    def save_template(self, path: Path) -> None:
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")

        def saved(target: Path) -> None:
            self.ctx.message.emit(self.tr("模板已保存：%1").replace("%1", str(target)), "success")

        store = self.ctx.store
        self.ctx.run(write_private, path, lambda target: write_template(store, target), on_done=saved)

    @staticmethod
    def _set_role(label: QLabel, role: str) -> None:
        label.setProperty("role", role)
        label.style().unpolish(label)
        label.style().polish(label)
