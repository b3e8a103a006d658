"""Photos of evidence given with an appeal (申诉/申请判单), outside the append-only journal as notes are
(db/notes.py): encrypted under the customer's own key, the journal holding only `ref` (SHA-256 of the
ciphertext); erasing the customer deletes the rows and their key already made them unreadable.

Only pictures a phone takes are kept (JPEG, PNG, WebP, HEIC), recognised by their first bytes rather
than by what the client says they are, and at most MAX_BYTES each."""

from __future__ import annotations

from datetime import datetime
from hashlib import sha256

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.identity import customer_key
from db.keys import Keyring, decrypt_bytes, encrypt_bytes
from db.models import Evidence
from judge.reasons import EngineError

MAX_BYTES = 6 * 1024 * 1024  # a phone photo, downscaled or not
AAD = b"evidence"


class EvidenceRefused(EngineError):
    """A file that is not a photo, too large, or for a customer without a key (erased)."""


def media_type(data: bytes) -> str:
    """The picture's type from its first bytes; EvidenceRefused for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"heim", b"heis"):
        return "image/heic"
    raise EvidenceRefused("只能上传照片（JPEG、PNG、WebP、HEIC）/ only photos can be given as evidence "
                          "(JPEG, PNG, WebP, HEIC)")


def add(session: Session, keyring: Keyring, data: bytes, customer: int, at: datetime) -> str:
    """Stores one photo for `customer` inside the caller's write; returns its ref for the journal."""
    if len(data) > MAX_BYTES:
        raise EvidenceRefused(f"照片过大（{len(data) // 1024} KB，上限 {MAX_BYTES // 1024 // 1024} MB）/ the photo is "
                              f"{len(data) // 1024} KB: the limit is {MAX_BYTES // 1024 // 1024} MB")
    kind = media_type(data)
    key = customer_key(session, keyring, customer)
    if key is None:
        raise EvidenceRefused(f"客户 #{customer} 的信息已删除 / customer #{customer} was erased")
    blob = encrypt_bytes(key, data, AAD)
    ref = sha256(blob).hexdigest()
    session.add(Evidence(ref=ref, customer_id=customer, media_type=kind, blob_enc=blob, created_at=at))
    session.flush()
    return ref


def read(session: Session, keyring: Keyring, ref: str) -> tuple[int, str, bytes] | None:
    """(customer, media type, the photo), or None when there is no such photo or it was erased."""
    row = session.get(Evidence, ref)
    if row is None:
        return None
    key = customer_key(session, keyring, row.customer_id)
    if key is None:
        return None
    return row.customer_id, row.media_type, decrypt_bytes(key, row.blob_enc, AAD)


def erase(session: Session, customer_id: int) -> None:
    session.execute(sa.delete(Evidence).where(Evidence.customer_id == customer_id))
