"""值班: today's rotation in order (who is busy receiving a visitor, who takes the next walk-in), and for
a manager the roster editor: who is on duty (ticked) and in what order, saved as one duty fact.

The rotation moves by itself during the day (a consultant who takes a walk-in goes to the end of the
queue), so the editor keeps what the manager is arranging while the board above it goes on updating,
and says so when the queue moved meanwhile: saving then sets the manager's order.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from console.pages.base import Page, Snap
from console.widgets import Column, Form, PagedTableModel, button, table_view
from service import reception
from service.desk import Desk
from service.queries import people as queries
from service.reception import RotationSlot

CARD_WIDTH = 400
ROW_HEIGHT = 40  # roster rows big enough to tick on a touch monitor
Loaded = tuple[list[RotationSlot], list[queries.ConsultantRow]]


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subtitle")
    return label


class DutyPage(Page):
    key = "duty"
    permission = "duty.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.editor = self.ctx.desk is not None and self.ctx.desk.can("duty.edit")
        self._dirty = False  # the manager changed the roster and has not saved it
        self._started_from: list[str] = []  # the rotation the editor was filled from
        self.board = PagedTableModel(ctx, [
            Column(self.tr("顺序"), lambda r: r[0], align_right=True),
            Column(self.tr("置业顾问"), lambda r: r[1].name),
            Column(self.tr("状态"), lambda r: self.tr("接待中") if r[1].busy else self.tr("空闲")),
            Column(self.tr("下一位"), lambda r: self.tr("◀ 下一位接待") if r[1].is_next else "")])
        body = QHBoxLayout()
        body.setSpacing(16)
        left = QVBoxLayout()
        left.addWidget(section(self.tr("今日轮岗顺序")))
        left.addWidget(table_view(self.board, "duty_board"), 1)
        self.summary = QLabel()
        self.summary.setObjectName("duty_summary")
        self.summary.setProperty("role", "hint")
        self.summary.setWordWrap(True)
        left.addWidget(self.summary)
        body.addLayout(left, 1)
        if self.editor:
            body.addWidget(self._build_editor())
        self.layout_.addLayout(body, 1)

    def title(self) -> str:
        return self.tr("值班")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    def _build_editor(self) -> QFrame:
        card = QFrame()
        card.setObjectName("duty_card")
        card.setProperty("role", "card")
        card.setFixedWidth(CARD_WIDTH)
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(8)
        column.addWidget(section(self.tr("排班")))
        hint = QLabel(self.tr("勾选今日值班的顾问，用上移、下移排定接待顺序。"))
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.form = Form("duty_form")
        self.roster = QListWidget()
        self.roster.setMinimumHeight(260)
        self.roster.itemChanged.connect(self._edited)
        self.form.add("", self.roster, "duty_roster")
        column.addWidget(self.form, 1)
        moves = QHBoxLayout()
        moves.addWidget(button(self.tr("上移"), "duty_up", "secondary", lambda: self.move_chosen(-1)))
        moves.addWidget(button(self.tr("下移"), "duty_down", "secondary", lambda: self.move_chosen(1)))
        column.addLayout(moves)
        self.moved_note = QLabel(self.tr("编辑期间轮岗顺序已变化（有顾问接待了新客户）；保存后以您排定的顺序为准。"))
        self.moved_note.setObjectName("duty_moved")
        self.moved_note.setProperty("role", "warning")
        self.moved_note.setWordWrap(True)
        self.moved_note.hide()
        column.addWidget(self.moved_note)
        actions = QHBoxLayout()
        actions.addWidget(button(self.tr("撤销修改"), "duty_reset", "secondary", self.reset))
        actions.addWidget(button(self.tr("保存值班"), "duty_save", "primary", self.save))
        column.addLayout(actions)
        return card

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store

        def load() -> Loaded:
            return reception.rotation_board(store), queries.consultants(store, active_only=True)

        self.ctx.run(load, on_done=self._loaded)

    def _loaded(self, result: Loaded) -> None:
        board, consultants = result
        rows = [(index + 1, slot) for index, slot in enumerate(board)]
        self.board.load(lambda offset, limit: rows[offset:offset + limit])
        busy = sum(1 for slot in board if slot.busy)
        self.summary.setText(self.tr("值班 %1 人，接待中 %2 人。接待新客户的顾问自动排到队尾；接待中的顾问轮空。")
                             .replace("%1", str(len(board))).replace("%2", str(busy)) if board
                             else self.tr("今日尚未排班：来访客户无法自动分配置业顾问。"))
        if not self.editor:
            return
        order = [slot.name for slot in board]
        if self._dirty:
            self.moved_note.setVisible(order != self._started_from)
            return
        self._started_from = order
        self.moved_note.hide()
        self.roster.blockSignals(True)
        self.roster.clear()
        for row in consultants:  # on duty first, in rotation order, then the others
            item = QListWidgetItem(row.name)
            item.setData(Qt.ItemDataRole.UserRole, row.name)
            item.setSizeHint(QSize(0, ROW_HEIGHT))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if row.on_duty else Qt.CheckState.Unchecked)
            self.roster.addItem(item)
        self.roster.blockSignals(False)

    # ------------------------------------------------------------ editing
    def roster_names(self, checked_only: bool = True) -> list[str]:
        items = [self.roster.item(row) for row in range(self.roster.count())]
        return [item.data(Qt.ItemDataRole.UserRole) for item in items
                if not checked_only or item.checkState() == Qt.CheckState.Checked]

    def _edited(self, *_args: Any) -> None:
        self._dirty = True
        self.form.clear_errors()

    def move_chosen(self, step: int) -> None:
        row = self.roster.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.roster.count():
            return
        item = self.roster.takeItem(row)
        self.roster.insertItem(target, item)
        self.roster.setCurrentRow(target)
        self._edited()

    def reset(self) -> None:
        self._dirty = False
        self.form.clear_errors()
        self.refresh()

    def save(self) -> None:
        self.form.clear_errors()
        names = self.roster_names()
        if not names:
            self.form.error("duty_roster", self.tr("请至少勾选一位值班顾问"))
            self.form.form.invalidate()
            return

        def done(_result: Any) -> None:
            self._dirty = False
            self.ctx.message.emit(self.tr("已保存今日值班：%1").replace("%1", "、".join(names)), "success")
            self.refresh()

        self.ctx.run(self.desk.set_duty, names, on_done=done)

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("duty")
        if self.editor and self.roster.count() > 1:
            self.roster.setCurrentRow(self.roster.count() - 1)
            self.move_chosen(-1)
            snap("duty_editing")
            self.reset()
