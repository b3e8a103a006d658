"""The last catalogue the kiosk read from the database (kiosk.catalog: sources, channels with their agents,
the site's consent notice), kept in a file beside the outbox, so a kiosk started while the database is
away still lets a channel's visitor name the channel and agent who brought them — the commission claim
the product exists to settle.

Agent names are personal data: the file is sealed as the outbox is (AES-256-GCM under a random key kept
only wrapped by the site's master key), owner only, and replaced atomically (temp, fsync, rename) after
each fresh read. A file cut short, altered or sealed by another site is renamed aside, never deleted,
and ignored: the kiosk still starts, with the natural sources only.

Qt-free: saved on the window's read workers, read once at start.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db.keys import FieldDecryptError, Keyring, KeyUnwrapError, decrypt_bytes, encrypt_bytes, write_private
from db.site_dirs import make_folder
from kiosk.catalog import Catalog
from kiosk.outbox import quarantine
from service import reception

log = logging.getLogger(__name__)

FILE_NAME = "catalog.cache"
_MAGIC = b"anchang/kiosk-catalog/v1\n"
_WRAPPED_BYTES = 40  # a 32-byte key wrapped by RFC 3394


def cache_path(data_dir: Path) -> Path:
    """The cache in the station's data directory, beside the outbox and the key files."""
    return data_dir / FILE_NAME


class CacheUnreadable(ValueError):
    """Not a catalogue this site sealed: cut short, altered, another site's, or another program's."""


class CatalogCache:
    def __init__(self, path: Path, keyring: Keyring) -> None:
        self.path = Path(path)
        self.keyring = keyring
        self.set_aside: Path | None = None  # an unreadable file renamed at `read`, for the log and staff
        self._kept: tuple[Any, ...] | None = None  # what the file holds, once saved or read here

    @staticmethod
    def _content(catalog: Catalog) -> tuple[Any, ...]:
        return (catalog.sources, catalog.channels, catalog.notice)

    def save(self, catalog: Catalog) -> None:
        """Replaces the file with `catalog`; the previous one stays whole if this fails (raises OSError).
        The same catalogue again is not written: reads come every minute and on each journal entry."""
        if self._kept == self._content(catalog) and self.path.exists():
            return
        payload = {
            "sources": [asdict(source) for source in catalog.sources],
            "channels": catalog.channels,
            "notice": list(catalog.notice) if catalog.notice is not None else None,
            "saved_at": datetime.now(UTC).isoformat(),
        }
        self._write(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        self._kept = self._content(catalog)

    def read(self) -> Catalog | None:
        """The last catalogue saved; None when there is none, or it was unreadable (then set aside)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:  # a permission, a disk error: the file may be fine, leave it be
            log.warning("kiosk catalogue cache %s not read (%s): the natural sources only", self.path, error)
            return None
        try:
            found = _decode(self._open(raw))
        except CacheUnreadable as error:
            self._set_aside(error)
            return None
        self._kept = self._content(found)
        return found

    def _write(self, plain: bytes) -> None:
        key, wrapped = self.keyring.new_customer_key()
        sealed = _MAGIC + wrapped + encrypt_bytes(key, plain, _MAGIC + wrapped)
        make_folder(self.path.parent)
        write_private(self.path, sealed)

    def _open(self, raw: bytes) -> bytes:
        head = len(_MAGIC) + _WRAPPED_BYTES
        if not raw.startswith(_MAGIC) or len(raw) <= head:
            raise CacheUnreadable("not a kiosk catalogue cache, or cut short")
        wrapped = raw[len(_MAGIC):head]
        try:
            key = self.keyring.unwrap_customer_key(wrapped)
        except KeyUnwrapError as error:
            raise CacheUnreadable("sealed by another site's master key") from error
        try:
            return decrypt_bytes(key, raw[head:], _MAGIC + wrapped)
        except FieldDecryptError as error:
            raise CacheUnreadable("altered or cut short") from error

    def _set_aside(self, error: CacheUnreadable) -> None:
        try:
            self.set_aside = quarantine(self.path)
        except OSError as rename_error:
            log.error("kiosk catalogue cache %s unreadable (%s) and not moved aside (%s): ignored",
                      self.path, error, rename_error)
            return
        log.error("kiosk catalogue cache %s unreadable (%s): moved aside to %s and ignored; the next "
                  "read from the database writes a new one", self.path, error, self.set_aside)


def _decode(plain: bytes) -> Catalog:
    try:
        data = json.loads(plain.decode("utf-8"))
        sources = [_source(item) for item in data["sources"]]
        channels = data["channels"]
        if not isinstance(channels, dict) or not all(
                isinstance(name, str) and isinstance(agents, list) and all(isinstance(a, str) for a in agents)
                for name, agents in channels.items()):
            raise CacheUnreadable("channels are not names with their agents")
        notice = data["notice"]
        if notice is not None and not (isinstance(notice, list) and len(notice) == 2
                                       and all(isinstance(part, str) for part in notice)):
            raise CacheUnreadable("the notice is not a text and its version")
        saved_at = datetime.fromisoformat(data["saved_at"])
    except (ValueError, KeyError, TypeError) as error:  # UnicodeDecodeError and JSONDecodeError too
        raise CacheUnreadable(str(error) or type(error).__name__) from error
    return Catalog(sources=sources, channels=channels, notice=None if notice is None else (notice[0], notice[1]),
                   saved_at=saved_at)


def _source(item: Any) -> reception.Source:
    if not isinstance(item, dict) or set(item) != {"name", "registers_as", "channel"}:
        raise CacheUnreadable("a source is not a name, a kind and a channel")
    name, registers_as, channel = item["name"], item["registers_as"], item["channel"]
    if not isinstance(name, str) or registers_as not in ("natural", "channel") or not (
            channel is None or isinstance(channel, str)):
        raise CacheUnreadable("a source with a name, a kind and a channel that are not")
    return reception.Source(name, registers_as, channel)
