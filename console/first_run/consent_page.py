"""The consent notice for face recognition the kiosk shows before it records a face: the default
(ui/consent_notice.py, in the console's language) or the site's own wording."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWizardPage

from console.first_run.parts import say, status
from console.widgets import button
from service.site_settings import NOTICE_MAX
from ui.consent_notice import default_notice


class ConsentPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("first_run_consent")
        self.setTitle(self.tr("人脸识别告知书"))
        self.setSubTitle(self.tr("来访者同意采集人脸前看到的告知内容。可按本项目情况修改，每份同意都记录所见版本。"))
        column = QVBoxLayout(self)
        self.text = QPlainTextEdit(default_notice())
        self.text.setObjectName("first_run_notice")
        self.text.setMinimumHeight(220)
        self.text.textChanged.connect(self._changed)
        column.addWidget(self.text, 1)
        self.problem = status("first_run_notice_problem")
        column.addWidget(self.problem)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button(self.tr("恢复默认"), "first_run_notice_default", "secondary",
                             lambda: self.text.setPlainText(default_notice())))
        column.addLayout(row)

    def _changed(self) -> None:
        length = len(self.text.toPlainText().strip())
        if not length:
            say(self.problem, self.tr("告知书不能为空"), "error")
        elif length > NOTICE_MAX:
            say(self.problem, self.tr("告知书过长：最多 %1 字").replace("%1", str(NOTICE_MAX)), "error")
        else:
            say(self.problem, "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return 0 < len(self.text.toPlainText().strip()) <= NOTICE_MAX

    def notice(self) -> str | None:
        """The site's own notice, or None while it is the default (the kiosk then shows the default in
        its own language)."""
        text = self.text.toPlainText().strip()
        return None if text == default_notice().strip() else text
