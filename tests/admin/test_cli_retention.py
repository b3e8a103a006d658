"""`anchang forget` and `anchang purge`: crypto-shredding that leaves a journal that still verifies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from admin.cli import main
from db import identity
from db.clock import SystemClock
from db.database import make_engine
from db.keys import Keyring
from db.models import Customer, CustomerKey, Identity, JournalEntry, RefusedCheckin
from service import kiosk_refusals
from service.store import ManualClock, Store

NOW = datetime.now(UTC)


@pytest.fixture
def store(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    with monkeypatch.context() as earlier:  # init journals its first admin: before the story starts
        earlier.setattr(SystemClock, "now", lambda self, session: NOW - timedelta(days=21))
        earlier.setattr(SystemClock, "sql_now", staticmethod(lambda dialect_name: None))
        assert main(["init"]) == 0
    s = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(NOW - timedelta(days=20)))
    s.add_consultant("王丽")
    s.add_channel("贝壳", ["周杰"])
    s.set_duty(["王丽"])
    yield s
    s.dispose()


def at(store: Store, days_ago: float) -> None:
    store.clock.at = NOW - timedelta(days=days_ago)  # type: ignore[attr-defined]


def erasures(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(JournalEntry.payload).where(JournalEntry.kind == "erasure")).scalars()
        return [json.loads(p) for p in rows]


def phone_of(store: Store, customer: int) -> str | None:
    with Session(store.engine) as session:
        return identity.reveal_phone(session, store.keyring, customer)


def test_forget(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    at(store, 2)
    customer = store.register_visit("13812340001", name="张三").customer_id
    other = store.register_visit("13812340002").customer_id
    assert customer is not None and other is not None
    assert phone_of(store, customer) == "+8613812340001"
    capsys.readouterr()
    assert main(["forget", "138 1234 0001"]) == 0
    out = capsys.readouterr().out
    assert f"#{customer}" in out and "138****0001" in out and "13812340001" not in out

    assert phone_of(store, customer) is None  # the key is gone: nothing can be decrypted
    with Session(store.engine) as session:
        row = session.get(Customer, customer)
        assert row is not None and row.forgotten and row.name_enc is None and row.phone_masked is None
        assert session.get(CustomerKey, customer) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Identity)
                              .where(Identity.customer_id == customer)) == 0
    assert phone_of(store, other) == "+8613812340002"
    assert erasures(store) == [{"customer": customer, "reason": "request"}]
    assert main(["verify"]) == 0
    assert store.customer_id("13812340001") is None

    assert main(["forget", "13812340001"]) == 2  # already erased: nobody has that number any more
    assert "no customer" in capsys.readouterr().err


def test_forget_refuses_bad_input(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forget", "12345"]) == 2
    assert "invalid phone number" in capsys.readouterr().err
    assert main(["forget", "13812349999"]) == 2
    err = capsys.readouterr().err
    assert "no customer" in err and err.count("\n") == 1
    assert erasures(store) == []


def test_purge_with_a_short_retention(store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data_dir / "anchang.toml").write_text("[retention]\ncustomer_days = 5\n", encoding="utf-8")
    at(store, 12)
    stale = store.register_visit("13812340001").customer_id
    came_back = store.register_visit("13812340002").customer_id
    at(store, 10)
    reported_only = store.record_report("贝壳", "周杰", "13812340004").customer_id  # reported, never came
    at(store, 2)
    store.register_visit("13812340002")  # a return visit keeps this customer
    fresh = store.register_visit("13812340003").customer_id
    capsys.readouterr()

    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "retention 5 days" in out and "138****0001" in out and "138****0004" in out
    assert "138****0002" not in out and "138****0003" not in out
    assert "nothing was erased" in out
    assert erasures(store) == []

    assert main(["purge"]) == 0
    assert "erased the personal data of 2 customers" in capsys.readouterr().out
    assert erasures(store) == [{"customer": c, "reason": "retention"} for c in (stale, reported_only)]
    assert stale is not None and phone_of(store, stale) is None
    assert reported_only is not None and phone_of(store, reported_only) is None
    assert came_back is not None and phone_of(store, came_back) == "+8613812340002"
    assert fresh is not None and phone_of(store, fresh) == "+8613812340003"
    assert main(["verify"]) == 0
    assert main(["purge"]) == 0  # nothing left to do
    assert "erased the personal data of 0 customers" in capsys.readouterr().out


def test_purge_refuses_a_bad_retention_setting(store: Store, data_dir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (data_dir / "anchang.toml").write_text("[retention]\ncustomer_days = \"forever\"\n", encoding="utf-8")
    assert main(["purge"]) == 1
    assert "customer_days" in capsys.readouterr().err


def refused_at_kiosk(store: Store, ref: str, phone: str) -> None:
    arrived = store.clock.at  # type: ignore[attr-defined]
    kiosk_refusals.record(store, {"ref": ref, "phone": phone, "name": "赵先生", "verified": False,
                                  "arrived_at": arrived}, "没有值班顾问 / no consultant on duty")


def test_forget_erases_the_refused_check_ins_of_a_number_that_never_became_a_customer(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    at(store, 2)
    refused_at_kiosk(store, "k-1", "13812340005")
    capsys.readouterr()
    assert main(["forget", "13812340005"]) == 0
    out = capsys.readouterr().out
    assert "no customer with this number" in out and "1 refused kiosk check-in" in out and "13812340005" not in out
    assert kiosk_refusals.open_refusals(store) == []
    assert main(["verify"]) == 0
    assert main(["forget", "13812340005"]) == 2  # nothing is left for that number
    assert "no refused check-in" in capsys.readouterr().err


def test_purge_erases_refused_check_ins_handled_before_the_retention_period(
        store: Store, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (data_dir / "anchang.toml").write_text("[retention]\ncustomer_days = 5\n", encoding="utf-8")
    at(store, 12)
    refused_at_kiosk(store, "old", "13812340006")
    refused_at_kiosk(store, "still-open", "13812340007")
    with Session(store.engine) as session:  # reception handled "old" 12 days ago
        session.execute(sa.update(RefusedCheckin).where(RefusedCheckin.ref == "old")
                        .values(handled_at=NOW - timedelta(days=12), handled_by="前台"))
        session.commit()
    capsys.readouterr()
    assert main(["purge", "--dry-run"]) == 0
    assert "refused kiosk check-ins handled before the cutoff: 1" in capsys.readouterr().out
    assert main(["purge"]) == 0
    assert "erased 1 refused kiosk check-ins" in capsys.readouterr().out
    with Session(store.engine) as session:
        assert session.get(RefusedCheckin, "old").detail_enc is None  # type: ignore[union-attr]
        assert session.get(RefusedCheckin, "still-open").detail_enc is not None  # type: ignore[union-attr]
    assert main(["verify"]) == 0


def test_scrub_says_the_storage_is_scrubbed(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["scrub"]) == 0
    assert "storage scrubbed" in capsys.readouterr().out
