"""The kiosk's screens, one module each; each screen's objectName is its name (tests and QSS use it)."""

from kiosk.screens.consent import ConsentScreen
from kiosk.screens.done import DoneScreen
from kiosk.screens.face import FaceScreen
from kiosk.screens.idcard import IdCardScreen
from kiosk.screens.phone import PhoneScreen
from kiosk.screens.qr import QrScreen
from kiosk.screens.returning import ReturningScreen
from kiosk.screens.source import SourceScreen
from kiosk.screens.staff import StaffScreen
from kiosk.screens.staff_pin import StaffPinScreen
from kiosk.screens.start import StartScreen
from kiosk.screens.visitor import VisitorScreen

SCREENS = (StartScreen, ConsentScreen, FaceScreen, ReturningScreen, PhoneScreen, VisitorScreen, SourceScreen,
           QrScreen, IdCardScreen, DoneScreen, StaffPinScreen, StaffScreen)

__all__ = ["SCREENS"]
