from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from db.journal import (
    GENESIS_HASH,
    Checkpoint,
    CheckpointFileError,
    PersonalDataInPayload,
    append,
    canonical_json,
    entry_hash,
    export_checkpoint,
    guard_ddl,
    install_guards,
    make_checkpoint,
    verify,
    verify_signature,
)
from db.keys import Keyring
from db.models import Base, JournalEntry

T0 = datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        install_guards(connection)
    yield engine
    engine.dispose()


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.create(tmp_path / "keys")


def add(session: Session, count: int, kind: str = "visit") -> list[JournalEntry]:
    start = len(session.scalars(sa.select(JournalEntry.seq)).all())
    return [
        append(
            session,
            at=T0 + timedelta(minutes=start + i, microseconds=start + i),
            actor="顾问李",
            station="kiosk-1",
            kind=kind,
            payload={"customer": start + i, "phone": "138****5678", "note": "复访 ✓"},
        )
        for i in range(count)
    ]


# --- canonical JSON and hashes ----------------------------------------------------------------------


def test_canonical_json_is_one_spelling() -> None:
    assert (
        canonical_json({"b": 1, "a": [1, {"d": None, "c": "客户"}]})
        == '{"a":[1,{"c":"客户","d":null}],"b":1}'
    )
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


@pytest.mark.parametrize("bad", [{"at": T0}, {"x": float("nan")}, {"x": {1, 2}}, {"x": b"bytes"}])
def test_canonical_json_refuses_what_has_no_single_spelling(bad: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(bad)


def test_entry_hash_is_sha256_of_the_canonical_fields() -> None:
    expected = hashlib.sha256(
        (
            '{"actor":"a","at":"2025-03-01T09:30:00.123456+00:00","kind":"visit","payload":"{}",'
            f'"prev_hash":"{GENESIS_HASH}","seq":1,"station":"s"}}'
        ).encode()
    ).hexdigest()
    assert entry_hash(GENESIS_HASH, 1, T0, "a", "s", "visit", "{}") == expected


def test_entry_hash_depends_on_every_field_and_not_on_the_time_zone() -> None:
    base = (GENESIS_HASH, 1, T0, "a", "s", "visit", "{}")
    reference = entry_hash(*base)
    beijing = T0.astimezone(timezone(timedelta(hours=8)))
    assert entry_hash(GENESIS_HASH, 1, beijing, "a", "s", "visit", "{}") == reference
    variants = [
        ("1" * 64, 1, T0, "a", "s", "visit", "{}"),
        (GENESIS_HASH, 2, T0, "a", "s", "visit", "{}"),
        (GENESIS_HASH, 1, T0 + timedelta(microseconds=1), "a", "s", "visit", "{}"),
        (GENESIS_HASH, 1, T0, "b", "s", "visit", "{}"),
        (GENESIS_HASH, 1, T0, "a", "t", "visit", "{}"),
        (GENESIS_HASH, 1, T0, "a", "s", "report", "{}"),
        (GENESIS_HASH, 1, T0, "a", "s", "visit", '{"x":1}'),
    ]
    assert len({entry_hash(*v) for v in variants} | {reference}) == len(variants) + 1


_text = st.text(st.characters(codec="utf-8"), max_size=40)


@given(
    prev=_text,
    seq=st.integers(min_value=0, max_value=2**62),
    at=st.datetimes(timezones=st.timezones()),
    actor=_text,
    station=_text,
    kind=_text,
    payload=_text,
)
def test_entry_hash_is_the_hash_of_canonical_json(
    prev: str, seq: int, at: datetime, actor: str, station: str, kind: str, payload: str
) -> None:
    """entry_hash spells the JSON by hand for speed; it must be byte for byte canonical_json."""
    fields = {
        "prev_hash": prev,
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "station": station,
        "kind": kind,
        "payload": payload,
    }
    expected = hashlib.sha256(canonical_json(fields).encode()).hexdigest()
    assert entry_hash(prev, seq, at, actor, station, kind, payload) == expected


@pytest.mark.parametrize(("seq", "actor"), [(1.0, "a"), (True, "a"), (1, 5)])
def test_entry_hash_refuses_wrong_types(seq: object, actor: object) -> None:
    with pytest.raises(TypeError):
        entry_hash(GENESIS_HASH, seq, T0, actor, "s", "visit", "{}")  # type: ignore[arg-type]


def test_entry_hash_refuses_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        entry_hash(GENESIS_HASH, 1, T0.replace(tzinfo=None), "a", "s", "visit", "{}")


# --- appending --------------------------------------------------------------------------------------


def test_append_chains_entries_and_verify_accepts(engine: sa.Engine) -> None:
    with Session(engine) as session:
        first, second, third = add(session, 3)
        session.commit()
        assert [e.seq for e in (first, second, third)] == [1, 2, 3]
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.hash and third.prev_hash == second.hash
        assert json.loads(first.payload) == {"customer": 0, "phone": "138****5678", "note": "复访 ✓"}
    with Session(engine) as session:  # a fresh session reads back exactly what was hashed
        result = verify(session)
    assert result.ok and result.entries_checked == 3 and result.first_bad_seq is None
    assert "intact" in result.message and "完整" in result.message


def test_append_continues_after_a_restart(engine: sa.Engine) -> None:
    with Session(engine) as session:
        add(session, 2)
        session.commit()
    with Session(engine) as session:
        (entry,) = add(session, 1)
        session.commit()
        assert entry.seq == 3
        assert verify(session).ok


def test_append_flushes_but_does_not_commit(engine: sa.Engine) -> None:
    with Session(engine) as session:
        add(session, 2)
        session.rollback()
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 0


def test_verify_empty_journal(engine: sa.Engine) -> None:
    with Session(engine) as session:
        result = verify(session)
    assert result.ok and result.entries_checked == 0


def test_verify_walks_in_small_pages(engine: sa.Engine) -> None:
    with Session(engine) as session:
        add(session, 23)
        session.commit()
        for batch_size in (1, 5, 23, 24):
            result = verify(session, batch_size=batch_size)
            assert result.ok and result.entries_checked == 23, batch_size
        assert len(session.identity_map) == 0  # plain rows: nothing accumulates in the session


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "13800000001"},
        {"phone": "138 0000 0001"},
        {"phone": "138-0000-0001"},
        {"phone": "+8613800000001"},
        {"phone": "8613800000001"},
        {"phone": "１３８０００００００１"},  # full-width
        {"note": "客户电话13800000001请回访"},
        {"phone": "+85291234567"},  # E.164, any country
        {"id": "11010519491231002X"},
        {"id": "11010519491231002x"},
        {"note": "身份证110105199001011234"},
        {"deep": {"list": [1, {"x": ["ok", "13912345678"]}]}},
        {"13800000001": "key, not value"},
    ],
)
def test_append_refuses_plain_personal_data(engine: sa.Engine, payload: dict[str, object]) -> None:
    with Session(engine) as session, pytest.raises(PersonalDataInPayload) as caught:
        append(session, at=T0, actor="a", station="s", kind="visit", payload=payload)
    message = str(caught.value)
    assert "personal data" in message and "个人信息" in message
    assert not re.search(r"\d{5,}", message)  # the number is not repeated in the error


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "138****5678", "head": "138", "tail": "5678"},
        {"customer": 13800000001},  # numbers are not strings: ids and amounts pass
        {"phone_hash": "a13800000001f" + "0" * 51},  # a lookup hash that happens to hold 11 digits
        {"station": "3f2a9c1e-1380-0000-0001-0a1b2c3d4e5f"},
        {"at": "2025-03-01T09:30:00.123456+00:00", "amount": "1380000.00", "room": "1-1302"},
        {"order": "202503011234"},  # 12 digits
        {"evidence": [1, 2, 3]},
    ],
)
def test_append_accepts_payloads_without_personal_data(engine: sa.Engine, payload: dict[str, object]) -> None:
    with Session(engine) as session:
        entry = append(session, at=T0, actor="a", station="s", kind="visit", payload=payload)
        assert json.loads(entry.payload) == payload


@pytest.mark.parametrize(
    ("field", "value"),
    [("actor", ""), ("actor", "x" * 65), ("station", ""), ("kind", "k" * 33)],
)
def test_append_checks_field_sizes(engine: sa.Engine, field: str, value: str) -> None:
    fields = {"actor": "a", "station": "s", "kind": "visit", field: value}
    with Session(engine) as session, pytest.raises(ValueError, match=field):
        append(session, at=T0, payload={}, **fields)


def test_append_refuses_naive_time(engine: sa.Engine) -> None:
    with Session(engine) as session, pytest.raises(ValueError, match="naive"):
        append(session, at=datetime(2025, 1, 1), actor="a", station="s", kind="visit", payload={})


# --- database guards --------------------------------------------------------------------------------


def test_database_refuses_update_and_delete(engine: sa.Engine) -> None:
    with Session(engine) as session:
        add(session, 3)
        session.commit()
    for statement in (
        "UPDATE journal SET payload = '{}' WHERE seq = 2",
        "UPDATE journal SET seq = seq + 10",
        "DELETE FROM journal WHERE seq = 3",
        "DELETE FROM journal",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    with Session(engine) as session:
        assert verify(session).entries_checked == 3


def test_database_refuses_orm_update(engine: sa.Engine) -> None:
    with Session(engine) as session:
        (entry,) = add(session, 1)
        session.commit()
        entry.payload = '{"changed":true}'
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.commit()


def test_postgresql_refuses_truncate(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with Session(engine) as session:
        add(session, 2)
        session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE journal")
    with Session(engine) as session:
        assert verify(session).entries_checked == 2


def test_install_guards_is_idempotent(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        install_guards(connection)
        install_guards(connection)
    with Session(engine) as session:
        add(session, 1)
        session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM journal")


def test_guard_ddl_per_dialect() -> None:
    sqlite = " ".join(guard_ddl("sqlite"))
    assert "BEFORE UPDATE ON journal" in sqlite and "BEFORE DELETE ON journal" in sqlite
    assert "RAISE(ABORT" in sqlite and "DROP TRIGGER IF EXISTS" in sqlite
    postgres = " ".join(guard_ddl("postgresql"))
    assert "plpgsql" in postgres and "BEFORE UPDATE OR DELETE ON journal" in postgres
    assert "BEFORE TRUNCATE ON journal" in postgres
    with pytest.raises(ValueError, match="mysql"):
        guard_ddl("mysql")


# --- checkpoints ------------------------------------------------------------------------------------


def test_checkpoint_signs_the_head(engine: sa.Engine, keyring: Keyring) -> None:
    with Session(engine) as session:
        entries = add(session, 4)
        session.commit()
        checkpoint = make_checkpoint(session, keyring, T0 + timedelta(days=1))
        assert (checkpoint.seq, checkpoint.hash) == (4, entries[-1].hash)
        assert checkpoint.public_key_pem == keyring.public_key_pem()
        assert verify_signature(checkpoint)
        assert verify_signature(checkpoint, trusted_public_key_pem=keyring.public_key_pem())
        result = verify(session, checkpoint, trusted_public_key_pem=keyring.public_key_pem())
    assert result.ok and result.entries_checked == 4 and "checkpoint 4" in result.message


def test_checkpoint_of_empty_journal(engine: sa.Engine, keyring: Keyring) -> None:
    with Session(engine) as session:
        checkpoint = make_checkpoint(session, keyring, T0)
        assert (checkpoint.seq, checkpoint.hash) == (0, GENESIS_HASH)
        site_key = keyring.public_key_pem()
        assert verify(session, checkpoint, trusted_public_key_pem=site_key).ok
        add(session, 2)
        assert verify(session, checkpoint, trusted_public_key_pem=site_key).ok  # later entries are fine


def test_checkpoint_file_round_trip(engine: sa.Engine, keyring: Keyring, tmp_path: Path) -> None:
    with Session(engine) as session:
        add(session, 3)
        session.commit()
        path = export_checkpoint(session, keyring, tmp_path / "exports", T0)
    assert path == tmp_path / "exports" / "checkpoint-3.json"
    loaded = Checkpoint.from_file(path)
    assert loaded.seq == 3 and loaded.at == T0
    assert verify_signature(loaded)
    with Session(engine) as session:
        assert verify(session, loaded, trusted_public_key_pem=keyring.public_key_pem()).ok


def test_any_change_to_a_checkpoint_breaks_its_signature(keyring: Keyring, tmp_path: Path) -> None:
    from dataclasses import replace

    checkpoint = Checkpoint(7, "ab" * 32, T0, "", keyring.public_key_pem())
    signed = replace(checkpoint, signature=keyring.signing_key.sign(checkpoint.signed_message()).hex())
    assert verify_signature(signed)
    assert not verify_signature(replace(signed, seq=8))
    assert not verify_signature(replace(signed, hash="cd" * 32))
    assert not verify_signature(replace(signed, at=T0 + timedelta(microseconds=1)))
    assert not verify_signature(replace(signed, signature="00" * 64))
    assert not verify_signature(replace(signed, signature="not hex"))
    assert not verify_signature(replace(signed, public_key_pem="garbage"))
    other = Keyring.create(tmp_path / "other")
    by_other = replace(
        signed,
        signature=other.signing_key.sign(signed.signed_message()).hex(),
        public_key_pem=other.public_key_pem(),
    )
    assert verify_signature(by_other)  # self-consistent...
    assert not verify_signature(by_other, trusted_public_key_pem=keyring.public_key_pem())  # ...not ours


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "cannot read JSON"),
        ("[]", "not a anchang-journal-checkpoint/1 file"),
        ('{"format": "other"}', "not a anchang-journal-checkpoint/1 file"),
        ('{"format": "anchang-journal-checkpoint/1", "seq": 1}', "'hash' missing"),
        ("SEQ_AS_TEXT", "'seq' missing or not int"),
        ("BAD_HASH", "hash is not 64 hex"),
        ("BAD_TIME", "bad time"),
        ("NAIVE_TIME", "no time zone"),
    ],
)
def test_malformed_checkpoint_file(keyring: Keyring, tmp_path: Path, content: str, reason: str) -> None:
    good = json.loads(Checkpoint(1, "ab" * 32, T0, "00", keyring.public_key_pem()).to_json())
    edits = {
        "SEQ_AS_TEXT": {"seq": "1"},
        "BAD_HASH": {"hash": "xyz"},
        "BAD_TIME": {"at": "yesterday"},
        "NAIVE_TIME": {"at": "2025-03-01T09:30:00"},
    }
    if content in edits:
        content = json.dumps(good | edits[content])
    path = tmp_path / "checkpoint-1.json"
    path.write_text(content)
    with pytest.raises(CheckpointFileError) as caught:
        Checkpoint.from_file(path)
    assert reason in str(caught.value) and str(path) in str(caught.value)


def test_missing_checkpoint_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointFileError, match="cannot read"):
        Checkpoint.from_file(tmp_path / "nowhere.json")
