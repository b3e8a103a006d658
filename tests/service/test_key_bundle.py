"""The site's key bundle (service/key_bundle.py): exported under a one-time passphrase, imported by a new
station against the database's key check values, on SQLite and PostgreSQL. A wrong passphrase, another
site's bundle, an altered or foreign text and keys already in the way are refused, writing nothing."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from db import integrity
from db.database import read_session, run_write
from db.keys import KEY_FILES, Keyring
from db.models import JournalEntry
from service import key_bundle, stations, users
from service.desk import Desk
from service.roles import PermissionDenied
from service.store import Store
from tests.db.stores import new_store

PASSWORD = "pw-123456"


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A set-up site: its keys' check values are in the database (as `anchang init` leaves it)."""
    store = new_store(db_url, tmp_path / "site-keys", ("李强",), station="console-1")
    run_write(store.engine, lambda session: integrity.record_key_checks(session, store.keyring))
    users.add_user(store, "经理", "manager", PASSWORD)
    users.add_user(store, "李强", "consultant", PASSWORD)
    yield store
    store.dispose()


def manager(store: Store) -> Desk:
    return Desk(store, users.authenticate(store, "经理", PASSWORD))


def test_a_new_station_imports_the_keys_with_the_passphrase(site: Store, tmp_path: Path) -> None:
    passphrase, text = key_bundle.export_for(manager(site))
    target = tmp_path / "new-station"
    keyring = key_bundle.import_bundle(text, passphrase.lower().replace("-", " "), site.engine, target,
                                       clock=site.clock)
    assert keyring.check_values() == site.keyring.check_values()
    for name in KEY_FILES:
        assert (target / name).read_bytes() == (site.keyring.directory / name).read_bytes()
        assert stat.S_IMODE((target / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in target.iterdir()) == sorted(KEY_FILES)  # no staging left behind
    url = site.engine.url.render_as_string(hide_password=False)
    Store.open(url, target, station="kiosk-2", kind="kiosk").dispose()  # the new station starts
    with pytest.raises(key_bundle.BundleUsed, match="already used"):  # one bundle joins one computer
        key_bundle.import_bundle(text, passphrase, site.engine, tmp_path / "third-station", clock=site.clock)
    assert not (tmp_path / "third-station").exists() or not any((tmp_path / "third-station").iterdir())
    fresh_passphrase, fresh = key_bundle.export_for(manager(site))  # a new bundle joins the third computer
    key_bundle.import_bundle(fresh, fresh_passphrase, site.engine, tmp_path / "third-station", clock=site.clock,
                             stations_made=["kiosk-3"], computer="c" * 32)
    with read_session(site.engine) as session:
        uses = [json.loads(p) for p in session.scalars(
            sa.select(JournalEntry.payload).where(JournalEntry.kind == stations.BUNDLE_USED).order_by(JournalEntry.seq))]
    assert len(uses) == 2 and uses[0]["bundle"] != uses[1]["bundle"]
    assert uses[1]["stations"] == ["kiosk-3"] and uses[1]["computer"] == "c" * 32
    with read_session(site.engine) as session:
        entry = session.scalars(sa.select(JournalEntry).where(JournalEntry.kind == stations.KEYS_EXPORTED)
                                .order_by(JournalEntry.seq)).first()
    assert entry is not None and entry.actor == "经理" and passphrase not in entry.payload


def test_a_wrong_passphrase_is_refused(site: Store, tmp_path: Path) -> None:
    passphrase, text = key_bundle.export_for(manager(site))
    wrong = ("0" if passphrase[0] != "0" else "1") + passphrase[1:]
    with pytest.raises(key_bundle.WrongPassphrase, match="口令错误"):
        key_bundle.import_bundle(text, wrong, site.engine, tmp_path / "new")
    with pytest.raises(key_bundle.WrongPassphrase):
        key_bundle.import_bundle(text, "口令", site.engine, tmp_path / "new")
    assert not any((tmp_path / "new").glob("*.key"))


def test_another_sites_bundle_is_refused(site: Store, tmp_path: Path) -> None:
    other = Keyring.create(tmp_path / "other-site")
    passphrase = key_bundle.new_passphrase()
    text = key_bundle.export_text(other, passphrase)
    with pytest.raises(key_bundle.ForeignBundle, match="另一个站点"):
        key_bundle.import_bundle(text, passphrase, site.engine, tmp_path / "new")
    assert not (tmp_path / "new").exists() or not any((tmp_path / "new").iterdir())


def test_altered_and_foreign_texts_are_refused(site: Store, tmp_path: Path) -> None:
    passphrase, text = key_bundle.export_for(manager(site))
    middle = len(text) // 2  # the last base32 character may carry only padding bits, so alter one inside
    altered = text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1:]
    with pytest.raises(key_bundle.WrongPassphrase):  # AES-GCM: an altered bundle does not open
        key_bundle.import_bundle(altered, passphrase, site.engine, tmp_path / "new")
    for garbage in ("hello", "ANCHANG-KEYS:0189", "ANCHANG-KEYS:" + "A" * 120):
        with pytest.raises(key_bundle.NotABundle):
            key_bundle.import_bundle(garbage, passphrase, site.engine, tmp_path / "new")


def test_other_keys_already_in_the_directory_are_kept(site: Store, tmp_path: Path) -> None:
    passphrase, text = key_bundle.export_for(manager(site))
    target = tmp_path / "busy"
    Keyring.create(target)
    before = {name: (target / name).read_bytes() for name in KEY_FILES}
    with pytest.raises(key_bundle.KeysAlreadyHere):
        key_bundle.import_bundle(text, passphrase, site.engine, target)
    assert {name: (target / name).read_bytes() for name in KEY_FILES} == before


def test_a_database_without_a_site_is_refused(db_url: str, tmp_path: Path) -> None:
    bare = new_store(db_url, tmp_path / "keys", ("李强",))  # no key check values stored
    passphrase = key_bundle.new_passphrase()
    with pytest.raises(key_bundle.BundleError, match="尚未初始化"):
        key_bundle.import_bundle(key_bundle.export_text(bare.keyring, passphrase), passphrase, bare.engine,
                                 tmp_path / "new")
    bare.dispose()


def test_the_bundle_fits_one_qr_code_that_reads_back(site: Store, tmp_path: Path) -> None:
    """~345 bytes: a version-15 code at error correction M; read back from its image, it imports."""
    import segno

    from vision.qr import QrDecoder, qr_matrix_image

    passphrase, text = key_bundle.export_for(manager(site))
    assert key_bundle.qr_fits(text)
    assert segno.make_qr(text, error="m").version <= 16, len(text)
    assert QrDecoder().decode(qr_matrix_image(text, scale=4)) == [text]
    assert not key_bundle.qr_fits(text + "A" * 3000)
    key_bundle.import_bundle(text, passphrase, site.engine, tmp_path / "from-qr", clock=site.clock)


def test_only_managers_and_administrators_export(site: Store) -> None:
    consultant = Desk(site, users.authenticate(site, "李强", PASSWORD))
    with pytest.raises(PermissionDenied):
        key_bundle.export_for(consultant)


def test_a_site_id_whose_digits_look_like_a_phone_is_journalled(site: Store) -> None:
    """The export's journal entry names the site by its 16 hex digits, which may hold an 11-digit run
    (a CI run's site id did): an identifier, not a phone number, for the personal-data guard."""
    seq = stations.note_key_export(manager(site), "7fb17907853935ae")
    with read_session(site.engine) as session:
        entry = session.get(JournalEntry, seq)
        assert entry is not None and entry.kind == stations.KEYS_EXPORTED and "7fb17907853935ae" in entry.payload
