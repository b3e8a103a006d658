"""Where Anchang keeps its data, and which database it talks to."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

APP_NAME = "anchang"


def data_dir() -> Path:
    """ANCHANG_DATA_DIR, else the user data directory (e.g. ~/.local/share/anchang)."""
    configured = os.environ.get("ANCHANG_DATA_DIR")
    path = Path(configured) if configured else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return path


def config_file() -> Path:
    return data_dir() / "anchang.toml"


def database_url() -> str:
    """ANCHANG_DATABASE_URL, else `database.url` in anchang.toml, else SQLite in the data directory."""
    url = os.environ.get("ANCHANG_DATABASE_URL")
    if url:
        return url
    cfg = config_file()
    if cfg.exists():
        with cfg.open("rb") as fh:
            settings = tomllib.load(fh)
        url = settings.get("database", {}).get("url")
        if url:
            return str(url)
    return f"sqlite:///{data_dir() / 'anchang.sqlite3'}"
