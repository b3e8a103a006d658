"""`anchang init --system` (and `anchang join --system` on a second station): one site for every user of this computer (db/site_dirs.py says where it lives).

An administrator runs it (root), or a member of the system group once an administrator has made the
configuration and data folders theirs to write. It refuses, saying what to do, when the group does not
exist (the package creates it) or the user may not set the site up. The data folder becomes 2770 in the
group, and `anchang init` runs on it with the group's modes; the settings, written last, point at it, so
a failed init leaves no system site for the programs to find.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from db.config import save_settings, settings
from db.site_dirs import Site, make_folder, protect, system_group, system_site, using_site
from operations.common import AdminError

T = TypeVar("T")


def may_set_up(site: Site) -> str | None:
    """None when this user may set the system site up (or use the wizard's 本机所有用户共用), else what an
    administrator must do, Chinese first."""
    folders = (site.config_file.parent, site.data_dir)
    if os.name != "posix":  # Windows: the installer made %ProgramData%\Anchang, modifiable by the Users group
        if all(_writable(folder) for folder in folders):
            return None
        return (f"需要管理员权限 / {site.data_dir} is missing or not writable: run the Anchang installer again "
                "as an administrator (it makes the folder for every user of this PC)")
    group = system_group()
    gid = group_id()
    if gid is None:
        return (f"系统组 {group} 不存在 / the system group {group} does not exist: install the anchang package "
                f"(it creates the group), or as an administrator: sudo addgroup --system {group}")
    if os.geteuid() == 0:
        return None
    member = gid == os.getegid() or gid in os.getgroups()
    writable = all(_writable(folder) for folder in folders)
    if member and writable:
        return None
    return (f"需要管理员权限 / setting up the site for every user of this computer needs an administrator: "
            f"sudo anchang init --system (then add each user: sudo adduser USER {group}, and log in again)")


def group_id() -> int | None:
    """The system group's id; None when it does not exist (no package installed), or on Windows."""
    if os.name != "posix":
        return None
    import grp

    try:
        return grp.getgrnam(system_group()).gr_gid
    except KeyError:
        return None


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def prepare_folders(site: Site) -> None:
    """The configuration folder (0755 where made here: its anchang.toml is 0640) and the data folder,
    2770 in the group (on Windows: the folder, its access the installer's)."""
    gid = group_id()
    config_dir = site.config_file.parent
    if not config_dir.exists():
        config_dir.mkdir(parents=True, mode=0o755)
        config_dir.chmod(0o755)
    make_folder(site.data_dir, site)
    if gid is None:
        return
    info = site.data_dir.stat()
    if info.st_uid == os.geteuid() and info.st_gid != gid:
        os.chown(site.data_dir, -1, gid)
        protect(site.data_dir, site.folder_mode)  # chown clears the setgid bit


def on_system_site(set_up: Callable[[], T], say: Callable[[str], None]) -> T:
    """`set_up()` (init, join, or the wizard's new site or join) on the system site: refused, saying what to
    do, when this user may not; the folders made; the settings' [site] data_dir written after it succeeded,
    so a failure leaves no system site for the programs to find."""
    site = system_site()
    refusal = may_set_up(site)
    if refusal is not None:
        raise AdminError(refusal)
    if os.environ.get("ANCHANG_DATA_DIR"):
        say("  注意：设置了 ANCHANG_DATA_DIR 的程序不使用本机站点 / note: programs started with ANCHANG_DATA_DIR "
            "set use that folder, not this computer's site")
    prepare_folders(site)
    with using_site(site):
        done = set_up()
        values = settings()
        values.setdefault("site", {})["data_dir"] = str(site.data_dir)
        say(f"已写入配置 / wrote {save_settings(values)}: [site] data_dir = {site.data_dir}")
    say(f"本机所有用户共用此站点 / this site is for every user of this computer in group {system_group()}: "
        f"sudo adduser USER {system_group()} (then log in again)")
    return done
