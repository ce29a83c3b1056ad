#include "core/viewmodels/connectionviewmodel.h"

#include "core/net/relayconnection.h"

#include <QMetaObject>

namespace parley::core {

namespace {

QString hostOf(const QUrl &url)
{
    return url.port() >= 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

} // namespace

ConnectionViewModel::ConnectionViewModel(RelayConnection *connection, QObject *parent)
    : QObject(parent)
    , m_connection(connection)
{
    qRegisterMetaType<ConnectionStatus>();
    connect(connection, &RelayConnection::statusChanged, this,
            &ConnectionViewModel::onStatusChanged, Qt::QueuedConnection);
}

void ConnectionViewModel::connectToRelay(const QUrl &url)
{
    QMetaObject::invokeMethod(
        m_connection, [connection = m_connection, url] { connection->open(url); },
        Qt::QueuedConnection);
}

void ConnectionViewModel::disconnectFromRelay()
{
    QMetaObject::invokeMethod(
        m_connection, [connection = m_connection] { connection->close(); }, Qt::QueuedConnection);
}

void ConnectionViewModel::onStatusChanged(const ConnectionStatus &status)
{
    m_status = status;
    emit changed();
}

QString ConnectionViewModel::statusText() const
{
    using State = ConnectionStatus::State;
    const QString host = hostOf(m_status.url);
    switch (m_status.state) {
    case State::Disconnected:
        return tr("Offline");
    case State::Connecting:
    case State::Negotiating:
        return tr("Connecting to %1…").arg(host);
    case State::Connected:
        return tr("Connected to %1").arg(host);
    case State::Waiting: {
        const int seconds = std::max(1, (m_status.retryInMs + 999) / 1000);
        return tr("%1 Retrying in %n second(s).", nullptr, seconds)
            .arg(errorText(m_status.error, host));
    }
    case State::Refused:
        return errorText(m_status.error, host);
    }
    return {};
}

QString ConnectionViewModel::detail() const
{
    if (m_status.state == ConnectionStatus::State::Connected) {
        return tr("%1, protocol version %2")
            .arg(m_status.relaySoftware)
            .arg(m_status.protocolVersion);
    }
    return m_status.errorDetail;
}

QString ConnectionViewModel::errorText(ConnectionStatus::Error error, const QString &host)
{
    using Error = ConnectionStatus::Error;
    switch (error) {
    case Error::None:
        return {};
    case Error::InvalidUrl:
        return tr("“%1” is not a relay address. Relay addresses start with wss://.").arg(host);
    case Error::InsecureUrl:
        return tr("Parley does not send anything to %1 unencrypted. Use its wss:// address.")
            .arg(host);
    case Error::ConnectionRefused:
        return tr("No relay is running at %1.").arg(host);
    case Error::HostNotFound:
        return tr("Can't find %1. Check the relay address and your network.").arg(host);
    case Error::TlsFailed:
        return tr("The secure connection to %1 failed: its certificate could not be verified.")
            .arg(host);
    case Error::Timeout:
        return tr("%1 did not answer in time.").arg(host);
    case Error::UnsupportedVersion:
        return tr("The relay at %1 runs an incompatible version of Parley. Update Parley or "
                  "ask the relay's operator to update it.")
            .arg(host);
    case Error::ProtocolError:
        return tr("The relay at %1 sent something Parley does not understand.").arg(host);
    case Error::ClosedByRelay:
        return tr("The relay at %1 closed the connection.").arg(host);
    case Error::NetworkError:
        return tr("Lost the connection to %1.").arg(host);
    }
    return {};
}

} // namespace parley::core
