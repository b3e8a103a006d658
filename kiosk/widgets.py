"""Shared kiosk widgets: big buttons, the on-screen keypads, the camera preview, the screen base, and the
scale that fits them to the screen.

Kiosk hardware comes portrait (1080x1920) and landscape (1920x1080, 1366x768, 1280x800). Every screen is
drawn at its full size on a 1080x1920 pillar or a 1920x1080 panel; on a smaller screen the type, the
keys, the gaps and the theme's paddings shrink with it (`scale_for`), touch targets never below 48 px.
Sizes are given at full size (button(height=88), label(size=36), Keypad(key_height=84)); each widget keeps
that as a property and the screen derives the shown size from it whenever its scale changes. In landscape
a screen too tall for the panel puts its parts side by side (`Columns`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import cache

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

MIN_TOUCH = 64  # px at full size: above the 48 px minimum, for fingers at a standing kiosk
TOUCH_FLOOR = 48  # px: no touch target is scaled below this
SMALLEST_TYPE = 14  # px: no text is scaled below this
# A screen asks the window for no more than this: the window fits any of the kiosk screens (and a
# windowed kiosk on a laptop), and the screen's scale decides how its parts fit.
SMALLEST_SCREEN = QSize(800, 600)
# The smallest size at which a screen is drawn at scale 1: portrait (the tallest screen, the surname
# keys, needs ~1350 px: a windowed 1080x1280 kiosk draws at 0.85), and landscape (where the parts too tall
# for 1080 px stand side by side, so its width matters only on a narrow 4:3 or 16:10 panel).
FULL_PORTRAIT, FULL_LANDSCAPE = QSize(1080, 1440), QSize(1700, 1080)
SCALE_STEP = 20  # scales are multiples of 1/20: a window dragged by a pixel does not restyle every screen
SMALLEST_SCALE = 0.6

_current = [1.0]  # the scale of the screens now: widgets built later (a list refilled) start at it


def scale_for(size: QSize) -> float:
    """The scale of a screen of `size`: 1 at full size (never above), less on a smaller screen."""
    full = FULL_LANDSCAPE if size.width() > size.height() else FULL_PORTRAIT
    raw = min(size.width() / full.width(), size.height() / full.height())
    return max(SMALLEST_SCALE, min(1.0, math.floor(raw * SCALE_STEP + 1e-6) / SCALE_STEP))


def scaled(px: int, scale: float | None = None, floor: int = 0) -> int:
    return max(floor, round(px * (_current[0] if scale is None else scale)))


@cache
def scaled_sheet(scale: float) -> str:
    """The kiosk theme with its sizes (type, paddings, radii) scaled; hairline borders stay as they are,
    a list row never gets lower than a finger."""
    from ui.theme import THEMES_DIR, theme_file

    sheet = theme_file("kiosk").read_text(encoding="utf-8").replace("@THEMES@", THEMES_DIR.as_posix())
    sheet = re.sub(r"min-height: (\d+)px", lambda m: f"min-height: {scaled(int(m[1]), scale, TOUCH_FLOOR)}px", sheet)
    return re.sub(r"(\d+)px", lambda m: f"{m[1] if int(m[1]) <= 3 else scaled(int(m[1]), scale, 1)}px", sheet)


def button(text: str, name: str, role: str = "", *, height: int = MIN_TOUCH,
           on_click: Callable[..., object] | None = None) -> QPushButton:
    """`on_click` is called with no arguments (`...`: mypy then takes `lambda n=name: ...`, a loop's value
    bound as a default)."""
    widget = QPushButton(text)
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setProperty("base_height", height)
    widget.setMinimumHeight(scaled(height, floor=TOUCH_FLOOR))
    widget.setMinimumWidth(scaled(MIN_TOUCH, floor=TOUCH_FLOOR))
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


def clear_layout(layout: QLayout) -> None:
    """Takes every item out of `layout` and deletes its widgets: a grid about to be filled afresh. They are
    hidden at once: until the event loop deletes them they would lie under the new ones."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


def label(text: str, name: str, *, size: int = 0, bold: bool = False, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if size or bold:
        font = widget.font()
        if size:
            widget.setProperty("base_size", size)
            font.setPixelSize(scaled(size, floor=SMALLEST_TYPE))
        font.setBold(bold)
        widget.setFont(font)
    return widget


class Keypad(QWidget):
    """A grid of keys; `pressed(key)` for each tap. No system keyboard ever opens on the kiosk.

    Keys are `key_height` high (scaled), up to `grow` times that where the screen has room (a portrait
    pillar); the keypad is never taller than its keys, so a tall screen does not pull its rows apart."""

    pressed = Signal(str)

    def __init__(self, rows: Iterable[Iterable[str]], name: str, columns: int = 3, key_height: int = 72,
                 grow: float = 1.0):
        super().__init__()
        self.setObjectName(name)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        grid.setSizeConstraint(QLayout.SizeConstraint.SetMaximumSize)
        for r, row in enumerate(rows):
            for c, key in enumerate(row):
                if not key:
                    continue
                key_button = button(key, f"{name}_{key}", "key", height=key_height)
                if grow > 1:
                    key_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
                    key_button.setProperty("base_max_height", round(key_height * grow))
                    key_button.setMaximumHeight(scaled(round(key_height * grow), floor=TOUCH_FLOOR))
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
        self.setProperty("base_min_size", QSize(320, 240))
        self.setMinimumSize(scaled(320), scaled(240))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()  # not the last picture's size: that would keep a shrunk window large

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSize()

    def show_frame(self, image: QImage) -> None:
        if self.isVisible() or not self.pixmap() or self.pixmap().isNull():
            pixmap = QPixmap.fromImage(image)
            self.setPixmap(pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.FastTransformation))


class Columns(QWidget):
    """Two parts of a screen: side by side in landscape (`first` on the left), one above the other in
    portrait. `stretch` is how the room is shared: (landscape, portrait), each (first, second)."""

    def __init__(self, name: str, stretch: tuple[tuple[int, int], tuple[int, int]] = ((1, 1), (0, 1))) -> None:
        super().__init__()
        self.setObjectName(name)
        self.stretch = stretch
        self.box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(20)
        self.first, self.second = QVBoxLayout(), QVBoxLayout()
        for column in (self.first, self.second):
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(20)
            self.box.addLayout(column)
        self.arrange(False)

    def arrange(self, landscape: bool) -> None:
        self.box.setDirection(QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom)
        self.box.setSpacing(scaled(48 if landscape else 20))
        for index, stretch in enumerate(self.stretch[0 if landscape else 1]):
            self.box.setStretch(index, stretch)


class Screen(QWidget):
    """One screen of the kiosk; the window calls `enter()` when it comes to the front.

    Its size sets its scale (`scale_for`): on a change every screen of the window is rescaled at once, so
    a tap never waits for a restyle, and `arrange(landscape)` lays out what differs between portrait and
    landscape."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumSize(SMALLEST_SCREEN)
        self.scale = 0.0  # none yet: the first size fits every part, whatever scale they were built at
        self.landscape = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(48, 32, 48, 32)
        self.layout_.setSpacing(20)

    def enter(self) -> None:
        """Called each time the screen is shown."""

    def arrange(self, landscape: bool) -> None:
        """Portrait or landscape: every `Columns` of the screen turns; screens add their own changes."""
        for columns in self.findChildren(Columns):
            columns.arrange(landscape)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        scale, landscape = scale_for(event.size()), event.size().width() > event.size().height()
        if (scale, landscape) != (self.scale, self.landscape):
            parent = self.parentWidget()
            siblings = parent.findChildren(Screen, options=Qt.FindChildOption.FindDirectChildrenOnly) \
                if parent is not None else []
            for screen in siblings or [self]:
                screen.fit(scale, landscape)

    def fit(self, scale: float, landscape: bool) -> None:
        """Sizes every part of the screen at `scale` (the theme's too, when the kiosk theme is on)."""
        if (scale, landscape) == (self.scale, self.landscape):
            return
        self.scale, self.landscape, _current[0] = scale, landscape, scale
        app = QApplication.instance()
        if app is not None and app.property("anchang_theme") == "kiosk":
            self.setStyleSheet("" if scale == 1.0 else scaled_sheet(scale))
            font = self.font()
            font.setPixelSize(scaled(24, scale))  # ui.theme's base size for the kiosk
            self.setFont(font)
        rescale(self, scale)
        self.arrange(landscape)


def rescale(root: QWidget, scale: float) -> None:
    """Applies `scale` to the full-size sizes kept on `root`'s widgets and layouts."""
    for widget in root.findChildren(QWidget):
        height, size, box = widget.property("base_height"), widget.property("base_size"), widget.property("base_min_size")
        if height:
            widget.setMinimumHeight(scaled(int(height), scale, TOUCH_FLOOR))
            widget.setMinimumWidth(scaled(MIN_TOUCH, scale, TOUCH_FLOOR))
        if widget.property("base_max_height"):
            widget.setMaximumHeight(scaled(int(widget.property("base_max_height")), scale, TOUCH_FLOOR))
        if size:
            font = widget.font()
            font.setPixelSize(scaled(int(size), scale, SMALLEST_TYPE))
            widget.setFont(font)
        if isinstance(box, QSize):
            widget.setMinimumSize(scaled(box.width(), scale), scaled(box.height(), scale))
            widget.updateGeometry()
    for layout in [root.layout(), *root.findChildren(QLayout)]:
        if layout is None:
            continue
        if layout.property("base_margins") is None:  # first time: the sizes the screen was built with
            margins = layout.contentsMargins()
            layout.setProperty("base_margins", [margins.left(), margins.top(), margins.right(), margins.bottom()])
            layout.setProperty("base_spacing", layout.spacing())
        layout.setContentsMargins(*(scaled(int(m), scale) for m in layout.property("base_margins")))
        spacing = int(layout.property("base_spacing"))
        if spacing >= 0:
            layout.setSpacing(scaled(spacing, scale))


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
