"""Server-sent events through a real uvicorn: a kiosk check-in of a consultant's customer reaches that
consultant's open stream at once, and nobody else's consultant stream; a number request reaches the
manager's."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx

from tests.server.conftest import PHONE, LiveServer, sign_in


def listen(server: LiveServer, name: str, events: queue.Queue[tuple[str, str, dict[str, Any]]],
           ready: threading.Event, stop: threading.Event) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        sign_in(client, name)
        token = client.cookies.get("anchang_session")  # a Secure cookie: httpx keeps it off plain http://localhost
        with client.stream("GET", "/api/live", headers={"Cookie": f"anchang_session={token}"}) as stream:
            assert stream.status_code == 200
            ready.set()
            event = ""
            for line in stream.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    events.put((name, event, json.loads(line[6:])))


def test_a_check_in_reaches_the_owners_phone_at_once(live_server: LiveServer) -> None:
    events: queue.Queue[tuple[str, str, dict[str, Any]]] = queue.Queue()
    stop = threading.Event()
    readies = []
    for name in ("李强", "王丽", "经理"):
        ready = threading.Event()
        threading.Thread(target=listen, args=(live_server, name, events, ready, stop), daemon=True).start()
        readies.append(ready)
    assert all(ready.wait(10) for ready in readies)
    time.sleep(0.3)  # the streams are registered with the hub once their first byte went out
    started = time.monotonic()
    live_server.store.register_visit(PHONE, consultant="李强")
    got: dict[str, dict[str, Any]] = {}
    while len(got) < 2 and time.monotonic() - started < 5:
        try:
            name, event, data = events.get(timeout=0.2)
        except queue.Empty:
            continue
        if event == "arrival":
            got[name] = data
    elapsed = time.monotonic() - started
    stop.set()
    assert set(got) == {"李强", "经理"}, got  # 王丽's stream is not told of 李强's customer
    assert got["李强"]["phone_masked"] == "138****5678" and got["李强"]["consultant"] == "李强"
    assert PHONE not in json.dumps(got)
    assert elapsed < 5
