#pragma once

#include <QObject>

namespace parley::relay {

// Turns SIGINT, SIGTERM and SIGHUP into Qt signals on the event loop (self-pipe trick: the
// handler only writes one byte, which is async-signal-safe). One instance per process.
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminateRequested(int signalNumber);
    void reloadRequested();
};

} // namespace parley::relay
