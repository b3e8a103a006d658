"""What every frozen program sets before its own code runs.

PyInstaller's matplotlib run-time hook points MPLCONFIGDIR at a fresh temporary folder on every start
(needed for one-file builds, whose path changes), so each start of our one-folder build rebuilt
matplotlib's font cache (~1 s). The one-folder build's path is stable: keep the cache in the user's
cache folder instead."""

import os

import platformdirs


def keep_matplotlib_cache() -> None:
    folder = os.path.join(platformdirs.user_cache_dir("anchang", appauthor=False), "matplotlib")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.environ["MPLCONFIGDIR"] = folder
