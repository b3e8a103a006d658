"""`anchang serve --tour DIR`: every phone page (server/web/) at 390x844, in Chinese and in English, saved
as PNGs from Debian's chromium driven by selenium, on the demo week (operations/demo.py) in a temporary
SQLite database served on 127.0.0.1 (plain HTTP, which the server allows from the loopback only). The
site's own database is never opened.

The pages are found as a phone's user finds them: the tab bar of each role, then the first customer (and
a consultant's follow-up, stage and number pages of them) and the manager's first case. The browser helpers
are the phone tests' too (tests/server/test_phone_pages.py). selenium and chromium are a tester's tools,
imported only here and only when a tour runs: the server itself never needs them.

    render_tour("http://localhost:8443", Path("tour"), {"consultant": ("李强", "..."), "manager": ("经理", "...")})
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

    from service.store import Store

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
LANGS = ("zh", "en")
TOUR_CONSULTANT = "李强"  # one of the demo week's consultants, with customers of every kind
CUSTOMER_SUBPAGES = ("follow-up", "stage", "ask")  # a consultant's pages of one customer
DETAIL = re.compile(r"#/(customer|case|appointment|book)/([^/]+)$")
LINKED = re.compile(r"#/(appeal)$")  # pages reached by a link on a tab's page rather than from the tab bar
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class TourUnavailable(Exception):
    """selenium, chromium or chromedriver is missing: the tour cannot run here."""


def missing_tools() -> list[str]:
    """What the tour needs and this computer lacks ([] when it can run)."""
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install selenium)")
    missing += [tool for tool in (CHROMIUM, CHROMEDRIVER) if not Path(tool).exists()]
    return missing


# ------------------------------------------------------------------------------------ the browser
def phone_browser(lang: str = "zh", extra_args: tuple[str, ...] = ()) -> Chrome:
    """Headless chromium with a 390x844 viewport and the given browser language (`extra_args`: more
    command-line switches)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", f"--window-size={PHONE[0]},{PHONE[1]}", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", f"--lang={'zh-CN' if lang == 'zh' else 'en-US'}",
                *extra_args):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh" if lang == "zh" else "en-US,en"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_window_size(*PHONE)
    # --window-size is the window's outer size on some versions: make the page itself 390 wide
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if inner != list(PHONE):
        driver.set_window_size(2 * PHONE[0] - inner[0], 2 * PHONE[1] - inner[1])
    return driver


def wait_ready(driver: Chrome, page: str, timeout: float = 10) -> None:
    """Until the page `page` has rendered its answer (app.js sets #view[data-ready])."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f'#view[data-ready="{page}"]')))


def open_page(driver: Chrome, base_url: str, hash_route: str, page: str) -> None:
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


def set_lang(driver: Chrome, lang: str) -> None:
    """The page's own choice (the 中文/EN toggle) as it keeps it, then a reload."""
    driver.execute_script("localStorage.setItem('anchang.lang', arguments[0])", lang)
    driver.refresh()


def sign_in(driver: Chrome, base_url: str, name: str, secret: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}/#/signin")
    wait_ready(driver, "signin")
    for field, value in (("name", name), ("secret", secret)):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "const v = document.getElementById('view'); return v.dataset.ready && v.dataset.ready !== 'signin'"))


def tabs_of(driver: Chrome) -> list[str]:
    """The pages of the signed-in user's tab bar, in its order."""
    found = driver.execute_script(
        "return [...document.querySelectorAll('#tabs a[data-tab]')].map((a) => a.dataset.tab)")
    return [str(page) for page in found]


def details_on(driver: Chrome) -> dict[str, str]:
    """The first link of each kind of detail page (customer, case), and of the pages only a link reaches
    (申诉), on the page shown: {kind: its route}."""
    hrefs = driver.execute_script("return [...document.querySelectorAll('#view a[href]')]"
                                  ".map((a) => a.getAttribute('href'))")
    found: dict[str, str] = {}
    for href in hrefs:
        match = DETAIL.match(str(href)) or LINKED.match(str(href))
        if match:
            found.setdefault(match.group(1), match.group(0))
    return found


# ------------------------------------------------------------------------------------ the tour
def render_tour(base_url: str, out_dir: Path | str, users: Mapping[str, tuple[str, str]], *,
                timezone: str | None = None) -> list[Path]:
    """Saves `{lang}-signin.png` and `{lang}-{role}-{page}.png` for every page of each role in `users`
    ({role: (name, secret)}); returns the files written. `timezone`: the phone's (the site's, e.g.
    Asia/Shanghai), else this computer's."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base_url = base_url.rstrip("/")
    written: list[Path] = []

    def shot(driver: Chrome, name: str) -> None:
        path = out / f"{name}.png"
        driver.save_screenshot(str(path))
        written.append(path)

    driver = phone_browser()
    try:
        if timezone:
            driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": timezone})
        driver.get(f"{base_url}/#/signin")
        for lang in LANGS:
            set_lang(driver, lang)
            wait_ready(driver, "signin")
            shot(driver, f"{lang}-signin")
        for role, (name, secret) in users.items():
            driver.delete_all_cookies()
            sign_in(driver, base_url, name, secret)
            routes = _routes(driver, base_url, role)
            for lang in LANGS:
                set_lang(driver, lang)
                for page, route in routes:
                    open_page(driver, base_url, route, page)
                    shot(driver, f"{lang}-{role}-{page}")
    finally:
        driver.quit()
    return written


def _routes(driver: Chrome, base_url: str, role: str) -> list[tuple[str, str]]:
    """(page, route) for the role's tabs, then the first detail page of each kind its tabs link to."""
    routes = [(page, f"#/{page}") for page in tabs_of(driver)]
    details: dict[str, str] = {}
    for page, route in routes:
        open_page(driver, base_url, route, page)
        for kind, link in details_on(driver).items():
            details.setdefault(kind, link)
    for kind, link in details.items():
        routes.append((kind, link))
        if kind == "customer" and role == "consultant":
            routes += [(sub, f"{link}/{sub}") for sub in CUSTOMER_SUBPAGES]
    return routes


# ------------------------------------------------------------------------------------ anchang serve --tour
def demo_site(directory: Path) -> Store:
    """The demo week on a temporary SQLite database, with a login for every role (DEMO_PASSWORD)."""
    from db import migrate
    from db.database import make_engine
    from db.keys import Keyring
    from judge.rules import RuleSet
    from operations.demo import DemoWeek, add_demo_users
    from service.store import ManualClock, Store

    engine = make_engine(f"sqlite:///{directory / 'tour.sqlite3'}")
    migrate.upgrade(engine)
    zone = RuleSet().timezone
    clock = ManualClock(datetime.now(UTC))
    store = Store(engine, Keyring.create(directory / "keys"), clock=clock, station="server-tour")
    clock.at = DemoWeek(store, clock, datetime.now(zone).date(), zone).play()
    add_demo_users(store)
    return store


@contextmanager
def served(store: Store, poll_interval: float | None = 0.5) -> Iterator[str]:
    """The application on 127.0.0.1 in a thread of this process, at http://localhost:PORT (a name chromium
    treats as secure: it keeps the Secure session cookie over plain HTTP). The tour, the tests' live server
    and the benchmarks share it."""
    import socket

    import uvicorn

    from server.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(store, poll_interval=poll_interval), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start on 127.0.0.1")
        time.sleep(0.05)
    try:
        yield f"http://localhost:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def run_tour(out_dir: Path | str) -> int:
    """`anchang serve --tour DIR`: exit 0 with the PNGs written, 2 when the tools are missing."""
    missing = missing_tools()
    if missing:
        print(f"anchang serve --tour: 需要 / needs {', '.join(missing)} (apt install chromium chromium-driver)",
              file=sys.stderr)
        return EXIT_USAGE
    from judge.rules import RuleSet
    from operations.demo import DEMO_MANAGER, DEMO_PASSWORD

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="anchang-serve-tour-") as temp:
        store = demo_site(Path(temp))
        try:
            with served(store) as url:
                written = render_tour(url, out, {"consultant": (TOUR_CONSULTANT, DEMO_PASSWORD),
                                                 "manager": (DEMO_MANAGER, DEMO_PASSWORD)},
                                      timezone=RuleSet().timezone.key)
        finally:
            store.dispose()
    print(f"{len(written)} 张页面截图 / pages rendered at {PHONE[0]}x{PHONE[1]} → {out} "
          f"({time.monotonic() - started:.0f} s)")
    return EXIT_OK
