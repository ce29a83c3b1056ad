#pragma once

#include <QObject>
#include <QThread>

namespace parley::core {

class AccountManager;
class RelayConnection;
class SessionManager;

// Owns the core thread and the objects that live on it (the relay connection and the account
// manager now; sessions and crypto as they arrive). The GUI thread only ever talks to them through
// queued signals and slots, so nothing the network or crypto does can block a view.
class ClientCore : public QObject
{
    Q_OBJECT

public:
    explicit ClientCore(QObject *parent = nullptr);
    // Stops the core thread after its objects have been destroyed on it.
    ~ClientCore() override;

    // Lives on the core thread: connect to it, or call it with QMetaObject::invokeMethod;
    // never call its methods directly from another thread.
    RelayConnection *relayConnection() const { return m_relayConnection; }
    // Lives on the core thread too, driving relayConnection() for the profile's account.
    AccountManager *accountManager() const { return m_accountManager; }
    // Lives on the core thread too: 1:1 messaging on the account's identity and store.
    SessionManager *sessionManager() const { return m_sessionManager; }

private:
    QThread m_thread;
    RelayConnection *m_relayConnection;
    AccountManager *m_accountManager;
    SessionManager *m_sessionManager;
};

} // namespace parley::core
