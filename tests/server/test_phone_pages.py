"""The phone pages (server/web/) in Debian's chromium at 390x844 against the real server: a consultant's
day from sign-in to seeing a number once, with the writes checked in the journal. The arrival comes
through the live stream (server-sent events) while the page stays loaded."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from db.database import read_session
from db.models import JournalEntry
from server.tour import CHROMEDRIVER, CHROMIUM, open_page, phone_browser, sign_in, wait_ready
from server.tour import PHONE as VIEWPORT
from service.store import Store
from tests.server.conftest import PHONE, SECRET, LiveServer

# like tests/e2e/: a developer's machine without the browser skips these; CI never does (they fail, saying why)
_MISSING = [tool for tool in (CHROMIUM, CHROMEDRIVER) if not Path(tool).exists()]
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(bool(_MISSING) and not os.environ.get("CI"),
                                                  reason=f"needs {', '.join(_MISSING)} (scripts/test.sh installs them)")]

POOL_PHONE = "13900001111"
BOOKED_PHONE = "13700002222"
LIVE_S = 5  # an arrival shows on the phone within this


def entries(store: Store, kind: str) -> list[JournalEntry]:
    with read_session(store.engine) as session:
        return list(session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == kind).order_by(JournalEntry.seq)))


def fits_the_phone(driver: webdriver.Chrome) -> None:
    """No sideways scrolling, and every visible control is at least 48px tall."""
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= VIEWPORT[0], f"the page is {width}px wide"
    small = driver.execute_script("""
        return [...document.querySelectorAll('button, a, input, textarea, select, .choice span')]
          .filter((el) => el.offsetParent !== null && getComputedStyle(el).opacity !== '0')
          .filter((el) => el.getBoundingClientRect().height < 47.5)
          .map((el) => el.outerHTML.slice(0, 80));""")
    assert small == [], small


def text_of(driver: webdriver.Chrome, css: str) -> str:
    """The element's text read in one go: a page that re-renders leaves no stale element to trip on."""
    return str(driver.execute_script("return document.querySelector(arguments[0])?.innerText ?? ''", css))


def book_and_cancel(li: webdriver.Chrome, site: Store) -> None:
    """预约 on the consultant's phone: a new customer's visit booked, its QR code loaded, then cancelled."""
    li.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="appointments"]').click()
    wait_ready(li, "appointments")
    li.find_element(By.ID, "do-book").click()
    wait_ready(li, "book")
    fits_the_phone(li)
    li.find_element(By.ID, "surname").send_keys("陈")
    li.find_element(By.ID, "phone").send_keys(BOOKED_PHONE)
    li.find_element(By.CSS_SELECTOR, "#book button[type=submit]").click()
    wait_ready(li, "appointment")
    WebDriverWait(li, LIVE_S).until(lambda d: d.execute_script(
        "const qr = document.getElementById('qr'); return qr !== null && qr.complete && qr.naturalWidth > 0"))
    fits_the_phone(li)
    [booking] = entries(site, "appointment")
    assert booking.actor == "李强" and BOOKED_PHONE not in booking.payload
    booked_at = li.execute_script("return document.querySelector('#appointment').innerText")
    assert "陈女士" in booked_at and "已预约" in booked_at
    li.find_element(By.ID, "do-cancel").click()
    li.find_element(By.ID, "cancel-yes").click()
    WebDriverWait(li, LIVE_S).until(lambda d: d.execute_script(
        "return document.querySelector('#appointment')?.dataset.status") == "cancelled")


@pytest.fixture
def phones(live_server: LiveServer) -> Iterator[list[webdriver.Chrome]]:
    """Browsers the test opens (consultant's, manager's), quit before the server stops."""
    opened: list[webdriver.Chrome] = []
    yield opened
    for driver in opened:
        driver.quit()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the routes' PostgreSQL runs are test_*_api.py's
def test_a_consultants_day_on_the_phone(live_server: LiveServer, phones: list[webdriver.Chrome]) -> None:
    site, url = live_server.store, live_server.url
    # 王丽's customer falls into the pool after a long silence; 李强 received his customer two days ago
    site.register_visit(POOL_PHONE, consultant="王丽")
    pool_customer = site.customer_id(POOL_PHONE)
    site.clock.at += timedelta(days=398)  # type: ignore[attr-defined]
    site.register_visit(PHONE, consultant="李强", name="张伟")
    customer = site.customer_id(PHONE)
    site.clock.at += timedelta(days=2)  # type: ignore[attr-defined]

    li = phone_browser("zh")
    phones.append(li)
    sign_in(li, url, "李强", SECRET)
    wait_ready(li, "today")
    assert li.execute_script("return document.documentElement.lang") == "zh-CN"
    assert li.find_element(By.ID, "title").text == "我的今日"
    fits_the_phone(li)

    # he comes back: the arrival is pushed to the open page, on top and highlighted, without a reload
    WebDriverWait(li, LIVE_S).until(lambda d: d.execute_script("return document.body.dataset.live") == "open")
    li.execute_script("window.stillTheSamePage = true")
    seq = site.register_visit(PHONE, consultant="李强").seq
    WebDriverWait(li, LIVE_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#arrivals > li[data-seq="{seq}"] .fresh'))
    assert li.execute_script("return window.stillTheSamePage") is True
    first = li.find_element(By.CSS_SELECTOR, "#arrivals > li")
    assert first.get_attribute("data-seq") == str(seq) and "138****5678" in first.text

    # 写跟进 from the arrival: 微信 and a note
    first.find_element(By.CSS_SELECTOR, "a").click()
    wait_ready(li, "customer")
    li.find_element(By.ID, "do-follow-up").click()
    wait_ready(li, "follow-up")
    fits_the_phone(li)
    li.find_element(By.XPATH, "//label[contains(@class,'choice')][.//input[@value='微信']]").click()
    li.find_element(By.ID, "note").send_keys("约周六看样板间")
    li.find_element(By.CSS_SELECTOR, "#follow-up button[type=submit]").click()
    wait_ready(li, "customer")
    assert "【微信】约周六看样板间" in li.find_element(By.CSS_SELECTOR, ".timeline").text
    # days left by the server's clock (398 days ahead of the phone's here), not the phone's
    assert "保护期剩" in text_of(li, "dl.facts")
    [follow_up] = entries(site, "follow_up")
    assert follow_up.actor == "李强"
    note_ref = json.loads(follow_up.payload)["note"]
    assert site.note_texts([note_ref])[note_ref] == "【微信】约周六看样板间"

    # 公海: the day's allowance and a claim
    li.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="pool"]').click()
    wait_ready(li, "pool")
    assert re.search(r"0\s*/\s*\d+", text_of(li, "#allowance"))
    li.find_element(By.CSS_SELECTOR, f'button[data-claim="{pool_customer}"]').click()
    WebDriverWait(li, LIVE_S).until(lambda d: re.search(r"1\s*/\s*\d+", text_of(d, "#allowance")))
    assert not li.find_elements(By.CSS_SELECTOR, f'button[data-claim="{pool_customer}"]')
    assert [e.actor for e in entries(site, "claim")] == ["李强"]

    # 预约: a visit booked for a new customer in the site's time, its QR code to send them, then cancelled
    # (the page's own behaviour: on SQLite only, to keep the browser's time down)
    if site.engine.dialect.name == "sqlite":
        book_and_cancel(li, site)

    # the manager has 审批 open on another phone
    boss = phone_browser("zh")
    phones.append(boss)
    sign_in(boss, url, "经理", SECRET)
    wait_ready(boss, "approvals")
    WebDriverWait(boss, LIVE_S).until(lambda d: d.execute_script("return document.body.dataset.live") == "open")

    # 申请查看号码: the request reaches the manager's open page
    open_page(li, url, f"#/customer/{customer}", "customer")
    li.find_element(By.ID, "do-ask").click()
    wait_ready(li, "ask")
    li.find_element(By.ID, "reason").send_keys("客户换了微信，需回电确认")
    li.find_element(By.CSS_SELECTOR, "#ask button[type=submit]").click()
    wait_ready(li, "numbers")
    asked = li.find_element(By.CSS_SELECTOR, "li[data-request]")
    request_id = asked.get_attribute("data-request")
    assert asked.get_attribute("data-status") == "waiting"

    # the manager approves; the decision reaches the consultant's open page
    card = WebDriverWait(boss, LIVE_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'li[data-request="{request_id}"]'))[0]
    fits_the_phone(boss)
    card.find_element(By.CSS_SELECTOR, "textarea").send_keys("同意回电")
    card.find_element(By.CSS_SELECTOR, f'button[data-approve="{request_id}"]').click()
    WebDriverWait(boss, LIVE_S).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f'li[data-request="{request_id}"]'))

    view = WebDriverWait(li, LIVE_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'button[data-view="{request_id}"]'))[0]
    view.click()
    shown = WebDriverWait(li, LIVE_S).until(lambda d: d.find_elements(By.ID, f"phone-{request_id}"))[0]
    assert re.sub(r"\D", "", shown.text).endswith(PHONE)
    assert "只显示这一次" in li.find_element(By.CSS_SELECTOR, f'li[data-request="{request_id}"]').text
    assert not li.find_elements(By.CSS_SELECTOR, f'button[data-view="{request_id}"]')
    assert len(entries(site, "number_viewed")) == 1

    # once only: the page no longer offers it, and the server refuses a second view
    open_page(li, url, "#/numbers", "numbers")
    assert li.find_element(By.CSS_SELECTOR, f'li[data-request="{request_id}"]').get_attribute("data-status") == "viewed"
    assert not li.find_elements(By.CSS_SELECTOR, f'button[data-view="{request_id}"]')
    status, answer = li.execute_async_script("""
        const [id, done] = arguments;
        fetch('/api/session').then((r) => r.json()).then((me) => fetch(`/api/number-requests/${id}/view`,
            {method: 'POST', headers: {'X-CSRF-Token': me.csrf}}))
          .then(async (r) => done([r.status, await r.json()]));""", request_id)
    assert status == 410 and " / " in answer["message"] and "phone" not in answer
    assert len(entries(site, "number_viewed")) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the page's own behaviour: one database is enough
def test_a_wrong_secret_shows_the_servers_refusal_in_english(live_server: LiveServer,
                                                            phones: list[webdriver.Chrome]) -> None:
    driver = phone_browser("en")
    phones.append(driver)
    driver.get(f"{live_server.url}/#/signin")
    wait_ready(driver, "signin")
    assert driver.execute_script("return document.documentElement.lang") == "en"
    assert driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").text == "Sign in"
    fits_the_phone(driver)
    driver.find_element(By.ID, "name").send_keys("李强")
    driver.find_element(By.ID, "secret").send_keys("guess")
    driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    alert = WebDriverWait(driver, LIVE_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#signin .alert"))[0]
    assert " / " in alert.text  # the message whole: 中文 / English
    # the language toggle: the page in Chinese, and the choice kept
    driver.find_element(By.ID, "lang").click()
    WebDriverWait(driver, LIVE_S).until(lambda d: d.execute_script("return document.documentElement.lang") == "zh-CN")
    assert driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").text == "登录"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the page's own behaviour: one database is enough
def test_hostile_names_stay_text(live_server: LiveServer, phones: list[webdriver.Chrome]) -> None:
    site = live_server.store
    site.register_visit(PHONE, consultant="李强", name="<img src=x onerror=window.owned=1>")
    driver = phone_browser("zh")
    phones.append(driver)
    sign_in(driver, live_server.url, "李强", SECRET)
    open_page(driver, live_server.url, "#/customers", "customers")
    WebDriverWait(driver, LIVE_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results [data-customer]"))
    assert not driver.find_elements(By.CSS_SELECTOR, "#view img")
    assert driver.execute_script("return window.owned") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the page's own behaviour: one database is enough
def test_an_ended_session_returns_to_sign_in(live_server: LiveServer, phones: list[webdriver.Chrome]) -> None:
    driver = phone_browser("zh")
    phones.append(driver)
    sign_in(driver, live_server.url, "李强", SECRET)
    wait_ready(driver, "today")
    driver.delete_all_cookies()  # as the server's idle expiry would: the next answer is a 401
    driver.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="customers"]').click()
    wait_ready(driver, "signin")
    assert not driver.find_element(By.ID, "tabs").is_displayed()
