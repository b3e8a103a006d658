"""Entry point of the `anchang-console` program.

The PySide6 screens are not part of this build yet; until they land the program says so plainly
instead of opening an empty window. Everything they will call is in db.service.Store.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("anchang-console: 本版本尚未包含此界面 / this build has no console screens yet; "
          "use `anchang demo` and `anchang board` meanwhile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
