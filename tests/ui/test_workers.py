"""TaskRunner: work runs off the GUI thread, results and errors come back on it, none is lost."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtWidgets import QApplication

from ui.workers import TaskRunner


def test_work_runs_on_a_pool_thread_and_the_answer_on_the_gui_thread(qtbot: Any, qapp: QApplication) -> None:
    runner = TaskRunner()
    gui = threading.current_thread()
    seen: dict[str, Any] = {}

    def work(x: int) -> int:
        seen["worker"] = threading.current_thread()
        return x * 2

    def done(value: int) -> None:
        seen["value"], seen["callback"] = value, threading.current_thread()

    with qtbot.waitSignal(runner.idle, timeout=10_000):
        runner.run(work, 21, on_done=done)
    assert seen["value"] == 42
    assert seen["worker"] is not gui and seen["callback"] is gui
    assert runner.pending == 0


def test_an_error_reaches_on_error_on_the_gui_thread(qtbot: Any, qapp: QApplication) -> None:
    runner = TaskRunner()
    errors: list[tuple[BaseException, threading.Thread]] = []

    def fail() -> None:
        raise ValueError("数据库不可用")

    with qtbot.waitSignal(runner.idle, timeout=10_000):
        runner.run(fail, on_error=lambda e: errors.append((e, threading.current_thread())))
    assert isinstance(errors[0][0], ValueError) and errors[0][1] is threading.current_thread()


def test_many_tasks_each_answer_once(qtbot: Any, qapp: QApplication) -> None:
    runner = TaskRunner(max_threads=2)
    answers: list[int] = []
    for i in range(50):
        runner.run(lambda i=i: i, on_done=answers.append)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    assert sorted(answers) == list(range(50))


def test_the_callbacks_of_a_deleted_owner_are_skipped(qtbot: Any, qapp: QApplication) -> None:
    """A page deleted while its read ran (a logout): its answer is dropped, not delivered to dead widgets."""
    import shiboken6
    from PySide6.QtCore import QObject

    runner = TaskRunner()
    gone, kept = QObject(), QObject()
    answers: list[str] = []
    release = threading.Event()
    runner.run(release.wait, 10, on_done=lambda _: answers.append("gone"), owner=gone)
    runner.run(release.wait, 10, on_done=lambda _: answers.append("kept"), owner=kept)
    runner.run(lambda: 1 / 0, on_error=lambda _: answers.append("gone failed"), owner=gone)
    shiboken6.delete(gone)
    release.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    assert answers == ["kept"]
