#include "server/epolldispatcher.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace parley::relay {

namespace {

Q_LOGGING_CATEGORY(lcDispatcher, "parley.relay.dispatcher")

constexpr int kMaxEventsPerWait = 256;

} // namespace

EpollDispatcher::EpollDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (m_epoll < 0 || m_wake < 0) {
        qCWarning(lcDispatcher) << "epoll or eventfd unavailable:" << strerror(errno);
        return;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = quint64(m_wake); // generation 0: never a socket's
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &event) < 0) {
        qCWarning(lcDispatcher) << "cannot watch the eventfd:" << strerror(errno);
        close(m_wake);
        m_wake = -1;
    }
}

EpollDispatcher::~EpollDispatcher()
{
    if (m_wake >= 0) {
        close(m_wake);
    }
    if (m_epoll >= 0) {
        close(m_epoll);
    }
}

bool EpollDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted.store(false);
    emit awake();
    // Events posted from now on call wakeUp(), which makes the wait below return at once.
    QCoreApplication::sendPostedEvents();
    if (m_interrupted.load()) {
        return false; // QEventLoop::exit() from a posted event: no more handlers this round
    }

    const bool excludeSockets = flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    const bool excludeTimers = flags.testFlag(QEventLoop::X11ExcludeTimers);
    int timeout = 0;
    if (flags.testFlag(QEventLoop::WaitForMoreEvents)) {
        timeout = excludeTimers ? -1 : timeUntilNextTimer();
        emit aboutToBlock();
    }
    bool woken = false;
    std::vector<std::pair<quint64, quint32>> ready;
    if (excludeSockets) {
        // A ready socket would end every epoll_wait at once: wait for a wake-up alone.
        pollfd wake{m_wake, POLLIN, 0};
        if (poll(&wake, 1, timeout) > 0) {
            drainWake();
            woken = true;
        }
    } else {
        epoll_event events[kMaxEventsPerWait];
        const int count = epoll_wait(m_epoll, events, kMaxEventsPerWait, timeout);
        if (count < 0 && errno != EINTR) {
            qCWarning(lcDispatcher) << "epoll_wait:" << strerror(errno);
        }
        ready.reserve(std::size_t(std::max(count, 0)));
        for (int i = 0; i < count; ++i) {
            const quint64 data = events[i].data.u64;
            if (data == quint64(m_wake)) {
                drainWake();
                woken = true;
            } else {
                ready.emplace_back(data, quint32(events[i].events));
            }
        }
    }
    int activated = 0;
    if (!excludeSockets) {
        activated += activateNotifiers(ready);
    }
    if (!excludeTimers) {
        activated += activateTimers();
    }
    return woken || activated > 0;
}

int EpollDispatcher::activateNotifiers(const std::vector<std::pair<quint64, quint32>> &ready)
{
    int activated = 0;
    // Looked up afresh for every event: an earlier one may have disabled or deleted a
    // notifier (a socket closed by the read of another). The generation drops the event of
    // a descriptor that was closed, and its number reused by a new socket, since the wait.
    const auto deliver = [this, &activated](quint64 data, QSocketNotifier *Watched::*member) {
        const auto found = m_watched.find(int(data & 0xffffffffU));
        if (found == m_watched.end() || found->second.generation != quint32(data >> 32) ||
            !(found->second.*member)) {
            return;
        }
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(found->second.*member, &event);
        ++activated;
    };
    for (const auto &[data, events] : ready) {
        // An error or hang-up is reported to every notifier of the descriptor, as Qt does
        // with poll(): their next read or write sees it.
        const bool failed = events & (EPOLLERR | EPOLLHUP);
        if ((events & EPOLLIN) || failed) {
            deliver(data, &Watched::read);
        }
        if ((events & EPOLLOUT) || failed) {
            deliver(data, &Watched::write);
        }
        if ((events & EPOLLPRI) || failed) {
            deliver(data, &Watched::exception);
        }
    }
    return activated;
}

void EpollDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    Watched &watched = m_watched[fd];
    QSocketNotifier **slot = nullptr;
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        slot = &watched.read;
        break;
    case QSocketNotifier::Write:
        slot = &watched.write;
        break;
    case QSocketNotifier::Exception:
        slot = &watched.exception;
        break;
    }
    if (*slot && *slot != notifier) {
        qCWarning(lcDispatcher) << "a second notifier of the same type for descriptor" << fd;
    }
    const bool renew = *slot != notifier;
    *slot = notifier;
    updateInterest(fd, renew);
}

void EpollDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    const auto found = m_watched.find(fd);
    if (found == m_watched.end()) {
        return;
    }
    for (QSocketNotifier **slot :
         {&found->second.read, &found->second.write, &found->second.exception}) {
        if (*slot == notifier) {
            *slot = nullptr;
        }
    }
    updateInterest(fd);
}

void EpollDispatcher::updateInterest(int fd, bool renew)
{
    const auto found = m_watched.find(fd);
    if (found == m_watched.end()) {
        return;
    }
    Watched &watched = found->second;
    quint32 wanted = 0;
    wanted |= watched.read ? quint32(EPOLLIN) : 0;
    wanted |= watched.write ? quint32(EPOLLOUT) : 0;
    wanted |= watched.exception ? quint32(EPOLLPRI) : 0;
    if (wanted == watched.events && !(renew && wanted != 0)) {
        if (wanted == 0) {
            m_watched.erase(found);
        }
        return;
    }
    if (watched.events == 0) {
        watched.generation = m_nextGeneration++;
        if (m_nextGeneration == 0) {
            m_nextGeneration = 1; // 0 is the eventfd's
        }
    }
    epoll_event event{};
    event.events = wanted;
    event.data.u64 = (quint64(watched.generation) << 32) | quint32(fd);
    int result = 0;
    if (wanted == 0) {
        // The descriptor may be closed already (the kernel then forgot it by itself).
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &event);
        m_watched.erase(found);
        return;
    }
    if (watched.events == 0) {
        result = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
        if (result < 0 && errno == EEXIST) {
            result = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
        }
    } else {
        result = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
        if (result < 0 && errno == ENOENT) { // closed and reused since it was added
            result = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
        }
    }
    if (result < 0) {
        qCWarning(lcDispatcher) << "cannot watch descriptor" << fd << ":" << strerror(errno);
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &event); // whatever epoll still has of it
        watched.events = 0;
        return;
    }
    watched.events = wanted;
}

void EpollDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                    QObject *object)
{
    unregisterTimer(timerId);
    Timer &timer = m_timers[timerId];
    timer.interval = std::max<qint64>(0, interval);
    timer.type = timerType;
    timer.object = object;
    schedule(timerId, timer, Clock::now());
}

void EpollDispatcher::schedule(int timerId, Timer &timer, Clock::time_point from)
{
    timer.due = from + std::chrono::milliseconds(timer.interval);
    m_timerQueue.emplace(timer.due, timerId);
}

bool EpollDispatcher::unregisterTimer(int timerId)
{
    const auto found = m_timers.find(timerId);
    if (found == m_timers.end()) {
        return false;
    }
    m_timerQueue.erase({found->second.due, timerId});
    m_timers.erase(found);
    return true;
}

bool EpollDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->second.object == object) {
            m_timerQueue.erase({it->second.due, it->first});
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> timers;
    for (const auto &[id, timer] : m_timers) {
        if (timer.object == object) {
            timers.append(
                TimerInfo(id, int(std::min<qint64>(timer.interval, INT_MAX)), timer.type));
        }
    }
    return timers;
}

int EpollDispatcher::remainingTime(int timerId)
{
    const auto found = m_timers.find(timerId);
    if (found == m_timers.end()) {
        return -1;
    }
    const auto left = found->second.due - Clock::now();
    return int(
        std::clamp<qint64>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, INT_MAX));
}

int EpollDispatcher::timeUntilNextTimer() const
{
    // A timer whose event is being delivered (its handler runs a nested loop) is not
    // waited for: it would end every wait of that nested loop at once.
    const auto next =
        std::find_if(m_timerQueue.begin(), m_timerQueue.end(),
                     [this](const auto &entry) { return !m_timers.at(entry.second).firing; });
    if (next == m_timerQueue.end()) {
        return -1;
    }
    const auto left = next->first - Clock::now();
    // Rounded up: waking before the deadline would only spin.
    return int(
        std::clamp<qint64>(std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, INT_MAX));
}

int EpollDispatcher::activateTimers()
{
    const Clock::time_point now = Clock::now();
    std::vector<int> due;
    for (auto it = m_timerQueue.begin(); it != m_timerQueue.end() && it->first <= now; ++it) {
        due.push_back(it->second);
    }
    int fired = 0;
    for (int id : due) {
        // Looked up again: an earlier timer's event may have stopped or restarted this one.
        const auto found = m_timers.find(id);
        if (found == m_timers.end() || found->second.firing || found->second.due > now) {
            continue;
        }
        Timer &timer = found->second;
        // Rescheduled before its event, which may stop or restart it. A timer that fell
        // behind skips the missed intervals instead of firing them all at once.
        m_timerQueue.erase({timer.due, id});
        const Clock::time_point next = timer.due + std::chrono::milliseconds(timer.interval);
        schedule(id, timer, next > now ? timer.due : now);
        timer.firing = true;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(timer.object, &event);
        ++fired;
        if (const auto after = m_timers.find(id); after != m_timers.end()) {
            after->second.firing = false;
        }
    }
    return fired;
}

void EpollDispatcher::wakeUp()
{
    if (!m_wakePending.exchange(true)) {
        const quint64 one = 1;
        if (write(m_wake, &one, sizeof one) < 0 && errno != EAGAIN) {
            qCWarning(lcDispatcher) << "cannot wake the event loop:" << strerror(errno);
        }
    }
}

void EpollDispatcher::drainWake()
{
    // Read before clearing the flag: a wakeUp() in between finds the flag still set and
    // writes nothing, and its event is sent by the sendPostedEvents() that starts the next
    // call, before any wait.
    quint64 count = 0;
    while (read(m_wake, &count, sizeof count) < 0 && errno == EINTR) {
    }
    m_wakePending.store(false);
}

void EpollDispatcher::interrupt()
{
    m_interrupted.store(true);
    wakeUp();
}

} // namespace parley::relay
