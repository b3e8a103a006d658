"""Widgets every console page uses: a paged table model (so 100,000 rows scroll smoothly), a table
view set up for it, form fields with their error beside them, and buttons of the console's size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.context import ConsoleContext

FieldWidget = TypeVar("FieldWidget", bound=QWidget)  # Form.add hands back the field as given

PAGE_SIZE = 200
BUTTON_HEIGHT = 48  # touch targets: the console runs on touch monitors at some sites too
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], Any]  # row -> what the cell shows (str() of it; None shows empty)
    align_right: bool = False


Fetch = Callable[[int, int], Sequence[Any]]  # (offset, limit) -> rows; runs on a worker thread


class PagedTableModel(QAbstractTableModel):
    """Rows fetched a page at a time through `ctx.run` as the view scrolls (canFetchMore/fetchMore).

    `load(fetch)` starts over with a new query (a new filter); `rows` are whatever `fetch` returns
    (dataclasses, tuples) and `Column.value` turns one into a cell. `loaded` fires after each page."""

    loaded = Signal()

    def __init__(self, ctx: ConsoleContext, columns: list[Column], page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.ctx, self.columns, self.page_size = ctx, columns, page_size
        self.rows: list[Any] = []
        self._fetch: Fetch | None = None
        self._more = False
        self._busy = False
        self._generation = 0

    def load(self, fetch: Fetch) -> None:
        self._generation += 1
        self.beginResetModel()
        self.rows, self._fetch, self._more, self._busy = [], fetch, True, False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def reload(self) -> None:
        if self._fetch is not None:
            self.load(self._fetch)

    def row_at(self, row: int) -> Any:
        return self.rows[row]

    # ---------------------------------------------------------------- Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.value(self.rows[index.row()])
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return None

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        return not parent.isValid() and self._more and not self._busy

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        if parent.isValid() or self._fetch is None or self._busy or not self._more:
            return
        self._busy = True
        generation, offset = self._generation, len(self.rows)

        def arrived(page: Sequence[Any]) -> None:
            if generation != self._generation:
                return  # a newer query started meanwhile
            self._busy = False
            self._more = len(page) >= self.page_size
            if page:
                self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(page) - 1)
                self.rows.extend(page)
                self.endInsertRows()
            self.loaded.emit()

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self._busy = False
                self._more = False
            self.ctx.message.emit(str(error), "error")

        self.ctx.run(self._fetch, offset, self.page_size, on_done=arrived, on_error=failed)


def table_view(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(36)
    # Interactive, sized to the rows when they arrive (ResizeToContents alone sizes to the titles when
    # the rows come after the table is first drawn); the user may still widen a column.
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    loaded = getattr(model, "loaded", None)
    if loaded is not None:
        loaded.connect(view.resizeColumnsToContents)
    model.modelReset.connect(view.resizeColumnsToContents)
    return view


def button(text: str, name: str, role: str = "", on_click: Callable[..., object] | None = None) -> QPushButton:
    """`on_click` is called with no arguments (`...`: mypy then takes `lambda n=name: ...`, a loop's value
    bound as a default)."""
    widget = QPushButton(text)
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setMinimumHeight(BUTTON_HEIGHT)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


class Form(QWidget):
    """A form whose fields each have an error line beneath them: `error(field, text)` shows the reason
    next to the field, `clear_errors()` before each try. Fields are found by objectName."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.form = QFormLayout(self)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._errors: dict[str, QLabel] = {}

    def add(self, label: str, field: FieldWidget, name: str) -> FieldWidget:
        field.setObjectName(name)
        field.setMinimumHeight(40)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        error = QLabel()
        error.setObjectName(f"{name}_error")
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        self._errors[name] = error
        self.form.addRow(label, box)
        return field

    def error(self, name: str, text: str) -> None:
        label = self._errors[name]
        label.setText(text)
        label.setVisible(bool(text))
        # QFormLayout keeps a row's old height when its error line appears and wraps: lay out afresh
        self.form.invalidate()

    def error_text(self, name: str) -> str:
        label = self._errors[name]
        return label.text() if label.isVisibleTo(self) else ""

    def clear_errors(self) -> None:
        for label in self._errors.values():
            label.clear()
            label.hide()
