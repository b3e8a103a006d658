"""Kiosk settings in staff mode: camera, ID-card reader port, language, check-in sources. Stored in
anchang.toml under [kiosk] (sources in the project's settings table); camera, port and language apply at
the next start."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.staff_desk import run_as_staff
from kiosk.widgets import button, clear_layout, label
from service import reception
from service.desk import Desk

CAMERAS = ("0", "1", "none")  # the demo video only from the command line (--camera demo): never a real kiosk's
LANGUAGES = (("zh", "中文"), ("en", "English"))


def serial_ports() -> list[str]:
    try:
        from serial.tools import list_ports
    except ImportError:
        return []
    return sorted(port.device for port in list_ports.comports())


def kiosk_section() -> dict[str, Any]:
    """[kiosk] of anchang.toml ({} when there is none or it cannot be read)."""
    from db.config import settings as load_settings

    try:
        table = load_settings().get("kiosk", {})
    except Exception:
        return {}
    return table if isinstance(table, dict) else {}


class SettingsTab(QWidget):
    def __init__(self, kiosk: Any) -> None:
        super().__init__()
        self.setObjectName("staff_settings")
        self.kiosk = kiosk
        self.values: dict[str, str] = {}
        self.sources: list[reception.Source] = []
        self.enabled: set[str] = set()
        self.layout_ = QVBoxLayout(self)
        self.message = label("", "settings_message", size=20)
        self.layout_.addWidget(self.message)
        self.groups: dict[str, QGridLayout] = {}
        for key, title in (("camera", self.tr("摄像头")), ("reader_port", self.tr("身份证读卡器端口")),
                           ("language", self.tr("语言")), ("sources", self.tr("登记来源"))):
            row = QHBoxLayout()
            row.addWidget(label(title, f"settings_{key}_title", size=20, bold=True), 1)
            grid = QGridLayout()
            row.addLayout(grid, 4)
            self.groups[key] = grid
            self.layout_.addLayout(row)
        self.layout_.addStretch(1)
        self.layout_.addWidget(button(self.tr("保存设置"), "settings_save", "primary", on_click=self.save))

    def refresh(self) -> None:
        kiosk_settings = kiosk_section()
        self.values = {"camera": str(kiosk_settings.get("camera", "0")),
                       "reader_port": str(kiosk_settings.get("reader_port", "")),
                       "language": str(kiosk_settings.get("language", "zh"))}
        self._choices("camera", [(c, self.tr("无摄像头") if c == "none" else self.tr("摄像头 %1").replace("%1", c))
                                 for c in CAMERAS])
        ports = serial_ports()
        current = self.values["reader_port"]
        if current and current not in ports:
            ports.append(current)
        self._choices("reader_port", [("", self.tr("无"))] + [(p, p) for p in ports])
        self._choices("language", list(LANGUAGES))
        self.kiosk.runner.run(reception.sources, self.kiosk.store, on_done=self._sources,
                              on_error=lambda _e: None)

    def _choices(self, key: str, options: list[tuple[str, str]]) -> None:
        grid = self.groups[key]
        clear_layout(grid)
        for index, (value, text) in enumerate(options):
            widget = button(text, f"settings_{key}_{value or 'none'}", "toggle",
                            on_click=lambda k=key, v=value: self._pick(k, v))
            widget.setCheckable(True)
            widget.setChecked(self.values.get(key) == value)
            grid.addWidget(widget, index // 4, index % 4)

    def _pick(self, key: str, value: str) -> None:
        self.values[key] = value
        for widget in self.findChildren(QPushButton):
            if widget.objectName().startswith(f"settings_{key}_"):
                widget.setChecked(widget.objectName() == f"settings_{key}_{value or 'none'}")

    def _sources(self, sources: list[reception.Source]) -> None:
        configured = {s.name for s in sources}
        self.sources = list(sources) + [s for s in reception.DEFAULT_SOURCES if s.name not in configured]
        self.enabled = configured
        grid = self.groups["sources"]
        clear_layout(grid)
        for index, source in enumerate(self.sources):
            widget = button(QCoreApplication.translate("Kiosk", source.name), f"settings_source_{index}", "toggle",
                            on_click=lambda n=source.name: self._toggle_source(n))
            widget.setCheckable(True)
            widget.setChecked(source.name in self.enabled)
            grid.addWidget(widget, index // 3, index % 3)

    def _toggle_source(self, name: str) -> None:
        self.enabled ^= {name}
        for index, source in enumerate(self.sources):
            found = self.findChild(QPushButton, f"settings_source_{index}")
            if found is not None:
                found.setChecked(source.name in self.enabled)

    def save(self) -> None:
        from db.config import save_settings
        from db.config import settings as load_settings

        chosen = [replace(s) for s in self.sources if s.name in self.enabled]
        if not chosen:
            self.message.setText(self.tr("至少保留一种登记来源"))
            return
        values = dict(self.values)

        def work(desk: Desk) -> None:
            desk.set_sources(chosen)  # the project's, through the Desk: refused before the station's are saved
            settings = load_settings()
            settings["kiosk"] = {**settings.get("kiosk", {}), **values}
            save_settings(settings)

        run_as_staff(self.kiosk, work, on_done=lambda _r: self.message.setText(
            self.tr("已保存，摄像头、读卡器和语言在重启后生效")), say=self.message.setText)
