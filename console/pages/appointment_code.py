"""The 预约 page's code card: an appointment's signed QR code (vision.qr, made on a worker), saved as a
PNG to send to the visitor or printed on a slip (a printer through QPrintDialog; without a printer, a
PDF). The slip shows what the visitor needs at the entrance, the number only masked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.private_files import print_private, write_private_bytes
from console.widgets import button
from service.queries.appointments import AppointmentRow

QR_SIZE = 176  # px on screen
PRINT_QR_MM = 60  # the printed code: large enough for a kiosk camera at arm's length


def code_picture(text: str) -> bytes:
    """Worker: the QR code as PNG bytes (segno), large enough to print sharply."""
    from vision.qr import qr_png

    return qr_png(text, scale=12, border=4)


class AppointmentCodeCard(QFrame):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("appointments_code_card")
        self.setProperty("role", "card")
        self.row: AppointmentRow | None = None
        self.png = b""
        self.code_text = ""  # the signed QR text on show
        line = QHBoxLayout(self)
        line.setContentsMargins(16, 12, 16, 12)
        line.setSpacing(16)
        self.picture = QLabel()
        self.picture.setObjectName("appointments_qr")
        self.picture.setFixedSize(QR_SIZE, QR_SIZE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        line.addWidget(self.picture)
        column = QVBoxLayout()
        self.caption = QLabel(self.tr("请选择一条预约，或新建预约"))
        self.caption.setObjectName("appointments_code_caption")
        self.caption.setWordWrap(True)
        column.addWidget(self.caption, 1)
        hint = QLabel(self.tr("把二维码发给来访人，到访时对准入口登记屏即可"))
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        column.addWidget(hint)
        buttons = QHBoxLayout()
        self.save_button = button(self.tr("保存图片"), "appointments_save", "secondary", self._save_clicked)
        self.print_button = button(self.tr("打印"), "appointments_print", "secondary", self._print_clicked)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        line.addLayout(column, 1)
        self.clear()

    # ------------------------------------------------------------ showing
    def clear(self) -> None:
        self.row, self.png, self.code_text = None, b"", ""
        self.picture.clear()
        self.caption.setText(self.tr("请选择一条预约，或新建预约"))
        self._enable(False)

    def show_code(self, row: AppointmentRow, text: str, png: bytes) -> None:
        self.row, self.code_text, self.png = row, text, png
        pixmap = QPixmap()
        pixmap.loadFromData(png, "PNG")
        self.picture.setPixmap(pixmap.scaled(QR_SIZE, QR_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        self.caption.setText("\n".join(self.slip_lines(row)))
        self._enable(True)

    def show_closed(self, row: AppointmentRow, status: str) -> None:
        """An appointment that can no longer be used: no code to hand out."""
        self.row, self.png, self.code_text = row, b"", ""
        self.picture.clear()
        self.caption.setText("\n".join([*self.slip_lines(row)[:2], status]))
        self._enable(False)

    def slip_lines(self, row: AppointmentRow) -> list[str]:
        who = " ".join(part for part in (row.surname, row.phone_masked) if part)
        when = f"{row.starts_at:%Y-%m-%d} {row.starts_at:%H:%M}-{row.ends_at:%H:%M}"
        lines = [who, when]
        if row.consultant:
            lines.append(self.tr("置业顾问 %1").replace("%1", row.consultant))
        return lines

    def _enable(self, enabled: bool) -> None:
        self.save_button.setEnabled(enabled)
        self.print_button.setEnabled(enabled)

    # ------------------------------------------------------------ save and print
    def _file_name(self, suffix: str) -> str:
        row = self.row
        return f"预约-{row.starts_at:%Y%m%d-%H%M}-{row.surname or row.code}.{suffix}" if row else f"预约.{suffix}"

    def _save_clicked(self) -> None:
        self.save()

    def _print_clicked(self) -> None:
        self.print_slip()

    def save(self, path: str | Path | None = None) -> Path | None:
        """The PNG; without a path the save dialog asks where."""
        if not self.png:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("保存预约二维码"), self._file_name("png"),
                                                    self.tr("PNG 图片 (*.png)"))
            if not chosen:
                return None
            path = chosen
        target = write_private_bytes(path, self.png)
        self.ctx.message.emit(self.tr("二维码已保存：%1").replace("%1", str(target)), "success")
        return target

    def print_slip(self, pdf_path: str | Path | None = None) -> Path | None:
        """To a printer chosen in the print dialog; with no printer (or `pdf_path`), to a PDF file."""
        if not self.png or self.row is None:
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if pdf_path is None and QPrinterInfo.availablePrinters():
            dialog = QPrintDialog(printer, self)
            if dialog.exec() != QPrintDialog.DialogCode.Accepted:
                return None
            print_private(printer, lambda: self._paint(printer))
            self.ctx.message.emit(self.tr("已发送到打印机"), "success")
            return None
        if pdf_path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("未找到打印机，保存为 PDF"),
                                                    self._file_name("pdf"), self.tr("PDF 文件 (*.pdf)"))
            if not chosen:
                return None
            pdf_path = chosen
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(pdf_path))
        print_private(printer, lambda: self._paint(printer))  # the PDF is written as painting ends
        self.ctx.message.emit(self.tr("预约单已保存为 PDF：%1").replace("%1", str(pdf_path)), "success")
        return Path(pdf_path)

    def _paint(self, printer: QPrinter) -> None:
        """One slip at the top of the page: title, the code, who and when, how to use it."""
        assert self.row is not None
        page = printer.pageRect(QPrinter.Unit.DevicePixel)
        dots_per_mm = printer.resolution() / 25.4
        painter = QPainter(printer)
        try:
            font = QFont(self.font())
            y = page.top()
            for text, size, bold in ((self.tr("预约到访凭证"), 18, True), *((line, 12, False) for line in
                                     self.slip_lines(self.row))):
                font.setPointSize(size)
                font.setBold(bold)
                painter.setFont(font)
                height = painter.fontMetrics().height() * 1.4
                painter.drawText(QRectF(page.left(), y, page.width(), height), Qt.AlignmentFlag.AlignHCenter, text)
                y += height
            side = PRINT_QR_MM * dots_per_mm
            image = QImage.fromData(self.png)
            painter.drawImage(QRectF(page.left() + (page.width() - side) / 2, y + 4 * dots_per_mm, side, side), image)
            y += side + 8 * dots_per_mm
            font.setPointSize(11)
            font.setBold(False)
            painter.setFont(font)
            painter.drawText(QRectF(page.left(), y, page.width(), painter.fontMetrics().height() * 2),
                             Qt.AlignmentFlag.AlignHCenter,
                             self.tr("到访时请将二维码对准案场入口的登记屏"))
        finally:
            painter.end()
