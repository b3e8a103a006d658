"""今日's 离线登记未写入 panel: kiosk check-ins the store refused when the kiosk's outbox sent them (the visitor
saw 已登记 and went in; service/kiosk_refusals.py). Each stays here, with its masked phone, arrival time and
reason, until reception marks it handled (已处理, through the Desk: journalled with who). Hidden while
there is none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout

from console.context import ConsoleContext
from console.pages.today_parts import Written, caption, card, hint
from console.widgets import Column, PagedTableModel, button, table_view
from service import kiosk_refusals
from service.desk import Desk
from service.kiosk_refusals import Refusal


class RefusedPanel(QFrame):
    def __init__(self, ctx: ConsoleContext, desk: Desk, local: Callable[[datetime], str], written: Written) -> None:
        super().__init__()
        self.ctx, self.desk, self.written = ctx, desk, written
        column = card(self, "refused_card")
        self.caption = caption(self.tr("离线登记未写入"))
        column.addWidget(self.caption)
        column.addWidget(hint(self.tr("访客在登记机上已看到“已登记”，但恢复联网后未能写入：请联系访客或代为登记，再标记已处理")))
        self.model = PagedTableModel(ctx, [
            Column(self.tr("到访"), lambda r: local(r.arrived_at)),
            Column(self.tr("客户"), lambda r: r.name or "—"),
            Column(self.tr("手机"), lambda r: r.phone_masked or "—"),
            Column(self.tr("原因"), lambda r: r.reason.partition(" / ")[0]),
            Column(self.tr("登记机"), lambda r: r.station)])
        self.view = table_view(self.model, "today_refused")
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.model.loaded.connect(self.view.horizontalHeader().resizeSections)
        column.addWidget(self.view)
        row = QHBoxLayout()
        self.handled_button = button(self.tr("已处理"), "refused_handled", "primary", self.mark_handled)
        row.addWidget(self.handled_button)
        row.addStretch(1)
        column.addLayout(row)
        self.setVisible(False)
        self._selected()

    def refresh(self) -> None:
        self.ctx.run(kiosk_refusals.open_refusals, self.ctx.store, on_done=self.show_rows)

    def show_rows(self, rows: list[Refusal]) -> None:
        self.caption.setText(self.tr("离线登记未写入（%1）").replace("%1", str(len(rows))))
        self.model.page_size = len(rows) + 1  # read whole: one page holds every row
        self.model.load(lambda offset, limit: rows[offset:offset + limit])
        self.setVisible(bool(rows))
        self._selected()

    def chosen(self) -> Refusal | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selected(self) -> None:
        self.handled_button.setEnabled(self.chosen() is not None)

    def mark_handled(self) -> None:
        if (row := self.chosen()) is not None:
            shown = row.phone_masked or row.name or row.ref
            self.ctx.run(kiosk_refusals.handle, self.desk, row.ref,
                         on_done=lambda _seq: self.written(self.tr("已处理 %1").replace("%1", shown)))
