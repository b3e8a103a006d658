"""Free text (case reasons, warning notes, follow-up notes) outside the append-only journal.

A name or a number typed into a note cannot be caught by any pattern, and the journal can never be
edited: so the text goes into `notes`, encrypted under the customer's own key (a key of its own when
no customer is concerned), and the journal holds only `ref`, the SHA-256 of the ciphertext. The hash
still binds the entry to the exact note (a changed note no longer matches), reveals nothing of the
text (the ciphertext has a random nonce), and erasing the customer deletes the note and its key.
"""

from __future__ import annotations

from datetime import datetime
from hashlib import sha256

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db import text_rules
from db.identity import customer_key
from db.keys import Keyring, decrypt_field, encrypt_field
from db.models import Note

NOTE_AAD = b"note"
ERASED_TEXT = "（已删除）/ (erased)"


def add_note(session: Session, keyring: Keyring, text: str, customer: int | None, at: datetime) -> str:
    """Stores `text` and returns the ref to journal; an empty text gives "" (no note, nothing stored).
    Every reason and note passes here: one over TEXT_MAX or holding a hidden character is refused
    (TextRefused, the write rolls back), whichever form or command it came from."""
    text_rules.check_text(text, "理由或备注", "reason or note")
    if not text.strip():
        return ""
    key = customer_key(session, keyring, customer) if customer is not None else None
    wrapped = None
    if key is None:  # no customer, or one already erased: the note gets a key of its own
        key, wrapped = keyring.new_customer_key()
    blob = encrypt_field(key, text, NOTE_AAD)
    ref = sha256(blob).hexdigest()
    session.add(Note(ref=ref, customer_id=customer, wrapped_key=wrapped, text_enc=blob, created_at=at))
    session.flush()
    return ref


def note_texts(session: Session, keyring: Keyring, refs: list[str]) -> dict[str, str]:
    """The text of each ref, in one query; an erased note reads as ERASED_TEXT, "" stays "".

    A note whose ciphertext no longer hashes to its ref was altered: it is shown as such, not trusted."""
    wanted = sorted({ref for ref in refs if ref})
    texts = {ref: ERASED_TEXT for ref in wanted}
    keys: dict[int, bytes | None] = {}
    for ref, customer, wrapped, blob in session.execute(
            sa.select(Note.ref, Note.customer_id, Note.wrapped_key, Note.text_enc).where(Note.ref.in_(wanted))):
        if sha256(blob).hexdigest() != ref:
            texts[ref] = "（备注被改动）/ (note altered)"
            continue
        key: bytes | None = None
        if wrapped is not None:
            key = keyring.unwrap_customer_key(wrapped)
        elif customer is not None:
            if customer not in keys:
                keys[customer] = customer_key(session, keyring, customer)
            key = keys[customer]
        if key is not None:
            texts[ref] = decrypt_field(key, blob, NOTE_AAD)
    return texts | {"": ""} if "" in refs else texts


def note_text(session: Session, keyring: Keyring, ref: str | None) -> str:
    return note_texts(session, keyring, [ref]).get(ref, "") if ref else ""


def erase_notes(session: Session, customer_id: int) -> None:
    """Deletes the customer's notes; the journal's refs then point at nothing."""
    session.execute(sa.delete(Note).where(Note.customer_id == customer_id))
