"""The phone pages' first paint (docs/site-server.md): sign-in, 我的今日 and 我的客户 each paint within 1 s
p95 on a slow phone, Chromium's CPU throttled 4x (CDP Emulation.setCPUThrottlingRate).

    python -m benchmarks.bench_phone_paint [--customers N] [--loads N] [--throttle X] [--pg URL]

A site with CUSTOMERS customers of 李强 (benchmarks/bench_server_api.py's), the real application under
uvicorn on 127.0.0.1 (plain HTTP at http://localhost:PORT: the loopback, where chromium keeps the Secure
cookie), Debian's headless chromium at 390x844 (server/tour.py's browser). Each page is loaded LOADS times
as a fresh navigation (about:blank first, the browser's cache and the service worker as a phone keeps
them, no back-forward cache) and its first paint and first contentful paint are read from the page's own Performance timeline,
waiting for the page to show its answer (#view[data-ready]). The first load of each page counts too.
SQLite, and PostgreSQL with --pg (or ANCHANG_TEST_PG_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._synthetic import drop_schema, percentile, pg_schema_url  # noqa: E402
from benchmarks.bench_server_api import SECRET, site  # noqa: E402
from server.tour import missing_tools, phone_browser, served, sign_in, wait_ready  # noqa: E402

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

PAINT_BUDGET_MS = 1000.0
PAGES = (("sign-in", "signin", "#/signin"), ("我的今日", "today", "#/today"), ("我的客户", "customers", "#/customers"))
PAINTS = """
    const found = {};
    for (const entry of performance.getEntriesByType('paint')) found[entry.name] = entry.startTime;
    return found;"""


def load_once(driver: Chrome, base: str, page: str, route: str) -> tuple[float, float]:
    """(first paint, first contentful paint) in ms of one fresh load of `route`."""
    driver.get("about:blank")
    driver.get(f"{base}/{route}")
    wait_ready(driver, page, timeout=30)
    paints = driver.execute_script(PAINTS)
    return float(paints["first-paint"]), float(paints["first-contentful-paint"])


def run(label: str, url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as keys:
        store = site(url, Path(keys), args.customers)
        with served(store, poll_interval=None) as base:
            measure(label, base, args)
        store.dispose()


def measure(label: str, base: str, args: argparse.Namespace) -> None:
    """Each page's paints, LOADS times, on the running server at `base`."""
    # no back-forward cache: a page kept there holds its /api/live stream open, and after six loads
    # chromium's six connections per host (HTTP/1.1) are all taken by them
    driver = phone_browser("zh", ("--disable-features=BackForwardCache",))
    try:
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
        print(f"--- {label}: {args.customers} customers, {args.loads} loads per page, CPU throttled "
              f"{args.throttle:g}x")
        for title, page, route in PAGES:
            if page != "signin" and not driver.get_cookies():
                sign_in(driver, base, "李强", SECRET)
            first, contentful = zip(*(load_once(driver, base, page, route) for _ in range(args.loads)),
                                    strict=True)
            print(f"  {title:8} first paint p95 {percentile(list(first), 0.95):6.0f} ms, first contentful "
                  f"paint p95 {percentile(list(contentful), 0.95):6.0f} ms  (budget {PAINT_BUDGET_MS:.0f})")
    finally:
        driver.quit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slowdown factor (default 4)")
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="smaller: 100 customers, 8 loads")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.loads = 100, 8
    if missing := missing_tools():
        print(f"bench_phone_paint: needs {', '.join(missing)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if args.pg:
        url, schema = pg_schema_url(args.pg)
        try:
            run("PostgreSQL", url, args)
        finally:
            drop_schema(args.pg, schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
