#!/usr/bin/env bash
# Sets up (see setup.sh) and runs Anchang. With no arguments: the demo (`anchang demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${ANCHANG_VENV:-$PWD/.venv}"
if [ $# -eq 0 ]; then set -- demo; fi
exec "$VENV/bin/anchang" "$@"
