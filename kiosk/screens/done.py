"""Done: "登记成功，置业顾问 李强 马上为您服务" (the rotation's consultant, or the owner of a protected
customer); "登记已保存，请到前台" while the database is away or refuses to write (the check-in waits in the
kiosk's outbox, and reception is told in staff mode); a neutral "请到前台咨询" when blacklisted.
Nothing about other customers is shown, and the phone only masked."""

from __future__ import annotations

from typing import Any

from db.personal import InvalidIdCard, InvalidPhone
from kiosk.checkin import Outcome
from kiosk.widgets import Screen, button, label


class DoneScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("done")
        self.kiosk = kiosk
        self.status = ""
        self.layout_.addStretch(1)
        self.message = label("", "done_message", size=44, bold=True)
        self.layout_.addWidget(self.message)
        self.detail = label("", "done_detail", size=28)
        self.layout_.addWidget(self.detail)
        self.layout_.addStretch(1)
        self.home = button(self.tr("完成"), "done_home", "primary", height=96, on_click=self._home)
        self.layout_.addWidget(self.home)

    def show_outcome(self, outcome: Outcome) -> None:
        self.status = outcome.status
        self.setProperty("status", outcome.status)
        if outcome.status == "blocked":
            self.message.setText(self.tr("请到前台咨询"))
            self.detail.setText("")
        elif outcome.status == "queued":
            # nobody is assigned yet: the visitor is told where to go, not about the database
            self.message.setText(self.tr("登记已保存，请到前台"))
            self.detail.setText(self.tr("%1 · 工作人员马上为您安排置业顾问").replace("%1", outcome.phone_masked))
        elif outcome.consultant:
            self.message.setText(self.tr("登记成功，置业顾问 %1 马上为您服务").replace("%1", outcome.consultant))
            self.detail.setText(outcome.phone_masked)
        else:
            self.message.setText(self.tr("登记成功，请稍候，马上为您安排置业顾问"))
            self.detail.setText(outcome.phone_masked)

    def show_error(self, error: BaseException) -> None:
        """A refused check-in: a plain message; details stay in the log, never on the screen."""
        self.status = "error"
        self.setProperty("status", "error")
        if isinstance(error, InvalidPhone):
            self.message.setText(self.tr("手机号无效，请重新输入"))
        elif isinstance(error, InvalidIdCard):
            self.message.setText(self.tr("身份证号码无效，请到前台登记"))
        else:
            self.message.setText(self.tr("登记未完成，请到前台咨询"))
        self.detail.setText("")

    def _home(self) -> None:
        if self.kiosk.staff_user is not None and self.kiosk.flow is not None and self.kiosk.flow.method == "walkin":
            self.kiosk.flow = None
            self.kiosk.done_timer.stop()
            self.kiosk.show_screen("staff")
        else:
            self.kiosk.reset()
