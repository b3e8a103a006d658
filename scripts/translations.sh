#!/usr/bin/env bash
# Extracts the Chinese source strings (tr(), QCoreApplication.translate, QT_TRANSLATE_NOOP) of the Qt
# packages into the English catalogue and compiles it:
#   pyside6-lupdate ui/ kiosk/ console/ *.py -> resources/translations/anchang_en.ts (existing translations
#   are kept, strings no longer in the code are dropped), pyside6-lrelease -> anchang_en.qm.
# After a run, write the English of every new <message> (type="unfinished") into the .ts, run it again
# and commit both files; tests/ui/test_translations.py fails while a string has no finished translation
# or the .qm does not match the .ts.
#   scripts/translations.sh [TS_FILE [QM_FILE]]   (other paths: used by the test, on a copy)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ANCHANG_VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"
TS="${1:-resources/translations/anchang_en.ts}"
QM="${2:-${TS%.ts}.qm}"

mapfile -t sources < <(find ui kiosk console -name '*.py' -not -path '*/__pycache__/*' 2>/dev/null | LC_ALL=C sort)
# No line numbers in the .ts: moving code must not change the catalogue; the context (class) locates a string.
pyside6-lupdate -silent -locations none -no-obsolete -source-language zh_CN -target-language en_US \
    "${sources[@]}" -ts "$TS"
pyside6-lrelease -silent "$TS" -qm "$QM"
unfinished=$(grep -c 'type="unfinished"' "$TS" || true)
if [ "$unfinished" -gt 0 ]; then
    echo "translations: $unfinished string(s) in $TS still need English (type=\"unfinished\")" >&2
fi
