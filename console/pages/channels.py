"""渠道: each channel with its agents and what it brought (reports pending/used/expired/invalid, visits,
deals, deals owed commission); agents found by name or pinyin initials; a channel manager or a site
manager registers a channel and adds agents to one.

Choosing a channel in the upper table shows its agents below; the search finds agents in every
channel (or in the chosen one) as you type.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from console.pages.base import Page, Snap
from console.widgets import Column, Form, PagedTableModel, button, table_view
from service import channels_admin
from service.desk import Desk
from service.queries import channels as queries
from service.staff_admin import FieldRefused

CARD_WIDTH = 380
SEARCH_DEBOUNCE_MS = 250


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subtitle")
    return label



class ChannelsPage(Page):
    key = "channels"
    permission = "channels.view"

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading(self.title())
        self.editor = self.ctx.desk is not None and self.ctx.desk.can("channels.edit")
        yes = self.tr("是")
        self.channels = PagedTableModel(ctx, [
            Column(self.tr("渠道"), lambda r: r.name),
            Column(self.tr("经纪人"), lambda r: r.agents, align_right=True),
            Column(self.tr("待到访"), lambda r: r.pending, align_right=True),
            Column(self.tr("已带访"), lambda r: r.used, align_right=True),
            Column(self.tr("已过期"), lambda r: r.expired, align_right=True),
            Column(self.tr("无效"), lambda r: r.invalid, align_right=True),
            Column(self.tr("到访"), lambda r: r.visits, align_right=True),
            Column(self.tr("成交"), lambda r: r.deals, align_right=True),
            Column(self.tr("应结佣"), lambda r: r.commissions, align_right=True),
            Column(self.tr("黑名单"), lambda r: yes if r.blacklisted else "")])
        self.channel_view = table_view(self.channels, "channels_table")
        self.channel_view.setFixedHeight(230)
        self.channel_view.selectionModel().selectionChanged.connect(self._channel_chosen)
        self.layout_.addWidget(self.channel_view)

        self.agents = PagedTableModel(ctx, [
            Column(self.tr("经纪人"), lambda r: r.name),
            Column(self.tr("拼音首字母"), lambda r: r.initials.upper()),
            Column(self.tr("渠道"), lambda r: r.channel),
            Column(self.tr("报备"), lambda r: r.reports, align_right=True),
            Column(self.tr("带来客户"), lambda r: r.customers, align_right=True),
            Column(self.tr("黑名单"), lambda r: yes if r.blacklisted else "")])
        lower = QHBoxLayout()
        lower.setSpacing(16)
        lower.addLayout(self._build_agents(), 1)
        if self.editor:
            lower.addWidget(self._build_card())
        self.layout_.addLayout(lower, 1)

    def title(self) -> str:
        return self.tr("渠道")

    @property
    def desk(self) -> Desk:
        assert self.ctx.desk is not None, "a page exists only while someone is logged in"
        return self.ctx.desk

    # ------------------------------------------------------------ building
    def _build_agents(self) -> QVBoxLayout:
        column = QVBoxLayout()
        bar = QHBoxLayout()
        self.filter = QComboBox()
        self.filter.setObjectName("agents_channel")
        self.filter.setMinimumHeight(40)
        self.filter.setMinimumWidth(160)
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.search = QLineEdit()
        self.search.setObjectName("agents_search")
        self.search.setMinimumHeight(40)
        self.search.setPlaceholderText(self.tr("搜索经纪人：姓名或拼音首字母，如 zw"))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.load_agents)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        bar.addWidget(self.filter)
        bar.addWidget(self.search, 1)
        column.addLayout(bar)
        column.addWidget(table_view(self.agents, "agents_table"), 1)
        return column

    def _build_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("channels_card")
        card.setProperty("role", "card")
        card.setFixedWidth(CARD_WIDTH)
        column = QVBoxLayout(card)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(6)
        column.addWidget(section(self.tr("新增渠道")))
        self.channel_form = Form("channel_form")
        self.new_channel = QLineEdit()
        self.channel_form.add(self.tr("渠道名称"), self.new_channel, "new_channel")
        self.first_agents = QLineEdit()
        self.first_agents.setPlaceholderText(self.tr("可选，多人用逗号分隔"))
        self.channel_form.add(self.tr("经纪人"), self.first_agents, "first_agents")
        column.addWidget(self.channel_form)
        column.addWidget(button(self.tr("新增渠道"), "add_channel", "primary", self.add_channel))

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        column.addWidget(line)
        column.addWidget(section(self.tr("新增经纪人")))
        self.agent_form = Form("agent_form")
        self.agent_channel = QComboBox()
        self.agent_form.add(self.tr("渠道"), self.agent_channel, "agent_channel")
        self.new_agent = QLineEdit()
        self.agent_form.add(self.tr("姓名"), self.new_agent, "new_agent")
        column.addWidget(self.agent_form)
        column.addWidget(button(self.tr("新增经纪人"), "add_agent", "primary", self.add_agent))
        column.addStretch(1)
        return card

    # ------------------------------------------------------------ loading
    def refresh(self) -> None:
        store = self.ctx.store

        def load() -> list[queries.ChannelSummary]:
            return queries.channel_summaries(store, store.now())

        self.ctx.run(load, on_done=self._loaded)

    def _loaded(self, summaries: list[queries.ChannelSummary]) -> None:
        names = [s.name for s in summaries]
        self.channels.load(lambda offset, limit: summaries[offset:offset + limit])
        self._fill(self.filter, [(self.tr("全部渠道"), None)] + [(name, name) for name in names])
        if self.editor:
            self._fill(self.agent_channel, [(name, name) for name in names])
        self.load_agents()

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, str | None]]) -> None:
        """New choices, keeping the one chosen when it is still there (no change signal meanwhile)."""
        chosen = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for label, value in items:
            combo.addItem(label, value)
        if (index := combo.findData(chosen)) >= 0:
            combo.setCurrentIndex(index)
        combo.blockSignals(False)

    def load_agents(self) -> None:
        store, channel, text = self.ctx.store, self.filter.currentData(), self.search.text()
        found: list[queries.AgentRow] | None = None

        def fetch(offset: int, limit: int) -> list[queries.AgentRow]:
            nonlocal found
            if found is None:  # one query for the list; the pages are slices of it
                found = queries.agents(store, channel, text)
            return found[offset:offset + limit]

        self.agents.load(fetch)

    def _channel_chosen(self, *_args: Any) -> None:
        rows = self.channel_view.selectionModel().selectedRows()
        if rows:
            name = self.channels.row_at(rows[0].row()).name
            self.filter.setCurrentIndex(max(0, self.filter.findData(name)))
            if self.editor:
                self.agent_channel.setCurrentIndex(max(0, self.agent_channel.findData(name)))

    def _filter_changed(self) -> None:
        self.load_agents()

    # ------------------------------------------------------------ writes
    def add_channel(self) -> None:
        self.channel_form.clear_errors()
        name = self.new_channel.text()
        agents = [part.strip() for part in self.first_agents.text().replace("，", ",").replace("、", ",").split(",")]
        fields = {"channel": "new_channel", "agent": "first_agents"}

        def done(added: str) -> None:
            self.new_channel.clear()
            self.first_agents.clear()
            self.ctx.message.emit(self.tr("已新增渠道：%1").replace("%1", added), "success")
            self.refresh()

        self.ctx.run(channels_admin.add_channel, self.desk, name, [a for a in agents if a], on_done=done,
                     on_error=lambda error: self._refused(self.channel_form, fields, error))

    def add_agent(self) -> None:
        self.agent_form.clear_errors()
        channel, name = self.agent_channel.currentData() or "", self.new_agent.text()
        fields = {"channel": "agent_channel", "agent": "new_agent"}

        def done(added: str) -> None:
            self.new_agent.clear()
            self.ctx.message.emit(self.tr("已新增经纪人：%1（%2）").replace("%1", added).replace("%2", channel),
                                  "success")
            self.refresh()

        self.ctx.run(channels_admin.add_agent, self.desk, channel, name, on_done=done,
                     on_error=lambda error: self._refused(self.agent_form, fields, error))

    def _refused(self, form: Form, fields: dict[str, str], error: BaseException) -> None:
        if isinstance(error, FieldRefused) and error.field in fields:
            form.error(fields[error.field], str(error))
        else:
            self.ctx.message.emit(str(error), "error")

    # ------------------------------------------------------------ tour
    def tour(self, snap: Snap) -> None:
        snap("channels")
        self.search.setText("zj")
        self.load_agents()
        snap("channels_agent_search")
        self.search.clear()
        self.load_agents()
        if self.editor and self.agent_channel.count():
            self.new_agent.clear()
            self.add_agent()
            snap("channels_agent_name_needed")
            self.agent_form.clear_errors()
