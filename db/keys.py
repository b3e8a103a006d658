"""The site's keys, kept as files in the data directory (never in the database).

- master key (AES-256): wraps each customer's data key; destroying a customer's wrapped key erases them.
- lookup key (HMAC-SHA256): keyed hashes of phone and ID numbers, so they can be found without
  being stored in the clear. Separate from the master key so lookups never need decrypting power.
- signing key (Ed25519): signs journal checkpoints, which are kept outside the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from db.config import data_dir

# the key files' names live beside the site's resolution, which needs them
from db.site_dirs import KEY_FILES as KEY_FILES
from db.site_dirs import LOOKUP_KEY_FILE as LOOKUP_KEY_FILE
from db.site_dirs import MASTER_KEY_FILE as MASTER_KEY_FILE
from db.site_dirs import SIGNING_KEY_FILE as SIGNING_KEY_FILE
from db.site_dirs import current_site, make_folder

KEY_BYTES = 32
NONCE_BYTES = 12
_KIND = re.compile(r"[a-z][a-z0-9_]*")
_CHECK_LABEL = b"anchang/key-check/v1"
_SNAPSHOT_LABEL = b"anchang/engine-snapshot-mac/v1"


class KeysMissing(RuntimeError):
    def __init__(self, directory: Path, missing: list[str]) -> None:
        super().__init__(
            f"密钥文件缺失 / site keys missing in {directory}: {', '.join(missing)}. "
            "首次使用请运行 / on a new site run: anchang init "
            "(restore the key files from backup if this site already has data)"
        )
        self.directory = directory
        self.missing = missing


class KeysExist(FileExistsError):
    def __init__(self, directory: Path, present: list[str]) -> None:
        super().__init__(
            f"密钥已存在，拒绝覆盖 / site keys already exist in {directory}: {', '.join(present)}; "
            "refusing to overwrite them (that would make all encrypted data unreadable)"
        )


class KeyFileCorrupt(ValueError):
    pass


class KeysMismatch(KeyFileCorrupt):
    """The key files are not the ones this database was initialised with (another site's, or replaced):
    a setup error like a corrupt key file (the CLI prints it on one line, exit 1)."""

    def __init__(self, directory: Path, wrong: list[str]) -> None:
        super().__init__(
            f"密钥与数据库不匹配 / the site keys in {directory} do not belong to this database: "
            f"{', '.join(wrong)} differ from the key check stored at `anchang init`. 请放回本站点的密钥文件 / "
            "put this site's key files back (from the offline backup); nothing was read or written"
        )
        self.directory = directory
        self.wrong = wrong


class KeyUnwrapError(ValueError):
    pass


class FieldDecryptError(ValueError):
    pass


def write_private(path: Path, content: bytes, mode: int | None = None) -> None:
    """Write atomically (temp file + rename) with the site's file mode from the start (0600; 0660 on the
    system site), never world-readable; the file and then its folder are fsynced, so the new content, and
    the rename itself, survive a power cut."""
    mode = current_site().file_mode if mode is None else mode
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            if os.name == "posix":
                os.fchmod(fh.fileno(), mode)  # exactly, whatever the umask
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _encode_secret(label: str, key: bytes) -> bytes:
    return f"# anchang {label}: keep secret, back up offline\n{base64.b64encode(key).decode()}\n".encode()


def _decode_secret(path: Path) -> bytes:
    lines = [ln.strip() for ln in path.read_text("ascii", errors="replace").splitlines()]
    body = "".join(ln for ln in lines if ln and not ln.startswith("#"))
    try:
        key = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise KeyFileCorrupt(f"密钥文件损坏 / key file corrupt: {path} (not base64)") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileCorrupt(f"密钥文件损坏 / key file corrupt: {path} ({len(key)} bytes, expected 32)")
    return key


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a data key is {KEY_BYTES} bytes, got {len(key)}")


def encrypt_bytes(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM; the 96-bit random nonce is prefixed. `aad` binds the value to its row and field
    (b"identity:phone:42"), so a ciphertext copied into another row will not decrypt."""
    _check_key(key)
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def encrypt_field(key: bytes, plaintext: str, aad: bytes) -> bytes:
    return encrypt_bytes(key, plaintext.encode("utf-8"), aad)


def decrypt_field(key: bytes, blob: bytes, aad: bytes) -> str:
    return decrypt_bytes(key, blob, aad).decode("utf-8")


def decrypt_bytes(key: bytes, blob: bytes, aad: bytes) -> bytes:
    _check_key(key)
    if len(blob) < NONCE_BYTES + 16:
        raise FieldDecryptError("密文太短 / ciphertext too short to be an encrypted field")
    try:
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise FieldDecryptError(
            f"解密失败 / cannot decrypt field {aad!r}: wrong key, wrong row, or altered data"
        ) from exc
    return plain


class Keyring:
    def __init__(
        self, directory: Path, master_key: bytes, lookup_key: bytes, signing_key: Ed25519PrivateKey
    ) -> None:
        _check_key(master_key)
        _check_key(lookup_key)
        self.directory = directory
        self._master_key = master_key
        self._lookup_key = lookup_key
        self._signing_key = signing_key
        self._snapshot_key: bytes | None = None

    @classmethod
    def create(cls, directory: Path | None = None) -> Keyring:
        """New keys for a new site. Refuses if any key file is already there."""
        directory = Path(directory) if directory is not None else data_dir()
        present = [name for name in KEY_FILES if (directory / name).exists()]
        if present:
            raise KeysExist(directory, present)
        make_folder(directory)
        mode = current_site().key_mode  # the system site's members read the keys, none may replace them
        master, lookup = secrets.token_bytes(KEY_BYTES), secrets.token_bytes(KEY_BYTES)
        signing = Ed25519PrivateKey.generate()
        pem = signing.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_private(directory / SIGNING_KEY_FILE, pem, mode)
        write_private(directory / LOOKUP_KEY_FILE, _encode_secret("lookup key (HMAC-SHA256)", lookup), mode)
        write_private(directory / MASTER_KEY_FILE, _encode_secret("master key (AES-256)", master), mode)
        return cls(directory, master, lookup, signing)

    @classmethod
    def load(cls, directory: Path | None = None) -> Keyring:
        directory = Path(directory) if directory is not None else data_dir()
        missing = [name for name in KEY_FILES if not (directory / name).is_file()]
        if missing:
            raise KeysMissing(directory, missing)
        master = _decode_secret(directory / MASTER_KEY_FILE)
        lookup = _decode_secret(directory / LOOKUP_KEY_FILE)
        pem_path = directory / SIGNING_KEY_FILE
        try:
            signing = serialization.load_pem_private_key(pem_path.read_bytes(), password=None)
        except ValueError as exc:
            raise KeyFileCorrupt(f"密钥文件损坏 / key file corrupt: {pem_path} (not a PEM key)") from exc
        if not isinstance(signing, Ed25519PrivateKey):
            raise KeyFileCorrupt(f"密钥文件损坏 / key file corrupt: {pem_path} (not an Ed25519 key)")
        return cls(directory, master, lookup, signing)

    @classmethod
    def load_or_create(cls, directory: Path | None = None) -> Keyring:
        """For tests and the demo; production sites create keys once with `anchang init`."""
        directory = Path(directory) if directory is not None else data_dir()
        if any((directory / name).exists() for name in KEY_FILES):
            return cls.load(directory)
        return cls.create(directory)

    def lookup_hash(self, kind: str, value: str) -> str:
        """Hex HMAC-SHA256 of a normalised value. The kind ("phone", "id_card", "phone_mask",
        "surname") is part of the message, so equal values of different kinds never collide."""
        if not _KIND.fullmatch(kind):
            raise ValueError(f"lookup kind must be lower-case letters, digits, _: {kind!r}")
        message = kind.encode("ascii") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._lookup_key, message, hashlib.sha256).hexdigest()

    def new_customer_key(self) -> tuple[bytes, bytes]:
        """A fresh data key and its form wrapped by the master key (RFC 3394), for customer_keys."""
        key = secrets.token_bytes(KEY_BYTES)
        return key, aes_key_wrap(self._master_key, key)

    def unwrap_customer_key(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._master_key, wrapped)
        except (InvalidUnwrap, ValueError) as exc:
            raise KeyUnwrapError(
                "客户密钥无法解开 / cannot unwrap customer key: wrong master key or corrupt data"
            ) from exc

    def check_values(self) -> dict[str, str]:
        """One check value per key file (an HMAC of a fixed label; the public key's fingerprint), kept in
        the database at `anchang init` so another site's key files are recognised before they are used."""
        public = self.verify_key.public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        return {
            MASTER_KEY_FILE: hmac.new(self._master_key, _CHECK_LABEL, hashlib.sha256).hexdigest(),
            LOOKUP_KEY_FILE: hmac.new(self._lookup_key, _CHECK_LABEL, hashlib.sha256).hexdigest(),
            SIGNING_KEY_FILE: hashlib.sha256(public).hexdigest(),
        }

    def snapshot_mac(self, seq: int, state: str) -> str:
        """HMAC-SHA256 of an engine snapshot (its bytes hold the journal hash it was taken at), under a key
        derived from the master key: only a station of this site can make a snapshot others will trust."""
        if self._snapshot_key is None:
            self._snapshot_key = hmac.new(self._master_key, _SNAPSHOT_LABEL, hashlib.sha256).digest()
        message = f"{seq}\x00".encode("ascii") + state.encode("utf-8")
        return hmac.new(self._snapshot_key, message, hashlib.sha256).hexdigest()

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return self._signing_key

    @property
    def verify_key(self) -> Ed25519PublicKey:
        return self._signing_key.public_key()

    def public_key_pem(self) -> str:
        return self.verify_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def __repr__(self) -> str:  # never print key material
        return f"Keyring({str(self.directory)!r})"
