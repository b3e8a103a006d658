"""Dependency direction: stations -> db -> judge, one way; judge is pure."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JUDGE_ALLOWED_THIRD_PARTY: set[str] = set()
FORBIDDEN_IN_JUDGE = {"PySide6", "sqlalchemy", "db", "vision", "kiosk", "console", "yaml", "time"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_judge_imports_only_the_standard_library_and_itself() -> None:
    stdlib = set(sys.stdlib_module_names)
    for path in (REPO / "judge").rglob("*.py"):
        imported = _imports(path)
        assert not imported & FORBIDDEN_IN_JUDGE, f"{path.name} imports {imported & FORBIDDEN_IN_JUDGE}"
        foreign = {m for m in imported if m not in stdlib and m not in ("judge", "resources", "__future__")}
        assert foreign <= JUDGE_ALLOWED_THIRD_PARTY, f"{path.name} imports {foreign}"


def test_judge_reads_no_clock() -> None:
    for path in (REPO / "judge").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(", "time.monotonic("):
            assert call not in text, f"{path.name} reads the clock ({call})"


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout and "BROKEN" not in result.stdout


def test_reports_run_without_qt() -> None:
    """The printed reports work where no Qt is loaded (the admin CLI, a server): charts stay on Agg."""
    code = ("import sys, reports.pdf, reports.xlsx, reports.documents, reports.charts\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'kiosk', 'console', 'ui'))\n"
            "assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
