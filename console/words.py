"""Who did it, in words: the journal's actors and stations are codes (`kiosk`, `reception`, `system`,
`kiosk-大堂`), which the console shows as a sales office says them (前台自助机, 前台, 系统, 前台自助机 大堂).
A person's name (a user, a consultant) is shown as it is. Also the roles' names."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

_CONTEXT = "ConsoleWords"
# The actors the programs write themselves (service/store.py, kiosk/, admin/): anything else is a person.
_ACTORS = {"kiosk": QT_TRANSLATE_NOOP("ConsoleWords", "前台自助机"),
           "reception": QT_TRANSLATE_NOOP("ConsoleWords", "前台"),
           "system": QT_TRANSLATE_NOOP("ConsoleWords", "系统"),
           "camera": QT_TRANSLATE_NOOP("ConsoleWords", "人脸识别"),
           "import": QT_TRANSLATE_NOOP("ConsoleWords", "批量导入"),
           "init": QT_TRANSLATE_NOOP("ConsoleWords", "系统初始化"),
           "admin": QT_TRANSLATE_NOOP("ConsoleWords", "管理员"),
           "manager": QT_TRANSLATE_NOOP("ConsoleWords", "案场经理"),
           "console": QT_TRANSLATE_NOOP("ConsoleWords", "工作台")}
# Station kinds (service/stations.py): a station is named by its kind, or "<kind>-<this computer's name>".
_STATIONS = {"kiosk": QT_TRANSLATE_NOOP("ConsoleWords", "前台自助机"),
             "console": QT_TRANSLATE_NOOP("ConsoleWords", "工作台"),
             "admin": QT_TRANSLATE_NOOP("ConsoleWords", "管理命令")}
ROLE_NAMES = {"admin": QT_TRANSLATE_NOOP("ConsoleWindow", "管理员"),
              "manager": QT_TRANSLATE_NOOP("ConsoleWindow", "案场经理"),
              "channel_manager": QT_TRANSLATE_NOOP("ConsoleWindow", "渠道经理"),
              "receptionist": QT_TRANSLATE_NOOP("ConsoleWindow", "前台"),
              "consultant": QT_TRANSLATE_NOOP("ConsoleWindow", "置业顾问")}


def actor_text(actor: str) -> str:
    """前台自助机 for `kiosk`, 前台 for `reception`...; a person's name as it is."""
    code = _ACTORS.get(actor)
    return QCoreApplication.translate(_CONTEXT, str(code)) if code is not None else actor


def station_text(station: str) -> str:
    """前台自助机 for `kiosk`, 前台自助机 大堂 for `kiosk-大堂`, 工作台 for `console`; an unknown name as it is."""
    kind, _dash, name = station.partition("-")
    code = _STATIONS.get(kind)
    if code is None:
        return station
    said = QCoreApplication.translate(_CONTEXT, str(code))
    return f"{said} {name}" if name else said


def role_text(role: str) -> str:
    code = ROLE_NAMES.get(role)
    return QCoreApplication.translate("ConsoleWindow", str(code)) if code is not None else role
