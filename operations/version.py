"""`--version` of the three programs: the package version and the newest database schema it knows.

The version comes from the installed package's metadata (the PyInstaller build carries it too); a
source checkout that was never installed reads pyproject.toml instead.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

DISTRIBUTION = "anchang"
UNKNOWN = "0+unknown"


def program_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return UNKNOWN


def version_line(program: str) -> str:
    from db.migrate import head_revision

    build = "installed build" if getattr(sys, "frozen", False) else "Python package"
    return f"{program} {program_version()} (数据库结构 / schema {head_revision()}; {build})"


class VersionAction(argparse.Action):
    """`--version`: prints `version_line` and exits 0; computed only when asked (it reads the migrations)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="版本 / print the version and the database schema it knows, then exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(version_line(parser.prog))
        parser.exit(0)
