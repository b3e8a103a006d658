"""The man pages installer/make_manpages.py writes at build time: each documents every command and option
its program's argparse parser has, and `man -l` renders them without a warning at common widths."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_manpages", ROOT / "installer" / "make_manpages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("man")
    written = load_generator().write_pages(out, "9.8.7", "2030-01-02")
    return {path.stem: path for path in written}


def rendered(page: Path, width: int = 100) -> tuple[str, str]:
    result = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "MANWIDTH": str(width), "MAN_KEEP_FORMATTING": "", "LANG": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


def every_name(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string and every subcommand ("anchang scenario run"), walked independently here."""
    names = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names.append(sub.prog)
                names += every_name(sub)
        else:
            names += list(action.option_strings)
    return names


def test_three_pages_with_the_version_given(pages: dict[str, Path]) -> None:
    assert sorted(pages) == ["anchang", "anchang-console", "anchang-kiosk"]
    for name, page in pages.items():
        escaped = name.replace("-", "\\-")
        assert page.read_text(encoding="utf-8").startswith(f'.TH {name.upper()} 1 "2030-01-02" "{escaped} 9.8.7"')


@pytest.mark.skipif(shutil.which("man") is None, reason="man not installed")
def test_each_page_documents_every_command_and_option_of_its_parser(pages: dict[str, Path]) -> None:
    from admin.cli import _parser
    from console.app import build_parser as console_parser
    from kiosk.app import build_parser as kiosk_parser

    for name, parser in (("anchang", _parser()), ("anchang-kiosk", kiosk_parser()),
                         ("anchang-console", console_parser())):
        text, _ = rendered(pages[name], width=250)  # wide: a name is never split over two lines
        names = every_name(parser)
        assert len(names) >= (30 if name == "anchang" else 6)
        missing = [option for option in names if option not in text]
        assert not missing, f"{name}(1) lacks {missing}"
    for command in ("anchang join", "anchang pg-setup", "anchang restore"):
        assert command in rendered(pages["anchang"], width=250)[0]


@pytest.mark.skipif(shutil.which("man") is None, reason="man not installed")
def test_pages_render_without_warnings(pages: dict[str, Path]) -> None:
    for page in pages.values():
        for width in (80, 100):
            text, warnings = rendered(page, width)
            assert warnings == "", f"{page.name} at {width} columns: {warnings}"
            assert "SYNOPSIS" in text and "SEE ALSO" in text and "FILES" in text


def test_the_kiosk_page_documents_its_session_and_exit_codes(pages: dict[str, Path]) -> None:
    from kiosk.single_instance import ALREADY_RUNNING_EXIT

    source = pages["anchang-kiosk"].read_text(encoding="utf-8")
    for needed in ("anchang\\-kiosk\\-autostart session \\-\\-user kiosk", "50\\-anchang\\-kiosk.conf",
                   "xset s off", "\\-dpms", "AutomaticLogin=kiosk", "RestartSec=2",
                   f".B {ALREADY_RUNNING_EXIT}\nanother kiosk"):
        assert needed in source, needed
