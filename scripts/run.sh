#!/usr/bin/env bash
# Sets up (see setup.sh) and runs Anchang. With no arguments: the product on a fresh demo week — the
# console logged in as the demo manager, and the kiosk beside it on the demo video (`anchang-console --demo`
# opens it with `--camera demo`: outside the demo a kiosk never plays it); on a
# machine without a display it says so and prints the text board instead.
# With arguments: the admin command (`scripts/run.sh board`, `scripts/run.sh verify`, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${ANCHANG_VENV:-$PWD/.venv}"
if [ $# -eq 0 ]; then
    exec "$VENV/bin/anchang-console" --demo
fi
exec "$VENV/bin/anchang" "$@"
