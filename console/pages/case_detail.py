"""One judgment case (判客 page): the recommendation and the rule it rests on, both sides' evidence side by
side (each fact with its time, journal number and who recorded it), the decision once made, and for a
manager the decision form (a verdict against the recommendation needs a written reason)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from console.widgets import Form, button
from console.words import actor_text, station_text
from service.desk import MIN_REASON
from service.queries.cases import CaseDetail, Evidence


def text_label(text: str = "", role: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    if name:
        label.setObjectName(name)
    return label


class EvidenceCard(QFrame):
    """One side's facts, oldest first."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "card")
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(16, 12, 16, 12)
        self.column.setSpacing(8)
        self.heading = text_label(name=f"{name}_heading")
        self.heading.setStyleSheet("font-weight: bold;")

    def fill(self, heading: str, lines: list[tuple[str, str]], empty: str) -> None:
        while self.column.count():
            item = self.column.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.heading:
                widget.deleteLater()
        self.heading.setText(heading)
        self.column.addWidget(self.heading)
        for meta, text in lines:
            self.column.addWidget(text_label(meta, "hint"))
            self.column.addWidget(text_label(text))
        if not lines:
            self.column.addWidget(text_label(empty, "hint"))
        self.column.addStretch(1)


class CaseDetailView(QScrollArea):
    decide_requested = Signal(int, str, str)  # case id, verdict, reason
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_detail")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.detail: CaseDetail | None = None
        self.zone: Any = None
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        top.addWidget(button(self.tr("返回列表"), "back_to_cases", "secondary", self.back_requested.emit))
        self.title = text_label(name="case_title")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        top.addWidget(self.title, 1)
        self.case_actions = QHBoxLayout()  # the page's buttons for the case: 判客裁决书 export and print
        top.addLayout(self.case_actions)
        column.addLayout(top)
        self.notice = text_label(role="error", name="case_notice")
        self.notice.hide()
        column.addWidget(self.notice)

        summary = QFrame()
        summary.setProperty("role", "card")
        lines = QVBoxLayout(summary)
        lines.setContentsMargins(16, 12, 16, 12)
        self.recommendation = text_label(name="case_recommendation")
        self.recommendation.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.rule = text_label(role="hint", name="case_rule")
        self.state = text_label(name="case_state")
        for label in (self.recommendation, self.rule, self.state):
            lines.addWidget(label)
        column.addWidget(summary)

        sides = QHBoxLayout()
        sides.setSpacing(12)
        self.claimant_card = EvidenceCard("claimant_evidence")
        self.recommended_card = EvidenceCard("recommended_evidence")
        sides.addWidget(self.claimant_card, 1)
        sides.addWidget(self.recommended_card, 1)
        column.addLayout(sides)
        self.shared_card = EvidenceCard("shared_evidence")
        column.addWidget(self.shared_card)

        self.decision = QFrame()
        self.decision.setObjectName("decision_card")
        self.decision.setProperty("role", "card")
        decision = QVBoxLayout(self.decision)
        decision.setContentsMargins(16, 12, 16, 12)
        self.form = Form("decision_form")
        self.verdict = QComboBox()
        self.form.add(self.tr("裁决"), self.verdict, "verdict")
        self.verdict.currentIndexChanged.connect(self._verdict_changed)
        self.reason = QPlainTextEdit()
        self.form.add(self.tr("理由"), self.reason, "decision_reason")
        self.reason.setFixedHeight(80)
        self.reason_hint = text_label(role="hint", name="decision_hint")
        decision.addWidget(self.form)
        decision.addWidget(self.reason_hint)
        self.decide_button = button(self.tr("确认裁决"), "decide", "primary", self.decide)
        decision.addWidget(self.decide_button, 0, Qt.AlignmentFlag.AlignRight)
        column.addWidget(self.decision)
        column.addStretch(1)
        self.setWidget(body)

    # ------------------------------------------------------------ words
    def kind_label(self, kind: str) -> str:
        return {"ownership_conflict": self.tr("归属争议"), "channel_conflict": self.tr("渠道争议"),
                "identity_conflict": self.tr("身份冲突（一脸多号）"), "deal_by_non_owner": self.tr("非归属顾问成交"),
                "appeal": self.tr("顾问申诉")}.get(kind, kind)

    def verdict_label(self, verdict: str | None) -> str:
        if verdict is None:
            return self.tr("（未指定）")
        return {"pool": self.tr("留在公海"), "natural": self.tr("自然来访"), "none": self.tr("无归属")}.get(verdict, verdict)

    def rule_text(self, rule: str, value: Any) -> str:
        shown = "" if value is None else str(value)
        if rule == "channel.mode":
            shown = {"report_protect": self.tr("报备保护"), "competitive": self.tr("竞争带访")}.get(shown, shown)
        text = {
            "protection.consultant_days": self.tr("保护期：到访后 %1 天内客户归接待顾问，期间他人的登记、跟进和成交都归原顾问"),
            "protection.follow_up_days": self.tr("跟进期：%1 天内没有跟进或到访，客户提前进入公海"),
            "protection.pledge_freezes": self.tr("认筹冻结：认筹后保护期不失效，直至成交或退筹"),
            "channel.mode": self.tr("渠道判定（%1）：有效报备在先的渠道获得客户"),
            "identity.face": self.tr("同一人脸登记了不同号码：按最先识别到的客户判定"),
            "identity.id_card": self.tr("同一身份证登记了不同号码：按持证客户判定"),
            "pool.lapse": self.tr("逾期释放：保护期已过或已被释放，客户在公海，按公海规则认领"),
        }.get(rule, rule)
        return self.tr("依据规则：%1（%2）").replace("%1", text.replace("%1", shown)).replace("%2", rule)

    def describe(self, e: Evidence) -> str:
        who = e.consultant or self.tr("轮序")
        if e.kind == "visit":
            text = self.tr("来访登记，接待顾问 %1").replace("%1", who)
            if e.channel and e.channel != "natural":
                text += self.tr("，渠道 %1 %2").replace("%1", e.channel).replace("%2", e.agent or "")
            if e.named and e.named != e.consultant:
                text += self.tr("（登记时指定 %1）").replace("%1", e.named)
            if e.verified is False:
                text += self.tr("，未经确认")
            return text
        stages = {"pledge": self.tr("认筹"), "subscribe": self.tr("认购"), "contract": self.tr("签约"),
                  "cancel": self.tr("退筹")}
        text = {
            "report": self.tr("渠道报备：%2 的经纪人 %3"),
            "follow_up": self.tr("跟进记录：%1"),
            "stage": self.tr("%4：%1"),
            "claim": self.tr("公海认领：%1"),
            "release": self.tr("释放到公海：%1"),
            "assign": self.tr("经理指定分配给 %1"),
            "confirm": self.tr("前台确认登记 #%5，接待顾问 %1"),
            "appeal": self.tr("申诉：%1 认为客户归自己"),
            "sighting": self.tr("人脸识别到场（未登记）"),
        }.get(e.kind, e.kind)
        text = (text.replace("%1", who).replace("%2", e.channel or "").replace("%3", e.agent or "")
                .replace("%4", stages.get(e.stage or "", e.stage or "")).replace("%5", str(e.refers_to)))
        return text + (self.tr("。理由/备注：%1").replace("%1", e.note) if e.note else "")

    def _lines(self, evidence: tuple[Evidence, ...]) -> list[tuple[str, str]]:
        return [(self.tr("%1 · 流水号 #%2 · 记录人 %3（%4）").replace("%1", self._local(e.at))
                 .replace("%2", str(e.seq)).replace("%3", actor_text(e.actor)).replace("%4", station_text(e.station)), self.describe(e))
                for e in evidence]

    def _local(self, at: Any) -> str:
        return (at.astimezone(self.zone) if self.zone is not None else at).strftime("%Y-%m-%d %H:%M")

    # ------------------------------------------------------------ showing
    def show_detail(self, detail: CaseDetail, zone: Any, may_decide: bool) -> None:
        same_case = self.detail is not None and self.detail.case.id == detail.case.id
        self.detail, self.zone = detail, zone
        c = detail.case
        if not same_case:
            self.notice.hide()
            self.reason.clear()
            self.form.clear_errors()
        self.title.setText(self.tr("案件 #%1 · %2 · 客户 %3 %4").replace("%1", str(c.id))
                           .replace("%2", self.kind_label(c.kind)).replace("%3", c.phone).replace("%4", c.surname or ""))
        self.recommendation.setText(self.tr("建议裁决：%1").replace("%1", self.verdict_label(c.recommended)))
        self.rule.setText(self.rule_text(c.rule, detail.rule_value))
        if detail.decision is not None:
            d = detail.decision
            state = (self.tr("已裁决：%1（%2 于 %3，流水号 #%4）").replace("%1", self.verdict_label(d.verdict))
                     .replace("%2", d.by).replace("%3", self._local(d.at)).replace("%4", str(d.seq)))
            if d.reason:
                state += "\n" + self.tr("裁决理由：%1").replace("%1", d.reason)
        else:
            state = self.tr("待裁决，立案于 %1").replace("%1", self._local(c.opened_at))
        state += "\n" + self.tr("客户当前归属：%1").replace("%1", self.verdict_label(detail.owner_now))
        self.state.setText(state)
        claimant = self.verdict_label(c.claimant)
        self.claimant_card.fill(self.tr("申请方：%1").replace("%1", claimant), self._lines(detail.claimant_side),
                                self.tr("没有申请方的记录"))
        self.recommended_card.fill(self.tr("建议方：%1").replace("%1", self.verdict_label(c.recommended)),
                                   self._lines(detail.recommended_side), self.tr("没有建议方的记录"))
        self.shared_card.fill(self.tr("双方共同的事实"), self._lines(detail.shared), "")
        self.shared_card.setVisible(bool(detail.shared))
        self.decision.setVisible(may_decide and c.status == "open")
        chosen = self.verdict.currentData() if same_case else None
        self.verdict.blockSignals(True)
        self.verdict.clear()
        for verdict in detail.choices:
            suffix = self.tr("（建议）") if verdict == c.recommended else self.tr("（申请方）")
            self.verdict.addItem(self.verdict_label(verdict) + suffix, verdict)
        if chosen is not None and (index := self.verdict.findData(chosen)) >= 0:
            self.verdict.setCurrentIndex(index)
        self.verdict.blockSignals(False)
        self._verdict_changed()

    def show_notice(self, text: str, role: str = "error") -> None:
        self.notice.setProperty("role", role)
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _verdict_changed(self) -> None:
        overriding = self.detail is not None and self.verdict.currentData() != self.detail.case.recommended
        self.reason_hint.setText(self.tr("推翻建议裁决，必须写明理由（至少 %1 个字）").replace("%1", str(MIN_REASON))
                                 if overriding else self.tr("按建议裁决，理由可不填"))

    def decide(self) -> None:
        """Checks the reason here first (the Desk and the engine refuse it too), then asks the page."""
        if self.detail is None:
            return
        self.form.clear_errors()
        verdict, reason = self.verdict.currentData(), self.reason.toPlainText().strip()
        if verdict != self.detail.case.recommended and len(reason) < MIN_REASON:
            self.form.error("decision_reason", self.tr("推翻建议裁决必须写明理由（至少 %1 个字）")
                            .replace("%1", str(MIN_REASON)))
            return
        self.decide_button.setEnabled(False)
        self.decide_requested.emit(self.detail.case.id, verdict, reason)

    def decided(self) -> None:
        self.decide_button.setEnabled(True)
        self.reason.clear()
