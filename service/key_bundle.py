"""The site's key bundle: how a second kiosk or console on the same PostgreSQL gets the site's keys.

A manager exports it at a working station (the 站点 page): the key files (db/keys.py KEY_FILES, byte
for byte) encrypted under a one-time passphrase, as one line of text, saved as a file or shown as a QR
code. The new station imports it in its first-run wizard with the passphrase.

Format, version 1 — "ANCHANG-KEYS:" + base32 (no padding; QR alphanumeric mode) of
    b"ANKB" | version (1) | site id (8) | argon2 time cost (1) | log2 memory KiB (1) | lanes (1)
    | salt (16) | nonce (12) | AES-256-GCM(zlib(files)), the header above as associated data.
The key is argon2id(passphrase, salt) (32 bytes). The site id is a digest of the site's key check values
(db/integrity.py), which the database keeps too: a bundle from another site is recognised before any
key is written, even before the passphrase is tried; after decryption the keys themselves are checked
against the database. A wrong passphrase and an altered bundle are one answer: AES-GCM cannot tell them
apart. Size: ~345 bytes, a version-15 QR code (77 modules) at error correction M.

A bundle joins one computer: its id (a digest of its header, whose salt and nonce are new for every
export) is journalled when it is used (`key_bundle_used`, with the stations it made and the computer), in
the same locked write that checks it was not used before; a second join with it is refused, before the
passphrase is tried and again under the lock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import shutil
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db import integrity
from db.clock import Clock
from db.database import read_session
from db.keys import KEY_FILES, KeyFileCorrupt, Keyring, write_private
from db.models import JournalEntry
from db.site_dirs import current_site, make_folder
from service import stations
from service.desk import Desk

PREFIX = "ANCHANG-KEYS:"
MAGIC, VERSION = b"ANKB", 1
HEADER = struct.Struct(">4sB8sBBB16s12s")
TIME_COST, MEMORY_LOG2_KIB, LANES = 3, 16, 2  # argon2id: 3 passes over 64 MiB
MAX_MEMORY_LOG2_KIB, MAX_TIME_COST = 20, 10  # a crafted header cannot make the import take 16 GiB
PASSPHRASE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
PASSPHRASE_GROUPS, GROUP = 4, 4  # 16 characters, 80 bits: out of reach with argon2id in the way
MAX_QR_VERSION = 25  # 117 modules: beyond this a screen photo no longer reads reliably
MAX_BUNDLE_FILE = 64 * 1024  # a bundle is ~600 characters; a bigger file is something else


class BundleError(ValueError):
    """A bundle refused; the message says why (one line, Chinese / English)."""


class NotABundle(BundleError):
    pass


class WrongPassphrase(BundleError):
    def __init__(self) -> None:
        super().__init__("口令错误 / wrong passphrase (or the bundle was altered): check the 16 characters "
                         "shown when it was exported")


class ForeignBundle(BundleError):
    def __init__(self) -> None:
        super().__init__("这是另一个站点的密钥包 / this key bundle belongs to another site (its keys do not "
                         "match this database): export the bundle at a station of this site")


class KeysAlreadyHere(BundleError):
    pass


class BundleUsed(BundleError):
    def __init__(self, earlier: dict[str, Any], at: str) -> None:
        names = ", ".join(str(name) for name in earlier.get("stations") or []) or "?"
        super().__init__(f"此密钥包已使用过（{at}，{names}）/ this key bundle was already used ({at}, by {names}): a "
                         "bundle joins one computer only; ask a manager to export a new one (站点 page)")


def bundle_id(header: bytes) -> str:
    """The id a bundle is journalled by when used: its header's digest (new salt and nonce every export)."""
    return hashlib.sha256(header).hexdigest()[:32]


def _earlier_use(session: Session, bundle: str) -> BundleUsed | None:
    rows = session.execute(sa.select(JournalEntry.at, JournalEntry.payload)
                           .where(JournalEntry.kind == stations.BUNDLE_USED)).all()
    for at, payload in rows:
        earlier = json.loads(payload)
        if earlier.get("bundle") == bundle:
            return BundleUsed(earlier, f"{at:%Y-%m-%d %H:%M} UTC")
    return None


def site_id(check_values: dict[str, str]) -> bytes:
    """8 bytes naming the site: a digest of its key check values (Keyring.check_values, key_checks)."""
    text = "".join(f"{name}={value}\n" for name, value in sorted(check_values.items()))
    return hashlib.sha256(text.encode("ascii")).digest()[:8]


def new_passphrase() -> str:
    chars = "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(PASSPHRASE_GROUPS * GROUP))
    return "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def normalise_passphrase(text: str) -> str:
    """As typed: any case, spaces or dashes, O for 0 and I or L for 1."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t")
    return cleaned.replace("O", "0").replace("I", "1").replace("L", "1")


def _key(passphrase: str, salt: bytes, time_cost: int, memory_log2: int, lanes: int) -> bytes:
    return hash_secret_raw(normalise_passphrase(passphrase).encode("ascii"), salt, time_cost=time_cost,
                           memory_cost=1 << memory_log2, parallelism=lanes, hash_len=32, type=Type.ID)


def _pack(files: dict[str, bytes]) -> bytes:
    out = bytearray()
    for name, content in files.items():
        encoded = name.encode("ascii")
        out += struct.pack(">BH", len(encoded), len(content)) + encoded + content
    return zlib.compress(bytes(out), 9)


def _unpack(data: bytes) -> dict[str, bytes]:
    raw, files, at = zlib.decompress(data), {}, 0
    while at < len(raw):
        name_len, size = struct.unpack_from(">BH", raw, at)
        at += 3
        name = raw[at:at + name_len].decode("ascii")
        files[name] = raw[at + name_len:at + name_len + size]
        at += name_len + size
    return files


def export_text(keyring: Keyring, passphrase: str) -> str:
    """The bundle of `keyring`'s key files under `passphrase`, as its one line of text."""
    files = {name: (keyring.directory / name).read_bytes() for name in KEY_FILES}
    if Keyring.load(keyring.directory).check_values() != keyring.check_values():
        raise KeyFileCorrupt(f"密钥文件与运行中的密钥不同 / the key files in {keyring.directory} are not the "
                             "keys this station runs with: restart it before exporting")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = HEADER.pack(MAGIC, VERSION, site_id(keyring.check_values()), TIME_COST, MEMORY_LOG2_KIB, LANES,
                         salt, nonce)
    sealed = AESGCM(_key(passphrase, salt, TIME_COST, MEMORY_LOG2_KIB, LANES)).encrypt(nonce, _pack(files), header)
    return PREFIX + _b32(header + sealed)


def export_for(desk: Desk) -> tuple[str, str]:
    """A new one-time passphrase and the bundle under it, for a manager or administrator; journalled
    (who, and the site id: never key material)."""
    desk.require("keys.export")
    keyring = desk.store.keyring
    passphrase = new_passphrase()
    text = export_text(keyring, passphrase)
    stations.note_key_export(desk, site_id(keyring.check_values()).hex())
    return passphrase, text


def qr_fits(text: str) -> bool:
    """Whether the bundle fits one QR code a camera reads off a screen (error correction M)."""
    import segno

    try:
        version = segno.make_qr(text, error="m").version
    except segno.DataOverflowError:
        return False
    return isinstance(version, int) and version <= MAX_QR_VERSION


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def parse(text: str) -> tuple[bytes, bytes, bytes]:
    """(header, its site id, sealed keys) of a bundle's text (a file's content or a QR code's)."""
    body = "".join(text.split())
    if not body.upper().startswith(PREFIX):
        raise NotABundle("不是站点密钥包 / not an Anchang key bundle (it starts with ANCHANG-KEYS:)")
    body = body[len(PREFIX):].upper()
    try:
        data = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise NotABundle("密钥包已损坏 / the key bundle is damaged (not base32)") from None
    if len(data) <= HEADER.size + 16:
        raise NotABundle("密钥包不完整 / the key bundle is cut short")
    magic, version, site, time_cost, memory_log2, lanes, _salt, _nonce = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise NotABundle("不是站点密钥包 / not an Anchang key bundle")
    if version != VERSION:
        raise NotABundle(f"密钥包版本 {version} 不受支持 / bundle version {version} is not supported by this "
                         "program: use the same Anchang version on both stations")
    if not (1 <= time_cost <= MAX_TIME_COST and 3 <= memory_log2 <= MAX_MEMORY_LOG2_KIB and 1 <= lanes <= 8):
        raise NotABundle("密钥包参数无效 / the key bundle's parameters are out of range")
    return data[:HEADER.size], site, data[HEADER.size:]


def read_bundle_file(path: str | Path) -> str:
    """The bundle's text from its file (checked to be a bundle; opened later, with the passphrase)."""
    file = Path(path)
    if file.stat().st_size > MAX_BUNDLE_FILE:
        raise NotABundle("不是站点密钥包 / not an Anchang key bundle (too large)")
    text = file.read_text("utf-8", errors="replace").strip()
    parse(text)
    return text


def open_bundle(text: str, passphrase: str) -> dict[str, bytes]:
    """The key files in the bundle; WrongPassphrase when the passphrase does not open it."""
    header, _site, sealed = parse(text)
    _magic, _version, _id, time_cost, memory_log2, lanes, salt, nonce = HEADER.unpack(header)
    try:
        packed = AESGCM(_key(passphrase, salt, time_cost, memory_log2, lanes)).decrypt(nonce, sealed, header)
    except (InvalidTag, UnicodeEncodeError):
        raise WrongPassphrase() from None
    files = _unpack(packed)
    if sorted(files) != sorted(KEY_FILES):
        raise NotABundle("密钥包内容不符 / the bundle does not hold this program's key files "
                         f"({', '.join(sorted(files))})")
    return files


def import_bundle(text: str, passphrase: str, engine: Engine, directory: Path, *,
                  stations_made: Sequence[str] = (), computer: str | None = None,
                  clock: Clock | None = None) -> Keyring:
    """Installs the bundle's keys in `directory` (0600) once they are known to be this database's site's,
    and journals its use (with `stations_made` and `computer`, the joining computer's). Refused: a bundle
    of another site or one used before (both before the passphrase is tried), a wrong passphrase, a
    database without key check values (not a set-up site), other keys already in `directory`.
    `clock`: the time of the journal entry (the database server's by default, as any station's write)."""
    header, site, _sealed = parse(text)
    with read_session(engine) as session:
        stored = integrity.stored_key_checks(session)
        used = _earlier_use(session, bundle_id(header)) if stored else None
    if not stored:
        raise BundleError("数据库尚未初始化 / this database holds no site yet (no key check values): set the "
                          "site up first (`anchang init` or the first-run wizard of its first station)")
    if site != site_id(stored):
        raise ForeignBundle()
    if used is not None:
        raise used
    files = open_bundle(text, passphrase)
    make_folder(directory)
    staging = directory / f".key-import-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        for name, content in files.items():
            write_private(staging / name, content, current_site().key_mode)
        keyring = Keyring.load(staging)
        if keyring.check_values() != stored:
            raise ForeignBundle()
        _refuse_other_keys(directory, files)
        _journal_use(engine, keyring, bundle_id(header), list(stations_made), computer, clock)
        _install(staging, directory, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Keyring.load(directory)


def _refuse_other_keys(directory: Path, files: dict[str, bytes]) -> None:
    """The same keys already in `directory` are fine; other ones are never overwritten."""
    differing = [name for name in files if (directory / name).exists()
                 and (directory / name).read_bytes() != files[name]]
    if differing:
        raise KeysAlreadyHere(f"数据目录中已有其他密钥 / other key files are already in {directory}: "
                              f"{', '.join(differing)}; refusing to overwrite them (move them away first)")


def _journal_use(engine: Engine, keyring: Keyring, bundle: str, made: list[str], computer: str | None,
                 clock: Clock | None) -> None:
    """Journals the bundle's use, checking under the site's lock that no other computer used it meanwhile."""
    from service.store import Store  # the store needs the keys this import brings: made here, not at start

    store = Store(engine, keyring, station=made[0] if made else "join", clock=clock)

    def work(session: Session) -> dict[str, Any]:
        earlier = _earlier_use(session, bundle)
        if earlier is not None:
            raise earlier
        return {"bundle": bundle, "stations": made, "computer": computer}

    store._journal_only(stations.BUNDLE_USED, "join", work)  # the engine is the caller's: not disposed here


def _install(staging: Path, directory: Path, files: dict[str, bytes]) -> None:
    """Moves the checked key files into place (those already there are the same: _refuse_other_keys)."""
    for name in files:
        if not (directory / name).exists():
            os.replace(staging / name, directory / name)
