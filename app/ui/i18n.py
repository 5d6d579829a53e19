"""The UI's language: Qt's translator, picked from the system locale or the Language setting.

Every user-visible string in app/ui goes through `tr()` (or is marked with `tr_noop()` where
it is defined as data and translated where it is shown). `fennec dev i18n` collects them into
resources/i18n/fennec_<lang>.ts, the translation source, and compiles the .qm that
QTranslator loads; a test keeps both in step with the code.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def tr(text: str) -> str:
    """The text in the UI's language (itself when there is no translation)."""
    return QCoreApplication.translate("", text)


def tr_noop(text: str) -> str:
    """Marks text defined as data (a table of labels) for the catalog; tr() it when shown."""
    return text


def language_for(setting: str, system_locale: str | None = None) -> str:
    """'auto' follows the system: Chinese for any zh locale, else English."""
    if setting in LANGUAGES:
        return setting
    name = system_locale if system_locale is not None else QLocale.system().name()
    return "zh_CN" if name.lower().startswith("zh") else "en"


def install_translator(setting: str = "auto") -> QTranslator | None:
    """Load and install the translation for the chosen language; None for English or when
    the catalog is missing (the UI then stays English, as written)."""
    language = language_for(setting)
    if language == "en":
        return None
    translator = QTranslator(QCoreApplication.instance())
    if not translator.load(str(I18N_DIR / f"fennec_{language}.qm")):
        return None
    QCoreApplication.installTranslator(translator)
    # Qt's own words (OK, Cancel, Save in standard buttons) from the translations Qt ships.
    qt = QTranslator(translator)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        QCoreApplication.installTranslator(qt)
    return translator
