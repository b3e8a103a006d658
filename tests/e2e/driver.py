"""Driving the real programs as a person does: an X server of their own (Xvfb), the programs started as
processes on the xcb platform, the mouse and keyboard through the window system (xdotool), and the
screen read back from the programs' automation probe (ui/probe.py) and from screenshots.

The probe says where a widget is and what it shows; every act goes through X like a finger or a key.
Each step's screenshot is kept in the test's folder; `Session.keep_screens` copies them out when a
test fails (tests/e2e/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PATIENCE_S = 30.0  # a loaded 2-core machine can stall a program for seconds


def tools_missing() -> list[str]:
    return [tool for tool in ("Xvfb", "xdotool", "xclip", "import") if shutil.which(tool) is None]


class Display:
    """An Xvfb server of its own, `size` pixels, until `close`."""

    def __init__(self, size: tuple[int, int] = (1920, 1080)) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp",
             "-ac"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"
        self.size = size

    def env(self) -> dict[str, str]:
        return {"DISPLAY": self.name}

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], env={**os.environ, **self.env()}, capture_output=True,
                              text=True, timeout=30, check=True)
        return done.stdout

    def click(self, x: int, y: int) -> None:
        # no --sync: it waits for the pointer to move, forever when it already is there (two buttons in
        # one place on consecutive screens)
        self.xdotool("mousemove", str(x), str(y), "sleep", "0.05", "click", "1")

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "30", *keys)

    def type(self, text: str) -> None:
        """Keys for ASCII text. Chinese comes in as an input method commits it: whole, which xdotool's
        one-character-at-a-time remapping does not do reliably (管理员 came out 管员), so it goes through
        the clipboard and ctrl+v."""
        if text.isascii():
            self.xdotool("type", "--delay", "30", text)
            return
        subprocess.run(["xclip", "-selection", "clipboard"], input=text.encode("utf-8"), check=True, timeout=10,
                       env={**os.environ, **self.env()})
        self.key("ctrl+v")

    def screenshot(self, path: Path) -> Path:
        subprocess.run(["import", "-display", self.name, "-window", "root", str(path)], check=False,
                       timeout=30, capture_output=True)
        return path

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass(frozen=True)
class Widget:
    name: str
    cls: str
    x: int
    y: int
    w: int
    h: int
    enabled: bool
    text: str | None
    checked: bool | None
    current: str | None
    rows: list[list[str]] | None
    window: str
    changed_at: float | None = None  # a stack's last page change, time.monotonic() of the program
    row_places: list[list[int]] | None = None  # a table's rows on the screen: x, y, w, h of the first cell

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y + self.h // 2


class Program:
    """One of the programs (`anchang-kiosk`, `anchang-console`, ...) started in `display`."""

    def __init__(self, display: Display, folder: Path, name: str, args: list[str], env: dict[str, str]) -> None:
        self.display, self.folder, self.name = display, folder, name
        self.probe = folder / f"{name}.probe.json"
        self.log = folder / f"{name}.log"
        self.steps = 0
        full_env = {**os.environ, **env, **display.env(), "QT_QPA_PLATFORM": "xcb",
                    "ANCHANG_UI_PROBE": str(self.probe), "PYTHONUNBUFFERED": "1"}
        full_env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([str(BIN / name), *args], env=full_env, stdout=log,
                                            stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)

    # ------------------------------------------------------------------ reading
    def state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.probe.read_text(encoding="utf-8")))
        except (FileNotFoundError, json.JSONDecodeError):
            return {"windows": []}

    def widgets(self) -> list[Widget]:
        found = []
        for window in self.state()["windows"]:
            for item in window["widgets"]:
                found.append(Widget(item["name"], item["class"], item["x"], item["y"], item["w"], item["h"],
                                    item["enabled"], item.get("text"), item.get("checked"), item.get("current"),
                                    item.get("rows"), window["name"], item.get("changed_at"),
                                    item.get("row_places")))
        return found

    def find(self, name: str) -> Widget | None:
        return next((w for w in self.widgets() if w.name == name), None)

    def text(self, name: str) -> str:
        widget = self.wait_for(name)
        return widget.text or ""

    def until(self, condition: Callable[[], Any], what: str, timeout: float = PATIENCE_S) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.process.returncode}) waiting for {what}; "
                                     f"log: {self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        self.snap(f"timeout-{what}")
        raise AssertionError(f"{self.name}: {what} not seen within {timeout:.0f} s")

    def wait_for(self, name: str, *, enabled: bool | None = None, text: str | None = None,
                 contains: str | None = None, timeout: float = PATIENCE_S) -> Widget:
        def ready() -> Widget | None:
            widget = self.find(name)
            if widget is None or (enabled is not None and widget.enabled != enabled):
                return None
            if text is not None and widget.text != text:
                return None
            if contains is not None and contains not in (widget.text or ""):
                return None
            return widget
        return self.until(ready, f"{name} {enabled=} {text=} {contains=}", timeout)

    def screen(self, stack: str = "screens") -> str:
        widget = self.find(stack)
        return widget.current or "" if widget is not None else ""

    def wait_screen(self, name: str, stack: str = "screens", timeout: float = PATIENCE_S) -> None:
        self.until(lambda: self.screen(stack) == name, f"screen {name}", timeout)

    # ------------------------------------------------------------------- acting
    def click(self, name: str, timeout: float = PATIENCE_S) -> None:
        widget = self.wait_for(name, enabled=True, timeout=timeout)
        x, y = widget.center
        if not (0 <= x < self.display.size[0] and 0 <= y < self.display.size[1]):
            self.snap(f"offscreen-{name}")
            raise AssertionError(f"{name} lies off the {self.display.size} screen at {widget}: a person cannot "
                                 "tap it")
        self.display.click(x, y)
        self.snap(f"click-{name}")

    def click_row(self, table: str, row: int) -> None:
        widget = self.until(lambda: (w := self.find(table)) is not None and w.row_places
                            and len(w.row_places) > row and w, f"row {row} of {table}")
        x, y, w, h = widget.row_places[row]
        self.display.click(x + w // 2, y + h // 2)
        self.snap(f"row-{table}-{row}")

    def type_into(self, name: str, text: str, secret: bool = False) -> None:
        """Clicks the field, empties it and types `text` (through X, as a person does); then looks at the
        field, as a person does, and types again if it does not say `text`."""
        for _attempt in range(3):
            self.click(name)
            self.display.key("ctrl+a", "BackSpace")
            self.display.type(text)
            if secret:
                return
            try:  # the probe is written a moment after the screen changes: give it that moment
                self.until(lambda: (widget := self.find(name)) is not None and widget.text == text,
                           f"{name} saying {text!r}", timeout=3)
                return
            except AssertionError:
                if self.process.poll() is not None:
                    raise
        raise AssertionError(f"{name}: could not type {text!r}")

    def type_keys(self, names: list[str]) -> None:
        for name in names:
            self.click(name)

    def snap(self, what: str) -> Path:
        self.steps += 1
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in what)[:60]
        return self.display.screenshot(self.folder / f"{self.name}-{self.steps:03d}-{safe}.png")

    # ----------------------------------------------------------------- the end
    def signal(self, sig: int) -> None:
        os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(10)
        return int(self.process.returncode)
