"""Printing a PDF the program made (reportlab) on a QPrinter: the pages the printer dialog chose, each
rendered by PDFium (pypdfium2) at the printer's resolution (capped) and laid on the whole sheet, so the
paper shows exactly the exported PDF. Qt Essentials has no PDF renderer (QtPdf is an add-on), and
drawing the report again with QPainter would be a second layout to keep in step.

`print_pdf` may run on a worker thread: Qt allows a QPainter on a QPrinter outside the GUI thread, and
one page's image is held at a time. The printer must not be touched elsewhere meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrinter

MAX_DPI = 300  # enough for text on paper; an A4 page is then 2480 × 3508 pixels
POINTS_PER_INCH = 72


class PrintError(RuntimeError):
    """The printer could not start or finish the job (offline, no permission, a full disk for a file)."""


def _pages(printer: QPrinter, count: int) -> range:
    """The dialog's page range (1-based, 0 for all) within the document."""
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0 or last <= 0:
        return range(count)
    return range(min(first, count) - 1, min(last, count))


def print_pdf(pdf: bytes, printer: QPrinter, max_dpi: int = MAX_DPI) -> int:
    """Prints the PDF's pages on `printer`; returns how many. The orientation follows the document's
    first page (a landscape commission statement prints landscape)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        pages = _pages(printer, len(document))
        if not pages:
            return 0
        width, height = document[pages[0]].get_size()
        printer.setPageOrientation(QPageLayout.Orientation.Landscape if width > height
                                   else QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)  # the PDF carries its own margins
        dpi = min(printer.resolution(), max_dpi)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintError("无法开始打印 / the printer did not start the job")
        try:
            for n, index in enumerate(pages):
                if n and not printer.newPage():
                    raise PrintError("打印机无法换页 / the printer refused a new page")
                image = _render(document[index], dpi)
                painter.drawImage(_fit(printer, QSizeF(image.width(), image.height())), image)
        finally:
            painter.end()
        return len(pages)
    finally:
        document.close()


def page_image(pdf: bytes, index: int = 0, dpi: int = 96) -> QImage:
    """One page of the PDF as an image, as it would be printed (the self-test's check of PDFium)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return _render(document[index], dpi)
    finally:
        document.close()


def _render(page: object, dpi: int) -> QImage:
    bitmap = page.render(scale=dpi / POINTS_PER_INCH, rev_byteorder=True)  # type: ignore[attr-defined]
    try:
        pixels = bitmap.to_numpy()
        height, width = pixels.shape[:2]
        channels = pixels.shape[2] if pixels.ndim == 3 else 1
        formats = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBX8888,
                   1: QImage.Format.Format_Grayscale8}
        image = QImage(pixels.tobytes(), width, height, width * channels, formats[channels])
        return image.copy()  # owns its pixels once the bitmap is closed
    finally:
        bitmap.close()


def _fit(printer: QPrinter, size: QSizeF) -> QRectF:
    """The sheet's rectangle (device pixels) the page image fills, keeping its proportions, centred."""
    sheet = printer.paperRect(QPrinter.Unit.DevicePixel)
    scale = min(sheet.width() / size.width(), sheet.height() / size.height())
    width, height = size.width() * scale, size.height() * scale
    return QRectF(sheet.x() + (sheet.width() - width) / 2, sheet.y() + (sheet.height() - height) / 2, width, height)
