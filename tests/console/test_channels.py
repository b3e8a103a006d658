"""渠道 page: channels with their agents and counts, agents found by pinyin initials, a new channel and
a new agent (with refusals next to the field), and who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import console.window
from console.pages import PAGES
from console.pages.channels import ChannelsPage
from service import channels_admin, reception, users
from service.desk import Desk
from service.queries import channels as queries
from service.roles import PermissionDenied
from service.store import Store
from tests.console.conftest import PASSWORD
from tests.console.helpers import click, open_console, settle

PAGE_8 = ("blacklist", "channels", "people", "duty")


@pytest.fixture(autouse=True)
def _only_page_8(monkeypatch: pytest.MonkeyPatch) -> None:
    """The window builds only the 黑名单/渠道/人员/值班 pages: other pages' state is not under test here."""
    monkeypatch.setattr(console.window, "PAGES", tuple(p for p in PAGES if p[0] in PAGE_8))


def _page(qtbot: Any, store: Store, user: str) -> tuple[Any, ChannelsPage]:
    window = open_console(qtbot, store, user)
    page = window.open_page("channels")
    settle(window)
    assert isinstance(page, ChannelsPage)
    return window, page


def test_channels_show_their_counts(qtbot: Any, any_store: Store) -> None:
    store = any_store
    store.record_report("贝壳", "周杰", "13812345678", "张伟")  # visits with the agent next day: used
    store.clock.at += timedelta(days=1)
    store.register_visit("13812345678", name="张伟", channel="贝壳", agent="周杰")
    store.record_report("贝壳", "吴芳", "13900001111", "李娜")  # lapses: expired
    store.record_report("链家", "郑伟", "13700002222", "王芳")  # still pending
    store.clock.at += timedelta(days=40)
    store.record_report("链家", "郑伟", "13600003333", "赵敏")
    window, page = _page(qtbot, store, "渠道经理")
    by_name = {row.name: row for row in page.channels.rows}
    beike, lianjia = by_name["贝壳"], by_name["链家"]
    assert (beike.agents, beike.used, beike.expired, beike.pending, beike.invalid, beike.visits) == (2, 1, 1, 0, 0, 1)
    assert (lianjia.agents, lianjia.pending, lianjia.expired, lianjia.visits) == (1, 1, 1, 0)
    assert [(a.name, a.channel) for a in page.agents.rows] == [("吴芳", "贝壳"), ("周杰", "贝壳"), ("郑伟", "链家")]
    assert {a.name: a.customers for a in page.agents.rows}["周杰"] == 1


def test_agents_are_found_by_pinyin_initials_and_by_channel(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "经理")
    page.search.setText("zw")
    qtbot.waitUntil(lambda: [a.name for a in page.agents.rows] == ["郑伟"], timeout=5000)
    page.search.setText("wuf")  # the start of the full pinyin works too
    qtbot.waitUntil(lambda: [a.name for a in page.agents.rows] == ["吴芳"], timeout=5000)
    page.search.clear()
    page.channel_view.selectRow([r.name for r in page.channels.rows].index("贝壳"))
    settle(window)
    assert page.filter.currentData() == "贝壳"
    qtbot.waitUntil(lambda: sorted(a.name for a in page.agents.rows) == ["吴芳", "周杰"], timeout=5000)
    assert queries.matches("周杰", "ZJ") and not queries.matches("周杰", "zw")


def test_a_channel_manager_adds_a_channel_and_an_agent(qtbot: Any, any_store: Store) -> None:
    window, page = _page(qtbot, any_store, "渠道经理")
    page.new_channel.setText("中原")
    page.first_agents.setText("钱明，冯涛")
    click(qtbot, window, "add_channel")
    assert reception.channels(any_store)["中原"] == ["冯涛", "钱明"]
    assert "中原" in [row.name for row in page.channels.rows]
    assert page.new_channel.text() == ""

    page.agent_channel.setCurrentIndex(page.agent_channel.findData("链家"))
    page.new_agent.setText("孙丽")
    click(qtbot, window, "add_agent")
    assert reception.channels(any_store)["链家"] == ["孙丽", "郑伟"]
    assert {row.name: row.agents for row in page.channels.rows}["链家"] == 2


def test_bad_channels_and_agents_are_refused_next_to_the_field(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "经理")
    before = reception.channels(store)
    page.new_channel.setText("贝壳")
    click(qtbot, window, "add_channel")
    assert "已存在" in page.channel_form.error_text("new_channel")
    page.new_channel.setText("新渠道")
    page.first_agents.setText("周杰")  # already at 贝壳: agent names are unique across channels
    click(qtbot, window, "add_channel")
    assert "已在渠道 贝壳" in page.channel_form.error_text("first_agents")
    assert page.new_channel.text() == "新渠道"  # nothing typed is lost
    page.new_channel.setText("")
    click(qtbot, window, "add_channel")
    assert page.channel_form.error_text("new_channel")

    page.agent_channel.setCurrentIndex(page.agent_channel.findData("链家"))
    page.new_agent.setText("吴芳")
    click(qtbot, window, "add_agent")
    assert "吴芳" in page.agent_form.error_text("new_agent")
    page.new_agent.setText("")
    click(qtbot, window, "add_agent")
    assert page.agent_form.error_text("new_agent")
    assert reception.channels(store) == before


def test_adding_an_agent_never_creates_a_channel(store: Store) -> None:
    desk = Desk(store, users.authenticate(store, "经理", PASSWORD))
    with pytest.raises(channels_admin.FieldRefused) as refused:
        channels_admin.add_agent(desk, "贝壳网", "新人")  # a typo of a channel's name
    assert refused.value.field == "channel"
    assert "贝壳网" not in reception.channels(store)


def test_who_sees_and_who_may_change_channels(qtbot: Any, store: Store) -> None:
    window, page = _page(qtbot, store, "管理员")  # an admin looks, but registering is the managers' job
    assert not page.editor and page.findChild(object, "add_channel") is None
    admin = Desk(store, users.authenticate(store, "管理员", PASSWORD))
    with pytest.raises(PermissionDenied):
        channels_admin.add_channel(admin, "中原", [])
    for name in ("前台", "李强"):
        assert "channels" not in open_console(qtbot, store, name).pages
        desk = Desk(store, users.authenticate(store, name, PASSWORD))
        with pytest.raises(PermissionDenied):
            channels_admin.add_agent(desk, "贝壳", "新人")
    assert "中原" not in reception.channels(store)
