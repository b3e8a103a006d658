"""Chinese first, English second: source strings are Chinese (`tr()`), English comes from a .qm.

`scripts/translations.sh` extracts the strings with pyside6-lupdate into
resources/translations/anchang_en.ts and compiles it with pyside6-lrelease; tests/ui/test_translations.py
fails when a string has no finished English translation or the .qm is stale.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

import resources

LANGUAGES = ("zh", "en")
TRANSLATIONS_DIR = Path(resources.__file__).resolve().parent / "translations"
TS_FILE = TRANSLATIONS_DIR / "anchang_en.ts"
QM_FILE = TRANSLATIONS_DIR / "anchang_en.qm"
# Qt 6's qtbase_zh_CN lacks some of Qt's own strings (the file dialog's "&Look in:", "Files of &type:"):
# ours, loaded after it, so Qt's dialogs are Chinese throughout (edit the .ts, then pyside6-lrelease it).
QT_SUPPLEMENT_TS = TRANSLATIONS_DIR / "qt_supplement_zh_CN.ts"
QT_SUPPLEMENT_QM = TRANSLATIONS_DIR / "qt_supplement_zh_CN.qm"
_LOCALES = {"zh": QLocale(QLocale.Language.Chinese, QLocale.Country.China),
            "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)}
# Qt's own strings (standard dialog buttons, context menus) in the station's language.
_QT_CATALOGUES = {"zh": "qtbase_zh_CN", "en": None}
_OBJECT_NAME = "anchang-translator"


def install_translator(app: QCoreApplication, lang: str) -> None:
    """Switches `app` to `lang`; widgets then get a LanguageChange event and retranslate themselves.

    zh needs no catalogue of ours (the sources are Chinese); en loads anchang_en.qm. Calling it again
    replaces the translators installed before, so a kiosk can switch back and forth.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"未知语言 / unknown language {lang!r}; expected one of {LANGUAGES}")
    for old in app.findChildren(QTranslator, _OBJECT_NAME):
        app.removeTranslator(old)
        old.setParent(None)  # no longer found by findChildren; freed when the last reference goes
    QLocale.setDefault(_LOCALES[lang])
    qt_catalogue = _QT_CATALOGUES[lang]
    if qt_catalogue is not None:
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        _install(app, qt_catalogue, qt_dir, required=False)
        _install(app, QT_SUPPLEMENT_QM.stem, str(QT_SUPPLEMENT_QM.parent), required=True)
    if lang == "en":
        _install(app, QM_FILE.stem, str(QM_FILE.parent), required=True)
    app.setProperty("anchang_lang", lang)


def _install(app: QCoreApplication, name: str, directory: str, *, required: bool) -> None:
    translator = QTranslator(app)  # parented to app, so it lives as long as the application
    translator.setObjectName(_OBJECT_NAME)
    if not translator.load(name, directory):
        translator.setParent(None)
        if required:
            raise FileNotFoundError(
                f"翻译文件缺失 / translation {name}.qm not found in {directory}; run scripts/translations.sh")
        return
    app.installTranslator(translator)
