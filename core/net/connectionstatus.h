#pragma once

#include <QMetaType>
#include <QString>
#include <QUrl>

namespace parley::core {

// A snapshot of a RelayConnection, copied across threads to view models. Plain data.
struct ConnectionStatus
{
    Q_GADGET

public:
    enum class State {
        Disconnected, // not asked to connect, or closed on request
        Connecting,   // TCP, TLS and WebSocket upgrade in progress
        Negotiating,  // Hello sent, waiting for Welcome
        Connected,    // Welcome received; requests may flow
        Waiting,      // lost or failed; a reconnect is scheduled
        Refused,      // will not retry until asked again (bad URL, no common version)
    };
    Q_ENUM(State)

    enum class Error {
        None,
        InvalidUrl,        // not a ws:// or wss:// URL
        InsecureUrl,       // ws:// to a host that is not loopback
        ConnectionRefused, // nothing listens there
        HostNotFound,
        TlsFailed,          // certificate or handshake failure
        Timeout,            // no answer in time (connect, Welcome or keep-alive)
        UnsupportedVersion, // no protocol version in common with the relay
        ProtocolError,      // the relay sent something we do not understand
        ClosedByRelay,      // the relay closed the connection
        NetworkError,       // any other transport failure
    };
    Q_ENUM(Error)

    State state = State::Disconnected;
    QUrl url;
    QString relaySoftware; // from Welcome, e.g. "parley-relay/0.1.0"
    quint32 protocolVersion = 0;
    Error error = Error::None;
    QString errorDetail; // technical detail for logs and tooltips
    int retryInMs = 0;   // when state == Waiting
};

} // namespace parley::core

Q_DECLARE_METATYPE(parley::core::ConnectionStatus)
