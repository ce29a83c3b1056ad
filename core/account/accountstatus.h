#pragma once

#include "core/net/connectionstatus.h"

#include <QMetaType>
#include <QString>
#include <QUrl>

namespace parley::core {

// A snapshot of the AccountManager, copied across threads to view models. Plain data.
struct AccountStatus
{
    Q_GADGET

public:
    enum class State {
        Stopped,     // no profile open
        Creating,    // generating and storing a new identity
        Loading,     // reading the identity from an unlocked profile
        Registering, // a new account: waiting for the relay to accept RegisterAccount
        SignedIn,    // the identity is loaded (and, for a new account, registered); the
                     // connection signs in by itself on every (re)connect
        Failed,      // see errorText; a refused registration leaves nothing on the relay
    };
    Q_ENUM(State)

    State state = State::Stopped;
    QString accountAddress; // "alice@127.0.0.1:7683" (C1 §1.3)
    QString deviceAddress;  // "alice@127.0.0.1:7683/1"
    QUrl relayUrl;
    bool registered = false;            // the relay has accepted this account
    bool registeredThisSession = false; // this session sent a RegisterAccount that succeeded
    int authentications = 0;            // successful Authenticate requests since signIn()/create()
    quint32 oneTimePreKeysOnRelay = 0;  // as last reported by the relay
    quint32 signedPreKeyId = 0;         // the current signed prekey
    // Failed: why, as a sentence for the user; connectionError is the relay's refusal, if
    // that was the cause (None for a store failure).
    QString errorText;
    ConnectionStatus::Error connectionError = ConnectionStatus::Error::None;
};

} // namespace parley::core

Q_DECLARE_METATYPE(parley::core::AccountStatus)
