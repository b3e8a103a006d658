"""QSS themes: `kiosk` (large type, touch targets of 48 px and more, calm colours), `console` (denser,
for a desk with a mouse) and `big_screen` (dark, for a wall display read from across the room).

Screens set no colours; they name what a widget is and the theme styles it (heights and fonts a
screen sets in code are kept):
- objectName `title`, `subtitle` on QLabels (headings);
- dynamic property `role` (set with `set_role`, which re-polishes the widget):
  QPushButton `primary`, `secondary`, `danger`, `choice` (big start-screen buttons), `link`;
  QLabel `hint`, `error`, `success`, `warning` (e.g. the offline banner), `masked` (phone numbers, kiosk);
  QPushButton `key` (on-screen keypad); QLineEdit `error`;
  QFrame `card`, `banner`; big_screen rows `next` (the consultant up next), `busy`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

import resources

THEMES = ("kiosk", "console", "big_screen")
# The application font's size per theme. It lives here, not in the QSS: a QSS font-size would override
# every font a screen sets in code, while the application font is only the default.
BASE_PIXEL_SIZE = {"kiosk": 24, "console": 15, "big_screen": 32}
THEMES_DIR = Path(resources.__file__).resolve().parent / "themes"


def theme_file(name: str) -> Path:
    if name not in THEMES:
        raise ValueError(f"未知主题 / unknown theme {name!r}; expected one of {THEMES}")
    return THEMES_DIR / f"{name}.qss"


def apply_theme(app: QApplication, name: str) -> None:
    """Styles the whole application with resources/themes/<name>.qss on the Fusion style, and sets the
    theme's base font size on the application font (family untouched: ui.fonts.load_fonts decides it).

    Fusion draws the same on every platform, so the QSS looks the same on a Windows kiosk and a
    Linux console. The sheets size widgets with padding, never min-height, so a height the code sets
    (`setMinimumHeight`) is kept.
    """
    sheet = theme_file(name).read_text(encoding="utf-8").replace("@THEMES@", THEMES_DIR.as_posix())
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    font = QFont(app.font())
    font.setPixelSize(BASE_PIXEL_SIZE[name])
    app.setFont(font)
    app.setStyleSheet(sheet)
    app.setProperty("anchang_theme", name)


def apply_theme_to(widget: QWidget, name: str) -> None:
    """Styles one window (and its children) with theme `name` inside an application running another:
    the big screen opened from the console. The widget's own sheet wins over the application's where
    both style a property; its font carries the theme's base size."""
    widget.setStyleSheet(theme_file(name).read_text(encoding="utf-8").replace("@THEMES@", THEMES_DIR.as_posix()))
    font = QFont(widget.font())
    font.setPixelSize(BASE_PIXEL_SIZE[name])
    widget.setFont(font)


def set_role(widget: QWidget, role: str | None) -> None:
    """Sets the `role` property the themes select on and re-polishes so the change shows at once."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
