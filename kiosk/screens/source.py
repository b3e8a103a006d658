"""How the visitor came (the project's sources, service.reception.sources): a channel-led visit picks the
channel company, then the agent, found by pinyin initials on on-screen letter keys. Then 提交."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from judge import facts
from kiosk.screens.visitor import initial_of
from kiosk.widgets import LETTERS, Columns, Keypad, Screen, button, clear_layout, label
from service import reception

AGENTS_SHOWN = 12


def agent_matches(agents: list[str], initials: str) -> list[str]:
    """Agents whose name's pinyin initials start with what was typed (周杰 → ZJ)."""
    return [a for a in agents if initial_of(a).startswith(initials.upper())]


class SourceScreen(Screen):
    def __init__(self, kiosk: Any) -> None:
        super().__init__("source")
        self.kiosk = kiosk
        self.sources: list[reception.Source] = list(reception.DEFAULT_SOURCES)
        self.channels: dict[str, list[str]] = {}
        self.source: reception.Source | None = None
        self.channel: str | None = None
        self.agent: str | None = None
        self.typed = ""
        self.shown_agents: list[str] = []
        self.loaded = False
        self.layout_.addWidget(label(self.tr("请问您是怎么了解到本项目的？"), "source_title", size=34, bold=True))
        body = Columns("source_body", stretch=((1, 1), (0, 0)))  # landscape: the agent picker beside the source
        self.source_row = QGridLayout()
        self.source_row.setSpacing(12)
        body.first.addLayout(self.source_row)
        self.channel_box = QWidget()
        self.channel_box.setObjectName("channel_box")
        self.channel_grid = QGridLayout(self.channel_box)
        self.channel_grid.setContentsMargins(0, 0, 0, 0)
        body.first.addWidget(self.channel_box)
        body.first.addStretch(1)
        self.agent_box = QWidget()
        self.agent_box.setObjectName("agent_box")
        agent_layout = QVBoxLayout(self.agent_box)
        agent_layout.setContentsMargins(0, 0, 0, 0)
        self.typed_label = label("", "agent_typed", size=26, bold=True)
        agent_layout.addWidget(self.typed_label)
        self.agent_list = QWidget()
        self.agent_grid = QGridLayout(self.agent_list)
        self.agent_grid.setContentsMargins(0, 0, 0, 0)
        for column in range(4):  # a single agent found stays one key wide
            self.agent_grid.setColumnStretch(column, 1)
        agent_layout.addWidget(self.agent_list)
        self.letters = Keypad([list(row) for row in LETTERS[:3]] + [list(LETTERS[3]) + ["<"]], "letters",
                              key_height=64)
        self.letters.key("<").setText(self.tr("删除"))
        self.letters.pressed.connect(self._letter)
        agent_layout.addWidget(self.letters)
        agent_layout.addStretch(1)
        body.second.addWidget(self.agent_box)
        self.layout_.addWidget(body, 1)
        self.message = label("", "source_message", size=22)
        self.layout_.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(button(self.tr("返回"), "source_back", "secondary", height=88, on_click=self._back))
        self.submit = button(self.tr("提交"), "submit", "primary", height=88, on_click=self._submit)
        row.addWidget(self.submit)
        self.layout_.addLayout(row)

    def enter(self) -> None:
        """Shows at once what the kiosk knows (kiosk.catalog), this visitor's choices only: nothing of an
        earlier visitor's is kept, and nothing waits for the database."""
        self.message.setText("")
        self.channel, self.agent, self.typed = None, None, ""
        self.source = None
        self._show_catalog()
        self.kiosk.refresh_catalog()

    def catalog_changed(self) -> None:
        """A fresh read of the sources and channels while the visitor is here: the lists change, what the
        visitor chose stays (when it is still offered)."""
        if self.kiosk.current == "source":
            self._show_catalog(keep_choice=True)

    def _show_catalog(self, keep_choice: bool = False) -> None:
        catalog = self.kiosk.catalog
        self.sources, self.channels = list(catalog.sources), dict(catalog.channels)
        self.loaded = True
        self.submit.setEnabled(self.kiosk.flow is not None and not self.kiosk.flow.submitted)
        clear_layout(self.source_row)
        for index, source in enumerate(self.sources):
            widget = button(QCoreApplication.translate("Kiosk", source.name), f"source_{index}", "toggle", height=72,
                            on_click=lambda s=source: self.choose_source(s))
            widget.setCheckable(True)
            self.source_row.addWidget(widget, index // 3, index % 3)
        flow = self.kiosk.flow
        if keep_choice and self.source is not None and self.source in self.sources:
            channel, agent, typed = self.channel, self.agent, self.typed
            self.choose_source(self.source)
            if channel in self.channels or self.source.channel is not None:
                self.channel, self.agent, self.typed = channel, agent, typed
            self._refresh()
            return
        chosen = next((s for s in self.sources if flow is not None and s.name == flow.source), self.sources[0])
        self.choose_source(chosen, keep=flow is not None and flow.source == chosen.name)

    def choose_source(self, source: reception.Source, keep: bool = False) -> None:
        self.source = source
        flow = self.kiosk.flow
        if not keep or flow is None:
            self.channel, self.agent, self.typed = source.channel, None, ""
        else:
            self.channel = source.channel or (flow.channel if flow.channel != facts.NATURAL else None)
            self.agent = flow.agent
        for widget in self.findChildren(QPushButton):
            if widget.objectName().startswith("source_") and widget.isCheckable():
                widget.setChecked(widget.text() == QCoreApplication.translate("Kiosk", source.name))
        self._refresh()

    def _refresh(self) -> None:
        source = self.source
        channel_led = source is not None and source.registers_as == "channel"
        self.channel_box.setVisible(channel_led and source is not None and source.channel is None)
        self.agent_box.setVisible(channel_led and self.channel is not None)
        clear_layout(self.channel_grid)
        if channel_led and source is not None and source.channel is None:
            for index, name in enumerate(sorted(self.channels)):
                widget = button(name, f"channel_{name}", "toggle", height=64,
                                on_click=lambda c=name: self._channel(c))
                widget.setCheckable(True)
                widget.setChecked(name == self.channel)
                self.channel_grid.addWidget(widget, index // 4, index % 4)
        clear_layout(self.agent_grid)
        self.shown_agents = []
        if self.channel is not None:
            self.shown_agents = agent_matches(self.channels.get(self.channel, []), self.typed)[:AGENTS_SHOWN]
            for index, agent in enumerate(self.shown_agents):
                widget = button(agent, f"agent_{agent}", "toggle", height=64,
                                on_click=lambda a=agent: self._agent(a))
                widget.setCheckable(True)
                widget.setChecked(agent == self.agent)
                self.agent_grid.addWidget(widget, index // 4, index % 4)
        typed = self.typed or self.tr("输入经纪人姓名拼音首字母")
        self.typed_label.setText(typed if not self.agent else self.tr("经纪人：%1").replace("%1", self.agent))

    def _channel(self, channel: str) -> None:
        self.channel, self.agent, self.typed = channel, None, ""
        self._refresh()

    def _agent(self, agent: str) -> None:
        self.agent = agent
        self._refresh()

    def _letter(self, key: str) -> None:
        self.typed = self.typed[:-1] if key == "<" else (self.typed + key)[:6]
        self.agent = None
        self._refresh()

    def _back(self) -> None:
        flow = self.kiosk.flow
        if flow is not None and flow.method in ("face", "qr"):
            self.kiosk.reset()  # the number came from a recognised face or a code: never shown in full
            return
        self.kiosk.show_screen("phone" if flow is None or flow.id_name else "visitor")

    def _submit(self) -> None:
        flow = self.kiosk.flow
        if flow is None or self.source is None:
            return
        try:
            fields = reception.visit_fields(self.source, channel=self.channel, agent=self.agent)
        except Exception:
            self.message.setText(self.tr("请选择渠道和经纪人") if self.channel is None
                                 else self.tr("请选择带您来的经纪人"))
            return
        flow.source, flow.channel, flow.agent = fields["source"], fields["channel"], fields["agent"]
        self.submit.setEnabled(False)
        self.kiosk.submit()
