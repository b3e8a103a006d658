"""Frozen entry point of `anchang-kiosk` (kiosk/app.py). freeze_support() first: the face-embedding
worker (vision/embedder.py, a spawned process) starts the same executable and must stop here."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from frozen_env import keep_matplotlib_cache

    keep_matplotlib_cache()
    from kiosk.app import main

    sys.exit(main())
