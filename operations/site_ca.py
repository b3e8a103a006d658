"""The site's own certificate authority, and the HTTPS certificate of `anchang serve` it signs.

The office LAN has no internet and no public name, so no public CA can vouch for the server: each site
makes its own CA once (`anchang init`, or the server's first start on an older site), phones install
and trust it (the console's 站点 page shows how), and the server certificate is issued, and renewed
before it expires, by that CA. The CA key stays beside the site keys in the data directory.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from db.keys import KEY_FILES, KeysMissing, write_private
from db.site_dirs import current_site

CA_KEY_FILE = "site-ca.key"
CA_CERT_FILE = "site-ca.crt"
SERVER_KEY_FILE = "server-tls.key"
SERVER_CERT_FILE = "server-tls.crt"
SERVE_PORT = 8443  # anchang serve's HTTPS port
CA_DOWNLOAD_PATH = "/ca.crt"  # where the server hands the CA certificate to phones
CA_DAYS = 3650
SERVER_DAYS = 397  # Apple refuses TLS server certificates valid for more than 398 days
RENEW_BEFORE = timedelta(days=30)
BACKDATE = timedelta(hours=1)  # a phone whose clock is a little behind still accepts a fresh certificate
ALWAYS_NAMES = ("localhost",)
ALWAYS_ADDRESSES = ("127.0.0.1",)
_UNROUTED = "192.0.2.1"  # TEST-NET-1: a UDP connect picks the LAN route without sending anything


class CaDamaged(ValueError):
    """A CA file is there but cannot be used; it is never replaced silently (phones trust the old one)."""


@dataclass(frozen=True)
class CaInfo:
    cert_path: Path
    fingerprint: str  # SHA-256 as iOS and Android show it: "AB:12:…"
    not_after: datetime


def ensure_ca(data_dir: Path, site_name: str = "案场通", *, now: datetime | None = None) -> CaInfo:
    """The site CA in `data_dir`, made the first time; CaDamaged names a file that is there but unusable."""
    key_path, cert_path = data_dir / CA_KEY_FILE, data_dir / CA_CERT_FILE
    if not key_path.exists() and not cert_path.exists():
        _require_site(data_dir)
        key = _new_key()
        write_private(key_path, _key_pem(key), current_site().key_mode)  # as the site keys: never replaced
        _write_ca_cert(cert_path, key, site_name, _now(now))
    elif not cert_path.exists():
        # a cut after the key was written: no phone can trust a certificate that never existed
        _write_ca_cert(cert_path, _load_key(key_path), site_name, _now(now))
    _, cert = _load_ca(data_dir)
    return CaInfo(cert_path, fingerprint(cert), cert.not_valid_after_utc)


def ca_pem(data_dir: Path) -> bytes:
    """The CA certificate as PEM, for phones to download and install."""
    return ensure_ca(data_dir).cert_path.read_bytes()


def ca_download_url(host: str, port: int = SERVE_PORT) -> str:
    """What a phone opens (or scans) to install the CA; plain names and IPv4 addresses only."""
    return f"https://{host}:{port}{CA_DOWNLOAD_PATH}"


def fingerprint(cert: x509.Certificate) -> str:
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def server_credentials(data_dir: Path, names: list[str], addresses: list[str], *,
                       now: datetime | None = None) -> tuple[Path, Path]:
    """(certificate, key) PEM files for the server, for `names` and `addresses` (localhost and 127.0.0.1
    always); issued again when missing, unreadable, not the current CA's, for other names or addresses,
    or with fewer than 30 days left. `now` (aware) is for tests: the clock is read nowhere else."""
    at = _now(now)
    ensure_ca(data_dir, now=at)
    ca_key, ca_cert = _load_ca(data_dir)
    cert_path, key_path = data_dir / SERVER_CERT_FILE, data_dir / SERVER_KEY_FILE
    wanted_names = _dns_names(names)
    wanted_addresses = {ipaddress.ip_address(a.strip()) for a in (*ALWAYS_ADDRESSES, *addresses)}
    if not _still_good(cert_path, key_path, ca_cert, wanted_names, wanted_addresses, at):
        _issue_server(ca_key, ca_cert, cert_path, key_path, sorted(wanted_names),
                      sorted(wanted_addresses, key=str), at)
    return cert_path, key_path


def lan_names_and_addresses() -> tuple[list[str], list[str]]:
    """This computer's host name, its mDNS name (<host>.local) and non-loopback IPv4 addresses, the
    address of the LAN route first (what phones on the office network reach)."""
    host = socket.gethostname()
    short = host.split(".")[0]
    names = [name for name in dict.fromkeys([host, short, f"{short}.local"]) if _usable_dns(name)]
    found: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((_UNROUTED, 9))  # UDP: only chooses a route and a source address, sends nothing
        found.append(probe.getsockname()[0])
    with contextlib.suppress(OSError):  # a host name no resolver knows: the route's address alone
        found += [str(info[4][0]) for info in socket.getaddrinfo(host, None, socket.AF_INET)]
    # Debian maps the host name to 127.0.1.1 in /etc/hosts: loopback, useless to a phone
    addresses = [a for a in dict.fromkeys(found)
                 if not (ipaddress.ip_address(a).is_loopback or ipaddress.ip_address(a).is_unspecified)]
    return names, addresses


# ------------------------------------------------------------ the CA
def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _require_site(data_dir: Path) -> None:
    """The CA lives beside the site keys: a folder without them is not a site (a wrong data directory)."""
    missing = [name for name in KEY_FILES if not (data_dir / name).is_file()]
    if missing:
        raise KeysMissing(data_dir, missing)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write_ca_cert(cert_path: Path, key: ec.EllipticCurvePrivateKey, site_name: str, now: datetime) -> None:
    key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, site_name[:32]),
        x509.NameAttribute(NameOID.COMMON_NAME, f"Anchang {site_name[:32]} site CA {key_id.digest.hex()[:8]}"),
    ])
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now - BACKDATE + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(key_cert_sign=True), critical=True)
            .add_extension(key_id, critical=False)
            .sign(key, hashes.SHA256()))
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _load_ca(data_dir: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key_path, cert_path = data_dir / CA_KEY_FILE, data_dir / CA_CERT_FILE
    key = _load_key(key_path)
    try:
        cert = x509.load_pem_x509_certificate(_read(cert_path))
    except ValueError as exc:
        raise CaDamaged(f"站点证书损坏 / the site CA certificate is damaged: {cert_path} (not a PEM "
                        "certificate); restore it from backup") from exc
    if key.public_key() != cert.public_key():
        raise CaDamaged(f"站点证书与密钥不配对 / {cert_path} does not belong to the key {key_path}; "
                        "restore both from the same backup")
    return key, cert


def _load_key(key_path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(key_path), password=None)
    except ValueError as exc:
        raise CaDamaged(f"站点证书密钥损坏 / the site CA key is damaged: {key_path} (not a PEM key); "
                        "restore it from backup") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CaDamaged(f"站点证书密钥损坏 / the site CA key is damaged: {key_path} (not an EC key)")
    return key


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CaDamaged(f"站点证书密钥缺失 / {path} is missing beside the site CA certificate (phones may "
                        "trust it): restore the key from backup") from None
    except OSError as exc:
        raise CaDamaged(f"无法读取站点证书文件 / cannot read {path}: {exc.strerror or exc}") from None


def _usage(*, key_cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not key_cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=key_cert_sign,
                         crl_sign=key_cert_sign, encipher_only=False, decipher_only=False)


# ------------------------------------------------------------ the server certificate
def _usable_dns(name: str) -> bool:
    labels = name.split(".")
    return name.isascii() and all(label and len(label) <= 63 and label.replace("-", "").isalnum()
                                  for label in labels)


def _dns_names(names: list[str]) -> set[str]:
    return {name.strip().rstrip(".").lower() for name in (*ALWAYS_NAMES, *names) if name.strip()}


def _still_good(cert_path: Path, key_path: Path, ca_cert: x509.Certificate, names: set[str],
                addresses: set[ipaddress.IPv4Address | ipaddress.IPv6Address], now: datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return (key.public_key() == cert.public_key()
            and {n.lower() for n in san.get_values_for_type(x509.DNSName)} == names
            and set(san.get_values_for_type(x509.IPAddress)) == addresses
            and cert.not_valid_before_utc <= now < cert.not_valid_after_utc - RENEW_BEFORE)


def _issue_server(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, cert_path: Path,
                  key_path: Path, names: list[str], addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
                  now: datetime) -> None:
    key = _new_key()
    host = next((name for name in names if name not in ALWAYS_NAMES), names[0])
    san: list[x509.GeneralName] = [*map(x509.DNSName, names), *map(x509.IPAddress, addresses)]
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now - BACKDATE + timedelta(days=SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(key_cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    # the key first: a cut between the two writes leaves a pair that does not match, issued again next time
    write_private(key_path, _key_pem(key), current_site().key_mode)
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))

