"""The default consent notice for face recognition: shown by the kiosk (kiosk/screens/consent.py) and
offered for editing in the console's first-run wizard. A site's own notice, when it set one, lives in
the database (service/site_settings.py) and is shown as written; the default follows the station's language."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "ConsentNotice"
DEFAULT_NOTICE = QT_TRANSLATE_NOOP(
    "ConsentNotice",
    "为方便您下次来访快速登记，我们希望采集您的人脸特征。\n"
    "· 仅用于本项目来访登记与客户归属确认，不用于其他目的；\n"
    "· 只保存加密的人脸特征，不保存照片，数据不离开本案场；\n"
    "· 您可以随时到前台撤回授权，我们将删除您的人脸数据；\n"
    "· 不同意不影响您的任何权益，可用手机号、身份证或预约码登记。")


def default_notice() -> str:
    """The default notice in the application's language."""
    return QCoreApplication.translate(CONTEXT, str(DEFAULT_NOTICE))
