"""Face templates in the store: consent first, encrypted per customer, gone with withdrawal or erasure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from db import migrate
from db.database import make_engine
from db.keys import Keyring
from db.models import FaceTemplate, JournalEntry
from judge.reasons import EngineError
from service.store import ManualClock, Store


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    s = Store(engine, Keyring.create(tmp_path / "keys"), clock=ManualClock(datetime(2026, 3, 1, 2, tzinfo=UTC)))
    s.add_consultant("A")
    s.register_visit("13800000001", consultant="A")
    s.register_visit("13800000002", consultant="A")
    yield s
    s.dispose()


def template(seed: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(128).astype(np.float32).tobytes()


def test_no_template_without_consent(store: Store) -> None:
    with pytest.raises(EngineError, match="consent"):
        store.enrol_face("13800000001", template(1), consent_id=999)
    assert store.face_templates() == []


def test_templates_are_encrypted_and_come_back_for_the_gallery(store: Store) -> None:
    consent = store.record_consent("face-notice-v1")  # tapped before the phone was entered
    store.enrol_face("13800000001", template(1), consent)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(FaceTemplate.template_enc)).scalar_one()
        payloads = " ".join(conn.execute(sa.select(JournalEntry.payload)).scalars())
    assert template(1) not in stored and len(stored) > len(template(1))
    assert "face-notice-v1" in payloads
    customer = store.customer_id("13800000001")
    assert store.face_templates() == [(str(customer), template(1))]
    other = store.record_consent("face-notice-v1", phone="13800000002")
    with pytest.raises(EngineError, match="another customer"):
        store.enrol_face("13800000001", template(2), other)


def test_only_the_newest_templates_are_kept(store: Store) -> None:
    consent = store.record_consent("v1", phone="13800000001")
    for seed in range(8):
        store.enrol_face("13800000001", template(seed), consent)
    assert [t for _, t in store.face_templates()] == [template(s) for s in range(3, 8)]


def test_withdrawal_and_erasure_remove_the_face(store: Store) -> None:
    first = store.record_consent("v1", phone="13800000001")
    second = store.record_consent("v1", phone="13800000002")
    store.enrol_face("13800000001", template(1), first)
    store.enrol_face("13800000002", template(2), second)
    assert store.withdraw_consent("13800000001") == 1
    with pytest.raises(EngineError, match="consent"):
        store.enrol_face("13800000001", template(3), first)
    store.forget("13800000002")
    assert store.face_templates() == []
