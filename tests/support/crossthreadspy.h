#pragma once

// A signal spy for objects that live on another thread (the core thread's SessionManager,
// RelayConnection, ...). QSignalSpy connects directly, so it would record on the emitting
// thread — a data race on its list — and its wait() misses an emission that happens between
// the spy's creation and the call to wait(). This spy records on the thread that made it
// (a queued connection), so reading it there is safe, and waitForCount() counts everything
// recorded since creation.

#include <QList>
#include <QObject>
#include <QTest>
#include <QVariant>

namespace parley::test {

class CrossThreadSpy : public QObject
{
public:
    template<typename Sender, typename Signal>
    CrossThreadSpy(const Sender *sender, Signal signal)
    {
        QObject::connect(
            sender, signal, this,
            [this](const auto &...arguments) {
                m_calls.append(QVariantList{QVariant::fromValue(arguments)...});
            },
            Qt::QueuedConnection);
    }

    // True once at least `count` emissions have been recorded (runs the event loop).
    [[nodiscard]] bool waitForCount(qsizetype count, int timeoutMs)
    {
        return QTest::qWaitFor([this, count] { return m_calls.size() >= count; }, timeoutMs);
    }

    [[nodiscard]] qsizetype size() const { return m_calls.size(); }
    [[nodiscard]] bool isEmpty() const { return m_calls.isEmpty(); }
    [[nodiscard]] const QVariantList &first() const { return m_calls.first(); }
    [[nodiscard]] const QVariantList &at(qsizetype index) const { return m_calls.at(index); }
    [[nodiscard]] auto begin() const { return m_calls.cbegin(); }
    [[nodiscard]] auto end() const { return m_calls.cend(); }

private:
    QList<QVariantList> m_calls;
};

} // namespace parley::test
