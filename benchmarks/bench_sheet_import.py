"""Reading a 报备 sheet (operations/report_sheet.read_sheet, as `anchang import-reports` and the console's 报备
page do): peak memory and time on hostile and on large honest files, each read in a fresh process.

    python benchmarks/bench_sheet_import.py [--quick] [--keep DIR]

Budget (issue 16): the importer's peak memory ≤ 300 MB on any file ≤ 20 MB; a hostile file is refused
with a message naming its cap. Peak memory is the reading process's ru_maxrss (Linux: KB), beside the
same process's figure after its imports, before the file is opened.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Each file is made in a process of its own and read in another: a child's ru_maxrss starts from its
# parent's at fork, so the parent stays small (no openpyxl, no file in memory).
MAKER = """
import sys
from pathlib import Path
from tests.admin import hostile_sheets
make, path, *numbers = sys.argv[1:]
getattr(hostile_sheets, make)(Path(path), *map(int, numbers))
"""
READER = """
import json, resource, sys, time
from pathlib import Path
from operations.common import AdminError
from operations.report_sheet import read_sheet
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    rows, _title = read_sheet(Path(sys.argv[1]))
    outcome = f"read {len(rows):,} rows"
except AdminError as exc:
    outcome = "refused: " + str(exc).split(" / ")[0]
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start, "base_kb": base,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def cases(quick: bool) -> list[tuple[str, str, list[int]]]:
    """(label, the tests/admin/hostile_sheets.py function that makes it, its numbers)."""
    bomb_mb = 256 if quick else 2048
    return [
        (f"zip bomb, {bomb_mb:,} MB unpacked", "zip_bomb", [bomb_mb]),
        ("declares A1:XFD1048576, 3 rows", "declared_everything", []),
        ("a value in column XFD", "cell_far_right", []),
        ("a value in row 1,048,576", "row_far_down", []),
        ("50,001 rows (one past the cap)", "many_rows", [50_000]),
        ("49,999 rows (at the cap)", "many_rows", [49_998]),
        ("15 MB shared strings (under the 16 MB cap)", "big_shared_strings", [15]),
        ("17 MB shared strings (over it)", "big_shared_strings", [17]),
        ("3 MB of styles (under the 4 MB cap)", "big_styles", [3]),
        ("5 MB of styles (over it)", "big_styles", [5]),
        ("near every cap at once (strings, styles, rows)", "at_every_cap", []),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 256 MB bomb instead of 2 GB")
    parser.add_argument("--keep", metavar="DIR", help="write the files there and keep them")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="anchang-sheets-"))
    folder.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    print(f"{'file':<48} {'size':>9} {'made s':>7} {'read s':>7} {'base MB':>8} {'peak MB':>8}  outcome")
    for index, (label, make, numbers) in enumerate(cases(args.quick)):
        started = time.perf_counter()
        path = folder / f"case{index}.xlsx"
        subprocess.run([sys.executable, "-c", MAKER, make, str(path), *map(str, numbers)], cwd=root, check=True)
        made = time.perf_counter() - started
        done = subprocess.run([sys.executable, "-c", READER, str(path)], cwd=root, check=True, capture_output=True,
                              text=True)
        figures = json.loads(done.stdout)
        print(f"{label:<48} {path.stat().st_size / 1024:>7.0f}KB {made:>7.1f} {figures['seconds']:>7.2f} "
              f"{figures['base_kb'] / 1024:>8.0f} {figures['peak_kb'] / 1024:>8.0f}  {figures['outcome']}")
        if not args.keep:
            path.unlink()


if __name__ == "__main__":
    main()
