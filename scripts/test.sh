#!/usr/bin/env bash
# Sets up (see setup.sh), makes sure PostgreSQL is up, and runs the whole test suite:
# lint, the dependency contract, the shared rule scenarios and pytest on SQLite and PostgreSQL;
# with ANCHANG_BUILD_INSTALLER=1 also the installer's build and smoke test (installer/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# nsis: the Windows installer script; xdotool and imagemagick (import): the end-to-end tests drive the
# real programs in an Xvfb display and keep screenshots (tests/e2e/), xclip enters Chinese as an input
# method does; faketime: one program's clock wrong; apt-utils (apt-ftparchive) and gnupg: the signed apt
# repository (tests/installer/test_apt_repo.py); shellcheck: the package's shell scripts; debootstrap: the
# office trial of two fresh stations (installer/office-trial.sh, with ANCHANG_BUILD_INSTALLER=1)
# chromium, chromium-driver: the site server's phone pages driven in a real browser (tests/server/)
ANCHANG_EXTRA_SYSTEM_PACKAGES="nsis xdotool xclip imagemagick faketime apt-utils gnupg shellcheck debootstrap chromium chromium-driver" bash scripts/setup.sh
VENV="${ANCHANG_VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"
source scripts/postgres.sh
export QT_QPA_PLATFORM=offscreen

ruff check judge db admin vision ui kiosk console reports tests benchmarks scripts installer
lint-imports
mypy
if [ -d ../shared/scenarios ]; then anchang scenario run ../shared/scenarios tests/scenarios; fi
# ANCHANG_BUILD_INSTALLER=1: the .deb is built first (minutes) and tests/installer smoke-tests it.
if [ "${ANCHANG_BUILD_INSTALLER:-}" = "1" ]; then
    bash installer/build-linux.sh
fi
# Three workers on two cores (pytest-xdist): the end-to-end, GUI and PostgreSQL tests wait on windows,
# processes and I/O, and with two workers a quarter of the CPU stayed idle; worksteal: a worker that
# runs out takes queued tests from another, so a few long tests at the end do not leave a core idle.
python -m pytest -q -p no:cacheprovider -n "${ANCHANG_TEST_WORKERS:-3}" --dist worksteal "$@"
