#pragma once

#include <QLocale>
#include <QString>

namespace parley::app {

// What installTranslations() put in place.
struct InstalledTranslations
{
    bool parley = false; // Parley's own strings (:/i18n/parley_<lang>.qm, built from translations/)
    bool qt = false;     // Qt's (qtbase_<lang>.qm: standard buttons, file dialogs, …)
};

// Installs the translators for `locale` on the running QCoreApplication, which must exist;
// call it before the first window is created so every view is built in that language. main()
// passes QLocale(), which is the system's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) unless
// QLocale::setDefault changed it. Parley's translation is embedded in the app; Qt's own is
// taken from QLibraryInfo::TranslationsPath when the system has it (Debian
// qt6-translations-l10n). A language with no translation leaves the English source strings.
// The translators are children of the application and live as long as it does.
InstalledTranslations installTranslations(const QLocale &locale);

// The directory inside the resources that holds Parley's .qm files.
QString embeddedTranslationsPath();

} // namespace parley::app
