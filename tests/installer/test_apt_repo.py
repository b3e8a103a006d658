"""installer/make-apt-repo.sh without the real build: a stub `anchang` package (dpkg-deb --build in tmp), a
throw-away signing key (GNUPGHOME in tmp). The repository's Release is signed by that key; apt, in a root
of its own (-o Dir=) with the repository as a file: source and signed-by, updates and sees the package,
then sees the newer version added later as the upgrade of the installed one; a Release altered after
signing is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installer" / "make-apt-repo.sh"

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("apt-ftparchive", "gpg", "gpgv", "apt-get", "dpkg-deb")),
    reason="needs apt-ftparchive (apt-utils), gpg and apt")


def stub_package(folder: Path, version: str) -> Path:
    stage = folder / f"stage-{version}"
    (stage / "DEBIAN").mkdir(parents=True)
    (stage / "usr" / "share" / "doc" / "anchang").mkdir(parents=True)
    (stage / "usr" / "share" / "doc" / "anchang" / "README").write_text("stub\n")
    (stage / "DEBIAN" / "control").write_text(
        f"Package: anchang\nVersion: {version}\nArchitecture: all\nMaintainer: Anchang 案场通 <support@anchang.example>\n"
        "Description: stand-in for the real package\n stand-in\n", encoding="utf-8")
    deb = folder / f"anchang_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(stage), str(deb)], check=True,
                   capture_output=True, timeout=60)
    return deb


@pytest.fixture
def signing_key(tmp_path: Path) -> Path:
    """A vendor key made as installer/README.md says, exported to a file as it is kept (off the builder)."""
    home = tmp_path / "vendor-gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-generate-key",
                    "Anchang test archive <support@anchang.example>", "ed25519", "sign", "1y"],
                   check=True, capture_output=True, env=env, timeout=120)
    key = tmp_path / "anchang-archive-key.asc"
    key.write_bytes(subprocess.run(["gpg", "--batch", "--armor", "--export-secret-keys"], check=True,
                                   capture_output=True, env=env, timeout=60).stdout)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, timeout=30)
    return key


def make_repo(repo: Path, key: Path, *debs: Path, gnupg: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), str(repo), "--signing-key", str(key), *map(str, debs)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "GNUPGHOME": str(gnupg)})


class AptRoot:
    """apt with every path under `root`: its sources.list, lists, cache and dpkg status."""

    def __init__(self, root: Path, repo: Path) -> None:
        self.root = root
        for folder in ("etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/trusted.gpg.d",
                       "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/lib/dpkg"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        keyring = root / "usr/share/keyrings/anchang-archive-keyring.gpg"
        keyring.parent.mkdir(parents=True)
        shutil.copy(repo / "anchang-archive-keyring.gpg", keyring)
        (root / "etc/apt/sources.list").write_text(f"deb [signed-by={keyring}] file:{repo} ./\n")
        self.installed("")

    def installed(self, version: str) -> None:
        status = "" if not version else (
            f"Package: anchang\nStatus: install ok installed\nVersion: {version}\nArchitecture: all\n"
            "Maintainer: x <x@example>\nDescription: x\n x\n\n")
        (self.root / "var/lib/dpkg/status").write_text(status)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        options = [f"-oDir={self.root}", f"-oDir::State::status={self.root}/var/lib/dpkg/status",
                   "-oDebug::NoLocking=1", "-oAPT::Sandbox::User=root", f"-oDir::Etc::Parts={self.root}/etc/apt/apt.conf.d",
                   "-oAPT::Architecture=amd64"]
        return subprocess.run([args[0], *options, *args[1:]], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "LANG": "C"})


def test_a_station_updates_from_the_signed_repository_and_sees_the_upgrade(tmp_path: Path, signing_key: Path) -> None:
    repo, builder_gnupg = tmp_path / "repo", tmp_path / "builder-gnupg"
    builder_gnupg.mkdir(mode=0o700)  # the builder's own keyring: the key file is imported apart from it
    made = make_repo(repo, signing_key, stub_package(tmp_path, "0.1.0"), gnupg=builder_gnupg)
    assert made.returncode == 0, made.stderr
    for name in ("pool/anchang_0.1.0_all.deb", "Packages", "Packages.gz", "Release", "InRelease", "Release.gpg",
                 "anchang-archive-keyring.gpg", "anchang-archive-keyring.fingerprint"):
        assert (repo / name).exists(), name
    assert not list(builder_gnupg.glob("*.kbx")), "the key file went into the builder's keyring"
    verified = subprocess.run(["gpgv", "--keyring", str(repo / "anchang-archive-keyring.gpg"), str(repo / "InRelease")],
                              capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    assert "Packages.gz" in (repo / "Release").read_text() and "Origin: Anchang" in (repo / "Release").read_text()

    station = AptRoot(tmp_path / "station", repo)
    update = station.run("apt-get", "update")
    assert update.returncode == 0 and "W:" not in update.stderr and "E:" not in update.stderr, update.stdout + update.stderr
    policy = station.run("apt-cache", "policy", "anchang").stdout
    assert "Candidate: 0.1.0" in policy, policy

    station.installed("0.1.0")  # installed; the vendor publishes a newer build into the same folder
    assert make_repo(repo, signing_key, stub_package(tmp_path, "0.1.1"), gnupg=builder_gnupg).returncode == 0
    assert sorted(path.name for path in (repo / "pool").iterdir()) == ["anchang_0.1.0_all.deb", "anchang_0.1.1_all.deb"]
    assert station.run("apt-get", "update").returncode == 0
    upgrade = station.run("apt-get", "--simulate", "upgrade")
    assert "Inst anchang [0.1.0] (0.1.1" in upgrade.stdout, upgrade.stdout + upgrade.stderr


def test_a_release_altered_after_signing_is_refused(tmp_path: Path, signing_key: Path) -> None:
    repo = tmp_path / "repo"
    (tmp_path / "gnupg").mkdir(mode=0o700)
    assert make_repo(repo, signing_key, stub_package(tmp_path, "0.1.0"), gnupg=tmp_path / "gnupg").returncode == 0
    station = AptRoot(tmp_path / "station", repo)
    signed = (repo / "InRelease").read_text()
    (repo / "InRelease").write_text(signed.replace("Origin: Anchang", "Origin: Someone"))
    (repo / "Release.gpg").unlink()
    update = station.run("apt-get", "update")
    assert "NO_PUBKEY" in update.stderr or "BADSIG" in update.stderr or "not signed" in update.stderr, update.stderr
    assert "0.1.0" not in station.run("apt-cache", "policy", "anchang").stdout  # nothing from that repository


def test_without_a_key_it_says_how_to_make_one(tmp_path: Path) -> None:
    (tmp_path / "empty-gnupg").mkdir(mode=0o700)
    result = make_repo(tmp_path / "repo", tmp_path / "no-such-key", stub_package(tmp_path, "0.1.0"),
                       gnupg=tmp_path / "empty-gnupg")
    assert result.returncode == 1 and "installer/README.md" in result.stderr, result.stderr
    assert not (tmp_path / "repo").exists()
