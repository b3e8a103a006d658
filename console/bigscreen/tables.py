"""The big screen's two lists, as model/view: the latest check-ins (time, surname display, masked phone,
first or return, consultant) and the consultants' leaderboard for today.

Both show a few rows in large type, nothing to click: no selection, no focus, no scroll bars. The
models hold only what they show (console/bigscreen/screen_data.py cuts the rows down on the worker).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView, QWidget

from console.bigscreen.screen_data import Checkin
from reports.data import ConsultantFigures

Index = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = 54  # px: 30 px type with room around it


@dataclass(frozen=True)
class Column:
    title: object  # source text (QT_TRANSLATE_NOOP), translated by the model's tr()
    value: Callable[[Any], object]
    stretch: bool = False  # takes what width is left
    centred: bool = False


class RowsModel(QAbstractTableModel):
    """A short list of rows replaced as a whole (`show_rows`)."""

    def __init__(self, columns: Sequence[Column], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def show_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

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
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignCenter if column.centred else Qt.AlignmentFlag.AlignLeft
            return horizontal | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(str(self.columns[section].title))
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            centred = self.columns[section].centred
            return (Qt.AlignmentFlag.AlignCenter if centred else Qt.AlignmentFlag.AlignLeft) | \
                Qt.AlignmentFlag.AlignVCenter
        return None


class CheckinModel(RowsModel):
    """最新到访: the newest check-ins first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([
            Column(QT_TRANSLATE_NOOP("CheckinModel", "时间"), lambda c: self._time(c)),
            Column(QT_TRANSLATE_NOOP("CheckinModel", "客户"), lambda c: c.surname or "—"),
            Column(QT_TRANSLATE_NOOP("CheckinModel", "手机"), lambda c: c.phone_masked, stretch=True),
            Column(QT_TRANSLATE_NOOP("CheckinModel", "首/复访"),
                   lambda c: self.tr("首访") if c.first_visit else self.tr("复访"), centred=True),
            Column(QT_TRANSLATE_NOOP("CheckinModel", "顾问"), lambda c: c.consultant or "—")], parent)
        self.zone: ZoneInfo | None = None

    def show_checkins(self, checkins: Sequence[Checkin], zone: ZoneInfo) -> None:
        self.zone = zone
        self.show_rows(checkins)

    def _time(self, checkin: Checkin) -> str:
        return f"{checkin.at.astimezone(self.zone):%H:%M}"


class LeaderboardModel(RowsModel):
    """顾问排行 today: most deals, then most visit groups received (reports' order)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([
            Column(QT_TRANSLATE_NOOP("LeaderboardModel", "名次"), lambda r: r[0], centred=True),
            Column(QT_TRANSLATE_NOOP("LeaderboardModel", "顾问"), lambda r: r[1].consultant, stretch=True),
            Column(QT_TRANSLATE_NOOP("LeaderboardModel", "接待"), lambda r: r[1].visits, centred=True),
            Column(QT_TRANSLATE_NOOP("LeaderboardModel", "首访"), lambda r: r[1].first_visits, centred=True),
            Column(QT_TRANSLATE_NOOP("LeaderboardModel", "成交"), lambda r: r[1].deals, centred=True)], parent)

    def show_board(self, board: Sequence[ConsultantFigures], limit: int) -> None:
        self.show_rows(list(enumerate(board[:limit], 1)))


def big_table(model: RowsModel, name: str) -> QTableView:
    """A read-only table in the big screen's type: fixed rows, the stretch column takes the slack."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setFrameShape(QFrame.Shape.NoFrame)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    for section, column in enumerate(model.columns):
        mode = QHeaderView.ResizeMode.Stretch if column.stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(section, mode)
    return view
