#include "app/translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace parley::app {

namespace {

// Loads `prefix`_<lang>.qm for the locale's UI languages in order (de_DE, then de), so
// de_AT finds parley_de.qm; English needs no file, the sources are English.
bool install(const QLocale &locale, const QString &prefix, const QString &directory)
{
    auto *translator = new QTranslator(QCoreApplication::instance());
    if (translator->load(locale, prefix, QStringLiteral("_"), directory) &&
        QCoreApplication::installTranslator(translator)) {
        return true;
    }
    delete translator;
    return false;
}

} // namespace

QString embeddedTranslationsPath()
{
    // app/CMakeLists.txt: qt_add_translations(... RESOURCE_PREFIX /i18n)
    return QStringLiteral(":/i18n");
}

InstalledTranslations installTranslations(const QLocale &locale)
{
    InstalledTranslations installed;
    if (QCoreApplication::instance() == nullptr) {
        return installed;
    }
    installed.qt = install(locale, QStringLiteral("qtbase"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    installed.parley = install(locale, QStringLiteral("parley"), embeddedTranslationsPath());
    return installed;
}

} // namespace parley::app
