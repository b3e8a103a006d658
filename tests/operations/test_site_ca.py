"""The site CA (operations/site_ca.py): made once beside the site keys and kept; the server certificate
it signs verifies (a real TLS handshake to 127.0.0.1), is kept while good and issued again when due,
for other addresses, or by a new CA; a damaged CA file is named, never replaced."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import ssl
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store

from db.keys import Keyring, KeysMissing
from operations import site_ca
from operations.site_ca import CaDamaged, ensure_ca, server_credentials

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NAMES = ["sales-office", "sales-office.local"]
ADDRESSES = ["192.168.1.20"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    directory = tmp_path / "site"
    Keyring.create(directory)
    return directory


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_ca_is_made_once_and_reused(site: Path) -> None:
    first = ensure_ca(site, now=NOW)
    made = first.cert_path.read_bytes()
    again = ensure_ca(site, now=NOW + timedelta(days=400))
    assert again == first and first.cert_path.read_bytes() == made
    cert = load(first.cert_path)
    assert first.cert_path == site / "site-ca.crt"
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", first.fingerprint)
    assert first.fingerprint.replace(":", "").lower() == hashlib.sha256(
        cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert cert.subject.rfc4514_string().startswith("CN=Anchang 案场通 site CA ")
    assert first.not_after == cert.not_valid_after_utc and 3649 <= (first.not_after - NOW).days <= 3650
    assert site_ca.ca_pem(site) == made


def test_the_keys_are_private(site: Path) -> None:
    cert_path, key_path = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    assert mode(site / "site-ca.key") == 0o600 and mode(key_path) == 0o600
    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert cert_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_folder_without_site_keys_gets_no_ca(tmp_path: Path) -> None:
    with pytest.raises(KeysMissing):
        ensure_ca(tmp_path)
    assert not (tmp_path / "site-ca.key").exists()


def test_the_server_certificate_verifies_against_the_ca(site: Path) -> None:
    cert_path, _ = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    leaf, ca = load(cert_path), load(site / "site-ca.crt")
    for name in (*NAMES, "localhost"):
        verifier = PolicyBuilder().store(Store([ca])).time(NOW).build_server_verifier(x509.DNSName(name))
        assert verifier.verify(leaf, [])[-1] == ca
    for address in (*ADDRESSES, "127.0.0.1"):
        subject = x509.IPAddress(ipaddress.ip_address(address))
        PolicyBuilder().store(Store([ca])).time(NOW).build_server_verifier(subject).verify(leaf, [])
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == timedelta(days=397)


def test_a_tls_handshake_to_127_0_0_1_trusts_the_ca(site: Path) -> None:
    cert_path, key_path = server_credentials(site, NAMES, ADDRESSES)  # now: the handshake checks the clock
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(site / "site-ca.crt"))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def answer() -> None:
            connection, _ = listener.accept()
            with server.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(b"hello")

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
                client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.recv(5) == b"hello"
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
        thread.join(10)


def test_the_server_certificate_is_kept_while_good(site: Path) -> None:
    cert_path, key_path = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    issued = cert_path.read_bytes(), key_path.read_bytes()
    not_after = load(cert_path).not_valid_after_utc
    for later in (NOW + timedelta(days=1), not_after - timedelta(days=31)):
        server_credentials(site, list(reversed(NAMES)), ADDRESSES, now=later)  # order does not matter
        assert (cert_path.read_bytes(), key_path.read_bytes()) == issued


def test_it_is_renewed_when_29_days_are_left(site: Path) -> None:
    cert_path, _ = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    issued = cert_path.read_bytes()
    late = load(cert_path).not_valid_after_utc - timedelta(days=29)
    server_credentials(site, NAMES, ADDRESSES, now=late)
    assert cert_path.read_bytes() != issued
    assert load(cert_path).not_valid_after_utc - late > timedelta(days=390)


def test_it_is_issued_again_for_other_addresses_or_names(site: Path) -> None:
    cert_path, _ = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    issued = cert_path.read_bytes()
    server_credentials(site, NAMES, ["192.168.1.21"], now=NOW)
    san = load(cert_path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert cert_path.read_bytes() != issued
    assert {str(a) for a in san.get_values_for_type(x509.IPAddress)} == {"192.168.1.21", "127.0.0.1"}
    moved = cert_path.read_bytes()
    server_credentials(site, ["front-desk"], ["192.168.1.21"], now=NOW)
    san = load(cert_path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert cert_path.read_bytes() != moved and set(san.get_values_for_type(x509.DNSName)) == {"front-desk",
                                                                                               "localhost"}


def test_a_new_ca_issues_a_new_server_certificate(site: Path) -> None:
    cert_path, _ = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    old = ensure_ca(site)
    (site / "site-ca.key").unlink()
    (site / "site-ca.crt").unlink()
    new = ensure_ca(site, now=NOW)
    assert new.fingerprint != old.fingerprint
    server_credentials(site, NAMES, ADDRESSES, now=NOW)
    load(cert_path).verify_directly_issued_by(load(new.cert_path))


def test_a_missing_or_broken_server_key_is_issued_again(site: Path) -> None:
    cert_path, key_path = server_credentials(site, NAMES, ADDRESSES, now=NOW)
    key_path.write_bytes(b"not a key")
    server_credentials(site, NAMES, ADDRESSES, now=NOW)
    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    cert_path.unlink()
    assert server_credentials(site, NAMES, ADDRESSES, now=NOW)[0].is_file()


@pytest.mark.parametrize("damaged", ["site-ca.crt", "site-ca.key"])
def test_a_damaged_ca_file_is_named_and_kept(site: Path, damaged: str) -> None:
    ensure_ca(site, now=NOW)
    (site / damaged).write_bytes(b"-----BEGIN garbage")
    for call in (lambda: ensure_ca(site), lambda: server_credentials(site, NAMES, ADDRESSES, now=NOW)):
        with pytest.raises(CaDamaged, match=re.escape(str(site / damaged))):
            call()
    assert (site / damaged).read_bytes() == b"-----BEGIN garbage"


def test_a_certificate_without_its_key_is_refused_a_key_without_its_certificate_completed(site: Path) -> None:
    first = ensure_ca(site, now=NOW)
    (site / "site-ca.crt").unlink()  # a cut between the two writes: no phone can trust it yet
    assert ensure_ca(site, now=NOW).fingerprint != first.fingerprint
    (site / "site-ca.key").unlink()
    with pytest.raises(CaDamaged, match=re.escape(str(site / "site-ca.key"))):
        ensure_ca(site)


def test_lan_names_and_addresses_are_this_computers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "sales-office")
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_args: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.1.1", 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", 0)),
        (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("192.168.1.20", 0))])
    names, addresses = site_ca.lan_names_and_addresses()
    assert names == ["sales-office", "sales-office.local"]
    assert "192.168.1.20" in addresses and len(addresses) == len(set(addresses))
    assert not any(ipaddress.ip_address(a).is_loopback for a in addresses)


def test_a_new_site_gets_its_ca_with_its_keys_and_an_older_one_at_init(tmp_path: Path) -> None:
    from operations.setup import ensure_keys

    said: list[str] = []
    ensure_keys(tmp_path / "new", said.append)
    made = ensure_ca(tmp_path / "new")
    assert any(made.fingerprint in line for line in said)
    older = tmp_path / "older"
    Keyring.create(older)  # a site from before the CA
    ensure_keys(older, said.append)
    assert (older / "site-ca.crt").is_file() and ensure_keys(tmp_path / "new", said.append) is False
    assert ensure_ca(tmp_path / "new") == made
