#pragma once

#include "core/net/connectionstatus.h"

#include <QObject>
#include <QUrl>

namespace parley::core {

class RelayConnection;

// What a view shows about the link to the relay. Lives on the GUI thread and mirrors a
// RelayConnection on the core thread through queued signals; it never blocks.
//
// Properties:
//  - state:      the connection state (ConnectionStatus::State)
//  - connected:  true once the relay has authenticated this device and it is ready
//  - statusText: one sentence for the user ("Connected to 127.0.0.1:7683", "Can't reach …")
//  - detail:     technical detail for a tooltip (relay software, socket error)
//  - relayUrl:   the relay being used
//  - address:    the device address the relay authenticated ("alice@relay/1"), or empty
class ConnectionViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(parley::core::ConnectionStatus::State state READ state NOTIFY changed)
    Q_PROPERTY(bool connected READ isConnected NOTIFY changed)
    Q_PROPERTY(QString statusText READ statusText NOTIFY changed)
    Q_PROPERTY(QString detail READ detail NOTIFY changed)
    Q_PROPERTY(QUrl relayUrl READ relayUrl NOTIFY changed)
    Q_PROPERTY(QString address READ address NOTIFY changed)

public:
    // `connection` may live on another thread.
    explicit ConnectionViewModel(RelayConnection *connection, QObject *parent = nullptr);

    ConnectionStatus::State state() const { return m_status.state; }
    bool isConnected() const { return m_status.state == ConnectionStatus::State::Connected; }
    QString statusText() const;
    QString detail() const;
    QUrl relayUrl() const { return m_status.url; }
    QString address() const { return m_status.address; }
    ConnectionStatus status() const { return m_status; }

    // The sentence a user reads for `error` when talking to `host`; `username` names the
    // account in the account errors ("The username alice is already taken …").
    static QString errorText(ConnectionStatus::Error error, const QString &host,
                             const QString &username = {});
    // The username rules of protocol C1 §1.1, as one sentence.
    static QString usernameRules();

public slots:
    void connectToRelay(const QUrl &url);
    void disconnectFromRelay();

signals:
    void changed();

private:
    void onStatusChanged(const parley::core::ConnectionStatus &status);

    RelayConnection *m_connection;
    ConnectionStatus m_status;
};

} // namespace parley::core
