#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

#include <variant>

namespace parley::app {

// The desktop app's command line. Parsed before any QApplication exists, so --help and
// --version work without a display.
struct AppCommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion };

    Action action = Action::Run;
    QString profileDir; // empty: the default profile
    QUrl relayUrl;      // empty: the profile's remembered relay, else the local default
    QString helpText;
};

// `arguments` starts with the program name. Returns a sentence for the user on bad input.
// The help and the sentences are translated when a QCoreApplication with translators exists
// (main.cpp makes one, without a window system, for --help and errors), else English.
std::variant<AppCommandLine, QString> parseAppCommandLine(const QStringList &arguments);

// The relay a fresh profile uses: the local relay started by `scripts/run`.
QUrl defaultRelayUrl();

} // namespace parley::app
