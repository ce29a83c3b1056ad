// parley-incoming-bench: incoming messages applied to an open conversation, end to end through
// the real pipeline (issue 12, "Benchmarks"; bench/RESULTS-models.md).
//
//   parley-incoming-bench [--messages N] [--relay PATH] [--fresh] [--keep DIR]
//                         [--relay-cpu N] [--perf-control FIFO] [--sender-online]
//
// 1. Starts the real parley-relay (--relay, else $PARLEY_RELAY_BIN, else the one built with
//    this tree) on 127.0.0.1:0 with its rate limits off, in a temporary directory; pinned to
//    CPU N with --relay-cpu (it inherits this process's affinity otherwise).
// 2. Two clients in this process (each its own ClientCore, core thread and profile, vaults with
//    the minimum KDF parameters): alice and bob register; alice adds bob and sends "hello",
//    bob answers (so both sessions are past X3DH, the steady state; --fresh skips this, and
//    then every message alice sends still carries its X3DH header, C1 §4.4). Bob's client is
//    then closed: bob is offline.
// 3. Alice sends N texts (default 5 000) through SessionManager::sendText; the relay commits
//    each; we wait until all are Sent. Then alice's client is closed too (her device is
//    another machine in real life; --sender-online keeps it, applying bob's receipts here).
// 4. Bob's profile is unlocked again in a fresh ClientCore, with a MessageListModel open on the
//    conversation with alice and a ConversationListModel (both following the SessionManager,
//    as the app's chat view and list are), created as soon as the store is open, i.e. before
//    the sign-in. Timed: unlock (Argon2id at the minimum parameters + opening the database),
//    unlock (until the onboarding reports Ready: Argon2id at the minimum parameters, the
//    database opened), sign-in (until the connection is Connected: authenticated and the
//    account checked), and from Connected until the last of the N
//    messages is a row of the open MessageListModel (and the ConversationListModel shows
//    alice's conversation with it as its preview). The rate is N / that last interval.
// 5. --perf-control FIFO: writes "enable" to FIFO just before bob unlocks and "disable" once
//    the last row is shown, for `perf record --control fifo:FIFO -D -1` (bob's part only).
// 6. Then until bob's search index has caught up with the messages (it follows in batches),
//    with the CPU time until then.
//
// Wall-clock times on the GUI thread. Not part of the test suite.

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/session/sessionmanager.h"
#include "core/store/profilestore.h"
#include "core/store/searchindex.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "support/relayprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sched.h>
#include <sys/resource.h>

using namespace parley;

namespace {

const QString kPassphrase = QStringLiteral("bench passphrase, not a secret");
constexpr int kStepTimeoutMs = 600'000;

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "parley-incoming-bench: %s\n", qPrintable(what));
    std::fflush(stderr);
    // Not exit(): static destructors would run under the core and database threads, which
    // are still working. The relay child dies with us (PR_SET_PDEATHSIG, RelayProcess).
    std::_Exit(1);
}

// Runs the event loop until `done()` holds, checked every millisecond; the loop sleeps in
// between (a busy loop here would take the CPU from the client it measures).
void waitFor(const std::function<bool()> &done, const char *what, int timeoutMs = kStepTimeoutMs)
{
    if (done()) {
        return;
    }
    QEventLoop loop;
    QTimer check;
    check.setTimerType(Qt::PreciseTimer);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done()) {
            loop.quit();
        }
    });
    check.start(1);
    QTimer::singleShot(timeoutMs, &loop, [&] {
        fail(QStringLiteral("timed out waiting for %1").arg(QLatin1String(what)));
    });
    loop.exec();
}

// User + system CPU time of this process (every thread), ms.
double cpuMs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto ms = [](const timeval &t) {
        return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3;
    };
    return ms(usage.ru_utime) + ms(usage.ru_stime);
}

QString text(int n)
{
    // ~60 bytes, as the models benchmark's fixture.
    return QStringLiteral("message number %1 of the incoming benchmark, some text").arg(n);
}

struct Client
{
    explicit Client(const QString &directory)
        : connection(core.relayConnection())
        , onboarding(&core, directory)
    {
        onboarding.setVaultParameters(crypto::VaultParameters::minimum());
        // From the core thread: a copy, queued to this one.
        QObject::connect(core.accountManager(), &core::AccountManager::statusChanged, &onboarding,
                         [this](const core::AccountStatus &status) {
                             preKeysOnRelay = status.oneTimePreKeysOnRelay;
                         });
    }
    core::SessionManager *sessions() const { return core.sessionManager(); }
    bool ready() const { return onboarding.state() == core::OnboardingViewModel::State::Ready; }

    core::ClientCore core;
    core::ConnectionViewModel connection;
    core::OnboardingViewModel onboarding;
    quint32 preKeysOnRelay = 0;
};

void create(Client &client, const QString &username, const QUrl &relay)
{
    client.onboarding.start(false);
    client.onboarding.createProfile(username, relay.toString(), kPassphrase, false);
    waitFor([&] { return client.ready() || !client.onboarding.errorText().isEmpty(); },
            "registration");
    if (!client.ready()) {
        fail(QStringLiteral("cannot create %1: %2").arg(username, client.onboarding.errorText()));
    }
    // Ready comes before the first prekeys are on the relay; a contact added before that
    // finds no bundle to fetch.
    waitFor([&] { return client.preKeysOnRelay > 0; }, "the first prekey upload");
}

// SessionManager lives on the core thread (ClientCore); its commands are queued to it, as the
// view models do. A direct call from this thread would race with the core thread.
void sendText(const Client &client, const QString &to, const QString &body)
{
    core::SessionManager *sessions = client.sessions();
    QMetaObject::invokeMethod(sessions, [sessions, to, body] { sessions->sendText(to, body); });
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Parley incoming-messages benchmark"));
    parser.addHelpOption();
    QCommandLineOption messagesOption(QStringLiteral("messages"),
                                      QStringLiteral("Texts alice sends (default 5000)."),
                                      QStringLiteral("N"), QStringLiteral("5000"));
    QCommandLineOption relayOption(QStringLiteral("relay"),
                                   QStringLiteral("The parley-relay binary."),
                                   QStringLiteral("PATH"));
    QCommandLineOption freshOption(QStringLiteral("fresh"),
                                   QStringLiteral("No reply from bob first: every message is an "
                                                  "X3DH initial message."));
    QCommandLineOption keepOption(QStringLiteral("keep"),
                                  QStringLiteral("Work in DIR (kept) instead of a temporary one."),
                                  QStringLiteral("DIR"));
    QCommandLineOption perfOption(QStringLiteral("perf-control"),
                                  QStringLiteral("perf's control FIFO: enabled for bob's part."),
                                  QStringLiteral("FIFO"));
    QCommandLineOption relayCpuOption(QStringLiteral("relay-cpu"),
                                      QStringLiteral("Pin the relay to this CPU."),
                                      QStringLiteral("N"));
    QCommandLineOption senderOnlineOption(
        QStringLiteral("sender-online"),
        QStringLiteral("Keep alice's client running while bob receives (it then applies bob's "
                       "delivery receipts in this process)."));
    parser.addOptions({messagesOption, relayOption, freshOption, keepOption, perfOption,
                       relayCpuOption, senderOnlineOption});
    parser.process(app);
    const int count = parser.value(messagesOption).toInt();
    if (count < 1) {
        fail(QStringLiteral("--messages must be at least 1"));
    }
    QString relayBinary = parser.value(relayOption);
    if (relayBinary.isEmpty()) {
        relayBinary = qEnvironmentVariable("PARLEY_RELAY_BIN");
    }
#ifdef PARLEY_BENCH_RELAY_BIN
    if (relayBinary.isEmpty()) {
        relayBinary = QStringLiteral(PARLEY_BENCH_RELAY_BIN);
    }
#endif
    if (relayBinary.isEmpty()) {
        fail(QStringLiteral("no relay binary: pass --relay PATH or set PARLEY_RELAY_BIN"));
    }
    qputenv("PARLEY_RELAY_BIN", relayBinary.toLocal8Bit());

    QTemporaryDir temporary;
    const QString root = parser.isSet(keepOption) ? parser.value(keepOption) : temporary.path();
    QDir().mkpath(root);
    const auto path = [&](const QString &name) { return QDir(root).filePath(name); };

    test::RelayProcess relay;
    const QString started =
        relay.start(path(QStringLiteral("relay")), QStringLiteral("127.0.0.1:0"), 10'000,
                    {QStringLiteral("--rate-sends"), QStringLiteral("off"),
                     QStringLiteral("--rate-requests"), QStringLiteral("off")});
    if (!started.isEmpty()) {
        fail(started);
    }
    if (parser.isSet(relayCpuOption)) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(parser.value(relayCpuOption).toInt(), &cpus);
        if (sched_setaffinity(pid_t(relay.process().processId()), sizeof cpus, &cpus) != 0) {
            fail(
                QStringLiteral("cannot pin the relay to CPU %1").arg(parser.value(relayCpuOption)));
        }
    }
    const QString aliceAddress = QStringLiteral("alice@127.0.0.1:%1").arg(relay.port());
    const QString bobAddress = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());

    auto alice = std::make_unique<Client>(path(QStringLiteral("alice")));
    create(*alice, QStringLiteral("alice"), relay.url());
    int aliceReceived = 0;
    int aliceSent = 0;
    QObject::connect(alice->sessions(), &core::SessionManager::messageReceived, &app,
                     [&](const core::ChatMessage &) { ++aliceReceived; });
    QObject::connect(alice->sessions(), &core::SessionManager::messageStateChanged, &app,
                     [&](const QString &, const QByteArray &, int state) {
                         if (state == int(core::MessageRecord::State::Sent)) {
                             ++aliceSent;
                         }
                     });
    QString failure;
    QObject::connect(alice->sessions(), &core::SessionManager::commandFailed, &app,
                     [&](const QString &, const QString &sentence) { failure = sentence; });

    {
        auto bob = std::make_unique<Client>(path(QStringLiteral("bob")));
        create(*bob, QStringLiteral("bob"), relay.url());
        if (!parser.isSet(freshOption)) {
            int bobReceived = 0;
            QObject::connect(bob->sessions(), &core::SessionManager::messageReceived, &app,
                             [&](const core::ChatMessage &) { ++bobReceived; });
            sendText(*alice, bobAddress, QStringLiteral("hello"));
            waitFor([&] { return bobReceived == 1 || !failure.isEmpty(); }, "bob's first text");
            if (!failure.isEmpty()) {
                fail(failure);
            }
            // Alice is a stranger to bob: he accepts her request first (protocol M1 §8), so he
            // may answer and his receipts flow. Commands run in order on his SessionManager.
            QMetaObject::invokeMethod(bob->sessions(), [s = bob->sessions(), aliceAddress] {
                s->acceptRequest(aliceAddress);
            });
            sendText(*bob, aliceAddress, QStringLiteral("hello to you"));
            waitFor([&] { return aliceReceived == 1; }, "bob's answer");
            // Bob's delivery receipt reached alice (so nothing of the handshake is queued).
            waitFor([&] { return aliceSent >= 1; }, "alice's first Sent");
        }
        // Bob goes offline: his core, connection and store close here.
    }

    QElapsedTimer sendClock;
    sendClock.start();
    const int sentBefore = aliceSent;
    for (int i = 0; i < count; ++i) {
        sendText(*alice, bobAddress, text(i));
    }
    waitFor([&] { return aliceSent - sentBefore >= count || !failure.isEmpty(); },
            "alice's texts to be sent");
    if (!failure.isEmpty()) {
        fail(failure);
    }
    const qint64 sendMs = sendClock.elapsed();
    std::printf("alice sent %d texts in %.2f s (%.2f ms each, each committed by the relay)\n",
                count, double(sendMs) / 1000.0, double(sendMs) / count);
    if (!parser.isSet(senderOnlineOption)) {
        // Alice goes offline too: on a real network her device is another machine, and here
        // her client would apply bob's 5 000 delivery receipts on the same two cores (and in
        // this process's CPU figure). --sender-online keeps her, as the first rounds did.
        alice.reset();
    }

    // Bob comes back.
    Client bob(path(QStringLiteral("bob")));
    std::unique_ptr<core::MessageListModel> chat;
    std::unique_ptr<core::ConversationListModel> list;
    const QString last = text(count - 1);
    const auto lastShown = [&] {
        if (!chat || chat->rowCount() == 0) {
            return false;
        }
        return chat->index(chat->rowCount() - 1, 0).data(core::MessageListModel::TextRole) == last;
    };
    const auto listShown = [&] {
        return list && list->rowCount() == 1 &&
               list->index(0, 0).data(core::ConversationListModel::PreviewRole) == last;
    };
    QElapsedTimer clock;
    qint64 storeOpenMs = -1;
    qint64 readyMs = -1;
    qint64 connectedMs = -1;
    qint64 lastRowMs = -1;
    qint64 listMs = -1;
    QObject::connect(&bob.onboarding, &core::OnboardingViewModel::changed, &app, [&] {
        if (!chat && bob.onboarding.store()) {
            storeOpenMs = clock.elapsed();
            // As the app: the chat and the list are open when the messages come in.
            chat = std::make_unique<core::MessageListModel>(bob.onboarding.store());
            chat->follow(bob.sessions());
            chat->open(aliceAddress);
            list = std::make_unique<core::ConversationListModel>(bob.onboarding.store());
            list->follow(bob.sessions());
            list->reload();
        }
        if (readyMs < 0 && bob.ready()) {
            readyMs = clock.elapsed();
        }
    });
    QObject::connect(&bob.connection, &core::ConnectionViewModel::changed, &app, [&] {
        if (connectedMs < 0 && bob.connection.isConnected()) {
            connectedMs = clock.elapsed();
        }
    });
    bob.onboarding.start(false);
    waitFor([&] { return bob.onboarding.state() == core::OnboardingViewModel::State::Locked; },
            "bob's profile to be found");
    const auto perfControl = [&](const char *command) {
        if (!parser.isSet(perfOption)) {
            return;
        }
        QFile fifo(parser.value(perfOption));
        if (!fifo.open(QIODevice::WriteOnly) || fifo.write(command) < 0) {
            fail(QStringLiteral("cannot write to %1").arg(fifo.fileName()));
        }
    };
    perfControl("enable\n");
    const double cpuBefore = cpuMs();
    clock.start();
    bob.onboarding.unlock(kPassphrase);
    waitFor(
        [&] {
            if (lastRowMs < 0 && lastShown()) {
                lastRowMs = clock.elapsed();
            }
            if (listMs < 0 && listShown()) {
                listMs = clock.elapsed();
            }
            return lastRowMs >= 0 && listMs >= 0;
        },
        "the last message in bob's models");
    perfControl("disable\n");
    const double cpuUsed = cpuMs() - cpuBefore;
    if (storeOpenMs < 0 || readyMs < 0 || connectedMs < 0) {
        fail(QStringLiteral("bob's profile did not sign in"));
    }
    const qint64 applyMs = lastRowMs - connectedMs;
    std::printf("bob: unlock (minimum Argon2id) %lld ms, then connected %lld ms later\n", readyMs,
                connectedMs - readyMs);
    std::printf("bob: %d messages applied to the open conversation in %lld ms after sign-in "
                "(conversation list: %lld ms) -> %.0f msgs/s\n",
                count, applyMs, listMs - connectedMs,
                applyMs > 0 ? count * 1000.0 / double(applyMs) : 0.0);
    std::printf("bob: from unlock to the last row %lld ms -> %.0f msgs/s including unlock and "
                "sign-in\n",
                lastRowMs, lastRowMs > 0 ? count * 1000.0 / double(lastRowMs) : 0.0);
    std::printf("bob's process: %.0f ms CPU from unlock to the last row (%.0f us per message; "
                "the relay apart)\n",
                cpuUsed, cpuUsed * 1000.0 / count);
    // The search index follows in batches (SearchIndex, schema v13): until it has caught up.
    qint64 backlog = -1;
    QFuture<core::StoreResult<qint64>> pending;
    waitFor(
        [&] {
            if (!pending.isValid() || pending.isFinished()) {
                if (pending.isValid() && pending.isFinished()) {
                    const auto result = pending.result();
                    backlog =
                        std::holds_alternative<qint64>(result) ? std::get<qint64>(result) : -2;
                    if (backlog <= 0) {
                        return true;
                    }
                }
                pending = bob.onboarding.store()->run([](core::StoreContext &context) {
                    return core::SearchIndex(context).backlog();
                });
            }
            return false;
        },
        "bob's search index to catch up");
    if (backlog < 0) {
        fail(QStringLiteral("cannot read bob's search backlog"));
    }
    const qint64 indexedMs = clock.elapsed();
    const double cpuIndexed = cpuMs() - cpuBefore;
    std::printf("bob: search index caught up %lld ms after the last row; %.0f ms CPU from unlock "
                "to then (%.0f us per message)\n",
                indexedMs - lastRowMs, cpuIndexed, cpuIndexed * 1000.0 / count);
    chat.reset();
    list.reset();
    relay.stop();
    return 0;
}
