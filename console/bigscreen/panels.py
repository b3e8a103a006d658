"""The big screen's building blocks: a card with a heading, and a figure tile (a caption, one large
number, a line under it). The theme (resources/themes/big_screen.qss) styles them by role; sizes are
for 1920 x 1080 read from about 5 m."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ui.theme import set_role


def label(text: str, name: str, role: str | None = None) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    if role is not None:
        set_role(widget, role)
    return widget


class Card(QFrame):
    """A dark panel with its heading on top and `body` under it."""

    def __init__(self, name: str, heading: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        set_role(self, "card")
        column = QVBoxLayout(self)
        column.setContentsMargins(28, 18, 28, 20)
        column.setSpacing(10)
        self.heading = label(heading, f"{name}_heading", "card_heading")
        self.heading.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        column.addWidget(self.heading)
        column.addWidget(body, 1)
        self.body = body


class FigureTile(QFrame):
    """One figure of the day: caption, the number, a note (e.g. 目标 1,200 · 46.0%)."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        set_role(self, "card")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        column = QVBoxLayout(self)
        column.setContentsMargins(28, 10, 28, 12)
        column.setSpacing(0)
        self.caption = label(caption, f"{name}_caption", "tile_caption")
        self.value = label("—", f"{name}_value", "tile_value")
        self.note = label("", f"{name}_note", "tile_note")
        for widget in (self.caption, self.value, self.note):
            widget.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            column.addWidget(widget)

    def show_value(self, value: str, note: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)
