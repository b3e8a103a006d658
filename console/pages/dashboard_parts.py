"""The pieces of the 数据看板 page: the period picker (今天 / 本周 / 本月 / 自定义), a number tile whose
number opens the customers behind it, a table whose counted cells do the same, and the bar of 本月来访
against the monthly target."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.widgets import BUTTON_HEIGHT, button
from reports.behind import Behind
from reports.period import DAY, MONTH, RANGE, WEEK
from ui.theme import set_role

Open = Callable[[Behind, str], None]  # (the number's customers, what the number is) -> show them
ROW_HEIGHT = 34
NAME_WIDTH = 120  # the narrowest a table's first column (names) becomes when the others need the room


class PeriodPicker(QWidget):
    """今天 / 本周 / 本月 (the site's calendar, resolved by the store's clock) or 自定义 (two dates)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_period")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for kind, text in ((DAY, self.tr("今天")), (WEEK, self.tr("本周")), (MONTH, self.tr("本月")),
                           (RANGE, self.tr("自定义"))):
            choice = button(text, f"dashboard_period_{kind}", "secondary")
            choice.setCheckable(True)
            self.group.addButton(choice)
            self.buttons[kind] = choice
            row.addWidget(choice)
        self.buttons[DAY].setChecked(True)
        self.first = self._date("dashboard_from")
        self.last = self._date("dashboard_to")
        self.dash = QLabel("—")
        for widget in (self.first, self.dash, self.last):
            row.addWidget(widget)
        self.group.buttonClicked.connect(lambda _b: self._chosen())
        self._show_dates()

    def _date(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumHeight(40)
        edit.dateChanged.connect(lambda _d: self.changed.emit() if self.kind == RANGE else None)
        return edit

    @property
    def kind(self) -> str:
        return next((k for k, b in self.buttons.items() if b.isChecked()), DAY)

    def _show_dates(self) -> None:
        for kind, choice in self.buttons.items():  # the chosen period stands out
            set_role(choice, "primary" if kind == self.kind else "secondary")
        custom = self.kind == RANGE
        for widget in (self.first, self.dash, self.last):
            widget.setVisible(custom)

    def _chosen(self) -> None:
        self._show_dates()
        self.changed.emit()

    def choose(self, kind: str, first: date | None = None, last: date | None = None) -> None:
        """Picks a period as a click would (tests, the tour)."""
        if first is not None and last is not None:
            self.show_dates(first, last)
        self.buttons[kind].setChecked(True)
        self._chosen()

    def choice(self) -> tuple[str, date | None, date | None]:
        """(kind, first, last); the dates only for 自定义 (the others follow the store's today)."""
        if self.kind != RANGE:
            return self.kind, None, None
        return RANGE, _py(self.first.date()), _py(self.last.date())

    def show_dates(self, first: date, last: date) -> None:
        """The period shown, in the date fields (so 自定义 starts from it)."""
        for edit, day in ((self.first, first), (self.last, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)


def _py(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class NumberTile(QFrame):
    """A headline figure: its caption, the number (a link to its customers when it has any), a note."""

    def __init__(self, name: str, caption: str, on_open: Open, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "card")
        self.caption = caption
        self.on_open = on_open
        self.behind: Behind | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 8, 12, 8)
        column.setSpacing(0)
        label = QLabel(caption)
        label.setProperty("role", "hint")
        font = QFont(label.font())
        font.setPixelSize(26)
        font.setBold(True)
        self.value = button("", f"{name}_value", "link", self._open)  # a number with customers behind it
        self.plain = QLabel()  # a number without (a zero, a rate)
        self.plain.setObjectName(f"{name}_plain")
        self.plain.setMinimumHeight(BUTTON_HEIGHT)
        self.plain.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for widget in (self.value, self.plain):
            widget.setFont(font)
        self.value.setCursor(Qt.CursorShape.PointingHandCursor)
        self.value.setToolTip(self.tr("查看这些客户"))
        self.note = QLabel()
        self.note.setObjectName(f"{name}_note")
        self.note.setProperty("role", "hint")
        self.note.setWordWrap(True)
        for widget in (label, self.value, self.plain, self.note):
            column.addWidget(widget)
        self.plain.hide()

    def set(self, value: object, note: str = "", behind: Behind | None = None) -> None:
        self.behind = behind if value not in (0, "0") else None
        self.value.setText(str(value))
        self.plain.setText(str(value))
        self.value.setVisible(self.behind is not None)
        self.plain.setVisible(self.behind is None)
        self.note.setText(note)

    @property
    def text(self) -> str:
        return self.plain.text()

    def _open(self) -> None:
        if self.behind is not None:
            self.on_open(self.behind, self.caption)


@dataclass(frozen=True)
class Cell:
    text: str
    behind: Behind | None = None  # a count that opens its customers
    number: bool = False  # right-aligned
    tip: str = ""  # what it is, on hovering


def count(value: int, behind: Behind | None) -> Cell:
    """A count; a link to its customers unless it is zero."""
    return Cell(str(value), behind if value else None, number=True)


class FigureTable(QTableWidget):
    """A read-only table of figures sized to its rows (the page scrolls, not the table); a click on a
    count with customers behind it opens them. Every column is as wide as its header and cells need
    (English headers are long), the room left shared out evenly; when there is too little, the first
    column (names, elided, whole in their tooltip) gives it up."""

    def __init__(self, name: str, headers: Sequence[str], on_open: Open, parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setObjectName(name)
        self.on_open = on_open
        self.setHorizontalHeaderLabels(list(headers))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # set by _fit_columns
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrap(False)
        self.cellClicked.connect(self._clicked)
        self.captions: list[str] = []  # a row's name, for the list's title

    def fill(self, rows: Sequence[Sequence[Cell]], empty: str = "") -> None:
        self.clearSpans()
        self.setRowCount(len(rows) or (1 if empty else 0))
        self.captions = [row[0].text for row in rows]
        link = QFont(self.font())
        link.setUnderline(True)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                item = QTableWidgetItem(cell.text)
                item.setData(Qt.ItemDataRole.UserRole, cell.behind)
                if cell.number:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if cell.behind is not None:
                    item.setFont(link)
                    item.setForeground(self.palette().link())
                    item.setToolTip(self.tr("查看这些客户"))
                if cell.tip or c == 0:
                    item.setToolTip(cell.tip or cell.text)
                self.setItem(r, c, item)
        if not rows and empty:
            self.setSpan(0, 0, 1, self.columnCount())
            self.setItem(0, 0, QTableWidgetItem(empty))
        header = max(self.horizontalHeader().sizeHint().height(), ROW_HEIGHT)
        self.setFixedHeight(header + ROW_HEIGHT * self.rowCount() + 2 * self.frameWidth() + 4)
        self._fit_columns()

    def set_header_tip(self, column: int, tip: str) -> None:
        header = self.horizontalHeaderItem(column)
        if header is not None:
            header.setToolTip(tip)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        header = self.horizontalHeader()
        columns = self.columnCount()
        needed = [max(header.sectionSizeHint(c), self.sizeHintForColumn(c)) for c in range(columns)]
        spare = self.viewport().width() - sum(needed)
        if spare >= 0:
            widths = [n + spare // columns + (1 if c < spare % columns else 0) for c, n in enumerate(needed)]
        else:  # the names give up room, down to their header or NAME_WIDTH
            floor = min(needed[0], max(NAME_WIDTH, header.sectionSizeHint(0)))
            widths = [max(floor, needed[0] + spare), *needed[1:]]
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def behind_at(self, row: int, column: int) -> Behind | None:
        item = self.item(row, column)
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _clicked(self, row: int, column: int) -> None:
        behind = self.behind_at(row, column)
        if behind is not None:
            header = self.horizontalHeaderItem(column)
            self.on_open(behind, f"{self.captions[row]} · {header.text() if header else ''}")


class TargetBar(QFrame):
    """本月来访 so far (a link to its customers) against the monthly target, and 设置目标 for a manager."""

    def __init__(self, can_set: bool, on_set: Callable[[], None], on_open: Open,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_target")
        self.setProperty("role", "card")
        self.on_open = on_open
        self.behind: Behind | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 0, 12, 0)
        self.caption = QLabel()
        self.visits = button("", "dashboard_month_visits", "link", self._open)
        self.label = QLabel()
        self.label.setObjectName("dashboard_target_text")
        self.bar = QProgressBar()
        self.bar.setObjectName("dashboard_target_bar")
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(280)
        for widget in (self.caption, self.visits, self.label):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.bar)
        self.set_button = button(self.tr("设置目标"), "dashboard_set_target", "secondary", on_set)
        self.set_button.setVisible(can_set)
        row.addWidget(self.set_button)

    def show_month(self, month: int, visits: int, target: int | None, share: float | None,
                   behind: Behind) -> None:
        self.caption.setText(self.tr("%1月累计来访").replace("%1", str(month)))
        self.visits.setText(self.tr("%1 组").replace("%1", str(visits)))
        self.behind = behind if visits else None
        self.visits.setEnabled(self.behind is not None)
        if target:
            self.label.setText(self.tr("· 月度目标 %1 组").replace("%1", str(target)))
            self.bar.setRange(0, target)
            self.bar.setValue(min(visits, target))
            self.bar.setFormat(self.tr("完成 %1").replace("%1", f"{(share or 0) * 100:.1f}%"))
            self.bar.show()
        else:
            self.label.setText(self.tr("· 未设月度目标"))
            self.bar.hide()

    def _open(self) -> None:
        if self.behind is not None:
            self.on_open(self.behind, self.caption.text())
