#!/usr/bin/env bash
# Builds the Linux installer: the PyInstaller one-folder build (installer/anchang.spec) of anchang,
# anchang-kiosk and anchang-console, packed as build/installer/anchang_<version>_<arch>.deb:
#   /opt/anchang/                 the three programs over one set of libraries and data
#   /usr/bin/anchang*             links to them, and anchang-kiosk-autostart (enable|disable|status|session)
#   /usr/share/applications/      the kiosk's and the console's menu entries, icons under hicolor
#   /usr/lib/systemd/user/anchang-kiosk.service, /usr/share/xsessions/anchang-kiosk.desktop: the kiosk PC
#   /usr/lib/systemd/system/anchang-serve.service: the site server, enabled by hand on the station chosen for it
#   /usr/share/doc/anchang/       README.md, changelog.gz, copyright; /usr/share/man/man1: the man pages
# Sets up the development environment first (scripts/setup.sh) and installs the pinned PyInstaller
# (pyproject's `installer` extra) into it if missing. Figures: build/installer/figures.txt.
#
#   bash installer/build-linux.sh [--version V] [--maintainer "NAME <MAIL>"] [--apt-repo DIR [--signing-key K]]
# --version: the package's and the programs' version (default: pyproject.toml's, via operations.version);
# --maintainer: the control file's Maintainer (default: $ANCHANG_MAINTAINER, else MAINTAINER below);
# --apt-repo: also add the package to the signed apt repository DIR (installer/make-apt-repo.sh; K is the
# vendor's key id or secret-key file, default gpg's default key).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MAINTAINER="${ANCHANG_MAINTAINER:-Anchang 案场通 <support@anchang.example>}"
VERSION="" APT_REPO="" SIGNING_KEY=()
usage() { echo "usage: build-linux.sh [--version V] [--maintainer 'NAME <MAIL>'] [--apt-repo DIR [--signing-key KEYID_OR_FILE]]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case "$1" in
        --version) VERSION=$2 ;;
        --maintainer) MAINTAINER=$2 ;;
        --apt-repo) APT_REPO=$(readlink -f "$2") ;;
        --signing-key) SIGNING_KEY=(--signing-key "$2") ;;
        *) usage ;;
    esac
    shift 2
done
[ -z "$VERSION" ] || [[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "build: not a package version: $VERSION" >&2; exit 2; }
maintainer_shape='^[^<>|&\\]+ <[^<>@ |&\\]+@[^<> |&\\]+>$'  # NAME <MAIL>, nothing sed would misread
[[ "$MAINTAINER" =~ $maintainer_shape ]] || { echo "build: maintainer must read 'NAME <MAIL>': $MAINTAINER" >&2; exit 2; }
OUT="$ROOT/build/installer"
started=$(date +%s)

bash scripts/setup.sh
VENV="${ANCHANG_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
mapfile -t PINS < <("$PY" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["installer"]))')
if ! "$PY" -c 'import sys, importlib.metadata as m; sys.exit(any(m.version(p.split("==")[0]) != p.split("==")[1] for p in sys.argv[1:]))' "${PINS[@]}" 2>/dev/null; then
    echo "build: installing ${PINS[*]}"
    "$VENV/bin/pip" install -q "${PINS[@]}"
fi
[ -n "$VERSION" ] || VERSION="$("$PY" -c 'from operations.version import program_version; print(program_version())')"
grep -q "^## $VERSION\b" CHANGELOG.md || echo "build: warning: CHANGELOG.md has no entry for $VERSION" >&2
ARCH="$(dpkg --print-architecture)"
PACKAGE="$OUT/anchang_${VERSION}_${ARCH}.deb"

echo "build: PyInstaller (installer/anchang.spec), anchang $VERSION"
py_started=$(date +%s)
rm -rf "$OUT/dist"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$OUT/dist" --workpath "$OUT/work" \
    installer/anchang.spec
built=$(date +%s)
for program in anchang anchang-kiosk anchang-console; do
    [ -x "$OUT/dist/anchang/$program" ] || { echo "build: FAILED: $program missing from the build" >&2; exit 1; }
done
# the programs' --version reads the bundled package metadata: it says the version this build was given
stamped=0
for metadata in "$OUT"/dist/anchang/_internal/anchang*.dist-info/METADATA "$OUT"/dist/anchang/_internal/anchang*.egg-info/PKG-INFO; do
    [ -f "$metadata" ] || continue
    sed -i "s/^Version: .*/Version: $VERSION/" "$metadata"
    stamped=1
done
[ "$stamped" = 1 ] || { echo "build: FAILED: no anchang metadata in the build to stamp $VERSION into" >&2; exit 1; }

echo "build: packing $PACKAGE"
STAGE="$OUT/deb"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/anchang" "$STAGE/usr/share/doc/anchang" "$STAGE/usr/share/man/man1" \
    "$STAGE/usr/lib/systemd/user" "$STAGE/usr/lib/systemd/system" "$STAGE/usr/libexec/anchang" \
    "$STAGE/usr/share/xsessions"
cp -a "$OUT/dist/anchang" "$STAGE/opt/anchang"
for program in anchang anchang-kiosk anchang-console; do
    ln -s "../../opt/anchang/$program" "$STAGE/usr/bin/$program"  # relative: also right inside a chroot
done
install -m 0755 installer/linux/anchang-kiosk-autostart "$STAGE/usr/bin/anchang-kiosk-autostart"
install -m 0644 installer/linux/anchang-kiosk.desktop installer/linux/anchang-console.desktop \
    "$STAGE/usr/share/applications/"
install -m 0644 installer/linux/anchang-kiosk-autostart.desktop "$STAGE/usr/share/anchang/"
install -m 0644 installer/linux/anchang-kiosk.service "$STAGE/usr/lib/systemd/user/"
install -m 0644 installer/linux/anchang-serve.service "$STAGE/usr/lib/systemd/system/"
install -m 0755 installer/linux/anchang-kiosk-session "$STAGE/usr/libexec/anchang/"
install -m 0644 installer/linux/anchang-kiosk-session.desktop "$STAGE/usr/share/xsessions/anchang-kiosk.desktop"
"$PY" installer/make_manpages.py "$STAGE/usr/share/man/man1" --version "$VERSION" >/dev/null
gzip -9n "$STAGE"/usr/share/man/man1/*.1
install -m 0644 README.md "$STAGE/usr/share/doc/anchang/README.md"
gzip -9n < CHANGELOG.md > "$STAGE/usr/share/doc/anchang/changelog.gz"
for icon in anchang-kiosk anchang-console; do
    for size in 48 128 256; do
        install -D -m 0644 "installer/icons/$icon-$size.png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/$icon.png"
    done
    install -D -m 0644 "installer/icons/$icon.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/$icon.svg"
done
install -m 0644 installer/linux/copyright "$STAGE/usr/share/doc/anchang/copyright"
install -m 0644 resources/fonts/OFL.txt "$STAGE/usr/share/doc/anchang/OFL-NotoSansSC.txt"
install -m 0755 installer/linux/postinst installer/linux/prerm installer/linux/postrm "$STAGE/DEBIAN/"
INSTALLED_KB=$(du -sk --apparent-size "$STAGE/opt" "$STAGE/usr" | awk '{s += $1} END {print s}')
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_KB@/$INSTALLED_KB/" \
    -e "s|@MAINTAINER@|$MAINTAINER|" installer/linux/control > "$STAGE/DEBIAN/control"
# zstd: packs 500 MB in seconds where xz takes minutes on two cores (dpkg >= 1.21.18: Debian 12, Ubuntu 22.04)
dpkg-deb --root-owner-group -Zzstd -z9 --build "$STAGE" "$PACKAGE" >/dev/null
rm -rf "$STAGE"  # a second copy of the build; the package holds it
finished=$(date +%s)

{
    echo "version=$VERSION"
    echo "package=$PACKAGE"
    echo "package_mb=$(( $(stat -c %s "$PACKAGE") / 1000000 ))"
    echo "installed_mb=$(( INSTALLED_KB * 1024 / 1000000 ))"
    echo "pyinstaller_s=$(( built - py_started ))"
    echo "build_s=$(( finished - started ))"
    echo "cores=$(nproc)"
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/figures.txt"
echo "build: done in $(( finished - started )) s (PyInstaller $(( built - py_started )) s), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: $PACKAGE ($(( $(stat -c %s "$PACKAGE") / 1000000 )) MB; installed $(( INSTALLED_KB * 1024 / 1000000 )) MB)"
if [ -n "$APT_REPO" ]; then
    bash installer/make-apt-repo.sh "$APT_REPO" "${SIGNING_KEY[@]}" "$PACKAGE"
fi
