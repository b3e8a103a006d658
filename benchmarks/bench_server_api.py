"""The site server's budgets (docs/site-server.md): API p95 ≤ 50 ms, a kiosk check-in on the owner's
phone ≤ 1 s p95 with PHONES phones connected to live updates, the kiosk's check-in p95 ≤ 100 ms meanwhile.

    python -m benchmarks.bench_server_api [--customers N] [--requests N] [--phones N] [--pg URL]

A site with CUSTOMERS customers of 李强 (and the pool), the real application under uvicorn on
127.0.0.1 over plain HTTP (the loopback: TLS costs the same on every route and is left out), one
signed-in httpx client timing the consultant's routes, PHONES event streams open, and check-ins
written through the store as the kiosk writes them, each timed to its arrival on the owner's stream.
SQLite, and PostgreSQL with --pg (or ANCHANG_TEST_PG_URL).
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from benchmarks._synthetic import drop_schema, percentile, pg_schema_url  # noqa: E402
from db import migrate  # noqa: E402
from db.database import make_engine  # noqa: E402
from db.keys import Keyring  # noqa: E402
from server.tour import served  # noqa: E402
from service import users  # noqa: E402
from service.store import Store  # noqa: E402

API_BUDGET_MS, ARRIVAL_BUDGET_MS, KIOSK_BUDGET_MS = 50.0, 1000.0, 100.0
SECRET = "bench-pass-1"


def site(url: str, keys: Path, customers: int) -> Store:
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Store(engine, Keyring.create(keys), station="bench")
    for name in ("李强", "王丽"):
        store.add_consultant(name)
        users.add_user(store, name, "consultant", SECRET, consultant=name)
    store.set_duty(["李强", "王丽"])
    for n in range(customers):
        store.register_visit(f"139{n:08d}", consultant="李强" if n % 2 == 0 else "王丽", name=f"张{n}")
    return store


def signed_in(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    answer = client.post("/api/session", json={"name": name, "secret": SECRET})
    token = client.cookies.get("anchang_session")
    client.headers.update({"Cookie": f"anchang_session={token}", "X-CSRF-Token": answer.json()["csrf"]})
    return client, str(token)


def time_routes(client: httpx.Client, requests: int) -> dict[str, float]:
    customer = client.get("/api/customers").json()[0]["id"]
    routes = {"GET /api/customers": lambda: client.get("/api/customers"),
              "GET /api/customers?q=0001": lambda: client.get("/api/customers", params={"q": "0001"}),
              "GET /api/customers/{id}": lambda: client.get(f"/api/customers/{customer}"),
              "GET /api/today": lambda: client.get("/api/today"),
              "POST follow-up": lambda: client.post(f"/api/customers/{customer}/follow-ups",
                                                    json={"kind": "电话", "note": "回访"})}
    found = {}
    for label, call in routes.items():
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            answer = call()
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code < 300, answer.text
        found[label] = percentile(times, 0.95)
    return found


def arrivals(store: Store, base: str, token: str, phones: int, checkins: int) -> tuple[float, float]:
    """(owner's phone p95, kiosk write p95) in ms, with `phones` streams open (all 李强's)."""
    heard: queue.Queue[tuple[int, float]] = queue.Queue()
    opened = threading.Semaphore(0)

    def phone(watch: bool) -> None:
        try:
            with httpx.Client(base_url=base, timeout=None) as client, \
                    client.stream("GET", "/api/live", headers={"Cookie": f"anchang_session={token}"}) as stream:
                opened.release()
                for line in stream.iter_lines():
                    if watch and line.startswith("data: ") and '"seq"' in line:
                        heard.put((int(line.split('"seq": ')[1].split(",")[0]), time.perf_counter()))
        except httpx.HTTPError:
            return  # the server stopped at the end of the run

    for n in range(phones):
        threading.Thread(target=phone, args=(n == 0,), daemon=True).start()
    for _ in range(phones):
        opened.acquire()
    time.sleep(0.5)
    to_phone, kiosk = [], []
    for n in range(checkins):
        started = time.perf_counter()
        written = store.register_visit(f"137{n:08d}", consultant="李强")
        kiosk.append((time.perf_counter() - started) * 1000)
        while True:
            seq, at = heard.get(timeout=10)
            if seq == written.seq:
                to_phone.append((at - started) * 1000)
                break
        time.sleep(0.2)
    return percentile(to_phone, 0.95), percentile(kiosk, 0.95)


def run(label: str, url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as keys:
        store = site(url, Path(keys), args.customers)
        with served(store, poll_interval=None) as base:
            client, token = signed_in(base, "李强")
            print(f"--- {label}: {args.customers} customers, {args.requests} requests per route")
            for route, p95 in time_routes(client, args.requests).items():
                print(f"  {route:28} p95 {p95:7.1f} ms  (budget {API_BUDGET_MS:.0f})")
            phone_p95, kiosk_p95 = arrivals(store, base, token, args.phones, args.checkins)
            print(f"  check-in on the owner's phone, {args.phones} phones connected: p95 {phone_p95:.0f} ms "
                  f"(budget {ARRIVAL_BUDGET_MS:.0f}); the kiosk's write meanwhile p95 {kiosk_p95:.1f} ms "
                  f"(budget {KIOSK_BUDGET_MS:.0f})")
            client.close()
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--checkins", type=int, default=30)
    parser.add_argument("--pg", default=os.environ.get("ANCHANG_TEST_PG_URL"))
    parser.add_argument("--quick", action="store_true", help="smaller: 100 customers, 30 requests, 20 phones")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.requests, args.phones, args.checkins = 100, 30, 20, 10
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args)
    if args.pg:
        url, schema = pg_schema_url(args.pg)
        try:
            run("PostgreSQL", url, args)
        finally:
            drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()
