"""Check-ins the store refuses when the outbox flushes them (issue 16, item 3): the visitor saw 已登记, so the
check-in becomes reception's task in the site database instead of a row in the kiosk's file nobody reads,
and a blacklisted agent's check-in raises the same reception alert as an online one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk import checkin as checkin_mod
from kiosk.checkin import Checkin
from kiosk.outbox import Outbox
from service import kiosk_refusals
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, until

ARRIVED = datetime.now(UTC) - timedelta(minutes=20)


def queued(outbox: Outbox, phone: str, **extra: Any) -> str:
    return outbox.put(Checkin(phone=phone, name="张女士", verified=False, arrived_at=ARRIVED, **extra).to_dict())


def test_a_check_in_refused_at_flush_reaches_reception_in_the_database(qtbot: Any, any_store: Store,
                                                                       tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite3", any_store.keyring)
    refused = queued(outbox, "13800003001")  # while the database was away...
    any_store.set_duty([])  # ...the last consultant went off duty
    window = open_window(qtbot, services_for(any_store, outbox=outbox))
    until(qtbot, lambda: kiosk_refusals.open_refusals(any_store) != [] and window.submits.pending == 0)
    [task] = kiosk_refusals.open_refusals(any_store)
    assert (task.ref, task.phone_masked, task.name) == (refused, "138****3001", "张女士")
    assert task.arrived_at == ARRIVED and "值班" in task.reason
    assert outbox.pending() == [] and outbox.rejected() == []  # not left in the kiosk's file
    window.close()


def test_a_blacklisted_agent_from_the_outbox_alerts_reception_as_online(qtbot: Any, store: Store,
                                                                        tmp_path: Path) -> None:
    store.blacklist(agent="周杰")
    online: list[str] = []
    outcome = checkin_mod.submit(store, None, Checkin(phone="13700008887", channel="贝壳", agent="周杰"),
                                 online.append)
    assert outcome.status == "blocked"
    outbox = Outbox(tmp_path / "outbox.sqlite3", store.keyring)
    queued(outbox, "13700008888", channel="贝壳", agent="周杰", source="渠道带访")
    services = services_for(store, outbox=outbox)
    window = open_window(qtbot, services)
    until(qtbot, lambda: outbox.pending() == [] and window.submits.pending == 0)
    assert services.alerts == [online[0].replace("8887", "8888")]  # the same alert, this visitor's number
    assert store.customer_id("13700008888") is None  # not registered, as online
    [task] = kiosk_refusals.open_refusals(store)
    assert task.phone_masked == "137****8888" and task.agent == "周杰" and "黑名单" in task.reason
    window.close()
