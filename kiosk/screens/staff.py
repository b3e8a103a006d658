"""Staff mode (前台模式): the confirmation queue, walk-in entry on the receptionist's behalf, the rotation
board, alerts for reception, and settings. Leaving needs no PIN; closing the kiosk is only possible here."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from kiosk.screens.staff_queue import QueueTab
from kiosk.screens.staff_rotation import RotationTab
from kiosk.screens.staff_settings import SettingsTab
from kiosk.widgets import Screen, button, label


class StaffScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("staff")
        self.kiosk = kiosk
        header = QHBoxLayout()
        self.who = label("", "staff_who", size=24, bold=True)
        header.addWidget(self.who, 2)
        header.addWidget(button(self.tr("退出前台模式"), "staff_leave", "secondary", on_click=kiosk.reset), 1)
        header.addWidget(button(self.tr("关闭程序"), "staff_close", "danger", on_click=self._close), 1)
        self.layout_.addLayout(header)
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
        alerts = self.kiosk.services.alerts
        self.alerts_text.setText("\n".join(alerts[-20:]) if alerts else self.tr("暂无提醒"))
        self.tabs.setTabText(3, self.tr("提醒（%1）").replace("%1", str(len(alerts))) if alerts
                             else self.tr("提醒"))

    def _walkin(self) -> None:
        actor = str(getattr(self.kiosk.staff_user, "name", "reception"))
        self.kiosk.begin("walkin", actor=actor)
        self.kiosk.show_screen("phone")

    def _close(self) -> None:
        if self.kiosk.staff_user is not None:
            self.kiosk.allow_close = True
            self.kiosk.close()
