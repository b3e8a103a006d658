"""A worker process that ends with the program that started it.

A multiprocessing worker blocks on its task queue, whose pipe it holds both ends of, so when the kiosk
is killed (SIGKILL, a crash, the session ending) nothing tells it: it lived on under PID 1 with its
models (~130 MB), and multiprocessing's resource tracker with it (the tracker ends only when every
process holding its pipe has). So the worker watches its parent on a thread of its own and exits the
moment the parent is gone; the tracker then sees its pipe close and ends too.

The watch waits on the sentinel a spawned child gets from multiprocessing (`parent_process()`): on POSIX
a pipe whose other end only the parent holds, so it reads EOF when the parent dies, however it dies;
on Windows the parent's process handle. Not prctl(PR_SET_PDEATHSIG): Linux sends that when the
*thread* that started the child ends, and the kiosk starts its worker on a pool thread that ends after
some idle seconds, which would kill a healthy worker.
"""

from __future__ import annotations

import multiprocessing
import os
import threading


def end_with_parent() -> bool:
    """Called in the worker process as it starts; False when it was not started by multiprocessing."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return False

    def watch() -> None:
        parent.join()  # returns once the parent is gone
        os._exit(0)  # no clean-up to wait for: the parent is not there to hear of it

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
    return True
