#!/usr/bin/env bash
# Installs everything Anchang needs on a fresh Debian/Ubuntu machine: system packages and a
# virtual environment with the project in it. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(libzbar0 xvfb xauth poppler-utils postgresql-client libgl1 libglib2.0-0 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3
                 # Qt's xcb platform (a real window on an X display): its plugin needs these beside libxcb
                 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
                 libxcb-randr0 libxcb-xkb1 libxkbcommon-x11-0)
# scripts/test.sh adds what only the tests need (nsis: the Windows installer script is compiled there).
read -r -a extra <<< "${ANCHANG_EXTRA_SYSTEM_PACKAGES:-}"
SYSTEM_PACKAGES+=("${extra[@]}")
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

VENV="${ANCHANG_VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
stamp="$VENV/.anchang-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $PWD"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing Python packages into $VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -e ".[dev]"
    echo "$want" > "$stamp"
fi
# mediapipe (BlazeFace, face mesh; 0.10.14 carries its face models in the wheel, 0.10.30 and later none)
# without its own dependencies: its opencv-contrib-python would take over the cv2 module from
# opencv-python-headless. What it imports is declared in pyproject.toml.
MEDIAPIPE="mediapipe==0.10.14"
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print("mediapipe==" + m.version("mediapipe"))' 2>/dev/null)" != "$MEDIAPIPE" ]; then
    echo "setup: installing $MEDIAPIPE (--no-deps)"
    "$VENV/bin/pip" install -q --no-deps "$MEDIAPIPE"
fi
