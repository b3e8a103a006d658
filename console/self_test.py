"""`anchang-console --self-test`: operations/self_test.py's checks, then Qt's and the login screen rendered
off screen on the temporary site."""

from __future__ import annotations

from operations.self_test import Check, Site, run_self_test

PROGRAM = "anchang-console"
WINDOW = (1366, 860)  # the size `anchang-console` opens at


def qt_checks(site: Site) -> list[Check]:
    from ui import self_test as qt

    app = qt.offscreen_app(PROGRAM, "console")
    sample: dict[str, str] = {}

    def login_screen() -> str:
        from console.context import ConsoleContext
        from console.login import LoginScreen
        from console.window import ConsoleWindow

        window = ConsoleWindow(ConsoleContext(site.store))
        try:
            detail = qt.render(app, window, "login screen", WINDOW)
            login = window.findChild(LoginScreen)
            if login is None or not login.isVisible():
                raise RuntimeError("控制台未显示登录页 / the console did not open on its login screen")
            sample.update(context=type(login).__name__, source=login.title.text())
            return detail
        finally:
            window.close()
            window.deleteLater()
            app.processEvents()

    def translations() -> str:  # English for the title of the screen just rendered
        if not sample:
            raise RuntimeError("需要先绘制登录页 / needs the login screen, which failed above")
        return qt.check_translation(app, sample["context"], sample["source"])

    def printing() -> str:  # PDFium (a native library in the build) renders the report check's PDF
        from ui.printing import page_image

        if site.report_pdf is None:
            raise RuntimeError("需要先生成日报 / needs the daily report, which failed above")
        image = page_image(site.report_pdf)
        if image.isNull() or image.width() < 100:
            raise RuntimeError("PDF页面未能渲染 / the PDF page did not render")
        return f"daily report page 1 rendered by PDFium, {image.width()}×{image.height()}"

    return [Check("Qt", lambda: qt.check_qt(app)), Check("font", lambda: qt.check_font(app)),
            Check("login screen", login_screen), Check("translations", translations),
            Check("printing", printing)]


def run() -> int:
    return run_self_test(PROGRAM, qt_checks)
