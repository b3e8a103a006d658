#!/usr/bin/env bash
# Builds the Linux installer: the PyInstaller one-folder build (installer/anchang.spec) of anchang,
# anchang-kiosk and anchang-console, packed as build/installer/anchang_<version>_<arch>.deb:
#   /opt/anchang/                 the three programs over one set of libraries and data
#   /usr/bin/anchang*             links to them, and anchang-kiosk-autostart (enable|disable|status)
#   /usr/share/applications/      the kiosk's and the console's menu entries, icons under hicolor
# Sets up the development environment first (scripts/setup.sh) and installs the pinned PyInstaller
# (pyproject's `installer` extra) into it if missing. Figures: build/installer/figures.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
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
VERSION="$("$PY" -c 'from admin.version import program_version; print(program_version())')"
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

echo "build: packing $PACKAGE"
STAGE="$OUT/deb"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/anchang" "$STAGE/usr/share/doc/anchang"
cp -a "$OUT/dist/anchang" "$STAGE/opt/anchang"
for program in anchang anchang-kiosk anchang-console; do
    ln -s "../../opt/anchang/$program" "$STAGE/usr/bin/$program"  # relative: also right inside a chroot
done
install -m 0755 installer/linux/anchang-kiosk-autostart "$STAGE/usr/bin/anchang-kiosk-autostart"
install -m 0644 installer/linux/anchang-kiosk.desktop installer/linux/anchang-console.desktop \
    "$STAGE/usr/share/applications/"
install -m 0644 installer/linux/anchang-kiosk-autostart.desktop "$STAGE/usr/share/anchang/"
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
    installer/linux/control > "$STAGE/DEBIAN/control"
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
