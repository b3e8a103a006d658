from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from db.keys import (
    KEY_FILES,
    MASTER_KEY_FILE,
    SIGNING_KEY_FILE,
    FieldDecryptError,
    KeyFileCorrupt,
    Keyring,
    KeysExist,
    KeysMissing,
    KeyUnwrapError,
    decrypt_field,
    encrypt_field,
)


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring.create(tmp_path / "keys")


def test_create_then_load_gives_the_same_keys(tmp_path: Path) -> None:
    created = Keyring.create(tmp_path)
    loaded = Keyring.load(tmp_path)
    assert loaded.lookup_hash("phone", "+8613800000001") == created.lookup_hash("phone", "+8613800000001")
    _, wrapped = created.new_customer_key()
    assert loaded.unwrap_customer_key(wrapped) == created.unwrap_customer_key(wrapped)
    assert loaded.public_key_pem() == created.public_key_pem()
    loaded.verify_key.verify(created.signing_key.sign(b"checkpoint"), b"checkpoint")


def test_default_directory_is_the_data_directory(data_dir: Path) -> None:
    Keyring.create()
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(KEY_FILES)
    assert Keyring.load().directory == data_dir


def test_missing_keys_name_the_directory_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(KeysMissing) as caught:
        Keyring.load(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "anchang init" in message
    assert set(caught.value.missing) == set(KEY_FILES)


def test_one_missing_file_is_reported(tmp_path: Path) -> None:
    Keyring.create(tmp_path)
    (tmp_path / MASTER_KEY_FILE).unlink()
    with pytest.raises(KeysMissing) as caught:
        Keyring.load(tmp_path)
    assert caught.value.missing == [MASTER_KEY_FILE]


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    Keyring.create(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in KEY_FILES}
    with pytest.raises(KeysExist, match="refusing to overwrite"):
        Keyring.create(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in KEY_FILES} == before


def test_create_refuses_even_if_only_one_file_is_left(tmp_path: Path) -> None:
    Keyring.create(tmp_path)
    (tmp_path / MASTER_KEY_FILE).unlink()
    with pytest.raises(KeysExist):
        Keyring.create(tmp_path)


def test_load_or_create(tmp_path: Path) -> None:
    first = Keyring.load_or_create(tmp_path)
    second = Keyring.load_or_create(tmp_path)
    assert first.public_key_pem() == second.public_key_pem()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_key_files_are_private(tmp_path: Path) -> None:
    Keyring.create(tmp_path / "site")
    for name in KEY_FILES:
        assert stat.S_IMODE(os.stat(tmp_path / "site" / name).st_mode) == 0o600, name
    assert not [p for p in (tmp_path / "site").iterdir() if p.name.endswith(".tmp")]


def test_two_sites_have_different_keys(tmp_path: Path) -> None:
    one, two = Keyring.create(tmp_path / "a"), Keyring.create(tmp_path / "b")
    assert one.lookup_hash("phone", "x") != two.lookup_hash("phone", "x")
    assert one.public_key_pem() != two.public_key_pem()


def test_wrong_master_key_cannot_unwrap(tmp_path: Path) -> None:
    site, other = Keyring.create(tmp_path / "site"), Keyring.create(tmp_path / "other")
    _, wrapped = site.new_customer_key()
    with pytest.raises(KeyUnwrapError, match="wrong master key or corrupt"):
        other.unwrap_customer_key(wrapped)


def test_corrupt_wrapped_key_is_refused(keyring: Keyring) -> None:
    _, wrapped = keyring.new_customer_key()
    flipped = bytes([wrapped[0] ^ 1]) + wrapped[1:]
    for bad in (flipped, wrapped[:-8], b""):
        with pytest.raises(KeyUnwrapError):
            keyring.unwrap_customer_key(bad)


def test_customer_keys_are_fresh_and_wrapped(keyring: Keyring) -> None:
    key, wrapped = keyring.new_customer_key()
    other, _ = keyring.new_customer_key()
    assert len(key) == 32 and key != other
    assert key not in wrapped
    assert keyring.unwrap_customer_key(wrapped) == key


def test_corrupt_master_key_file(tmp_path: Path) -> None:
    Keyring.create(tmp_path)
    (tmp_path / MASTER_KEY_FILE).write_text("c2hvcnQ=\n")  # "short"
    with pytest.raises(KeyFileCorrupt, match="expected 32"):
        Keyring.load(tmp_path)
    (tmp_path / MASTER_KEY_FILE).write_text("not base64 at all!\n")
    with pytest.raises(KeyFileCorrupt, match="not base64"):
        Keyring.load(tmp_path)


def test_corrupt_signing_key_file(tmp_path: Path) -> None:
    Keyring.create(tmp_path)
    (tmp_path / SIGNING_KEY_FILE).write_text("-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyFileCorrupt, match="not a PEM key"):
        Keyring.load(tmp_path)


def test_field_round_trip(keyring: Keyring) -> None:
    key, _ = keyring.new_customer_key()
    blob = encrypt_field(key, "13800000001 张三", b"identity:phone:42")
    assert b"13800000001" not in blob
    assert decrypt_field(key, blob, b"identity:phone:42") == "13800000001 张三"


def test_same_value_encrypts_differently_each_time(keyring: Keyring) -> None:
    key, _ = keyring.new_customer_key()
    assert encrypt_field(key, "x", b"a") != encrypt_field(key, "x", b"a")


def test_field_moved_to_another_row_is_refused(keyring: Keyring) -> None:
    key, _ = keyring.new_customer_key()
    blob = encrypt_field(key, "13800000001", b"identity:phone:42")
    with pytest.raises(FieldDecryptError, match="cannot decrypt"):
        decrypt_field(key, blob, b"identity:phone:43")


def test_field_under_another_key_or_altered_is_refused(keyring: Keyring) -> None:
    key, _ = keyring.new_customer_key()
    other, _ = keyring.new_customer_key()
    blob = encrypt_field(key, "13800000001", b"aad")
    with pytest.raises(FieldDecryptError):
        decrypt_field(other, blob, b"aad")
    with pytest.raises(FieldDecryptError):
        decrypt_field(key, blob[:-1] + bytes([blob[-1] ^ 1]), b"aad")
    with pytest.raises(FieldDecryptError, match="too short"):
        decrypt_field(key, blob[:20], b"aad")


def test_field_key_must_be_256_bits() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt_field(b"short", "x", b"aad")


def test_lookup_hash_is_stable_and_domain_separated(tmp_path: Path) -> None:
    keyring = Keyring.create(tmp_path)
    phone = keyring.lookup_hash("phone", "+8613800000001")
    assert phone == Keyring.load(tmp_path).lookup_hash("phone", "+8613800000001")
    assert len(phone) == 64 and int(phone, 16) >= 0
    assert phone != keyring.lookup_hash("id_card", "+8613800000001")
    assert phone != keyring.lookup_hash("phone", "+8613800000002")
    # the kind/value boundary is unambiguous
    assert keyring.lookup_hash("phone_mask", "x") != keyring.lookup_hash("phone", "_maskx")


@pytest.mark.parametrize("kind", ["", "Phone", "phone\x00", "电话"])
def test_lookup_kind_must_be_a_plain_name(keyring: Keyring, kind: str) -> None:
    with pytest.raises(ValueError, match="lookup kind"):
        keyring.lookup_hash(kind, "x")


def test_public_key_pem_is_the_signing_keys(keyring: Keyring) -> None:
    public = serialization.load_pem_public_key(keyring.public_key_pem().encode())
    assert keyring.public_key_pem().startswith("-----BEGIN PUBLIC KEY-----")
    signature = keyring.signing_key.sign(b"m")
    public.verify(signature, b"m")  # type: ignore[union-attr, call-arg]


def test_repr_shows_no_key_material(keyring: Keyring) -> None:
    assert "Keyring(" in repr(keyring)
    assert keyring.public_key_pem() not in repr(keyring)
