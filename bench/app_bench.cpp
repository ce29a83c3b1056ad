// parley-app-bench: the desktop app's benchmark of issue 14 (bench/RESULTS-app.md; not a
// test). The first window's time is measured on the real `parley` binary beside the peers by
// ../shared/peers/clients_bench.py; this measures what that script cannot reach:
//
//  - memory: the process's RSS and PSS with the main window open on a conversation of
//    --messages messages (default 10 000), a few seconds after its first page is painted,
//    beside the same figure for a bare Qt Widgets window in a process of its own (the
//    baseline, measured in the same run);
//  - smoothness: the longest stretch the GUI thread is busy between two waits for events
//    (QAbstractEventDispatcher's awake → aboutToBlock: nothing can be painted inside one, so
//    it bounds every frame) while PageUp is pressed as fast as the app takes it, from the
//    newest message of a --scroll-messages conversation (default 100 000) to the oldest:
//    every page of history is loaded, laid out and painted on the way. The five events that
//    took the most thread CPU time are printed with their type and receiver's class
//    (PARLEY_BENCH_SLOW=1 also prints every event over 16 ms of wall time as it happens).
//
// Each measurement runs in a child process of its own (this binary again, with --phase), so
// one's memory does not count in another's. The profile is real: created through the
// onboarding against a real parley-relay on loopback, its history written through the real
// tables and their at-rest encryption (tests/core/historybuilder), unlocked with its
// passphrase (minimum Argon2id parameters, so unlocking does not dominate), with the same
// objects main() builds — ClientCore, ConnectionViewModel, OnboardingViewModel, MainWindow.
//
//   parley-app-bench [--messages N] [--scroll-messages N]
//
// Run it under Xvfb (QT_QPA_PLATFORM=xcb) to compare with the peers, or offscreen.

#include "app/chatview.h"
#include "app/mainwindow.h"
#include "app/messagingview.h"
#include "app/timelineview.h"
#include "core/clientcore.h"
#include "core/historybuilder.h"
#include "core/models/messagelistmodel.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "crypto/keyvault.h"
#include "support/relayprocess.h"

#include <QAbstractEventDispatcher>
#include <QAbstractItemModel>
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QKeyEvent>
#include <QMainWindow>
#include <QProcess>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <vector>

using namespace parley;

namespace {

const QString kPassphrase = QStringLiteral("correct horse battery staple, benchmark");
constexpr int kStepTimeoutMs = 120'000;
constexpr int kSettleMs = 3000;

[[noreturn]] void fail(const QString &why)
{
    std::fprintf(stderr, "parley-app-bench: %s\n", qUtf8Printable(why));
    std::exit(1);
}

void waitFor(const std::function<bool()> &done, const char *what, int timeoutMs = kStepTimeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs) {
            fail(QStringLiteral("timed out waiting for %1").arg(QLatin1String(what)));
        }
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
}

void settle(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
}

// A field of /proc/self/smaps_rollup (Rss, Pss) or /proc/self/status (VmRSS), in KiB.
qint64 procKiB(const QString &file, const QByteArray &field)
{
    QFile proc(file);
    if (!proc.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const QByteArray &line : proc.readAll().split('\n')) {
        if (line.startsWith(QByteArray(field).append(':'))) {
            return line.mid(field.size() + 1).trimmed().split(' ').first().toLongLong();
        }
    }
    return -1;
}

void printMemory(const char *what)
{
    std::printf("%s: rss %.1f MB, pss %.1f MB\n", what,
                double(procKiB(QStringLiteral("/proc/self/smaps_rollup"), "Rss")) / 1024.0,
                double(procKiB(QStringLiteral("/proc/self/smaps_rollup"), "Pss")) / 1024.0);
}

// The objects main() builds, over `profile`.
struct App
{
    explicit App(const QString &profile)
        : connection(core.relayConnection())
        , onboarding(&core, profile)
        , window(&core, &connection, &onboarding, QStringLiteral("alice"))
    {
        onboarding.setVaultParameters(crypto::VaultParameters::minimum());
        window.resize(1000, 700);
        window.show();
    }
    bool ready() const { return onboarding.state() == core::OnboardingViewModel::State::Ready; }

    core::ClientCore core;
    core::ConnectionViewModel connection;
    core::OnboardingViewModel onboarding;
    app::MainWindow window;
};

// --phase write: creates `username`'s profile on the relay and writes `count` messages with
// `contact`.
int writeProfile(const QString &profile, const QString &username, const QUrl &relay,
                 const QString &contact, int count)
{
    App app(profile);
    app.onboarding.setRelayUrlOverride(relay);
    app.onboarding.start(false);
    app.onboarding.createProfile(username, relay.toString(), kPassphrase, false);
    waitFor([&] { return app.ready() || !app.onboarding.errorText().isEmpty(); }, "the profile");
    if (!app.ready()) {
        fail(app.onboarding.errorText());
    }
    QElapsedTimer timer;
    timer.start();
    auto written = app.onboarding.store()->run([contact, count](core::StoreContext &context) {
        return core::test::writeHistory(context, contact, count);
    });
    waitFor([&] { return written.isFinished(); }, "the history");
    const auto result = written.result();
    if (const auto *error = std::get_if<core::StoreError>(&result)) {
        fail(error->message());
    }
    std::printf("fixture: %d messages written in %lld ms\n", count, timer.elapsed());
    return 0;
}

// Unlocks the profile and opens the conversation with `contact`; the chat view once its
// first page is applied.
app::ChatView *openConversation(App &app, const QString &contact)
{
    app.onboarding.start(false);
    waitFor([&] { return app.onboarding.state() == core::OnboardingViewModel::State::Locked; },
            "the unlock form");
    app.onboarding.unlock(kPassphrase);
    waitFor([&] { return app.ready() || !app.onboarding.errorText().isEmpty(); }, "unlocking");
    if (!app.ready()) {
        fail(app.onboarding.errorText());
    }
    waitFor([&] { return app.window.messagingView() != nullptr; }, "the messaging view");
    app::MessagingView *messaging = app.window.messagingView();
    waitFor([&] { return messaging->conversations()->model()->rowCount() > 0; },
            "the conversation list");
    messaging->conversations()->select(contact);
    waitFor([&] { return messaging->chatView() != nullptr; }, "the chat view");
    app::ChatView *chat = messaging->chatView();
    core::MessageListModel *messages = chat->chat()->messageList();
    waitFor([&] { return messages->rowCount() > 0 && !messages->isLoading(); }, "the first page");
    return chat;
}

// --phase memory: the main window on the conversation, settled.
int measureMemory(const QString &profile, const QString &contact)
{
    App app(profile);
    openConversation(app, contact);
    settle(kSettleMs);
    printMemory("main window, conversation open");
    return 0;
}

// --phase bare: the baseline, a bare QMainWindow of the same size in a process of its own.
int measureBare()
{
    QMainWindow window;
    window.resize(1000, 700);
    window.show();
    settle(kSettleMs);
    printMemory("bare Qt Widgets window");
    return 0;
}

double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e3 + double(now.tv_nsec) / 1e6;
}

// Every event the GUI thread handles, timed (only the outermost: an event sent from inside
// another's handler is part of it). A queued page of history arriving, a relayout, a paint
// of the window: each is one event, and no frame can be shorter than an event inside it.
class TimedApplication : public QApplication
{
public:
    using QApplication::QApplication;

    bool notify(QObject *receiver, QEvent *event) override
    {
        // notify() also runs for the events of other threads (the database and core threads,
        // the pool): only the GUI thread's are timed, and only its own counters are touched.
        if (QThread::currentThread() != thread()) {
            return QApplication::notify(receiver, event);
        }
        if (!m_recording || m_depth > 0) {
            ++m_depth;
            const bool handled = QApplication::notify(receiver, event);
            --m_depth;
            return handled;
        }
        ++m_depth;
        const QEvent::Type type = event->type();
        const QByteArray className = receiver->metaObject()->className();
        const QByteArray objectName = receiver->objectName().toUtf8();
        // Static, and read before: the event may delete the receiver (DeferredDelete).
        const char *receiverClass = receiver->metaObject()->className();
        QElapsedTimer timer;
        timer.start();
        const double cpuBefore = threadCpuMs();
        const bool handled = QApplication::notify(receiver, event);
        m_events.push_back(double(timer.nsecsElapsed()) / 1e6);
        m_eventsCpu.push_back(threadCpuMs() - cpuBefore);
        if (m_events.back() > 16 && m_printSlow) {
            std::fprintf(stderr, "slow %.1f ms: event %d to %s %s\n", m_events.back(), int(type),
                         className.constData(), objectName.constData());
        }
        m_kinds.push_back({int(type), receiverClass});
        --m_depth;
        return handled;
    }
    // The `count` events that took the most thread CPU time, with what they were.
    void printLongest(std::size_t count) const
    {
        std::vector<std::size_t> order(m_eventsCpu.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        count = std::min(count, order.size());
        std::partial_sort(
            order.begin(), order.begin() + std::ptrdiff_t(count), order.end(),
            [this](std::size_t a, std::size_t b) { return m_eventsCpu[a] > m_eventsCpu[b]; });
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t at = order[i];
            std::printf("    %.2f ms CPU (%.2f ms wall): event %d to %s\n", m_eventsCpu[at],
                        m_events[at], m_kinds[at].type, m_kinds[at].receiver);
        }
    }
    void record(bool on) { m_recording = on; }
    std::vector<double> events() const { return m_events; }
    // The same events' thread CPU time: what they cost, whatever else the machine runs.
    std::vector<double> eventsCpu() const { return m_eventsCpu; }

private:
    bool m_recording = false;
    // PARLEY_BENCH_SLOW=1: each event over 16 ms is printed with its type and receiver.
    const bool m_printSlow = qEnvironmentVariableIsSet("PARLEY_BENCH_SLOW");
    int m_depth = 0;
    struct Kind
    {
        int type;
        const char *receiver; // the class name, static
    };
    std::vector<Kind> m_kinds;
    std::vector<double> m_events;
    std::vector<double> m_eventsCpu;
};

struct Summary
{
    double p50 = 0, p99 = 0, longest = 0;
    long long over16 = 0;
};

Summary summarise(std::vector<double> values)
{
    if (values.empty()) {
        fail(QStringLiteral("nothing was measured"));
    }
    std::sort(values.begin(), values.end());
    Summary summary;
    summary.p50 = values[values.size() / 2];
    summary.p99 = values[values.size() * 99 / 100];
    summary.longest = values.back();
    summary.over16 =
        std::count_if(values.begin(), values.end(), [](double ms) { return ms > 16.0; });
    return summary;
}

// --phase scroll: PageUp from the newest message to the oldest.
int measureScrolling(const QString &profile, const QString &contact, int count)
{
    App app(profile);
    app::ChatView *chat = openConversation(app, contact);
    settle(500);
    app::TimelineView *timeline = chat->timeline();
    core::MessageListModel *messages = chat->chat()->messageList();
    QScrollBar *bar = timeline->verticalScrollBar();
    timeline->setFocus();

    const auto atOldest = [&] {
        return !messages->canFetchOlder() && !messages->isLoading() &&
               bar->value() == bar->minimum() &&
               messages->index(0).data(core::MessageListModel::TextRole).toString() ==
                   QStringLiteral("message 1");
    };
    auto *timed = static_cast<TimedApplication *>(QCoreApplication::instance());
    QElapsedTimer total;
    total.start();
    // A PageUp whenever the event loop is free, like a held key: each one handled and the
    // window painted at once (repaint(), synchronous — the whole window, so a frame here is
    // never cheaper than the real one, which paints only what scrolled), and timed.
    std::vector<double> frames;
    std::vector<double> framesCpu;
    QTimer press;
    press.setInterval(0);
    QObject::connect(&press, &QTimer::timeout, timeline, [&] {
        QElapsedTimer frame;
        frame.start();
        const double cpuBefore = threadCpuMs();
        QKeyEvent down(QEvent::KeyPress, Qt::Key_PageUp, Qt::NoModifier);
        QCoreApplication::sendEvent(timeline, &down);
        app.window.repaint();
        frames.push_back(double(frame.nsecsElapsed()) / 1e6);
        framesCpu.push_back(threadCpuMs() - cpuBefore);
    });
    timed->record(true);
    press.start();
    waitFor(atOldest, "the oldest message", 600'000);
    press.stop();
    timed->record(false);
    const double seconds = double(total.nsecsElapsed()) / 1e9;
    std::printf("scrolling %d messages to the oldest: %zu PageUp in %.1f s\n", count, frames.size(),
                seconds);
    const auto print = [](const char *what, const std::vector<double> &wall,
                          const std::vector<double> &cpu) {
        const Summary w = summarise(wall);
        const Summary c = summarise(cpu);
        std::printf("  %s (%zu): wall p50 %.2f ms, p99 %.2f ms, longest %.2f ms, over 16 ms: "
                    "%lld; thread CPU p99 %.2f ms, longest %.2f ms, over 16 ms: %lld\n",
                    what, wall.size(), w.p50, w.p99, w.longest, w.over16, c.p99, c.longest,
                    c.over16);
    };
    print("PageUp frames, key + window painted", frames, framesCpu);
    print("every GUI-thread event, pages of history arriving included", timed->events(),
          timed->eventsCpu());
    std::printf("  the longest events by thread CPU:\n");
    timed->printLongest(5);
    return 0;
}

// Runs this binary again with `arguments`, passing its output through.
void runPhase(const QStringList &arguments)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedChannels);
    child.start(QCoreApplication::applicationFilePath(), arguments);
    if (!child.waitForFinished(900'000) || child.exitStatus() != QProcess::NormalExit ||
        child.exitCode() != 0) {
        fail(QStringLiteral("phase %1 failed (%2, exit code %3)")
                 .arg(arguments.value(1), child.exitStatus() == QProcess::CrashExit
                                              ? QStringLiteral("crashed")
                                              : QStringLiteral("exited"))
                 .arg(child.exitCode()));
    }
}

} // namespace

int main(int argc, char **argv)
{
    TimedApplication application(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption messagesOption(QStringLiteral("messages"),
                                            QStringLiteral("History for the memory figure."),
                                            QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption scrollOption(QStringLiteral("scroll-messages"),
                                          QStringLiteral("History to scroll through."),
                                          QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption phaseOption(QStringLiteral("phase"), QStringLiteral("(internal)"),
                                         QStringLiteral("write|memory|bare|scroll"));
    const QCommandLineOption profileOption(QStringLiteral("profile"), QStringLiteral("(internal)"),
                                           QStringLiteral("DIR"));
    const QCommandLineOption relayOption(QStringLiteral("relay"), QStringLiteral("(internal)"),
                                         QStringLiteral("URL"));
    const QCommandLineOption contactOption(QStringLiteral("contact"), QStringLiteral("(internal)"),
                                           QStringLiteral("ADDRESS"));
    const QCommandLineOption userOption(QStringLiteral("username"), QStringLiteral("(internal)"),
                                        QStringLiteral("NAME"));
    parser.addOptions({messagesOption, scrollOption, phaseOption, profileOption, relayOption,
                       contactOption, userOption});
    parser.process(application);

    const QString phase = parser.value(phaseOption);
    const QString profile = parser.value(profileOption);
    const QString contact = parser.value(contactOption);
    if (phase == QLatin1String("write")) {
        return writeProfile(profile, parser.value(userOption), QUrl(parser.value(relayOption)),
                            contact, parser.value(messagesOption).toInt());
    }
    if (phase == QLatin1String("memory")) {
        return measureMemory(profile, contact);
    }
    if (phase == QLatin1String("bare")) {
        return measureBare();
    }
    if (phase == QLatin1String("scroll")) {
        return measureScrolling(profile, contact, parser.value(messagesOption).toInt());
    }

    const int messages = parser.value(messagesOption).toInt();
    const int scrollMessages = parser.value(scrollOption).toInt();
    if (messages < 1 || scrollMessages < 1) {
        fail(QStringLiteral("--messages and --scroll-messages take a positive number"));
    }
#ifdef PARLEY_BENCH_RELAY_BIN
    if (qEnvironmentVariableIsEmpty("PARLEY_RELAY_BIN")) {
        qputenv("PARLEY_RELAY_BIN", PARLEY_BENCH_RELAY_BIN);
    }
#endif
    QTemporaryDir dir;
    dir.setAutoRemove(qEnvironmentVariableIsEmpty("PARLEY_BENCH_KEEP"));
    test::RelayProcess relay;
    if (const QString error = relay.start(dir.filePath(QStringLiteral("relay")));
        !error.isEmpty()) {
        fail(error);
    }
    const QString bob = QStringLiteral("bob@127.0.0.1:%1").arg(relay.port());
    std::printf("platform: %s\n", qUtf8Printable(QGuiApplication::platformName()));
    const QString small = dir.filePath(QStringLiteral("small"));
    const QString large = dir.filePath(QStringLiteral("large"));
    const QString url = relay.url().toString();
    const auto write = [&](const QString &directory, const QString &username, int count) {
        runPhase({QStringLiteral("--phase"), QStringLiteral("write"), QStringLiteral("--profile"),
                  directory, QStringLiteral("--username"), username, QStringLiteral("--relay"), url,
                  QStringLiteral("--contact"), bob, QStringLiteral("--messages"),
                  QString::number(count)});
    };
    write(small, QStringLiteral("alice"), messages);
    runPhase({QStringLiteral("--phase"), QStringLiteral("bare")});
    runPhase({QStringLiteral("--phase"), QStringLiteral("memory"), QStringLiteral("--profile"),
              small, QStringLiteral("--contact"), bob});
    write(large, QStringLiteral("carol"), scrollMessages);
    runPhase({QStringLiteral("--phase"), QStringLiteral("scroll"), QStringLiteral("--profile"),
              large, QStringLiteral("--contact"), bob, QStringLiteral("--messages"),
              QString::number(scrollMessages)});
    return 0;
}
