"""Shared kiosk widgets: big buttons, the on-screen keypads, the camera preview, the screen base."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

MIN_TOUCH = 64  # px: above the 48 px minimum, for fingers at a standing kiosk


def button(text: str, name: str, role: str = "", *, height: int = MIN_TOUCH,
           on_click: Callable[..., object] | None = None) -> QPushButton:
    """`on_click` is called with no arguments (`...`: mypy then takes `lambda n=name: ...`, a loop's value
    bound as a default)."""
    widget = QPushButton(text)
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setMinimumHeight(height)
    widget.setMinimumWidth(MIN_TOUCH)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


def clear_layout(layout: QLayout) -> None:
    """Takes every item out of `layout` and deletes its widgets: a grid about to be filled afresh."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def label(text: str, name: str, *, size: int = 0, bold: bool = False, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if size or bold:
        font = widget.font()
        if size:
            font.setPixelSize(size)
        font.setBold(bold)
        widget.setFont(font)
    return widget


class Keypad(QWidget):
    """A grid of keys; `pressed(key)` for each tap. No system keyboard ever opens on the kiosk."""

    pressed = Signal(str)

    def __init__(self, rows: Iterable[Iterable[str]], name: str, columns: int = 3, key_height: int = 72):
        super().__init__()
        self.setObjectName(name)
        grid = QGridLayout(self)
        grid.setSpacing(8)
        for r, row in enumerate(rows):
            for c, key in enumerate(row):
                if not key:
                    continue
                key_button = button(key, f"{name}_{key}", "key", height=key_height)
                key_button.clicked.connect(lambda _checked=False, k=key: self.pressed.emit(k))
                grid.addWidget(key_button, r, c)

    def key(self, key: str) -> QPushButton:
        found = self.findChild(QPushButton, f"{self.objectName()}_{key}")
        assert found is not None, key
        return found


DIGITS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("清空", "0", "删除"))
LETTERS = ("ABCDEFG", "HIJKLMN", "OPQRSTU", "VWXYZ")


class Preview(QLabel):
    """The live camera picture, scaled to fit; a plain message while there is none."""

    def __init__(self, name: str = "preview") -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_frame(self, image: QImage) -> None:
        if self.isVisible() or not self.pixmap() or self.pixmap().isNull():
            pixmap = QPixmap.fromImage(image)
            self.setPixmap(pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.FastTransformation))


class Screen(QWidget):
    """One screen of the kiosk; the window calls `enter()` when it comes to the front."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(48, 32, 48, 32)
        self.layout_.setSpacing(20)

    def enter(self) -> None:
        """Called each time the screen is shown."""


class LongPress(QObject):
    """Emits `held` when a widget is pressed for `msecs` without release (the staff corner)."""

    held = Signal()

    def __init__(self, widget: QWidget, msecs: int) -> None:
        super().__init__(widget)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(msecs)
        self._timer.timeout.connect(self.held)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self._timer.start()
        elif event.type() in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.Leave):
            self._timer.stop()
        return False
