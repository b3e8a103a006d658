"""Eight kiosks register the same 400 phones at once, each through its own process and Store.

The site-wide write lock must turn that into one customer per phone, a journal holding every
acknowledged registration in one unbroken chain, and projections equal to a rebuild from the journal.
"""

from __future__ import annotations

import json
import multiprocessing
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from _writer import CONSULTANTS, phone, register_all
from sqlalchemy.orm import Session

from db import journal, migrate
from db.database import make_engine
from db.keys import Keyring
from db.models import Customer, Identity, JournalEntry
from db.projection import snapshot_rows
from service.store import Store

WRITERS = 8
PHONES = 400  # x 8 writers: 3,200 registrations racing on the same numbers
WORKER_TIMEOUT_S = 600


def phone_orders(phones: list[str]) -> list[list[str]]:
    """Half the writers walk the list in the same order (they race for every new phone at the same
    instant); the other half each walk it shuffled (new and returning visitors interleave)."""
    orders = []
    for i in range(WRITERS):
        order = list(phones)
        if i >= WRITERS // 2:
            random.Random(i).shuffle(order)
        orders.append(order)
    return orders


def run_writers(url: str, key_dir: Path, orders: list[list[str]]) -> dict[str, list[tuple[int, str, int]]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(orders))
    results = context.Queue()
    processes = [
        context.Process(target=register_all, args=(url, key_dir, f"kiosk{i}", order, barrier, results))
        for i, order in enumerate(orders)
    ]
    for process in processes:
        process.start()
    acknowledged: dict[str, list[tuple[int, str, int]]] = {}
    try:
        for _ in processes:
            station, outcome = results.get(timeout=WORKER_TIMEOUT_S)
            assert not isinstance(outcome, str), f"{station} failed:\n{outcome}"
            acknowledged[station] = outcome
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return acknowledged


@pytest.mark.slow
def test_eight_kiosks_registering_the_same_phones_at_once(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    key_dir = tmp_path / "keys"
    store = Store(engine, Keyring.create(key_dir), station="console")
    for name in CONSULTANTS:
        store.add_consultant(name)
    store.set_duty(list(CONSULTANTS))

    phones = [phone(13_000_000 + 7 * n) for n in range(PHONES)]
    acknowledged = run_writers(db_url, key_dir, phone_orders(phones))

    acks = [ack for station_acks in acknowledged.values() for ack in station_acks]
    assert len(acks) == WRITERS * PHONES
    ack_seqs = {seq for seq, _, _ in acks}
    assert len(ack_seqs) == len(acks), "two registrations were acknowledged with the same journal seq"

    # One customer per phone: every kiosk was told the same customer for a phone, and only one exists.
    customer_of_phone: dict[str, set[int]] = {}
    for _, number, customer in acks:
        customer_of_phone.setdefault(number, set()).add(customer)
    assert all(len(found) == 1 for found in customer_of_phone.values())
    assert len({found.pop() for found in customer_of_phone.values()}) == PHONES

    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == PHONES
        phone_rows = session.scalar(sa.select(sa.func.count()).select_from(Identity).where(Identity.kind == "phone"))
        assert phone_rows == PHONES
        assert {store.customer_id(number) for number in phones} == {customer for _, _, customer in acks}

        # Nothing lost, nothing extra: the visits in the journal are exactly the acknowledged ones.
        rows = session.execute(sa.select(JournalEntry.seq, JournalEntry.kind, JournalEntry.payload)
                               .order_by(JournalEntry.seq)).all()
        assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
        visits = {row.seq: json.loads(row.payload)["customer"] for row in rows if row.kind == "visit"}
        assert visits == {seq: customer for seq, _, customer in acks}
        checked = journal.verify(session)
        assert checked.ok, checked.message
        assert checked.entries_checked == len(rows)

    # Exactly one owner per customer in the engine, and the projection says the same.
    site = store.site()
    customers = [site.customers[customer] for customer in visits.values()]
    assert all(c.owner in CONSULTANTS and c.merged_into is None and len(c.visits) == WRITERS
               for c in customers)
    before = _snapshot(engine)
    owners = {row[0]: row[2] for row in before["customers"]}
    assert owners == {c.id: c.owner for c in customers}
    assert {row[9] for row in before["customers"]} == {WRITERS}  # visit_count

    store.rebuild()
    assert _snapshot(engine) == before
    store.dispose()


def _snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    with Session(engine) as session:
        return snapshot_rows(session)


def test_writers_fail_loudly_rather_than_hang(tmp_path: Path) -> None:
    """The harness itself: a writer that cannot open the site reports its error instead of hanging."""
    with pytest.raises(AssertionError, match="kiosk0 failed"):
        run_writers(f"sqlite:///{tmp_path / 'absent.sqlite3'}", tmp_path / "no-keys", [["13800000000"]])

