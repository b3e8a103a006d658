"""Attribution must not change without `anchang verify` noticing: edited engine snapshots and projections,
stations kept open across a restore, another site's key files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from admin.cli import main
from db.database import make_engine
from db.keys import LOOKUP_KEY_FILE, MASTER_KEY_FILE, SIGNING_KEY_FILE, Keyring, KeysMismatch
from db.models import Customer, EngineSnapshot
from judge import snapshot
from service.store import ManualClock, Store

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LATER = datetime(2099, 1, 1, tzinfo=UTC)  # after any rule change the test makes, whatever clock stamped it


@pytest.fixture
def store(db_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A site made by `anchang init` (keys, key check values), two consultants on duty."""
    monkeypatch.setenv("ANCHANG_DATABASE_URL", db_url)
    assert main(["init"]) == 0
    s = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(T0), station="kiosk1")
    s.add_consultant("A")
    s.add_consultant("B")
    s.set_duty(["A", "B"])
    yield s
    s.dispose()


def later(store: Store, hours: float) -> None:
    store.clock.at = T0 + timedelta(hours=hours)  # type: ignore[attr-defined]


def customers(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one())
    engine.dispose()
    return count


# ------------------------------------------------------------------ snapshots
def snapshot_with_owner(state: str, customer: int, owner: str) -> str:
    """The snapshot's text with `customer` given to `owner`, written back as the station writes it."""
    journal_hash, data = snapshot.parse(state)
    table, fields = data["state"]["customers"], data["layout"]["CustomerState"]
    table["columns"][fields.index("owner")][table["keys"].index(customer)] = owner
    return snapshot.text(data, journal_hash)


def test_an_edited_snapshot_is_ignored_reported_and_named_by_verify(
        store: Store, db_url: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    owner = store.register_visit("13800000001").assigned_to
    other = "B" if owner == "A" else "A"
    seq = store.save_snapshot()
    with store.engine.begin() as conn:  # someone with database rights gives the customer to `other`
        state = conn.execute(sa.select(EngineSnapshot.state)).scalar_one()
        edited = snapshot_with_owner(state, 1, other)
        assert edited != state
        conn.execute(sa.update(EngineSnapshot).values(state=edited))
    kiosk = Store(make_engine(db_url), Keyring.load(data_dir), clock=store.clock, station="kiosk2")
    later(kiosk, 2)
    again = kiosk.register_visit("13800000001")
    assert again.assigned_to == owner and not again.outcome.touched_cases
    assert kiosk.rejected_snapshots == [seq]
    capsys.readouterr()
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"engine snapshot #{seq} untrusted" in out and "bad MAC" in out
    assert f"engine snapshot #{seq} differs from a replay of the journal: customers #1 (owner)" in out

    kiosk.snapshot_every = 1  # the untrusted snapshot does not count: a good one is due and replaces it
    assert kiosk.snapshot_due()
    kiosk.save_snapshot()
    kiosk.dispose()
    assert main(["verify"]) == 0
    later_kiosk = Store(make_engine(db_url), Keyring.load(data_dir), clock=store.clock, station="kiosk3")
    assert later_kiosk.site() is not None and later_kiosk.rejected_snapshots == []
    later_kiosk.dispose()


def test_verify_passes_on_an_untouched_site_and_names_an_edited_projection(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    result = store.register_visit("13800000001")
    store.save_snapshot()
    capsys.readouterr()
    assert main(["verify"]) == 0
    assert "engine snapshots and projections match" in capsys.readouterr().out
    other = "B" if result.assigned_to == "A" else "A"
    with store.engine.begin() as conn:
        conn.execute(sa.update(Customer).where(Customer.id == result.customer_id).values(owner=other))
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"projection customers differs from a rebuild: 不符 / differs #{result.customer_id} (owner)" in out
    assert "engine snapshot" not in out  # the snapshot still matches: only the table is named


# ------------------------------------------------- a station open across a restore
def test_a_station_open_across_a_restore_judges_on_the_restored_journal(
        store: Store, db_url: str, data_dir: Path, tmp_path: Path) -> None:
    kiosk = store  # stays open the whole time, like a kiosk in the sales office
    kiosk.register_visit("13800000001")
    backup = tmp_path / "before-rule-change"
    assert main(["backup", "--out", str(backup)]) == 0
    later(kiosk, 1)
    kiosk.change_rules({"protection.consultant_days": 3})  # after the backup: the restore takes it away
    assert kiosk.rules_at(LATER)["protection.consultant_days"] == 3
    assert main(["restore", str(backup), "--accept-loss", "--reason", "测试：撤回规则变更"]) == 0
    # another station writes one entry: the journal is as long as the kiosk remembers, but different
    console = Store(make_engine(db_url), Keyring.load(data_dir), clock=ManualClock(T0 + timedelta(hours=2)))
    console.register_visit("13800000002")
    console.dispose()
    assert kiosk.rules_at(LATER)["protection.consultant_days"] == 30
    assert kiosk.customer_view("13800000002") is not None
    later(kiosk, 3)
    assert kiosk.register_visit("13800000003").seq > 0  # and it writes on the restored journal
    assert main(["verify"]) == 0


# ---------------------------------------------------------------- key check
def test_another_sites_keys_are_refused_before_anything_is_written(
        store: Store, db_url: str, data_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    store.register_visit("13800000001")
    other_site = tmp_path / "other-site"
    other = Keyring.create(other_site)
    with pytest.raises(KeysMismatch, match=MASTER_KEY_FILE):
        Store.open(db_url, other_site)
    stranger = Store(make_engine(db_url), other, clock=store.clock, station="kiosk9")
    with pytest.raises(KeysMismatch, match="do not belong to this database"):
        stranger.register_visit("13800000001")  # would have made a second customer with a second owner
    stranger.dispose()
    assert customers(db_url) == 1

    mixed = tmp_path / "mixed"  # this site's master and signing keys, another site's lookup key
    mixed.mkdir()
    for name in (MASTER_KEY_FILE, SIGNING_KEY_FILE):
        shutil.copy(data_dir / name, mixed / name)
    shutil.copy(other_site / LOOKUP_KEY_FILE, mixed / LOOKUP_KEY_FILE)
    with pytest.raises(KeysMismatch) as refused:
        Store.open(db_url, mixed)
    assert refused.value.wrong == [LOOKUP_KEY_FILE]

    monkeypatch.setenv("ANCHANG_DATA_DIR", str(other_site))
    capsys.readouterr()
    assert main(["init"]) == 1  # init makes nothing there: the keys are another site's, join instead
    refused = capsys.readouterr().err
    assert "本机密钥属于另一个站点" in refused and "anchang join BUNDLE_FILE" in refused
    assert main(["verify"]) == 1
    assert "do not belong to this database" in capsys.readouterr().out
    assert customers(db_url) == 1


def test_init_records_the_key_check_once_and_keeps_it(store: Store, db_url: str, data_dir: Path) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT key_file, value FROM key_checks")).all())
    engine.dispose()
    assert stored == Keyring.load(data_dir).check_values()
    assert main(["init"]) == 0  # again, same keys: accepted, unchanged
    assert Store.open(db_url, data_dir).site() is not None
