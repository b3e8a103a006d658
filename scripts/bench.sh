#!/usr/bin/env bash
# Sets up (see setup.sh) and runs every benchmark, printing figures beside the budgets in DESIGN.md.
# `--quick` runs smaller versions. The face_recognition package is installed here only as the
# benchmark's reference (it needs no dlib source build when installed --no-deps beside dlib-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
ANCHANG_EXTRA_SYSTEM_PACKAGES="xdotool imagemagick" bash scripts/setup.sh  # bench_kiosk_window drives a real window
VENV="${ANCHANG_VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"
source scripts/postgres.sh
python -c "import face_recognition" 2>/dev/null || pip install -q --no-deps face_recognition click
for bench in benchmarks/bench_*.py benchmarks/vision_*.py; do
    echo "=== $bench"
    python -m "benchmarks.$(basename "$bench" .py)" "$@"
done
