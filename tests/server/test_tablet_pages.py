"""The reception tablet (820x1180 portrait, 1180x820 landscape) and the manager's phone pages (390x844) in
Debian's chromium against the real server: a visitor registered at the desk, a kiosk check-in arriving
live and confirmed, a busy mark; a case decided with a reason and a warning step. Each write is checked in
the journal. ANCHANG_TABLET_SHOTS=DIR keeps the screenshots (zh and en) for a look."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from server.tour import CHROMEDRIVER, CHROMIUM, open_page, phone_browser, set_lang, sign_in, wait_ready
from tests.server.conftest import PHONE, SECRET, LiveServer
from tests.server.test_manager_api import appeal_case, repeat_visits_warning
from tests.server.test_reception_api import journal

_MISSING = [tool for tool in (CHROMIUM, CHROMEDRIVER) if not Path(tool).exists()]
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(bool(_MISSING) and not os.environ.get("CI"),
                                                  reason=f"needs {', '.join(_MISSING)} (scripts/test.sh installs them)"),
              pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]  # the pages' own behaviour

PORTRAIT, LANDSCAPE, PHONE_SIZE = (820, 1180), (1180, 820), (390, 844)
WAIT_S = 5


def resize(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    """The page's own viewport `size` (the window's outer size differs by its frame on some versions)."""
    driver.set_window_size(*size)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if inner != list(size):
        driver.set_window_size(2 * size[0] - inner[0], 2 * size[1] - inner[1])


def fits(driver: webdriver.Chrome, width: int) -> None:
    """No sideways scrolling, every visible control 48px tall or more, no control overlapping another."""
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    small = driver.execute_script("""
        return [...document.querySelectorAll('button, a, input, textarea, select, .choice span')]
          .filter((el) => el.offsetParent !== null && getComputedStyle(el).opacity !== '0')
          .filter((el) => el.getBoundingClientRect().height < 47.5).map((el) => el.outerHTML.slice(0, 80));""")
    assert small == [], small
    overlapping = driver.execute_script("""
        const boxes = [...document.querySelectorAll('#view button, #view .choice span, #view input:not([type=radio]),'
          + ' #view select, #view textarea, #view a.row, #view a.tile')].filter((el) => el.offsetParent !== null);
        const hits = [];
        boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
          if (a.contains(b) || b.contains(a)) return;
          const r = a.getBoundingClientRect(), s = b.getBoundingClientRect();
          if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 && s.top < r.bottom - 1)
            hits.push(a.outerHTML.slice(0, 60) + ' / ' + b.outerHTML.slice(0, 60));
        }));
        return hits;""")
    assert overlapping == [], overlapping


@pytest.fixture
def browser(live_server: LiveServer) -> Iterator[webdriver.Chrome]:
    driver = phone_browser("zh")
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("ANCHANG_TABLET_SHOTS") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def both_languages(driver: webdriver.Chrome, page: str, name: str, shots: Path) -> None:
    """Screenshots of the open page in Chinese and English at this size; Chinese again afterwards."""
    for lang in ("zh", "en"):
        set_lang(driver, lang)
        wait_ready(driver, page)
        width = driver.execute_script("return window.innerWidth")
        fits(driver, width)
        driver.save_screenshot(str(shots / f"{lang}-{name}.png"))
    set_lang(driver, "zh")
    wait_ready(driver, page)


def test_the_reception_tablet(live_server: LiveServer, browser: webdriver.Chrome, shots: Path) -> None:
    site, url = live_server.store, live_server.url
    resize(browser, PORTRAIT)
    sign_in(browser, url, "前台", SECRET)
    wait_ready(browser, "register")
    assert [a.get_attribute("data-tab") for a in browser.find_elements(By.CSS_SELECTOR, "#tabs a")] == \
        ["register", "queue", "rotation"]
    assert browser.find_element(By.ID, "title").text == "来访登记"

    # a malformed number: the server's reason on the form, nothing written
    before = len(journal(site))
    browser.find_element(By.ID, "phone").send_keys("1381234")
    browser.find_element(By.CSS_SELECTOR, "#register button[type=submit]").click()
    alert = WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#register .alert"))[0]
    assert " / " in alert.text and len(journal(site)) == before
    for lang, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        resize(browser, size)
        both_languages(browser, "register", f"reception-register-{lang}", shots)

    # a walk-in: the rotation's next (李强) receives them, the receptionist is the actor
    resize(browser, PORTRAIT)
    browser.find_element(By.ID, "phone").send_keys(PHONE)
    browser.find_element(By.ID, "visitor-name").send_keys("张女士")
    browser.find_element(By.CSS_SELECTOR, "#register button[type=submit]").click()
    done = WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#registered .done"))[0]
    assert "李强" in done.text and "138****5678" in done.text
    [visit] = journal(site, "visit")
    assert visit.actor == "前台" and json.loads(visit.payload)["verified"] is True

    # 轮岗: 王丽 is next; marked busy, 李强 is next again
    browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="rotation"]').click()
    wait_ready(browser, "rotation")
    assert browser.find_element(By.CSS_SELECTOR, '[data-consultant="王丽"] .next')
    browser.find_element(By.CSS_SELECTOR, 'button[data-busy="王丽"]').click()
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-consultant="李强"] .next'))
    assert journal(site, "busy")[-1].actor == "前台"
    both_languages(browser, "rotation", "reception-rotation-portrait", shots)

    # 待确认: a kiosk check-in reaches the open page and is confirmed
    open_page(browser, url, "#/queue", "queue")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script("return document.body.dataset.live") == "open")
    pending = site.register_visit("13900001111", name="刘先生", verified=False, actor="kiosk")
    card = WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-visit="{pending.seq}"]'))[0]
    assert "刘先生" in card.text
    site.register_visit("15012348888", verified=False, actor="kiosk")
    open_page(browser, url, "#/queue", "queue")
    resize(browser, LANDSCAPE)
    both_languages(browser, "queue", "reception-queue-landscape", shots)
    browser.find_element(By.CSS_SELECTOR, f'button[data-confirm="{pending.seq}"]').click()
    WebDriverWait(browser, WAIT_S).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f'[data-visit="{pending.seq}"]'))
    [confirm] = journal(site, "confirm")
    assert confirm.actor == "前台" and json.loads(confirm.payload)["visit"] == pending.seq


def test_the_managers_cases_and_warnings(live_server: LiveServer, browser: webdriver.Chrome, shots: Path) -> None:
    site, url = live_server.store, live_server.url
    case_id = appeal_case(site)
    site.clock.at += timedelta(days=1)  # type: ignore[attr-defined]
    warning_id = repeat_visits_warning(site)
    resize(browser, PHONE_SIZE)
    sign_in(browser, url, "经理", SECRET)
    wait_ready(browser, "approvals")
    assert [a.get_attribute("data-tab") for a in browser.find_elements(By.CSS_SELECTOR, "#tabs a")] == \
        ["approvals", "cases", "warnings", "board", "customers"]

    browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="cases"]').click()
    wait_ready(browser, "cases")
    both_languages(browser, "cases", "manager-cases", shots)
    browser.find_element(By.CSS_SELECTOR, f'[data-case="{case_id}"] a').click()
    wait_ready(browser, "case")
    assert "客户首访前由我电话邀约" in browser.find_element(By.ID, "view").text
    both_languages(browser, "case", "manager-case", shots)
    # against the recommendation with too short a reason: refused in words, nothing written
    browser.find_element(By.XPATH, "//label[contains(@class,'choice')][.//input[@value='王丽']]").click()
    browser.find_element(By.ID, "verdict-reason").send_keys("同意")
    browser.find_element(By.CSS_SELECTOR, "#decide button[type=submit]").click()
    alert = WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#decide .alert"))[0]
    assert "理由" in alert.text and journal(site, "case_decision") == []
    browser.find_element(By.ID, "verdict-reason").send_keys("，电话录音为证")
    browser.find_element(By.CSS_SELECTOR, "#decide button[type=submit]").click()
    wait_ready(browser, "cases")
    [decision] = journal(site, "case_decision")
    assert decision.actor == "经理" and json.loads(decision.payload)["verdict"] == "王丽"
    assert not browser.find_elements(By.CSS_SELECTOR, f'[data-case="{case_id}"]')

    browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="warnings"]').click()
    wait_ready(browser, "warnings")
    both_languages(browser, "warnings", "manager-warnings", shots)
    card = browser.find_element(By.CSS_SELECTOR, f'[data-warning="{warning_id}"]')
    card.find_element(By.CSS_SELECTOR, "textarea").send_keys("已约客户周六面谈")
    card.find_element(By.CSS_SELECTOR, 'button[data-step="intervened"]').click()
    WebDriverWait(browser, WAIT_S).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, f'[data-warning="{warning_id}"][data-status="intervened"]'))
    assert journal(site, "warning_update")[-1].actor == "经理"

    browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="board"]').click()
    wait_ready(browser, "board")
    assert browser.find_element(By.CSS_SELECTOR, '[data-figure="activeWarnings"] strong').text == "1"
    both_languages(browser, "board", "manager-board", shots)
