#pragma once

#include <QAbstractEventDispatcher>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <utility>
#include <vector>

class QSocketNotifier;

namespace parley::relay {

// An event dispatcher for the relay's I/O worker threads on Linux, on epoll. Qt's own
// (QEventDispatcherUNIX, and glib's) hands the kernel the list of every socket of the
// thread on each loop iteration (ppoll): with 400 connections that was 46 % of the relay's
// CPU at 1 000 msgs/s, and it grows with every idle connection (bench/RESULTS.md §Relay
// event dispatcher). epoll keeps the interest list in the kernel, so an iteration costs
// what is ready, not what is open.
//
// Same contract as Qt's: posted events first, then one wait (epoll_wait, bounded by the
// next timer), then the ready socket notifiers (level-triggered, as with poll; an error or
// hang-up goes to every notifier of the descriptor), then the due timers. wakeUp() and
// interrupt() may be called from any thread (an eventfd); all else runs on the dispatcher's
// thread. Timer resolution is a millisecond for every timer type. Descriptors epoll refuses
// (regular files) get no events: the relay watches sockets only.
class EpollDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollDispatcher(QObject *parent = nullptr);
    ~EpollDispatcher() override;

    // False if the kernel refused epoll or eventfd (then do not install it).
    bool isValid() const { return m_epoll >= 0 && m_wake >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

private:
    using Clock = std::chrono::steady_clock;

    // The notifiers of one descriptor (epoll takes each descriptor once).
    struct Watched
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 events = 0;     // as registered with epoll
        quint32 generation = 0; // in each epoll event, with the descriptor (see activateNotifiers)
    };
    struct Timer
    {
        qint64 interval = 0; // ms
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        Clock::time_point due;
        bool firing = false; // its event is being delivered (no recursion)
    };

    // Tells epoll what `fd`'s notifiers want; `renew` re-registers it even if that is
    // unchanged (a new notifier: its descriptor may be a reused number epoll forgot).
    void updateInterest(int fd, bool renew = false);
    // Milliseconds until the first timer is due (0: now), -1 with no timers.
    int timeUntilNextTimer() const;
    // Delivers the ready notifiers' events (epoll data, epoll events); returns how many.
    int activateNotifiers(const std::vector<std::pair<quint64, quint32>> &ready);
    int activateTimers();
    void schedule(int timerId, Timer &timer, Clock::time_point from);
    void drainWake();

    int m_epoll = -1;
    int m_wake = -1; // eventfd
    std::atomic<bool> m_wakePending{false};
    std::atomic<bool> m_interrupted{false};
    std::map<int, Watched> m_watched;
    quint32 m_nextGeneration = 1;
    std::map<int, Timer> m_timers;
    std::set<std::pair<Clock::time_point, int>> m_timerQueue; // (due, id)
};

} // namespace parley::relay
