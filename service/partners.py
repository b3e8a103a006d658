"""Partners' API keys: a channel (中介, 分销 platform, 全民经纪人 program) reports customers and reads what
became of its reports; a finance system reads deals; a 小程序's backend books appointments.

A key is made once and printed once (`ak_` and 43 random characters); only its keyed hash is kept
(Keyring.lookup_hash("partner_key", key): a stolen database does not give the keys back, and finding
a key is one indexed lookup, fast enough for every request). A key is scoped by its kind and, for a
channel, by its channel. Adding, suspending, resuming and revoking are journalled with who did it; a
revoked key never comes back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import text_rules
from db.database import read_session
from db.models import Channel, PartnerKey
from judge.reasons import EngineError
from service.desk import Desk
from service.store import Store

KINDS = ("channel", "finance", "appointments")
ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"
ADDED, CHANGED = "partner_key_added", "partner_key_changed"  # journal kinds
LOOKUP_KIND = "partner_key"
KEY_PREFIX = "ak_"


class PartnerRefused(EngineError):
    """A key change refused before anything was written (unknown channel or key, a revoked key)."""


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    kind: str
    channel: str | None
    status: str
    created_at: datetime
    created_by: str


def _partner(row: PartnerKey) -> Partner:
    return Partner(row.id, row.name, row.kind, row.channel, row.status, row.created_at, row.created_by)


def add(desk: Desk, name: str, kind: str, channel: str | None = None) -> tuple[Partner, str]:
    """A new key: (the partner, the key, shown to the caller once and never again)."""
    desk.require("channels.edit")
    name = text_rules.clean_name(name, "合作方名称", "partner name", error=PartnerRefused)
    if kind not in KINDS:
        raise PartnerRefused(f"未知类型 / unknown kind {kind!r}: one of {', '.join(KINDS)}")
    if (kind == "channel") != (channel is not None):
        raise PartnerRefused("渠道密钥须指明渠道，其他类型不能指明 / a channel key names its channel; other kinds name none")
    store = desk.store
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = "pk_" + secrets.token_hex(6)

    def work(session: Session) -> dict[str, Any]:
        if channel is not None and session.get(Channel, channel) is None:
            raise PartnerRefused(f"没有此渠道 / no channel {channel!r}")
        session.add(PartnerKey(id=key_id, name=name, kind=kind, channel=channel, status=ACTIVE,
                               key_hash=store.keyring.lookup_hash(LOOKUP_KIND, key),
                               created_at=store.clock.now(session), created_by=desk.actor))
        return {"id": key_id, "name": name, "kind": kind, "channel": channel}

    store._journal_only(ADDED, desk.actor, work)
    return one(desk, key_id), key


def set_status(desk: Desk, key_id: str, status: str) -> Partner:
    """Suspends, resumes (active) or revokes a key; a revoked key stays revoked."""
    desk.require("channels.edit")
    if status not in (ACTIVE, SUSPENDED, REVOKED):
        raise PartnerRefused(f"未知状态 / unknown status {status!r}")
    store = desk.store

    def work(session: Session) -> dict[str, Any]:
        row = session.get(PartnerKey, key_id)
        if row is None:
            raise PartnerRefused(f"没有此密钥 / no partner key {key_id}")
        if row.status == REVOKED:
            raise PartnerRefused(f"密钥 {key_id} 已吊销，不能再启用 / key {key_id} was revoked: make a new one")
        row.status, row.changed_at = status, store.clock.now(session)
        return {"id": key_id, "status": status}

    store._journal_only(CHANGED, desk.actor, work)
    return one(desk, key_id)


def listed(desk: Desk) -> list[Partner]:
    desk.require("channels.view")
    with read_session(desk.store.engine) as session:
        return [_partner(row) for row in session.scalars(sa.select(PartnerKey).order_by(PartnerKey.created_at,
                                                                                         PartnerKey.id))]


def one(desk: Desk, key_id: str) -> Partner:
    desk.require("channels.view")
    with read_session(desk.store.engine) as session:
        row = session.get(PartnerKey, key_id)
        if row is None:
            raise PartnerRefused(f"没有此密钥 / no partner key {key_id}")
        return _partner(row)


def authenticate(store: Store, key: str) -> Partner | None:
    """The active partner of `key`, else None (unknown, suspended or revoked: the caller says 401 alike)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 128:
        return None
    with read_session(store.engine) as session:
        row = session.scalar(sa.select(PartnerKey).where(
            PartnerKey.key_hash == store.keyring.lookup_hash(LOOKUP_KIND, key)))
        return _partner(row) if row is not None and row.status == ACTIVE else None
