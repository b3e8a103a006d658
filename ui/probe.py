"""The automation probe: what a program's windows show, written to a file for end-to-end tests.

With `ANCHANG_UI_PROBE=FILE` in the environment, every program (kiosk, console, big screen) writes,
several times a second, a JSON description of its visible windows: each visible widget that has an
objectName, with its class, its place on the X screen, its text and whether it is enabled or checked, and
which page each stacked widget shows. The end-to-end tests (tests/e2e/) read it to know where a button is
and what a screen says, and then act through the window system (xdotool), as a person does: the probe
only reports, it never acts. Without the variable nothing is installed.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
)

log = logging.getLogger(__name__)
ENV = "ANCHANG_UI_PROBE"
INTERVAL_MS = 100  # ANCHANG_UI_PROBE_MS to change it (a benchmark reads more often)


def _text(widget: QWidget) -> str | None:
    if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
        return widget.text()
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return None


def _rows(widget: QAbstractItemView) -> tuple[list[list[str]], list[list[int]]]:
    """The first 200 rows' texts, and where each row's first cell is on the screen (x, y, w, h)."""
    model = widget.model()
    if model is None:
        return [], []
    root = QModelIndex()
    rows = min(model.rowCount(root), 200)
    try:
        columns = model.columnCount(root)
    except TypeError:  # a list model's columnCount is not public in PySide: one column
        columns = 1
    texts = [[str(model.index(row, column).data() or "") for column in range(columns)] for row in range(rows)]
    places = []
    for row in range(rows):
        rect = widget.visualRect(model.index(row, 0))
        corner = widget.viewport().mapToGlobal(rect.topLeft())
        places.append([corner.x(), corner.y(), rect.width(), rect.height()])
    return texts, places


def _changed_at(widget: QStackedWidget | QTabWidget) -> float | None:
    """When the page last changed, on the system-wide monotonic clock (a benchmark compares it with the
    moment it tapped); the signal is connected the first time the widget is described."""
    if widget.property("probe_watched") is None:
        widget.setProperty("probe_watched", True)
        widget.currentChanged.connect(lambda _index, w=widget: w.setProperty("probe_changed_at", time.monotonic()))
    value = widget.property("probe_changed_at")
    return float(value) if value is not None else None


def describe(window: QWidget) -> dict[str, Any]:
    """One window: its geometry and every visible named widget in it."""
    widgets = []
    for widget in [window, *window.findChildren(QWidget)]:
        name = widget.objectName()
        if not name or not widget.isVisible() or name.startswith("qt_"):
            continue
        corner = widget.mapToGlobal(QPoint(0, 0))
        item: dict[str, Any] = {"name": name, "class": type(widget).__name__, "x": corner.x(), "y": corner.y(),
                                "w": widget.width(), "h": widget.height(), "enabled": widget.isEnabled()}
        text = _text(widget)
        if text is not None:
            item["text"] = text
        if isinstance(widget, QAbstractButton) and widget.isCheckable():
            item["checked"] = widget.isChecked()
        if isinstance(widget, QStackedWidget | QTabWidget):
            current = widget.currentWidget()
            item["current"] = current.objectName() if current is not None else ""
            item["changed_at"] = _changed_at(widget)
        if isinstance(widget, QAbstractItemView):
            item["rows"], item["row_places"] = _rows(widget)
        widgets.append(item)
    frame = window.frameGeometry()
    return {"name": window.objectName(), "title": window.windowTitle(), "active": window.isActiveWindow(),
            "x": frame.x(), "y": frame.y(), "w": frame.width(), "h": frame.height(), "widgets": widgets}


class Probe(QObject):
    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.released_at: float | None = None  # the last mouse release (a button's click) reaching the program
        self._timer = QTimer(self)
        self._timer.setInterval(int(os.environ.get("ANCHANG_UI_PROBE_MS", INTERVAL_MS)))
        self._timer.timeout.connect(self.write)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.released_at = time.monotonic()
        return False

    def write(self) -> None:
        try:
            self._write()
        except Exception:  # the probe only reports: it never takes the program down
            log.exception("automation probe")

    def _write(self) -> None:
        windows = [describe(w) for w in QApplication.topLevelWidgets() if w.isVisible()]
        data = json.dumps({"pid": os.getpid(), "released_at": self.released_at, "windows": windows},
                          ensure_ascii=False)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(data, encoding="utf-8")
        partial.replace(self.path)  # the reader never sees half a file


def install(app: QApplication) -> Probe | None:
    """The probe, when the environment asks for it."""
    target = os.environ.get(ENV)
    if not target:
        return None
    probe = Probe(Path(target), app)
    app.installEventFilter(probe)
    app.setProperty("anchang_probe", True)
    return probe
