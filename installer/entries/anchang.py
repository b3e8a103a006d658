"""Frozen entry point of `anchang` (admin/cli.py). freeze_support() first: a spawned worker process of
the frozen program starts here too and must not parse the command line."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from frozen_env import keep_matplotlib_cache

    keep_matplotlib_cache()
    from admin.cli import main

    sys.exit(main())
