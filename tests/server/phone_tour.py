"""A tour of the phone pages (server/web/): signs in and saves a PNG of every page at 390x844, in Chinese
and in English, with Debian's chromium. `anchang serve --tour DIR` runs it against the running server;
the e2e test (tests/server/test_phone_pages.py) uses its browser helpers.

    render_tour("http://localhost:8443", Path("tour"), {"consultant": ("李强", "..."), "manager": ("经理", "...")})
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
LANGS = ("zh", "en")
CONSULTANT_PAGES = ("today", "customers", "customer", "follow-up", "stage", "ask", "pool", "numbers")
MANAGER_PAGES = ("approvals", "customers", "customer")


def phone_browser(lang: str = "zh") -> webdriver.Chrome:
    """Headless chromium with a 390x844 viewport and the given browser language."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", f"--window-size={PHONE[0]},{PHONE[1]}", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", f"--lang={'zh-CN' if lang == 'zh' else 'en-US'}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh" if lang == "zh" else "en-US,en"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_window_size(*PHONE)
    # --window-size is the window's outer size on some versions: make the page itself 390 wide
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if inner != list(PHONE):
        driver.set_window_size(2 * PHONE[0] - inner[0], 2 * PHONE[1] - inner[1])
    return driver


def wait_ready(driver: webdriver.Chrome, page: str, timeout: float = 10) -> None:
    """Until the page `page` has rendered its answer (app.js sets #view[data-ready])."""
    WebDriverWait(driver, timeout).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f'#view[data-ready="{page}"]')))


def open_page(driver: webdriver.Chrome, base_url: str, hash_route: str, page: str) -> None:
    """Goes to `hash_route` as a link would, and waits for its page; the page it is on already is reloaded
    (the same hash again is no navigation)."""
    same = driver.execute_script("""
        document.getElementById('view').removeAttribute('data-ready');
        if (location.hash === arguments[0]) return true;
        location.hash = arguments[0];
        return false;""", hash_route)
    if same:
        driver.refresh()
    wait_ready(driver, page)


def set_lang(driver: webdriver.Chrome, lang: str) -> None:
    """The page's own choice (the 中文/EN toggle) as it keeps it, then a reload."""
    driver.execute_script("localStorage.setItem('anchang.lang', arguments[0])", lang)
    driver.refresh()


def sign_in(driver: webdriver.Chrome, base_url: str, name: str, secret: str) -> None:
    driver.get(f"{base_url}/#/signin")
    wait_ready(driver, "signin")
    for field, value in (("name", name), ("secret", secret)):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "const v = document.getElementById('view'); return v.dataset.ready && v.dataset.ready !== 'signin'"))


def first_customer(driver: webdriver.Chrome, base_url: str) -> str | None:
    open_page(driver, base_url, "#/customers", "customers")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results > *"))
    found = driver.find_elements(By.CSS_SELECTOR, "#results [data-customer]")
    return found[0].get_attribute("data-customer") if found else None


def route_of(page: str, customer: str | None) -> str | None:
    if page == "customer":
        return f"#/customer/{customer}" if customer else None
    if page in ("follow-up", "stage", "ask"):
        return f"#/customer/{customer}/{page}" if customer else None
    return f"#/{page}"


def render_tour(base_url: str, out_dir: Path | str, users: Mapping[str, tuple[str, str]]) -> list[Path]:
    """Saves `{lang}-{role}-{page}.png` for the sign-in page and every page of each role in `users`
    ("consultant" and/or "manager": (name, secret)); returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base_url = base_url.rstrip("/")
    written: list[Path] = []

    def shot(driver: webdriver.Chrome, name: str) -> None:
        path = out / f"{name}.png"
        driver.save_screenshot(str(path))
        written.append(path)

    driver = phone_browser()
    try:
        driver.get(f"{base_url}/#/signin")
        for lang in LANGS:
            set_lang(driver, lang)
            wait_ready(driver, "signin")
            shot(driver, f"{lang}-signin")
        for role, pages in (("consultant", CONSULTANT_PAGES), ("manager", MANAGER_PAGES)):
            if role not in users:
                continue
            name, secret = users[role]
            driver.delete_all_cookies()
            sign_in(driver, base_url, name, secret)
            customer = first_customer(driver, base_url)
            for lang in LANGS:
                set_lang(driver, lang)
                for page in pages:
                    route = route_of(page, customer)
                    if route is None:
                        continue
                    open_page(driver, base_url, route, page)
                    shot(driver, f"{lang}-{role}-{page}")
    finally:
        driver.quit()
    return written
