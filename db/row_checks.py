"""Rows the journal vouches for without holding them: users, customers' identities, notes.

A station's database role may write these tables (it must: lock-out counters, new customers, notes), so
`anchang verify` compares them with what the journal says:
- users: every user's role, consultant and active flag as the journal's `user` entries leave them;
- identities: each number decrypts under its own customer's key for its own row (the ciphertext names
  the customer), its lookup hash is the number's, and a phone's 前三后四 pseudonym is one the journal's
  facts carry for that customer (where the customer has any: a re-pointed phone fails both);
- notes: every note a journal entry references exists and still hashes to its ref, unless an erasure
  of the customer it concerns is journalled after it (a lawful erasure, not a deleted reason).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.keys import FieldDecryptError, Keyring, KeyUnwrapError, decrypt_field
from db.models import CustomerKey, Identity, JournalEntry, Note, Pseudonym, UserAccount
from db.personal import InvalidPhone, masked_form
from judge.engine import Site

NOTE_REF = re.compile(r"^[0-9a-f]{64}$")
NOTE_FIELDS = ("note", "reason")  # payload fields that hold a note's ref (an erasure's reason is plain text)
SHOWN = 5


@dataclass
class _Journalled:
    """What one pass over the journal's payloads tells about the rows checked here."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    masks: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # customer -> mask tokens
    notes: dict[str, tuple[int, set[int]]] = field(default_factory=dict)  # ref -> (seq, customers concerned)
    erased: dict[int, int] = field(default_factory=dict)  # customer -> seq of its last erasure
    listed: dict[int, int] = field(default_factory=dict)  # blacklist entry seq -> the customer listed


def _read_journal(session: Session, site: Site | None) -> _Journalled:
    found = _Journalled()
    query = sa.select(JournalEntry.seq, JournalEntry.kind, JournalEntry.payload).order_by(JournalEntry.seq)
    for seq, kind, text in session.execute(query).yield_per(5000):
        if "customer" not in text and "user" not in text and '"reason"' not in text and '"note"' not in text:
            continue  # most entries concern none of these: skip parsing them
        payload = json.loads(text)
        customer = payload.get("customer")
        if kind == "user" and isinstance(payload.get("user"), str):
            _apply_user(found.users, payload)
        elif kind == "erasure" and isinstance(customer, int):
            found.erased[customer] = seq
        if isinstance(customer, int) and isinstance(payload.get("mask"), str):
            found.masks[customer].add(payload["mask"])
        if payload.get("target_kind") == "customer" and str(payload.get("target", "")).isdigit():
            found.listed[seq] = int(payload["target"])
        for name in NOTE_FIELDS:
            ref = payload.get(name)
            if isinstance(ref, str) and NOTE_REF.match(ref):
                found.notes[ref] = (seq, _concerned(payload, site, found))
    return found


def _apply_user(users: dict[str, dict[str, Any]], payload: dict[str, Any]) -> None:
    name, action = payload["user"], payload.get("action")
    user = users.setdefault(name, {"role": None, "consultant": None, "active": True})
    if action == "add":
        user.update(role=payload.get("role"), consultant=payload.get("consultant"), active=True)
    elif action == "disable":
        user["active"] = False
    elif action == "enable":
        user["active"] = True
    for key in ("role", "consultant", "active"):  # a later kind of change that says what it set
        if action != "add" and key in payload:
            user[key] = payload[key]


def _concerned(payload: dict[str, Any], site: Site | None, found: _Journalled) -> set[int]:
    """The customers whose erasure lawfully deletes the note of this entry (db/notes.py keeps a note
    under the customer the write names: its own, its case's or warning's, the blacklisted one)."""
    concerned = {payload["customer"]} if isinstance(payload.get("customer"), int) else set()
    if site is not None:
        case, warning = site.cases.get(payload.get("case_id", -1)), site.warnings.get(payload.get("warning_id", -1))
        concerned |= {c for c in (getattr(case, "customer", None), getattr(warning, "customer", None))
                      if isinstance(c, int)}
    if isinstance(payload.get("entry"), int) and payload["entry"] in found.listed:
        concerned.add(found.listed[payload["entry"]])
    return concerned


def _listed(items: list[str]) -> str:
    return "; ".join(items[:SHOWN]) + (f" … (+{len(items) - SHOWN})" if len(items) > SHOWN else "")


def user_differences(session: Session, journalled: dict[str, dict[str, Any]]) -> list[str]:
    rows = {name: {"role": role, "consultant": consultant, "active": bool(active)} for name, role, consultant, active
            in session.execute(sa.select(UserAccount.name, UserAccount.role, UserAccount.consultant,
                                         UserAccount.active))}
    problems = []
    for name in sorted(set(rows) | set(journalled)):
        row, expected = rows.get(name), journalled.get(name)
        if row is None:
            problems.append(f"{name}: 日志中有，用户表中没有 / journalled, missing from users")
        elif expected is None:
            problems.append(f"{name}: 日志中没有此用户 / no journal entry adds this user (role {row['role']})")
        else:
            problems.extend(f"{name}: {key} 为 {row[key]!r}，日志为 {expected[key]!r} / {key} is {row[key]!r}, "
                            f"the journal says {expected[key]!r}" for key in ("role", "consultant", "active")
                            if row[key] != expected[key])
    return [f"用户与日志不符 / users differ from the journal: {_listed(problems)}"] if problems else []


def identity_differences(session: Session, keyring: Keyring, masks: dict[int, set[str]]) -> list[str]:
    wrapped = {k: v for k, v in session.execute(sa.select(CustomerKey.customer_id, CustomerKey.wrapped_key))}
    tokens = {k: v for k, v in session.execute(sa.select(Pseudonym.digest, Pseudonym.token))}
    holders: dict[str, list[int]] = defaultdict(list)
    for customer, held in masks.items():
        for token in held:
            holders[token].append(customer)
    problems = []
    for row in session.scalars(sa.select(Identity).order_by(Identity.id)):
        where = f"#{row.id} ({row.kind} {row.masked}, customer #{row.customer_id})"
        try:
            key = keyring.unwrap_customer_key(wrapped[row.customer_id])
            number = decrypt_field(key, row.ciphertext, f"identity:{row.kind}:{row.customer_id}".encode())
        except (KeyError, KeyUnwrapError, FieldDecryptError):
            problems.append(f"{where}: 不是此客户的号码（密文不符）/ not this customer's number (its ciphertext "
                            "does not open under this customer's key for this row)")
            continue
        if keyring.lookup_hash(row.kind, number) != row.lookup_hash:
            problems.append(f"{where}: 查找值与号码不符 / its lookup hash is not its number's")
        if row.kind != "phone" or not masks.get(row.customer_id):
            continue
        try:
            mask_token = tokens.get(keyring.lookup_hash("phone_mask", masked_form(number)))
        except InvalidPhone:
            continue  # not a mainland mobile: no 前三后四 form, nothing journalled to compare with
        if mask_token not in masks[row.customer_id]:
            others = ", ".join(f"#{c}" for c in sorted(holders.get(mask_token or "", []))) or "none"
            problems.append(f"{where}: 日志中此号码属于 {others} / the journal's facts give this number to "
                            f"customer {others}, not #{row.customer_id}")
    return [f"号码与日志不符 / identities differ from the journal: {_listed(problems)}"] if problems else []


def note_differences(session: Session, journalled: _Journalled) -> list[str]:
    stored = {k: v for k, v in session.execute(sa.select(Note.ref, Note.text_enc))}
    problems = []
    for ref, (seq, customers) in journalled.notes.items():
        blob = stored.get(ref)
        if blob is None:
            if not any(journalled.erased.get(c, -1) > seq for c in customers):
                problems.append(f"日志 #{seq} 的备注缺失，且其客户未被删除 / the note of entry #{seq} is missing "
                                "and no erasure of its customer is journalled")
        elif sha256(blob).hexdigest() != ref:
            problems.append(f"日志 #{seq} 的备注被改动 / the note of entry #{seq} was altered")
    return [f"备注与日志不符 / notes differ from the journal: {_listed(problems)}"] if problems else []


def row_differences(session: Session, keyring: Keyring | None, site: Site | None) -> list[str]:
    """Users, identities (with the site's keys) and notes against the journal; `site`: the journal's
    replay, which names the customers of cases and warnings. Empty when all agree."""
    journalled = _read_journal(session, site)
    problems = user_differences(session, journalled.users)
    if keyring is not None:
        problems += identity_differences(session, keyring, journalled.masks)
    return problems + note_differences(session, journalled)
