#include "app/commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>

namespace parley::app {

QUrl defaultRelayUrl()
{
    return QUrl(QStringLiteral("ws://127.0.0.1:7683"));
}

std::variant<AppCommandLine, QString> parseAppCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "parley::app::CommandLine", "Parley: an end-to-end encrypted messenger."));
    const QCommandLineOption helpOption(
        {QStringLiteral("h"), QStringLiteral("help")},
        QCoreApplication::translate("parley::app::CommandLine", "Show this help and exit."));
    const QCommandLineOption versionOption(
        {QStringLiteral("v"), QStringLiteral("version")},
        QCoreApplication::translate("parley::app::CommandLine", "Show the version and exit."));
    const QCommandLineOption profileOption(
        QStringLiteral("profile"),
        QCoreApplication::translate(
            "parley::app::CommandLine",
            "Use the profile in <dir>; several profiles can run side by side."),
        QStringLiteral("dir"));
    const QCommandLineOption relayOption(
        QStringLiteral("relay"),
        QCoreApplication::translate(
            "parley::app::CommandLine",
            "Connect to the relay at <url> (wss://…; ws:// only to this computer) "
            "and remember it for the profile. Default: %1.")
            .arg(defaultRelayUrl().toString()),
        QStringLiteral("url"));
    parser.addOptions({helpOption, versionOption, profileOption, relayOption});
    // Qt's own options (-platform, -style, …) reach QApplication untouched.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);

    QStringList ours;
    ours << arguments.value(0, QStringLiteral("parley"));
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        const bool isQtOption =
            argument == u"-platform" || argument == u"-style" || argument == u"-qwindowgeometry";
        if (isQtOption) {
            ++i; // skip its value too
            continue;
        }
        ours << argument;
    }

    if (!parser.parse(ours)) {
        return parser.errorText();
    }
    if (!parser.positionalArguments().isEmpty()) {
        return QCoreApplication::translate("parley::app::CommandLine", "unexpected argument: %1")
            .arg(parser.positionalArguments().first());
    }
    AppCommandLine result;
    if (parser.isSet(helpOption)) {
        result.action = AppCommandLine::Action::ShowHelp;
        // The usage line names the program as typed: without a QCoreApplication Qt writes
        // "<executable_name>", with one the whole argv[0]; both become the file name.
        result.helpText = parser.helpText();
        const qsizetype usageEnd = result.helpText.indexOf(QLatin1Char('\n'));
        QString usage = result.helpText.left(usageEnd);
        const QString program = QCoreApplication::instance() != nullptr
                                    ? QCoreApplication::arguments().value(0)
                                    : QStringLiteral("<executable_name>");
        usage.replace(program, QFileInfo(ours.first()).fileName());
        result.helpText.replace(0, usageEnd, usage);
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = AppCommandLine::Action::ShowVersion;
        return result;
    }
    result.profileDir = parser.value(profileOption);
    if (parser.isSet(relayOption)) {
        result.relayUrl = QUrl::fromUserInput(parser.value(relayOption));
        if (!result.relayUrl.isValid()) {
            return QCoreApplication::translate(
                "parley::app::CommandLine", "--relay wants a URL such as wss://relay.example.org");
        }
    }
    return result;
}

} // namespace parley::app
