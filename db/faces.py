"""Face templates and the consents they rest on. No template without a live consent record; templates
are encrypted under the customer's own key, so erasing a customer erases their face too."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.identity import customer_key
from db.keys import Keyring, decrypt_bytes, encrypt_bytes
from db.models import Consent, FaceTemplate
from judge.reasons import EngineError

TEMPLATES_PER_CUSTOMER = 5


def add_consent(session: Session, customer: int | None, notice_version: str, station: str,
                at: datetime) -> int:
    if not notice_version.strip():
        raise EngineError("同意书版本不能为空 / the consent needs the notice version shown")
    consent = Consent(customer_id=customer, notice_version=notice_version, given_at=at, station=station)
    session.add(consent)
    session.flush()
    return consent.id


def add_template(session: Session, keyring: Keyring, customer: int, consent_id: int, template: bytes,
                 at: datetime, keep: int = TEMPLATES_PER_CUSTOMER) -> int:
    consent = session.get(Consent, consent_id)
    if consent is None or consent.withdrawn_at is not None:
        raise EngineError("没有有效的人脸识别同意记录 / no live consent to face recognition for this template")
    if consent.customer_id is None:
        consent.customer_id = customer  # consent given before the phone was known
    elif consent.customer_id != customer:
        raise EngineError("同意记录属于另一位客户 / that consent belongs to another customer")
    key = customer_key(session, keyring, customer)
    if key is None:
        raise EngineError(f"客户 {customer} 已被删除 / customer {customer} was erased")
    row = FaceTemplate(customer_id=customer, consent_id=consent_id, template_enc=b"", created_at=at)
    session.add(row)
    session.flush()
    row.template_enc = encrypt_bytes(key, template, f"face:{customer}:{row.id}".encode())
    old = session.scalars(sa.select(FaceTemplate.id).where(FaceTemplate.customer_id == customer)
                          .order_by(FaceTemplate.id.desc()).offset(keep)).all()
    if old:
        session.execute(sa.delete(FaceTemplate).where(FaceTemplate.id.in_(old)))
    return row.id


def withdraw(session: Session, customer: int, at: datetime) -> int:
    ids = session.scalars(sa.select(FaceTemplate.id).where(FaceTemplate.customer_id == customer)).all()
    session.execute(sa.delete(FaceTemplate).where(FaceTemplate.id.in_(ids)))
    for consent in session.scalars(sa.select(Consent).where(Consent.customer_id == customer,
                                                            Consent.withdrawn_at.is_(None))):
        consent.withdrawn_at = at
    return len(ids)


def decrypted_templates(session: Session, keyring: Keyring) -> list[tuple[str, bytes]]:
    records: list[tuple[str, bytes]] = []
    keys: dict[int, bytes | None] = {}
    rows = session.execute(sa.select(FaceTemplate.id, FaceTemplate.customer_id, FaceTemplate.template_enc)
                           .order_by(FaceTemplate.id))
    for template_id, customer, blob in rows:
        if customer not in keys:
            keys[customer] = customer_key(session, keyring, customer)
        key = keys[customer]
        if key is not None:
            records.append((str(customer), decrypt_bytes(key, blob, f"face:{customer}:{template_id}".encode())))
    return records
