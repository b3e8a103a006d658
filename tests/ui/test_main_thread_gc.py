"""Cyclic garbage is collected on the GUI thread only, never on a worker (ui/main_thread_gc.py): a Qt
object destroyed in a worker's collection deadlocked the console against its GUI thread."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject  # noqa: E402

from ui import main_thread_gc  # noqa: E402
from ui.workers import TaskRunner  # noqa: E402


class Cycle:
    def __init__(self) -> None:
        self.me = self
        self.qt = QObject()  # what a page's closure may hold


def test_garbage_made_anywhere_is_collected_on_the_gui_thread(qtbot: Any) -> None:
    runner = TaskRunner()
    assert not gc.isenabled()
    finalized: list[int] = []

    def make_garbage_and_allocate() -> list[list[object]]:
        cycle = Cycle()
        weakref.finalize(cycle, lambda: finalized.append(threading.get_ident()))
        del cycle
        return [[object()] for _ in range(200_000)]  # far past every threshold: a collection would run here

    done: list[list[list[object]]] = []
    runner.run(make_garbage_and_allocate, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done) and bool(finalized), timeout=10_000)
    # the worker allocated far past the thresholds, yet the collection ran on the GUI thread's tick
    # (during the worker's run or after it, as the machine's load has it)
    assert finalized == [threading.get_ident()]


def test_one_collector_and_gc_kept_off_when_someone_turns_it_back_on(qtbot: Any) -> None:
    TaskRunner()
    TaskRunner()
    collector = main_thread_gc.install()
    assert collector is not None and collector is main_thread_gc.install()
    gc.enable()  # as db.integrity.paused_gc does when its pause ends
    collector.collect()
    assert not gc.isenabled()


def test_not_installed_off_the_gui_thread(qtbot: Any) -> None:
    found: list[object] = []
    thread = threading.Thread(target=lambda: found.append(main_thread_gc.install()))
    thread.start()
    thread.join()
    assert found == [None]
