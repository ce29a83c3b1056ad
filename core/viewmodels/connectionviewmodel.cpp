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
    case State::Authenticating:
    case State::Authenticated:
        return tr("Signing in to %1…").arg(host);
    case State::Connected:
        return tr("Connected to %1").arg(host);
    case State::Waiting: {
        const int seconds = std::max(1, (m_status.retryInMs + 999) / 1000);
        return tr("%1 Retrying in %n second(s).", nullptr, seconds)
            .arg(errorText(m_status.error, host, m_status.username));
    }
    case State::Refused:
        return errorText(m_status.error, host, m_status.username);
    }
    return {};
}

QString ConnectionViewModel::usernameRules()
{
    return tr("A username has 3 to 32 characters: letters a–z, digits and . _ -, starts and "
              "ends with a letter or digit, and has no two of . _ - in a row.");
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

QString ConnectionViewModel::errorText(ConnectionStatus::Error error, const QString &host,
                                       const QString &username)
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
    case Error::UsernameTaken:
        return username.isEmpty()
                   ? tr("That username is already taken on this relay. Choose another one.")
                   : tr("The username %1 is already taken on this relay. Choose another one.")
                         .arg(username);
    case Error::InvalidUsername:
        return usernameRules();
    case Error::RegistrationClosed:
        return tr("The relay at %1 does not accept new accounts. Ask its operator, or use "
                  "another relay.")
            .arg(host);
    case Error::InviteRequired:
        return tr("The relay at %1 accepts new accounts by invitation only. Ask its operator "
                  "for an invite code.")
            .arg(host);
    case Error::WrongRelay:
        return tr("The relay at %1 does not serve this account's relay name. Check the relay "
                  "address.")
            .arg(host);
    case Error::AuthenticationFailed:
        return tr("The relay at %1 does not recognise this device's keys, so Parley cannot sign "
                  "in.")
            .arg(host);
    case Error::TooManyAttempts:
        return tr("The relay at %1 refused too many sign-in attempts from this device.").arg(host);
    case Error::DeviceRemoved:
        return tr("This device was removed from your account, or the account was deleted. "
                  "Parley no longer signs in with it.");
    case Error::SignedInElsewhere:
        return tr("This profile signed in to %1 from another window or computer, so this one "
                  "stopped. Close the other one and start Parley here again.")
            .arg(host);
    case Error::RelayBusy:
        return tr("The relay at %1 is busy or having trouble.").arg(host);
    }
    return {};
}

} // namespace parley::core
