#!/usr/bin/env bash
# make-apt-repo.sh REPO_DIR [--signing-key KEYID_OR_FILE] PACKAGE.deb...
#
# Adds the packages to a signed flat apt repository in REPO_DIR (made if missing; the packages already in
# its pool/ stay, so a station can still install an older version): pool/*.deb, Packages(.gz), Release,
# InRelease and Release.gpg signed with the vendor's key, and the public key stations trust,
# anchang-archive-keyring.gpg (with its fingerprint in anchang-archive-keyring.fingerprint). A station:
#     deb [signed-by=/usr/share/keyrings/anchang-archive-keyring.gpg] http://MAIN-STATION:8080/ ./
# KEYID_OR_FILE: a key in the builder's gpg keyring (id, fingerprint or e-mail), or a file holding the
# secret key (gpg --export-secret-keys), imported into a throw-away keyring for this run only. Without
# it, gpg's default key. installer/README.md, "Updates for the office's stations", says how to make the
# key and keep it. Needs apt-ftparchive (apt-utils) and gpg.
set -euo pipefail
fail() { echo "make-apt-repo: $*" >&2; exit 1; }
usage() { echo "usage: make-apt-repo.sh REPO_DIR [--signing-key KEYID_OR_FILE] PACKAGE.deb..." >&2; exit 2; }

[ $# -ge 1 ] || usage
REPO=$1
shift
KEY=""
PACKAGES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --signing-key) [ $# -ge 2 ] || usage; KEY=$2; shift 2 ;;
        -*) usage ;;
        *) PACKAGES+=("$1"); shift ;;
    esac
done
[ ${#PACKAGES[@]} -gt 0 ] || usage
command -v apt-ftparchive >/dev/null || fail "apt-ftparchive is missing: apt-get install apt-utils"
command -v gpg >/dev/null || fail "gpg is missing: apt-get install gnupg"
for deb in "${PACKAGES[@]}"; do
    dpkg-deb -f "$deb" Package Version >/dev/null 2>&1 || fail "not a .deb package: $deb"
done

if [ -n "$KEY" ] && [ -f "$KEY" ]; then  # a secret key file: a keyring of its own, gone afterwards
    GNUPGHOME="$(mktemp -d)"
    export GNUPGHOME
    trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$GNUPGHOME"' EXIT
    gpg --batch --quiet --import "$KEY" 2>/dev/null || fail "cannot import the signing key from $KEY"
    KEY=$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" {print $10; exit}')
fi
SIGNER=()
[ -z "$KEY" ] || SIGNER=(--local-user "$KEY")
FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys "${KEY:-}" 2>/dev/null | awk -F: '$1 == "fpr" {print $10; exit}') \
    || true
[ -n "$FINGERPRINT" ] || fail "no secret key ${KEY:-(the default key)} to sign with; installer/README.md says how to make one"

mkdir -p "$REPO/pool"
for deb in "${PACKAGES[@]}"; do
    name="$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb"
    cp "$deb" "$REPO/pool/$name"
done
cd "$REPO"
apt-ftparchive packages pool > Packages
gzip -9nkf Packages
architectures=$(for deb in pool/*.deb; do dpkg-deb -f "$deb" Architecture; done | sort -u | tr '\n' ' ')
apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=Anchang -o APT::FTPArchive::Release::Label=Anchang \
    -o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Codename=anchang \
    -o "APT::FTPArchive::Release::Architectures=${architectures% }" \
    -o "APT::FTPArchive::Release::Description=Anchang 案场通 for the office's stations" \
    release . > Release.new
mv Release.new Release
rm -f InRelease Release.gpg
gpg --batch --yes "${SIGNER[@]}" --digest-algo SHA512 --clearsign -o InRelease Release
gpg --batch --yes "${SIGNER[@]}" --digest-algo SHA512 --armor --detach-sign -o Release.gpg Release
gpg --batch --yes --export "$FINGERPRINT" > anchang-archive-keyring.gpg
echo "$FINGERPRINT" > anchang-archive-keyring.fingerprint
echo "make-apt-repo: $REPO: $(grep -c '^Package:' Packages) package(s), signed by $FINGERPRINT"
