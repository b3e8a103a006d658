#!/usr/bin/env bash
# Sets up (see setup.sh), makes sure PostgreSQL is up, and runs the whole test suite:
# lint, the dependency contract, the shared rule scenarios and pytest on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${ANCHANG_VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"
source scripts/postgres.sh
export QT_QPA_PLATFORM=offscreen

ruff check judge db vision ui kiosk console reports tests benchmarks scripts
lint-imports
mypy
if [ -d ../shared/scenarios ]; then anchang scenario run ../shared/scenarios tests/scenarios; fi
# Two workers (pytest-xdist): the GUI and PostgreSQL tests wait on I/O and Qt as much as on the CPU.
python -m pytest -q -p no:cacheprovider -n "${ANCHANG_TEST_WORKERS:-2}" "$@"
