"""Where this computer's site lives, and the modes its folders and files get.

A per-user site (the data directory of whoever set it up, e.g. ~/.local/share/anchang) is that user's
alone: folders 0700, files 0600. The system site (configuration /etc/anchang/anchang.toml, data
/var/lib/anchang; on Windows both in %ProgramData%\\Anchang) is shared by the members of the system group
`anchang`: folders 2770 (setgid, so new files get the group), files 0660, the site keys 0640, nothing
readable by others.

Which site a program uses: ANCHANG_DATA_DIR when set; else the user's own site when one exists (its
anchang.toml or site keys are there); else the system site when its anchang.toml exists; else the user's
data directory (where a new per-user `anchang init` puts one). ANCHANG_SYSTEM_CONFIG_DIR,
ANCHANG_SYSTEM_DATA_DIR and ANCHANG_SYSTEM_GROUP move the system site (for tests and packagers).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "anchang"
CONFIG_NAME = "anchang.toml"
MASTER_KEY_FILE = "master.key"
LOOKUP_KEY_FILE = "lookup.key"
SIGNING_KEY_FILE = "signing-ed25519.pem"
KEY_FILES = (MASTER_KEY_FILE, LOOKUP_KEY_FILE, SIGNING_KEY_FILE)
SYSTEM_GROUP = "anchang"


@dataclass(frozen=True)
class Site:
    data_dir: Path
    config_file: Path
    shared: bool  # the system site: the group's members share it

    @property
    def folder_mode(self) -> int:
        return 0o2770 if self.shared else 0o700

    @property
    def file_mode(self) -> int:
        return 0o660 if self.shared else 0o600

    @property
    def key_mode(self) -> int:
        """Key files and anchang.toml (a database URL may hold a password): the group reads, never writes."""
        return 0o640 if self.shared else 0o600

    @property
    def umask(self) -> int:
        return 0o007 if self.shared else 0o077


_chosen: contextvars.ContextVar[Site | None] = contextvars.ContextVar("anchang_site", default=None)


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _windows_program_data() -> Path:
    return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Anchang"


def system_config_dir() -> Path:
    configured = os.environ.get("ANCHANG_SYSTEM_CONFIG_DIR")
    if configured:
        return Path(configured)
    return _windows_program_data() if sys.platform == "win32" else Path("/etc/anchang")


def system_data_dir() -> Path:
    """Where `anchang init --system` puts the data (the system anchang.toml's [site] data_dir wins)."""
    configured = os.environ.get("ANCHANG_SYSTEM_DATA_DIR")
    if configured:
        return Path(configured)
    return _windows_program_data() if sys.platform == "win32" else Path("/var/lib/anchang")


def system_group() -> str:
    return os.environ.get("ANCHANG_SYSTEM_GROUP") or SYSTEM_GROUP


def membership_hint() -> str:
    """What a user refused by the system site's folders or files is told (after the error itself)."""
    group = system_group()
    return (f"本机站点供 {group} 组成员使用，请管理员把您加入该组后重新登录 / the site of this computer is for "
            f"the members of group {group}: an administrator adds you (sudo adduser $USER {group}), then log "
            "in again")


def system_site() -> Site:
    """The system site, whether it exists yet or not."""
    config = system_config_dir() / CONFIG_NAME
    return Site(_configured_data_dir(config) or system_data_dir(), config, shared=True)


def _configured_data_dir(config: Path) -> Path | None:
    """[site] data_dir of the system anchang.toml; None when unset or unreadable (reading the settings
    later says why, e.g. a user outside the group)."""
    try:
        value = tomllib.loads(config.read_bytes().decode("utf-8-sig")).get("site", {}).get("data_dir")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(value) if isinstance(value, str) and value.strip() else None


def _exists(path: Path) -> bool:
    """True also for a file this user may not look at (its folder closed to them): it is there."""
    try:
        return path.exists()
    except PermissionError:
        return True


def holds_site(directory: Path) -> bool:
    return any(_exists(directory / name) for name in (CONFIG_NAME, *KEY_FILES))


def current_site() -> Site:
    """The site this program works on (the order is in the module's docstring)."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    explicit = os.environ.get("ANCHANG_DATA_DIR")
    if explicit:
        path = Path(explicit)
        return Site(path, path / CONFIG_NAME, shared=_same_folder(path, system_site().data_dir))
    personal = user_data_dir()
    if holds_site(personal):
        return Site(personal, personal / CONFIG_NAME, shared=False)
    system = system_site()
    if _exists(system.config_file):
        return system
    return Site(personal, personal / CONFIG_NAME, shared=False)


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@contextlib.contextmanager
def using_site(site: Site) -> Iterator[Site]:
    """Works on `site` whatever the resolution would choose (`anchang init --system` as a user who has a
    per-user site of their own), with its umask."""
    token = _chosen.set(site)
    previous = os.umask(site.umask)
    try:
        yield site
    finally:
        os.umask(previous)
        _chosen.reset(token)


def use_site_umask() -> int:
    """Sets the current site's umask for the whole program (files the database and SQLite make, backups,
    exports); returns the previous one."""
    return os.umask(current_site().umask)


def make_folder(path: Path, site: Site | None = None) -> Path:
    """`path` and its missing parents, each with the site's folder mode; `path` gets it again when it was
    there already and is this user's (made 0755 by an older version or another step: tightened)."""
    site = site or current_site()
    missing = [folder for folder in (path, *path.parents) if not _exists(folder)]
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True, mode=site.folder_mode & 0o777)
        protect(folder, site.folder_mode)
    protect(path, site.folder_mode)
    return path


def protect(path: Path, mode: int) -> None:
    """chmod `path` to `mode` when it is this user's and differs; another member's file is left as it is
    (only its owner may change it)."""
    try:
        info = path.stat()
        if info.st_uid == os.geteuid() and (info.st_mode & 0o7777) != mode:
            path.chmod(mode)
    except (OSError, AttributeError):  # AttributeError: Windows has no geteuid; NTFS ACLs apply there
        pass
