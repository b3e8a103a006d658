"""Where Anchang keeps its data, and which database it talks to."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from db.site_dirs import current_site, membership_hint, system_group


class ConfigError(ValueError):
    """anchang.toml cannot be read, or a setting in it has the wrong shape; the message names the file."""


def data_dir() -> Path:
    """The site's data directory: ANCHANG_DATA_DIR, the user's own site, the system site (db/site_dirs.py)."""
    return current_site().data_dir


def config_file() -> Path:
    return current_site().config_file


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict: UTF-8, a byte-order mark allowed (Notepad writes one). ConfigError otherwise."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"配置文件不是 UTF-8 文本 / {path} is not UTF-8 text (byte {exc.start})") from None
    except PermissionError as exc:
        hint = f"; {membership_hint()}" if current_site().shared else ""
        raise ConfigError(f"无法读取配置文件 / cannot read {path}: {exc.strerror or exc}{hint}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 / cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件格式错误 / {path} is not valid TOML: {exc}") from None


def settings() -> dict[str, Any]:
    """anchang.toml as a dict ({} when there is none)."""
    path = config_file()
    return read_toml(path) if path.exists() else {}


def section(values: dict[str, Any], name: str) -> dict[str, Any]:
    """The [name] table of the settings; ConfigError when `name` is there but is not a table."""
    table = values.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"配置错误 / in {config_file()}, {name} must be a table ([{name}]), not {table!r}")
    return table


def database_url() -> str:
    """ANCHANG_DATABASE_URL, else `database.url` in anchang.toml, else SQLite in the data directory."""
    url = os.environ.get("ANCHANG_DATABASE_URL")
    if url:
        return url
    configured = section(settings(), "database").get("url")
    if configured is not None and (not isinstance(configured, str) or not configured.strip()):
        raise ConfigError(f"配置错误 / [database] url in {config_file()} must be a database URL text, "
                          f"not {configured!r}")
    if configured:
        return configured.strip()
    return f"sqlite:///{data_dir() / 'anchang.sqlite3'}"


def owner_database_url() -> str | None:
    """The URL migrations use, where it differs from the stations': ANCHANG_OWNER_DATABASE_URL, else
    `database.owner_url` (on PostgreSQL set up by `anchang pg-setup`, the owner's, on the server PC only)."""
    url = os.environ.get("ANCHANG_OWNER_DATABASE_URL")
    if url:
        return url
    configured = section(settings(), "database").get("owner_url")
    if configured is not None and (not isinstance(configured, str) or not configured.strip()):
        raise ConfigError(f"配置错误 / [database] owner_url in {config_file()} must be a database URL text, "
                          f"not {configured!r}")
    return configured.strip() if configured else None


def save_settings(values: dict[str, Any]) -> Path:
    """Writes anchang.toml readable by its owner only (a database URL may hold a password); on the system
    site by its group too (0640), which may read but not change it."""
    site = current_site()
    path = site.config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, site.key_mode)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump(values, fh)
        if os.name == "posix":  # the mode whatever the umask; the group even when /etc is not setgid
            if site.shared:
                os.fchown(fh.fileno(), -1, site_group_id())
            os.fchmod(fh.fileno(), site.key_mode)
    os.replace(temp, path)
    return path


def site_group_id() -> int:
    """The system group's id; ConfigError when the group does not exist."""
    import grp

    try:
        return grp.getgrnam(system_group()).gr_gid
    except KeyError:
        raise ConfigError(f"系统组 {system_group()} 不存在 / the system group {system_group()} does not exist: "
                          f"the anchang package creates it (or: sudo addgroup --system {system_group()})") from None
