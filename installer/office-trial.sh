#!/usr/bin/env bash
# office-trial.sh — an office of two PCs, from scratch, with nothing of the project on them.
#
#   sudo bash installer/office-trial.sh [--deb PACKAGE.deb] [--base DIR] [--work DIR] [--keep]
#
# Two fresh Debian 12 roots (debootstrap --variant=minbase, made once into --base and copied) play the
# main station and a second station; this machine's PostgreSQL plays the server PC. It follows the
# README's several-stations section and installer/README.md as an office's IT person would:
#   main station: apt install ./anchang.deb (apt fetches the dependencies); anchang pg-setup against the
#     server (the superuser's URL); anchang init with the station and owner URLs; admin's secret, a
#     manager; anchang key-bundle by the manager; the signed apt repository served over HTTP;
#   second station: the vendor's keyring and the sources.list line, apt install anchang from the
#     repository; anchang init refused (a site exists); anchang join BUNDLE --passphrase-stdin --system; its
#     kiosk, run by the user kiosk in group anchang, starts (offscreen) and registers; a user outside it is refused;
#   both write, and each sees the other's writes; anchang verify on both; the bundle refused a second use;
#   a rebuilt newer version (the package repacked as VERSION+office1) published, the second station's
#     apt upgrade installs it, its data and its join kept, the upgraded programs say the new version.
# Prints the figures (times, installed size, the kiosk's start) and `office-trial: PASSED`, or
# `office-trial: FAILED: <what>`. Needs root (chroot, mounts), debootstrap, apt-utils, gnupg, network
# access to a Debian mirror (or a --base made earlier), and PostgreSQL on 127.0.0.1:5432 that the
# superuser postgres reaches (ANCHANG_TRIAL_SUPERUSER_URL otherwise). Minutes: not in the normal test run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
DEB="" BASE="$ROOT/build/office-trial/base" WORK="$ROOT/build/office-trial/run" KEEP=0
MIRROR="${ANCHANG_TRIAL_MIRROR:-http://deb.debian.org/debian}"
SUPERUSER_URL="${ANCHANG_TRIAL_SUPERUSER_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
DATABASE="anchang_trial_$$" OWNER="anchang_trial_owner_$$" STATION_ROLE="anchang_trial_station_$$"
while [ $# -gt 0 ]; do
    case "$1" in
        --deb) DEB=$(readlink -f "$2"); shift 2 ;;
        --base) BASE=$(readlink -f "$2"); shift 2 ;;
        --work) WORK=$(readlink -f "$2"); shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "usage: office-trial.sh [--deb PACKAGE.deb] [--base DIR] [--work DIR] [--keep]" >&2; exit 2 ;;
    esac
done
say() { echo "office-trial: $*"; }
fail() { echo "office-trial: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (chroot and mounts)"
for tool in debootstrap apt-ftparchive gpg; do command -v "$tool" >/dev/null || fail "$tool missing (apt-get install debootstrap apt-utils gnupg)"; done
if [ -z "$DEB" ]; then DEB=$(ls -t build/installer/anchang_*.deb 2>/dev/null | head -1 || true); fi
[ -f "$DEB" ] || fail "no package: build it first (bash installer/build-linux.sh) or give --deb"
VERSION=$(dpkg-deb -f "$DEB" Version)
NEWER="${VERSION}+office1"
MAIN="$WORK/main-station" SECOND="$WORK/second-station"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "${SUPERUSER_URL/+psycopg/}")
started=$(date +%s)

mounted=()
cleanup() {
    set +e
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
    for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null; done
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" -c "DROP ROLE IF EXISTS $OWNER" \
        -c "DROP ROLE IF EXISTS $STATION_ROLE" >/dev/null 2>&1
    [ -n "${GNUPGHOME:-}" ] && gpgconf --kill gpg-agent 2>/dev/null
    [ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

# ------------------------------------------------------------------------------- two fresh roots
if [ ! -x "$BASE/usr/bin/apt-get" ]; then
    say "debootstrap --variant=minbase bookworm into $BASE (once; later runs copy it)"
    t=$(date +%s)
    rm -rf "$BASE" && mkdir -p "$(dirname "$BASE")"
    debootstrap --variant=minbase bookworm "$BASE" "$MIRROR" > "$WORK.debootstrap.log" 2>&1 \
        || { mkdir -p "$WORK"; fail "debootstrap: $(tail -3 "$WORK.debootstrap.log")"; }
    say "base root made in $(( $(date +%s) - t )) s"
fi
rm -rf "$WORK" && mkdir -p "$WORK"
for station in "$MAIN" "$SECOND"; do
    cp -a "$BASE" "$station"
    cp /etc/resolv.conf "$station/etc/resolv.conf"
    echo "deb $MIRROR bookworm main" > "$station/etc/apt/sources.list"
    mount -t proc proc "$station/proc" && mounted+=("$station/proc")
    mount --bind /dev "$station/dev" && mounted+=("$station/dev")
    mount --bind /dev/pts "$station/dev/pts" && mounted+=("$station/dev/pts")
    mount -t tmpfs tmpfs "$station/dev/shm" && mounted+=("$station/dev/shm")
done
# A command as root on a station: a clean environment, Qt offscreen (no display in the trial).
on() { local station=$1; shift; chroot "$station" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin QT_QPA_PLATFORM=offscreen "$@"; }

# ------------------------------------------------------------------- the main station: the .deb
cp "$DEB" "$MAIN/root/"
t=$(date +%s)
on "$MAIN" apt-get update -qq > "$WORK/main-apt.txt" 2>&1 || fail "apt-get update on the main station: $(tail -3 "$WORK/main-apt.txt")"
on "$MAIN" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/root/$(basename "$DEB")" >> "$WORK/main-apt.txt" 2>&1 \
    || fail "apt install of the package on the main station: $(tail -5 "$WORK/main-apt.txt")"
pulled=$(grep -c "^Setting up" "$WORK/main-apt.txt" || true)
say "main station: apt install ./$(basename "$DEB") with $pulled packages in $(( $(date +%s) - t )) s; installed size $(on "$MAIN" dpkg-query -Wf '${Installed-Size}' anchang | awk '{printf "%d MB", $1/1024}')"
on "$MAIN" anchang --version | grep -q "^anchang $VERSION " || fail "anchang --version on the main station"
on "$MAIN" getent group anchang >/dev/null || fail "the package made no group anchang"

# ---------------------------------------------------------------------------- the server PC
"${PSQL[@]}" -c "SELECT 1" >/dev/null 2>&1 || fail "PostgreSQL does not answer at $SUPERUSER_URL"
on "$MAIN" anchang pg-setup --superuser-url "$SUPERUSER_URL" --database "$DATABASE" --owner "$OWNER" \
    --station "$STATION_ROLE" --host 127.0.0.1 > "$WORK/pg-setup.txt" 2>&1 || fail "anchang pg-setup: $(tail -3 "$WORK/pg-setup.txt")"
STATION_URL=$(grep -A1 "^站点使用 / stations use" "$WORK/pg-setup.txt" | tail -1 | tr -d ' ')
OWNER_URL=$(grep -A1 "migrations use" "$WORK/pg-setup.txt" | tail -1 | tr -d ' ' | sed 's/@localhost:/@127.0.0.1:/')
[[ "$STATION_URL" == postgresql* && "$OWNER_URL" == postgresql* ]] || fail "pg-setup printed no URLs: $(cat "$WORK/pg-setup.txt")"
grep -q "scram-sha-256" "$WORK/pg-setup.txt" || fail "pg-setup printed no scram-sha-256 lines for pg_hba.conf"
if grep -E "^\s+host.*trust" "$WORK/pg-setup.txt"; then fail "pg-setup printed a trust line"; fi

# ------------------------------------------------------------------------ the site, on the main
on "$MAIN" anchang init --system --database-url "$STATION_URL" --owner-url "$OWNER_URL" > "$WORK/init.txt" 2>&1 \
    || fail "anchang init --system on the main station: $(tail -3 "$WORK/init.txt")"
[ -f "$MAIN/etc/anchang/anchang.toml" ] || fail "init --system wrote no /etc/anchang/anchang.toml"
[ "$(stat -c %a "$MAIN/var/lib/anchang")" = 2770 ] || fail "/var/lib/anchang is $(stat -c %a "$MAIN/var/lib/anchang"), not 2770"
printf 'office-admin-2026\n' | on "$MAIN" anchang user passwd admin --secret-stdin > /dev/null || fail "anchang user passwd admin"
printf 'manager-pass-2026\n' | on "$MAIN" anchang user add 经理 --role manager --secret-stdin > /dev/null || fail "anchang user add 经理"
printf 'manager-pass-2026\n' | on "$MAIN" anchang key-bundle --user 经理 --out /root/site.anchang-keys --secret-stdin \
    > "$WORK/bundle.txt" 2>&1 || fail "anchang key-bundle: $(tail -2 "$WORK/bundle.txt")"
PASSPHRASE=$(sed -n 's/.*(shown only now): \([A-Z0-9-]*\).*/\1/p' "$WORK/bundle.txt")
[ -n "$PASSPHRASE" ] || fail "key-bundle printed no passphrase"
[ "$(stat -c %a "$MAIN/root/site.anchang-keys")" = 600 ] || fail "the bundle file is not 0600"
say "main station: pg-setup, init --system with the owner's URL, admin and a manager, a key bundle"

# ------------------------------------------------- the signed apt repository the main station serves
export GNUPGHOME="$WORK/vendor-gnupg"
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase "" --quick-generate-key "Anchang office trial archive <support@anchang.example>" ed25519 sign 1d 2>/dev/null
gpg --batch --armor --export-secret-keys > "$WORK/archive-key.asc"
REPO="$MAIN/srv/anchang-apt"
bash installer/make-apt-repo.sh "$REPO" --signing-key "$WORK/archive-key.asc" "$DEB" > "$WORK/repo.txt" 2>&1 || fail "make-apt-repo.sh: $(tail -3 "$WORK/repo.txt")"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$REPO" > "$WORK/http.txt" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/Release')" 2>/dev/null && break; sleep 0.1; done

# ----------------------------------------------------- the second station: apt from the repository
cp "$REPO/anchang-archive-keyring.gpg" "$SECOND/usr/share/keyrings/"  # "from the USB stick"
echo "deb [signed-by=/usr/share/keyrings/anchang-archive-keyring.gpg] http://127.0.0.1:$PORT/ ./" > "$SECOND/etc/apt/sources.list.d/anchang.list"
t=$(date +%s)
on "$SECOND" apt-get update > "$WORK/second-apt.txt" 2>&1 || fail "apt update on the second station: $(tail -3 "$WORK/second-apt.txt")"
if grep -E "^(W|E):" "$WORK/second-apt.txt"; then fail "apt update warned on the second station"; fi
on "$SECOND" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq anchang >> "$WORK/second-apt.txt" 2>&1 \
    || fail "apt install anchang from the repository: $(tail -5 "$WORK/second-apt.txt")"
say "second station: apt install anchang from the signed repository in $(( $(date +%s) - t )) s"
cp "$MAIN/root/site.anchang-keys" "$SECOND/root/"
on "$SECOND" anchang init --system --database-url "$STATION_URL" > "$WORK/second-init.txt" 2>&1 \
    && fail "anchang init on the second station made a second site"
grep -q "anchang join" "$WORK/second-init.txt" || fail "the refused init does not say to join: $(cat "$WORK/second-init.txt")"
[ ! -e "$SECOND/etc/anchang/anchang.toml" ] || fail "the refused init left /etc/anchang/anchang.toml"
echo "$PASSPHRASE" | on "$SECOND" anchang join /root/site.anchang-keys --database-url "$STATION_URL" \
    --passphrase-stdin --name 前台2 --system > "$WORK/join.txt" 2>&1 || fail "anchang join: $(tail -3 "$WORK/join.txt")"
echo "$PASSPHRASE" | on "$SECOND" env ANCHANG_DATA_DIR=/root/third anchang join /root/site.anchang-keys \
    --database-url "$STATION_URL" --passphrase-stdin > "$WORK/join-again.txt" 2>&1 && fail "the bundle joined twice"
[ ! -e "$SECOND/root/third" ] || fail "the refused second join left /root/third"
say "second station: init refused (join instead), joined with the bundle, the bundle refused a second use"

# -------------------------------------------------------------------- both work on one site
# The kiosk PC's own user (auto-login), in the group; and a user outside it, who gets nothing of the site.
on "$SECOND" useradd --create-home --groups anchang kiosk
on "$SECOND" useradd --create-home visitor
as_user() { local user=$1; shift; chroot --userspec="$user:$user" --groups="$(on "$SECOND" id -Gn "$user" | tr ' ' ,)" \
    "$SECOND" /usr/bin/env -i HOME="/home/$user" LANG=C.UTF-8 PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen "$@"; }
as_user kiosk anchang-kiosk --exit-when-ready --windowed --camera none > "$WORK/kiosk.txt" 2>&1 \
    || fail "the second station's kiosk, as the user kiosk: $(grep -v '^W0000' "$WORK/kiosk.txt" | tail -3)"
[ -z "$(find "$SECOND/var/lib/anchang" -perm /o=rwx)" ] || fail "the kiosk left files others may read: $(find "$SECOND/var/lib/anchang" -perm /o=rwx)"
as_user visitor anchang user list > "$WORK/visitor.txt" 2>&1 && fail "a user outside the group anchang read the site"
grep -q "adduser" "$WORK/visitor.txt" || fail "the refusal does not say how to add the user: $(cat "$WORK/visitor.txt")"
kiosk_ready=$(sed -n 's/.*kiosk ready in \([0-9.]* s\).*/\1/p' "$WORK/kiosk.txt")
[ -n "$kiosk_ready" ] || fail "the second station's kiosk never said it was ready"
printf 'reception-pass-2026\n' | on "$SECOND" anchang user add 前台小李 --role receptionist --secret-stdin > /dev/null \
    || fail "a user added on the second station"
on "$MAIN" anchang user list | grep -q "前台小李" || fail "the main station does not see the second station's user"
printf 'consult-pass-2026\n' | on "$MAIN" anchang user add 顾问小王 --role receptionist --secret-stdin > /dev/null
on "$SECOND" anchang user list | grep -q "顾问小王" || fail "the second station does not see the main station's user"
for station in "$MAIN" "$SECOND"; do
    on "$station" anchang verify > "$WORK/verify.txt" 2>&1 || fail "anchang verify on $(basename "$station"): $(tail -3 "$WORK/verify.txt")"
done
PG_SERVER=${SUPERUSER_URL/+psycopg/}
STATIONS=$(psql -X -At "${PG_SERVER%/*}/$DATABASE" -c "SELECT string_agg(name, ',' ORDER BY name) FROM stations")
[[ "$STATIONS" == *kiosk-前台2* ]] || fail "the second station's kiosk is not among the stations: $STATIONS"
say "both stations write and read one site (stations: $STATIONS); verify OK on both; the second station's kiosk, run by its user kiosk (group anchang), ready in $kiosk_ready (offscreen, its first start); a user outside the group refused"

# ------------------------------------------------------------- a rebuilt newer version, upgraded
bash installer/repack-version.sh "$DEB" "$NEWER" "$WORK/anchang_${NEWER}.deb" || fail "repack-version.sh"
bash installer/make-apt-repo.sh "$REPO" --signing-key "$WORK/archive-key.asc" "$WORK/anchang_${NEWER}.deb" > "$WORK/repo.txt" 2>&1 || fail "make-apt-repo.sh (newer)"
t=$(date +%s)
on "$SECOND" apt-get update -qq > "$WORK/upgrade.txt" 2>&1 || fail "apt update for the upgrade: $(tail -3 "$WORK/upgrade.txt")"
on "$SECOND" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y >> "$WORK/upgrade.txt" 2>&1 || fail "apt upgrade: $(tail -5 "$WORK/upgrade.txt")"
[ "$(on "$SECOND" dpkg-query -Wf '${Version}' anchang)" = "$NEWER" ] || fail "apt upgrade did not install $NEWER"
on "$SECOND" anchang --version | grep -q "^anchang $NEWER " || fail "the upgraded anchang --version does not say $NEWER"
on "$SECOND" anchang verify > "$WORK/verify.txt" 2>&1 || fail "verify after the upgrade: $(tail -3 "$WORK/verify.txt")"
on "$SECOND" anchang user list | grep -q "前台小李" || fail "the upgraded station lost the site"
grep -q "kiosk" "$SECOND/etc/anchang/anchang.toml" || fail "the upgrade lost the station's settings"
say "second station: apt upgrade to $NEWER from the repository in $(( $(date +%s) - t )) s; site, join and settings kept"

say "PASSED in $(( $(date +%s) - started )) s"
