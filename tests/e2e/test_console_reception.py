"""The console as reception and a manager meet it: the real `anchang-console` in a real window beside the
real kiosk on the demo site, driven through the window system (issue 15, items 2 and 4)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

import pytest

from tests.e2e.driver import Program
from tests.e2e.test_kiosk_checkin import KIOSK_ARGS, phone_checkin

DEMO_PASSWORD = "demo1234"
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"  # a wrong clock for one program (Debian's faketime)


def customer(env: dict[str, str], masked: str) -> tuple[str | None, str | None, str | None]:
    """(owner, channel, agent) of the customer whose number shows as `masked`."""
    path = env["ANCHANG_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT owner, channel, agent FROM customers WHERE phone_masked = ? "
                           "AND merged_into IS NULL", (masked,)).fetchone()
    assert row is not None, masked
    return row[0], row[1], row[2]


def log_in(console: Program, name: str) -> None:
    console.type_into("login_name", name)
    console.type_into("login_password", DEMO_PASSWORD, secret=True)
    console.click("login_submit")
    console.wait_for("current_user", contains=name)


def test_reception_confirms_a_repeated_check_in_for_the_first_consultant_and_channel(
        start: Callable[..., Program], demo_site: dict[str, str]) -> None:
    """A visitor brought by 链家/孙丽 checks in, then checks in again on their own before reception has
    confirmed. The 待确认登记 panel shows the arrival (its count equal to its rows); reception confirms it;
    the customer belongs to the first check-in's consultant (not a second one from the rotation). 链家 filed
    no report for this number, so the visit is natural (a channel needs a valid report: DESIGN.md)."""
    kiosk = start("anchang-kiosk", *KIOSK_ARGS, env=demo_site)
    phone_checkin(kiosk, "13912340031", surname="赵")
    kiosk.click("source_1")
    kiosk.click("channel_链家")
    kiosk.click("agent_孙丽")
    kiosk.click("submit")
    kiosk.wait_screen("done")
    first = kiosk.text("done_message")
    consultant = first.removeprefix("登记成功，置业顾问 ").removesuffix(" 马上为您服务")
    assert consultant != first, first
    kiosk.click("done_home")
    kiosk.wait_screen("start")
    kiosk.click("choice_phone")
    kiosk.type_keys([f"digits_{digit}" for digit in "13912340031"])
    kiosk.click("phone_next")
    kiosk.wait_screen("returning")
    kiosk.click("returning_yes")
    kiosk.wait_screen("source")
    kiosk.click("submit")  # 自然来访 this time
    kiosk.wait_screen("done")
    assert kiosk.text("done_message") == first  # the same arrival: no second consultant

    console = start("anchang-console", env=demo_site)
    log_in(console, "前台小陈")
    queue = console.until(lambda: (w := console.find("today_queue")) is not None and w.rows
                          and any("139****0031" in " ".join(row) for row in w.rows) and w, "the check-in listed")
    mine = [index for index, row in enumerate(queue.rows) if "139****0031" in " ".join(row)]
    title = console.find("queue_title")
    if title is not None and title.text:
        assert str(len(queue.rows)) in title.text, (title.text, len(queue.rows))
    console.click_row("today_queue", mine[0])
    console.click("queue_confirm")
    console.until(lambda: customer(demo_site, "139****0031")[0] is not None, "the customer owned")
    assert customer(demo_site, "139****0031") == (consultant, "natural", None)
    console.until(lambda: not any("139****0031" in " ".join(row) for row in console.find("today_queue").rows or []),
                  "the arrival gone from the queue")


@pytest.mark.skipif(not os.path.exists(FAKETIME) and not os.environ.get("CI"),
                    reason="needs libfaketime (scripts/test.sh installs it)")
def test_a_write_refused_for_the_clock_is_said_and_an_administrator_accepts_it(
        start: Callable[..., Program], demo_site: dict[str, str]) -> None:
    """This PC's clock is two days slow (libfaketime; three hours were not enough in the afternoon, when they
    still fell after the demo day's last visit). The manager's 设为忙碌 is refused: the console says
    so in a red banner naming the clock, never "数据库已重新连接", and keeps the click; an administrator
    confirms this clock at the manager's console (管理员确认…) and the kept write lands."""
    console = start("anchang-console", env={**demo_site, "LD_PRELOAD": FAKETIME, "FAKETIME": "-2d"})
    log_in(console, "王经理")
    busy = console.until(lambda: next((w for w in console.widgets() if w.name.startswith("busy_")
                                       and w.text == "设为忙碌"), None), "a 设为忙碌 button")
    console.click(busy.name)
    banner = console.wait_for("clock_banner_text", contains="时钟")
    assert "本机时钟与站点记录不一致" in (banner.text or "")
    assert "重新连接" not in " ".join(w.text or "" for w in console.widgets())
    # the administrator comes over and confirms this PC's clock with their own name and password; the
    # manager stays logged in and the kept click lands
    console.click("admin_accept_clock")
    console.type_into("admin_clock_name", "管理员")
    console.type_into("admin_clock_password", DEMO_PASSWORD, secret=True)
    console.click("admin_clock_submit")
    console.until(lambda: (w := console.find(busy.name)) is not None and w.text == "设为空闲",
                  "the kept write landed")
