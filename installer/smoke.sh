#!/usr/bin/env bash
# Smoke test of the built .deb: bash installer/smoke.sh [PACKAGE.deb] (default: the newest in build/installer).
#
# The package's dependencies are installed on this machine as apt would install them with it; the
# package itself is unpacked into a throw-away root (dpkg-deb -x), and everything runs from the files
# there, never from the source tree or the virtual environment: the files the package must hold, every
# shared library resolving, the installed size, each program's --version and --self-test (offscreen),
# the kiosk autostart helper, and the kiosk's cold start to a usable start screen (under Xvfb with the
# xcb platform when Xvfb is installed, the installed files evicted from the page cache first).
# Any failure stops it with a line saying what; figures go to build/installer/smoke-figures.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_BUDGET_MB=600
START_BUDGET_S=3

fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
say() { echo "smoke: $*"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

DEB="${1:-$(ls -t build/installer/anchang_*.deb 2>/dev/null | head -1)}"
[ -n "$DEB" ] && [ -f "$DEB" ] || fail "no package: run bash installer/build-linux.sh first"
DEB="$(readlink -f "$DEB")"
WORK="$(mktemp -d /tmp/anchang-smoke.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/root"
OPT="$ROOT/opt/anchang"
say "package $DEB"

# ---------------------------------------------------------------- dependencies
mapfile -t DEPENDS < <(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/ //g')
missing=()
for pkg in "${DEPENDS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    say "installing the package's dependencies: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || fail "dependencies not installable: ${missing[*]}"
fi
apt-get install --simulate -qq "$DEB" >/dev/null 2>"$WORK/apt.err" || fail "apt cannot install the package: $(cat "$WORK/apt.err")"

# ---------------------------------------------------------------- files
dpkg-deb -x "$DEB" "$ROOT"
dpkg-deb -e "$DEB" "$WORK/DEBIAN"
INTERNAL="$OPT/_internal"
EXPECTED=(
    opt/anchang/anchang opt/anchang/anchang-kiosk opt/anchang/anchang-console
    usr/bin/anchang usr/bin/anchang-kiosk usr/bin/anchang-console usr/bin/anchang-kiosk-autostart
    usr/share/applications/anchang-kiosk.desktop usr/share/applications/anchang-console.desktop
    usr/share/anchang/anchang-kiosk-autostart.desktop
    usr/share/icons/hicolor/scalable/apps/anchang-kiosk.svg usr/share/icons/hicolor/256x256/apps/anchang-kiosk.png
    usr/share/icons/hicolor/scalable/apps/anchang-console.svg usr/share/icons/hicolor/256x256/apps/anchang-console.png
    usr/share/doc/anchang/copyright usr/share/doc/anchang/OFL-NotoSansSC.txt
    usr/share/doc/anchang/README.md usr/share/doc/anchang/changelog.gz
    usr/share/man/man1/anchang.1.gz usr/share/man/man1/anchang-kiosk.1.gz usr/share/man/man1/anchang-console.1.gz
    usr/lib/systemd/user/anchang-kiosk.service usr/libexec/anchang/anchang-kiosk-session
    usr/lib/systemd/system/anchang-serve.service
    usr/share/xsessions/anchang-kiosk.desktop
    opt/anchang/_internal/face_recognition_models/models/shape_predictor_5_face_landmarks.dat
    opt/anchang/_internal/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat
    opt/anchang/_internal/mediapipe/modules/face_detection/face_detection_short_range.tflite
    opt/anchang/_internal/mediapipe/modules/face_landmark/face_landmark_with_attention.tflite
    opt/anchang/_internal/resources/fonts/NotoSansSC-Regular.ttf opt/anchang/_internal/resources/fonts/NotoSansSC-Bold.ttf
    opt/anchang/_internal/resources/translations/anchang_en.qm opt/anchang/_internal/resources/rules/default.toml
    opt/anchang/_internal/resources/translations/qt_supplement_zh_CN.qm
    opt/anchang/_internal/resources/themes/kiosk.qss opt/anchang/_internal/resources/demo/faces_demo.mp4
    opt/anchang/_internal/db/migrations/env.py
    opt/anchang/_internal/PySide6/Qt/plugins/platforms/libqxcb.so
    opt/anchang/_internal/PySide6/Qt/plugins/platforms/libqoffscreen.so
    opt/anchang/_internal/PySide6/Qt/plugins/platforms/libqwayland.so
    opt/anchang/_internal/PySide6/Qt/plugins/imageformats/libqsvg.so
    opt/anchang/_internal/PySide6/Qt/plugins/imageformats/libqjpeg.so
    opt/anchang/_internal/PySide6/Qt/plugins/printsupport/libcupsprintersupport.so
    opt/anchang/_internal/PySide6/Qt/translations/qtbase_zh_CN.qm
)
for file in "${EXPECTED[@]}"; do
    [ -e "$ROOT/$file" ] || fail "missing from the package: /$file"
done
for script in postinst prerm postrm; do
    [ -x "$WORK/DEBIAN/$script" ] || fail "maintainer script $script missing or not executable"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$ROOT"/usr/share/applications/*.desktop "$ROOT/usr/share/anchang/anchang-kiosk-autostart.desktop" \
        || fail "invalid .desktop entry"
fi
say "files: ${#EXPECTED[@]} expected files present"
VERSION="$(dpkg-deb -f "$DEB" Version)"
case "$(dpkg-deb -f "$DEB" Maintainer)" in *localhost*|"") fail "no real Maintainer field" ;; esac
if command -v man >/dev/null; then
    for page in "$ROOT"/usr/share/man/man1/*.1.gz; do
        MANWIDTH=80 man --warnings -l "$page" > "$WORK/man.txt" 2>"$WORK/man.err" || fail "man -l $page"
        [ ! -s "$WORK/man.err" ] || fail "man -l $page warns: $(head -3 "$WORK/man.err")"
        grep -q "SYNOPSIS" "$WORK/man.txt" || fail "man -l $page rendered no SYNOPSIS"
    done
    say "man pages: $(find "$ROOT/usr/share/man/man1" -name '*.1.gz' | wc -l) render without warnings"
fi
grep -q "^## $VERSION\b" <(zcat "$ROOT/usr/share/doc/anchang/changelog.gz") || say "note: the changelog has no entry for $VERSION"
grep -q "installer/README.md" "$WORK/DEBIAN/postrm" && fail "postrm refers to installer/README.md, which is not shipped"

# ---------------------------------------------------------------- shared libraries
unresolved="$WORK/unresolved.txt"
: > "$unresolved"
while IFS= read -r -d '' file; do
    if head -c 4 "$file" | grep -q "ELF"; then
        LD_LIBRARY_PATH="$INTERNAL" ldd "$file" 2>/dev/null | grep "not found" | sed "s|^|${file#"$ROOT"}: |" >> "$unresolved" || true
    fi
done < <(find "$OPT" -type f \( -name "*.so*" -o -perm -u+x \) -print0)
[ -s "$unresolved" ] && fail "unresolved shared libraries:
$(sort -u "$unresolved" | head -20)"
say "libraries: every ELF file under /opt/anchang resolves its shared libraries"

# ---------------------------------------------------------------- size
installed_kb=$(du -sk "$ROOT/opt" "$ROOT/usr" | awk '{s += $1} END {print s}')
installed_mb=$(( installed_kb * 1024 / 1000000 ))
[ "$installed_mb" -le "$SIZE_BUDGET_MB" ] || fail "installed size ${installed_mb} MB is over the ${SIZE_BUDGET_MB} MB budget"
say "size: ${installed_mb} MB installed (budget ${SIZE_BUDGET_MB} MB); package $(( $(stat -c %s "$DEB") / 1000000 )) MB"

# ---------------------------------------------------------------- programs
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
mkdir -p "$HOME"
unset ANCHANG_DATABASE_URL ANCHANG_DATA_DIR PYTHONPATH VIRTUAL_ENV
export PATH="/usr/bin:/bin"  # nothing from the virtual environment
for program in anchang anchang-kiosk anchang-console; do
    line="$("$ROOT/usr/bin/$program" --version)" || fail "$program --version exited $?"
    case "$line" in "$program $VERSION "*"installed build)") say "version: $line" ;; *) fail "$program --version (package $VERSION): $line" ;; esac
done
for program in anchang anchang-kiosk anchang-console; do
    started=$(date +%s.%N)
    if ! QT_QPA_PLATFORM=offscreen "$ROOT/usr/bin/$program" --self-test > "$WORK/$program-self-test.txt" 2>"$WORK/$program-self-test.err"; then
        cat "$WORK/$program-self-test.txt" >&2
        fail "$program --self-test (stderr: $(grep -v '^W0000' "$WORK/$program-self-test.err" | tail -3))"
    fi
    grep -q "self-test passed" "$WORK/$program-self-test.txt" || fail "$program --self-test did not say it passed"
    say "self-test: $program passed ($(grep -c '^  ok' "$WORK/$program-self-test.txt") checks, $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $started}") s)"
done
sed 's/^/    /' "$WORK/anchang-kiosk-self-test.txt"

"$ROOT/usr/bin/anchang-kiosk-autostart" enable >/dev/null
[ -f "$XDG_CONFIG_HOME/autostart/anchang-kiosk.desktop" ] || fail "anchang-kiosk-autostart enable wrote no entry"
"$ROOT/usr/bin/anchang-kiosk-autostart" status | grep -q "^enabled" || fail "autostart status after enable"
"$ROOT/usr/bin/anchang-kiosk-autostart" disable >/dev/null
[ ! -e "$XDG_CONFIG_HOME/autostart/anchang-kiosk.desktop" ] || fail "anchang-kiosk-autostart disable left the entry"
say "autostart: enable, status, disable"

# ---------------------------------------------------------------- kiosk cold start
export ANCHANG_DATA_DIR="$WORK/data"
"$ROOT/usr/bin/anchang" init > "$WORK/init.txt" 2>&1 || fail "anchang init: $(tail -3 "$WORK/init.txt")"
sync
while IFS= read -r -d '' file; do  # drop only the installed files from the page cache: a start from disk
    dd if="$file" iflag=nocache count=0 status=none 2>/dev/null || true
done < <(find "$OPT" -type f -print0)
# shellcheck disable=SC2046  # the file names have no spaces
cached_kb=$(fincore -b -n -o RES $(find "$OPT" -type f -name "*.so*" | head -200) 2>/dev/null | awk '{s += $1} END {printf "%d", s / 1024}' || echo "?")

cat > "$WORK/start.sh" <<'EOF'
#!/usr/bin/env bash
# One start of the kiosk: seconds from launch to the start screen shown (its own "ready" line).
started=$(date +%s.%N)
out="$("$1" --camera demo --exit-when-ready 2>"$2")" || { echo "exit $?"; exit 1; }
ready=$(echo "$out" | sed -n 's/^anchang-kiosk ready \([0-9.]*\).*/\1/p')
[ -n "$ready" ] || { echo "no ready line"; exit 1; }
awk "BEGIN {printf \"%.2f\", $ready - $started}"
EOF
chmod +x "$WORK/start.sh"
if command -v xvfb-run >/dev/null; then
    platform="xcb (Xvfb 1080x1920)"
    runner=(xvfb-run -a -s "-screen 0 1080x1920x24" env QT_QPA_PLATFORM=xcb)
else
    platform="offscreen (no Xvfb)"
    runner=(env QT_QPA_PLATFORM=offscreen)
fi
# Xvfb starts before the clock does: the inner script times the kiosk alone.
times=()
for run in 1 2 3; do
    seconds="$("${runner[@]}" "$WORK/start.sh" "$ROOT/usr/bin/anchang-kiosk" "$WORK/kiosk-$run.err")" \
        || fail "the kiosk did not reach its start screen ($seconds): $(grep -v '^W0000' "$WORK/kiosk-$run.err" | tail -3)"
    times+=("$seconds")
done
cold="${times[0]}"
awk "BEGIN {exit !($cold <= $START_BUDGET_S)}" || fail "kiosk cold start ${cold} s is over the ${START_BUDGET_S} s budget"
say "kiosk start on $platform: cold ${cold} s (page cache of the installed libraries before: ${cached_kb} kB), then ${times[1]} s and ${times[2]} s; budget ${START_BUDGET_S} s; load $(load)"

# ---------------------------------------------------------------- kiosk restarted when it dies, one instance
UNIT="$ROOT/usr/lib/systemd/user/anchang-kiosk.service"
if command -v systemd-analyze >/dev/null; then  # systemd's own parser, the program path as installed here
    mkdir -m 0700 "$WORK/run"
    sed "s|^ExecStart=/usr/bin/anchang-kiosk|ExecStart=$ROOT/usr/bin/anchang-kiosk|" "$UNIT" > "$WORK/anchang-kiosk.service"
    XDG_RUNTIME_DIR="$WORK/run" MANPATH="$ROOT/usr/share/man" systemd-analyze verify --user "$WORK/anchang-kiosk.service" \
        2>"$WORK/verify.err" || fail "systemd-analyze verify anchang-kiosk.service: $(head -3 "$WORK/verify.err")"
    say "service: systemd-analyze verify accepts anchang-kiosk.service ($(grep -E '^Restart(Sec)?=' "$UNIT" | tr '\n' ' '))"
fi
if systemctl --user show-environment >/dev/null 2>&1; then
    say "note: a systemd user manager runs here, but the installed service is not started by a smoke test (it would take the screen)"
fi
# The kiosk session's own restart loop (what runs where no systemd user manager does, as here), with the
# installed kiosk: killed with SIGKILL, it comes back; a second kiosk exits 3; SIGTERM ends the session.
cat > "$WORK/restart.sh" <<'EOF2'
#!/usr/bin/env bash
# $1 root, $2 work: starts the kiosk session, kills the kiosk, waits for the new one, tries a second one.
root=$1 work=$2
kiosk_pids() { for exe in /proc/[0-9]*/exe; do [ "$(readlink "$exe" 2>/dev/null)" = "$root/opt/anchang/anchang-kiosk" ] && { p=${exe#/proc/}; echo "${p%/exe}"; }; done; }
wait_kiosk() {  # a kiosk pid other than $1, within 30 s
    for _ in $(seq 300); do for p in $(kiosk_pids); do [ "$p" != "$1" ] && { echo "$p"; return 0; }; done; sleep 0.1; done; return 1
}
PATH="$root/usr/bin:$PATH" sh "$root/usr/libexec/anchang/anchang-kiosk-session" > "$work/session.out" 2>&1 &
session=$!
first=$(wait_kiosk none) || { echo "no kiosk started"; exit 1; }
sleep 3  # its lock taken, its window up
second_status=0; "$root/usr/bin/anchang-kiosk" > /dev/null 2>"$work/second.err" || second_status=$?
[ "$second_status" = 3 ] || { echo "a second kiosk exited $second_status, not 3: $(tail -2 "$work/second.err")"; kill "$session"; exit 1; }
killed=$(date +%s.%N)
kill -9 "$first"
again=$(wait_kiosk "$first") || { echo "the killed kiosk did not come back"; kill "$session"; exit 1; }
back=$(date +%s.%N)
kill -TERM "$again"  # closed as staff mode closes it: exit 0, the session ends
for _ in $(seq 150); do kill -0 "$session" 2>/dev/null || break; sleep 0.1; done
kill -0 "$session" 2>/dev/null && { echo "the session did not end after the kiosk closed"; kill "$session"; exit 1; }
awk "BEGIN {printf \"%.1f\", $back - $killed}"
EOF2
chmod +x "$WORK/restart.sh"
restart_s="$("${runner[@]}" "$WORK/restart.sh" "$ROOT" "$WORK")" || fail "kiosk restart: $restart_s"
say "kiosk session: killed with SIGKILL, the kiosk was back in ${restart_s} s (2 s pause included); a second kiosk exited 3; SIGTERM ended the session"

# ---------------------------------------------------------------- signed apt repository, upgrade
if command -v apt-ftparchive >/dev/null && command -v gpg >/dev/null; then
    export GNUPGHOME="$WORK/vendor-gnupg"
    mkdir -m 0700 "$GNUPGHOME"
    gpg --batch --quiet --passphrase "" --quick-generate-key "Anchang smoke archive <support@anchang.example>" ed25519 sign 1d 2>/dev/null
    gpg --batch --armor --export-secret-keys > "$WORK/archive-key.asc"
    # the "rebuilt newer version": this package repacked as VERSION+smoke1, stamped as build-linux.sh --version stamps it
    NEWER="${VERSION}+smoke1"
    bash installer/repack-version.sh "$DEB" "$NEWER" "$WORK/anchang_${NEWER}.deb" || fail "repack-version.sh"
    REPO="$WORK/repo"
    bash installer/make-apt-repo.sh "$REPO" --signing-key "$WORK/archive-key.asc" "$DEB" > /dev/null || fail "make-apt-repo.sh"
    STATION="$WORK/station"
    mkdir -p "$STATION"/etc/apt/{apt.conf.d,preferences.d,trusted.gpg.d} "$STATION"/var/lib/apt/lists/partial \
        "$STATION"/var/cache/apt/archives/partial "$STATION/keyrings"
    cp "$REPO/anchang-archive-keyring.gpg" "$STATION/keyrings/"
    echo "deb [signed-by=$STATION/keyrings/anchang-archive-keyring.gpg] file:$REPO ./" > "$STATION/etc/apt/sources.list"
    cp /var/lib/dpkg/status "$STATION/status"  # this machine's libraries (the Depends installed above)
    station_apt() { "$1" -o Dir="$STATION" -o Dir::State::status="$STATION/status" -o Debug::NoLocking=1 \
        -o APT::Sandbox::User=root -o Dir::Etc::Parts="$STATION/etc/apt/apt.conf.d" "${@:2}"; }
    station_apt apt-get update -qq > "$WORK/apt-update.txt" 2>&1 || fail "apt-get update from the repository: $(tail -3 "$WORK/apt-update.txt")"
    grep -q "^[WE]:" "$WORK/apt-update.txt" && fail "apt-get update: $(grep "^[WE]:" "$WORK/apt-update.txt" | head -2)"
    station_apt apt-get --simulate install anchang > "$WORK/apt-install.txt" 2>&1 || fail "apt cannot install from the repository: $(tail -3 "$WORK/apt-install.txt")"
    grep -q "^Inst anchang ($VERSION " "$WORK/apt-install.txt" || fail "apt would not install anchang $VERSION: $(grep Inst "$WORK/apt-install.txt")"
    # installed; the newer build is published into the same folder, the station updates and upgrades
    printf 'Package: anchang\nStatus: install ok installed\nVersion: %s\nArchitecture: %s\nMaintainer: x <x@example>\nDescription: x\n x\n\n' \
        "$VERSION" "$(dpkg-deb -f "$DEB" Architecture)" >> "$STATION/status"
    bash installer/make-apt-repo.sh "$REPO" --signing-key "$WORK/archive-key.asc" "$WORK/anchang_${NEWER}.deb" > /dev/null || fail "make-apt-repo.sh (newer)"
    station_apt apt-get update -qq > "$WORK/apt-update.txt" 2>&1 || fail "apt-get update after the newer build"
    station_apt apt-get --simulate upgrade > "$WORK/apt-upgrade.txt" 2>&1 || fail "apt-get upgrade: $(tail -3 "$WORK/apt-upgrade.txt")"
    grep -q "^Inst anchang \[$VERSION\] ($NEWER " "$WORK/apt-upgrade.txt" || fail "apt offers no upgrade to $NEWER: $(grep Inst "$WORK/apt-upgrade.txt")"
    mkdir "$WORK/download"
    (cd "$WORK/download" && station_apt apt-get download -qq anchang > /dev/null 2>&1) || fail "apt-get download anchang $NEWER"
    cmp -s "$WORK"/download/anchang_*.deb "$REPO"/pool/anchang_"${NEWER}"_*.deb || fail "the downloaded package differs from the repository's"
    rm -rf "$WORK/upgraded" && dpkg-deb -x "$REPO"/pool/anchang_"${NEWER}"_*.deb "$WORK/upgraded"
    "$WORK/upgraded/usr/bin/anchang" --version | grep -q "^anchang $NEWER " || fail "the upgraded build's --version does not say $NEWER"
    say "apt repository: signed, a station's apt updates from it, would install $VERSION, then upgrades to $NEWER (simulated against this machine's packages; the download is the repository's file; its anchang --version says $NEWER)"
    gpgconf --kill gpg-agent 2>/dev/null || true
    unset GNUPGHOME
else
    say "note: apt-ftparchive or gpg missing: the apt repository was not tried (apt-get install apt-utils gnupg)"
fi

mkdir -p build/installer
{
    echo "package=$DEB"
    echo "installed_mb=$installed_mb"
    echo "kiosk_cold_start_s=$cold"
    echo "kiosk_warm_start_s=${times[1]} ${times[2]}"
    echo "kiosk_platform=$platform"
    echo "load=$(load)"
    echo "cores=$(nproc)"
} > build/installer/smoke-figures.txt
say "passed"
