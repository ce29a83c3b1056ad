// parley-cli: a headless client on parley_core, for scripts and end-to-end tests.
//
//   parley-cli status --relay URL   connect, print the relay's Welcome, exit 0; or print why
//                                   not and exit 2

#include "core/net/relayconnection.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "protocol/version.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

using namespace parley;

namespace {

constexpr int kExitUsage = 64; // EX_USAGE
constexpr int kExitFailed = 2;

int runStatus(const QUrl &url, int timeoutMs)
{
    core::RelayConnection connection;
    int exitCode = kExitFailed;
    QObject::connect(
        &connection, &core::RelayConnection::statusChanged, &connection,
        [&](const core::ConnectionStatus &status) {
            using State = core::ConnectionStatus::State;
            if (status.state == State::Connected) {
                std::printf("connected %s protocol %u software %s\n",
                            qUtf8Printable(url.toString()), status.protocolVersion,
                            qUtf8Printable(status.relaySoftware));
                exitCode = 0;
                QCoreApplication::quit();
            } else if (status.state == State::Waiting || status.state == State::Refused) {
                std::fprintf(stderr, "parley-cli: %s (%s)\n",
                             qUtf8Printable(core::ConnectionViewModel::errorText(status.error,
                                                                                 url.authority())),
                             qUtf8Printable(status.errorDetail));
                QCoreApplication::quit();
            }
        });
    QTimer::singleShot(timeoutMs, QCoreApplication::instance(), [] {
        std::fprintf(stderr, "parley-cli: timed out\n");
        QCoreApplication::quit();
    });
    connection.open(url);
    QCoreApplication::exec();
    return exitCode;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("parley-cli"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(kVersion));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Parley's headless client.\n\nCommands:\n  status   connect to the relay and report it"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption relayOption(
        QStringLiteral("relay"), QStringLiteral("Relay URL (default ws://127.0.0.1:7683)."),
        QStringLiteral("url"), QStringLiteral("ws://127.0.0.1:7683"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"),
                                           QStringLiteral("Give up after <ms> (default 10000)."),
                                           QStringLiteral("ms"), QStringLiteral("10000"));
    parser.addOptions({relayOption, timeoutOption});
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("status"));
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1 || positional.first() != u"status") {
        std::fprintf(stderr, "parley-cli: expected a command (status); see --help\n");
        return kExitUsage;
    }
    bool ok = false;
    const int timeoutMs = parser.value(timeoutOption).toInt(&ok);
    if (!ok || timeoutMs <= 0) {
        std::fprintf(stderr, "parley-cli: --timeout wants a positive number of milliseconds\n");
        return kExitUsage;
    }
    return runStatus(QUrl::fromUserInput(parser.value(relayOption)), timeoutMs);
}
