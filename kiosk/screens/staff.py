"""Staff mode (前台模式): the confirmation queue, walk-in entry on the receptionist's behalf, the rotation
board, alerts for reception, and settings. Leaving needs no PIN; closing the kiosk is only possible here."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from kiosk.screens.staff_queue import QueueTab
from kiosk.screens.staff_rotation import RotationTab
from kiosk.screens.staff_settings import SettingsTab
from kiosk.staff_desk import run_as_staff
from kiosk.widgets import Screen, button, label
from service.desk import Desk


def first_half(text: str) -> str:
    """The store's messages read "中文 / English": the Chinese, which reception reads."""
    return text.partition(" / ")[0]


class StaffScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("staff")
        self.kiosk = kiosk
        header = QHBoxLayout()
        self.who = label("", "staff_who", size=24, bold=True)
        header.addWidget(self.who, 1)  # the buttons as wide as their words (English ones are long)
        header.addWidget(button(self.tr("退出前台模式"), "staff_leave", "secondary", on_click=kiosk.reset))
        header.addWidget(button(self.tr("关闭程序"), "staff_close", "danger", on_click=self._close))
        self.layout_.addLayout(header)
        # why check-ins are not reaching the database, and how many wait on this kiosk: reception's to act on
        self.status = label("", "staff_status", size=20)
        self.status.setVisible(False)
        self.layout_.addWidget(self.status)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("staff_tabs")
        self.queue = QueueTab(kiosk)
        self.rotation = RotationTab(kiosk)
        self.settings = SettingsTab(kiosk)
        walkin = QWidget()
        walkin.setObjectName("staff_walkin")
        walkin_layout = QVBoxLayout(walkin)
        walkin_layout.addWidget(label(self.tr("为到场客户代为登记：手机号、称呼和来源，登记即为已核实"),
                                      "walkin_hint", size=22))
        walkin_layout.addWidget(button(self.tr("开始代客登记"), "walkin_start", "primary", height=96,
                                       on_click=self._walkin))
        self.walkin_message = label("", "walkin_message", size=20)
        walkin_layout.addWidget(self.walkin_message)
        walkin_layout.addStretch(1)
        self.alerts = QWidget()
        self.alerts.setObjectName("staff_alerts")
        self.alerts_layout = QVBoxLayout(self.alerts)
        self.alerts_text = label("", "alerts_text", size=20)
        self.alerts_layout.addWidget(self.alerts_text)
        self.alerts_layout.addStretch(1)
        self.tabs.addTab(self.queue, self.tr("前台确认"))
        self.tabs.addTab(walkin, self.tr("代客登记"))
        self.tabs.addTab(self.rotation, self.tr("接待轮序"))
        self.tabs.addTab(self.alerts, self.tr("提醒"))
        self.tabs.addTab(self.settings, self.tr("设置"))
        self.layout_.addWidget(self.tabs, 1)

    def enter(self) -> None:
        user = self.kiosk.staff_user
        self.who.setText(self.tr("前台：%1").replace("%1", str(getattr(user, "name", ""))))
        self.queue.refresh()
        self.rotation.refresh()
        self.settings.refresh()
        self._show_status()
        alerts = self.kiosk.services.alerts
        self.alerts_text.setText("\n".join(alerts[-20:]) if alerts else self.tr("暂无提醒"))
        self.tabs.setTabText(3, self.tr("提醒（%1）").replace("%1", str(len(alerts))) if alerts
                             else self.tr("提醒"))

    def _show_status(self) -> None:
        """The outbox's count is read on a worker (a file on this kiosk's disk), the refusal is in memory."""
        outbox = self.kiosk.services.outbox
        refusal = self.kiosk.submitter.last_refusal

        quarantined = getattr(outbox, "quarantined", None)

        def show(waiting: int) -> None:
            lines = []
            if quarantined is not None:
                lines.append(self.tr("离线队列文件已损坏，已另存为 %1 并启用新文件").replace("%1", str(quarantined)))
            if self.kiosk.offline:
                lines.append(self.tr("数据库暂不可用：登记暂存本机"))
            if refusal:
                lines.append(self.tr("写入被拒绝：%1").replace("%1", first_half(refusal)))
            if waiting:
                lines.append(self.tr("本机暂存 %1 条登记，尚未写入数据库；恢复后自动写入").replace("%1", str(waiting)))
            self.status.setText("\n".join(lines))
            self.status.setVisible(bool(lines))

        if outbox is None:
            show(0)
            return
        self.kiosk.runner.run(lambda: len(outbox.pending()), on_done=show, on_error=lambda _error: show(0))

    def _walkin(self) -> None:
        """A walk-in is written as verified by the staff member: the Desk checks them first, as for a
        confirmation (the check-in itself goes the kiosk's way, through the outbox when the database is away)."""
        self.walkin_message.setText("")
        run_as_staff(self.kiosk, Desk.require, "reception.confirm", on_done=lambda _r: self._begin_walkin(),
                     say=self.walkin_message.setText)

    def _begin_walkin(self) -> None:
        user = self.kiosk.staff_user
        if user is None or self.kiosk.current != "staff":  # left staff mode while the check ran
            return
        self.kiosk.begin("walkin", actor=str(user.name))
        self.kiosk.show_screen("phone")

    def _close(self) -> None:
        if self.kiosk.staff_user is not None:
            self.kiosk.allow_close = True
            self.kiosk.close()
