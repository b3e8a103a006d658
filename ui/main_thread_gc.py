"""Python's cyclic garbage collection on the GUI thread only.

The collector runs on whichever thread happens to allocate past its threshold. When that is a worker
(ui.workers.TaskRunner, the figures' pool) and the garbage holds a Qt object, the object is destroyed on
the worker: its destructor takes a Qt lock and then waits for the GIL, while the GUI thread, holding the
GIL, waits for that same lock (seen: a console logging in again, QScrollArea.setWidget on the GUI thread
against ~QObject in a collection on a figures thread; the process hung for good). So a Qt program turns
automatic collection off and the GUI thread collects on a timer, by the same generation thresholds Python
uses; reference counting frees everything else at once, as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

TICK_MS = 200


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        """A collection of the generation Python itself would collect now, if any."""
        if gc.isenabled():  # re-enabled by code that paused it (db.integrity.paused_gc): off again
            gc.disable()
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


def install() -> MainThreadCollector | None:
    """Once per application, from its GUI thread; None without an application (or off its thread)."""
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return None
    existing = app.findChild(MainThreadCollector)
    if existing is None:
        return MainThreadCollector(app)
    gc.disable()  # in case code that paused collection turned it back on since
    return existing
