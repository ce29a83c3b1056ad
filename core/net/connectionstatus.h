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
        Disconnected,   // not asked to connect, or closed on request
        Connecting,     // TCP, TLS and WebSocket upgrade in progress
        Negotiating,    // Hello sent, waiting for Welcome
        Authenticating, // Welcome received; RegisterAccount or Authenticate in flight (R1 §2)
        Authenticated,  // the relay accepted this device; the account layer is catching up
                        // (first prekey upload, refill, rotation) before it calls setReady()
        Connected,      // authenticated and ready: requests may flow
        Waiting,        // lost or failed; a reconnect is scheduled
        Refused,        // will not retry until asked again (bad URL, no common version, the
                        // relay refused this account or device)
    };
    Q_ENUM(State)

    enum class Error {
        None,
        InvalidUrl,        // not a ws:// or wss:// URL
        InsecureUrl,       // ws:// to a host that is not loopback
        ConnectionRefused, // nothing listens there
        HostNotFound,
        TlsFailed,          // certificate or handshake failure
        Timeout,            // no answer in time (connect, Welcome, a request or keep-alive)
        UnsupportedVersion, // no protocol version in common with the relay
        ProtocolError,      // the relay sent something we do not understand
        ClosedByRelay,      // the relay closed the connection
        NetworkError,       // any other transport failure
        // Account errors (protocol R1 §7 status codes and §8 close codes); all refuse.
        UsernameTaken,        // USERNAME_TAKEN: bound to another account key
        InvalidUsername,      // INVALID_USERNAME
        RegistrationClosed,   // REGISTRATION_CLOSED
        InviteRequired,       // INVALID_INVITE: invite missing, unknown or used
        WrongRelay,           // WRONG_RELAY: the relay does not serve our relay name
        AuthenticationFailed, // INVALID_SIGNATURE / NOT_FOUND / STALE_DEVICE_LIST on sign-in
        TooManyAttempts,      // close 4003
        DeviceRemoved,        // close 4004: removed from the account, or account deleted
        SignedInElsewhere,    // close 4005: a newer connection of this device replaced ours
        RelayBusy,            // RATE_LIMITED or UNAVAILABLE: retried with backoff
    };
    Q_ENUM(Error)

    State state = State::Disconnected;
    QUrl url;
    QString relaySoftware; // from Welcome, e.g. "parley-relay/0.1.0"
    quint32 protocolVersion = 0;
    QString username; // the username being registered or signed in (for sentences)
    QString address;  // the device address the relay authenticated, "user@relay/device"
    Error error = Error::None;
    QString errorDetail; // technical detail for logs and tooltips
    int retryInMs = 0;   // when state == Waiting
};

} // namespace parley::core

Q_DECLARE_METATYPE(parley::core::ConnectionStatus)
