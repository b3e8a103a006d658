"""Entry point of the `anchang-kiosk` program.

The PySide6 screens are not part of this build yet; until they land the program says so plainly
instead of opening an empty window. Everything they will call is in db.service.Store.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("anchang-kiosk: 本版本尚未包含此界面 / this build has no kiosk screens yet; "
          "use `anchang demo` and `anchang board` meanwhile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
