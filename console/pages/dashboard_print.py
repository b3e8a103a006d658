"""导出PDF / 导出Excel / 打印 for the console's reports (日报, 周报, 月报, 渠道佣金凭证, 判客裁决书): the
document is made and written on a worker (reports/desk_reports.py checks the role), the file name comes
from a save dialog, and printing goes through the system's print dialog (QtPrintSupport) and then
ui/printing.py, which lays the very pages of the PDF on the printer.

`path=` / `printer=` skip the dialogs (tests, or a caller that already has them)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from console.context import ConsoleContext
from console.private_files import print_private, write_private
from reports import desk_reports
from reports.document import Document
from service.desk import Desk
from ui.printing import print_pdf

MakeDocument = Callable[[Desk], Document]  # runs on a worker


def _write(desk: Desk, make: MakeDocument, path: Path, fmt: str) -> Path:
    document = make(desk)  # made (and the role checked) before the file exists
    write_private(path, lambda target: desk_reports.export(desk, document, target, fmt))
    return path


def _print(desk: Desk, make: MakeDocument, printer: QPrinter) -> int:
    buffer = io.BytesIO()
    desk_reports.export(desk, make(desk), buffer, "pdf")
    return print_private(printer, lambda: print_pdf(buffer.getvalue(), printer))


class ReportOutput(QObject):
    def __init__(self, ctx: ConsoleContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.widget = parent
        self.done: Callable[[], None] | None = None  # called when a job ends, either way (tests, the tour)

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "reports are made for a logged-in user"
        return self.ctx.desk

    def export(self, make: MakeDocument, fmt: str, name: str, path: str | Path | None = None) -> None:
        """Writes the document as `fmt` (pdf | xlsx) to `path`, asked for when not given."""
        if path is None:
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            title = self.tr("导出PDF") if fmt == "pdf" else self.tr("导出Excel")
            kinds = self.tr("PDF 文件 (*.pdf)") if fmt == "pdf" else self.tr("Excel 工作簿 (*.xlsx)")
            chosen, _filter = QFileDialog.getSaveFileName(self.widget, title, str(Path(folder) / f"{name}.{fmt}"),
                                                          kinds)
            if not chosen:
                return
            path = chosen
        target = Path(path)
        if target.suffix.lower() != f".{fmt}":
            target = target.with_name(f"{target.name}.{fmt}")
        self.ctx.message.emit(self.tr("正在生成 %1…").replace("%1", target.name), "hint")
        self.ctx.run(_write, self.desk, make, target, fmt, on_done=self._written, on_error=self._failed)

    def print(self, make: MakeDocument, printer: QPrinter | None = None) -> None:
        """Prints the document; the print dialog chooses the printer, copies and pages."""
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            dialog = QPrintDialog(printer, self.widget)
            dialog.setWindowTitle(self.tr("打印"))
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
        self.ctx.message.emit(self.tr("正在打印…"), "hint")
        self.ctx.run(_print, self.desk, make, printer, on_done=self._printed, on_error=self._failed)

    def _written(self, path: Path) -> None:
        self.ctx.message.emit(self.tr("已导出：%1").replace("%1", str(path)), "success")
        self._end()

    def _printed(self, pages: int) -> None:
        self.ctx.message.emit(self.tr("已发送到打印机：%n 页", "", pages), "success")
        self._end()

    def _failed(self, error: BaseException) -> None:
        self.ctx.message.emit(self.tr("未能生成报表：%1").replace("%1", str(error)), "error")
        self._end()

    def _end(self) -> None:
        if self.done is not None:
            self.done()
