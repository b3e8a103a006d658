"""`Page`: one screen of the console (one module each under console/pages/).

A page names itself (`key`, the objectName), says which permission shows it, and loads its data with
`self.ctx.run(...)` in `refresh()`: never from the GUI thread. The window calls `refresh()` when the page
is shown and, debounced, when the journal moves while it is shown (`on_journal`). `tour(snap)` renders
the page's states for `anchang-console --tour`; the default is the page as it loads.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.context import ConsoleContext

Snap = Callable[[str], None]  # renders the window to the next numbered PNG under this name
JOURNAL_DEBOUNCE_MS = 300


class Page(QWidget):
    key = "page"  # objectName, and the name used by the tour and the tests
    permission = "today.view"  # shown only to roles with this permission

    def __init__(self, ctx: ConsoleContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.key)
        self.ctx = ctx
        self._journal_timer = QTimer(self)
        self._journal_timer.setSingleShot(True)
        self._journal_timer.setInterval(JOURNAL_DEBOUNCE_MS)
        self._journal_timer.timeout.connect(self.refresh)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(20, 16, 20, 16)
        self.layout_.setSpacing(12)

    def title(self) -> str:
        """The page's name in the navigation (translated)."""
        raise NotImplementedError

    def heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("title")
        self.layout_.addWidget(label)
        return label

    def refresh(self) -> None:
        """Reload what the page shows (through self.ctx.run)."""

    def on_journal(self, _seq: int) -> None:
        if self.isVisible():
            self._journal_timer.start()

    def tour(self, snap: Snap) -> None:
        snap(self.key)
