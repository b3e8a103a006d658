"""End-to-end fixtures: a display of the test's own, a demo site written by the real `anchang demo`, and
the programs started on it. A failed test keeps its screenshots (every step) and the programs' logs in
build/e2e/<test>/ (ANCHANG_E2E_ARTIFACTS to put them elsewhere)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.driver import BIN, REPO, Display, Program, tools_missing

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without the tools a developer's run skips these tests; CI's never does (they fail, saying why)."""
    missing = tools_missing()
    if not missing or os.environ.get("CI"):
        return
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)} (scripts/test.sh installs them)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def e2e_folder(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    folder = tmp_path / "e2e"
    folder.mkdir()
    yield folder
    if request.node.stash.get(_FAILED, False):
        root = Path(os.environ.get("ANCHANG_E2E_ARTIFACTS", REPO / "build" / "e2e"))
        target = root / request.node.name.replace("/", "_")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("*.sqlite3*", "*.key", "*.pem"))
        print(f"\nscreenshots and logs of the failed steps: {target}")


@pytest.fixture
def display(request: pytest.FixtureRequest) -> Iterator[Display]:
    """1920×1080, or the size of the test's `screen(width, height)` mark (a portrait kiosk: 1080, 1920)."""
    mark = request.node.get_closest_marker("screen")
    screen = Display(tuple(mark.args) if mark is not None else (1920, 1080))
    yield screen
    screen.close()


@pytest.fixture
def demo_site(tmp_path: Path) -> dict[str, str]:
    """A data directory with the demo week, written now by the real command; the environment that points
    a program at it."""
    data = tmp_path / "data"
    env = {"ANCHANG_DATA_DIR": str(data), "ANCHANG_DATABASE_URL": f"sqlite:///{data / 'demo.sqlite3'}"}
    done = subprocess.run([str(BIN / "anchang"), "demo"], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return env


@pytest.fixture
def start(display: Display, e2e_folder: Path) -> Iterator[Callable[..., Program]]:
    """start(name, *args, env=...) -> a running program; all are stopped at the end."""
    started: list[Program] = []

    def run(name: str, *args: str, env: dict[str, str]) -> Program:
        program = Program(display, e2e_folder, name, list(args), env)
        started.append(program)
        return program

    yield run
    for program in started:
        program.stop()
