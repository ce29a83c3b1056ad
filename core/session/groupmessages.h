#pragma once

// The rules of group messages (protocol M1 §9.6), apart from the store and the network so
// that each can be tested alone: who holds our sender key and when it must be replaced, to
// whom a group text is sealed, and what a receiver accepts. The sender keys themselves are
// crypto's (C4): SenderKeySender and SenderKeyReceiver.

#include "core/session/groupchange.h"
#include "core/session/messagecontent.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace parley::crypto {
class SenderKeyReceiver;
class SenderKeySender;
} // namespace parley::crypto

namespace parley::core {

// `address` (user@relay) and `device` as crypto's device address; nullopt when the address
// does not parse.
std::optional<crypto::DeviceAddress> parseDeviceAddress(const QString &address, quint32 device);

enum class GroupMessageError {
    Malformed,     // not a sender-key message, or its plaintext is not a group text
    UnknownGroup,  // no resolved state for the group it names
    NotAMember,    // the authenticated sending device is not a member device of the state
    NoSenderKey,   // no sender key of that device for the group (none received, or rotated)
    Undecryptable, // the sender key refused it (signature, AEAD, too far ahead, expired)
    Duplicate,     // this key id and iteration were decrypted before (a replay)
    WrongGroup,    // the plaintext names another group than the message's header
    EpochAhead,    // made at an epoch this device has not resolved yet
    TooLarge,      // the text does not fit one sender-key message
};

// A short English sentence for logs and users.
const char *describe(GroupMessageError error);

// "user@relay/device": how a member device is named in recipient lists and holder sets.
QString groupDeviceName(const QString &address, quint32 device);

// Every member device of `state` but our own device (the recipients of one group message and
// of our sender key), in member order then device order.
QStringList groupRecipients(const GroupState &state, const QString &self, quint32 selfDevice);

// What must happen before our next group message (M1 §9.6, C4 §5).
struct SenderKeyPlan
{
    // Make a new sender key: we have none, or a device that was given the current one is not
    // a member device any more (it holds the chain key, so nothing may be sent under it).
    bool rotate = false;
    // Member devices to be given the (new or current) key over their pairwise sessions.
    QStringList distributeTo;
};

// `holders`: the devices our current sender key for the group was given to (groupDeviceName);
// `haveKey`: whether we have one. After a rotation every recipient is a new holder.
SenderKeyPlan planSenderKey(const GroupState &state, const QString &self, quint32 selfDevice,
                            const QStringList &holders, bool haveKey);

// Encrypts `content` (a GroupText, GroupTimer or GroupAttachment, M1 §9.6, §9.9, §9.10, or a
// GroupOp, M1 §10: MessageContent::isSenderKeyPlaintext) under our sender key, advancing it: the
// bytes to seal once to every recipient (C3 §7). The caller persists `sender` before they leave.
std::variant<QByteArray, GroupMessageError> encryptGroupText(crypto::SenderKeySender &sender,
                                                             const MessageContent &content);

// Whether a SenderKey content from `address`'s device `device` (authenticated by the pairwise
// session, whose sender certificate names `accountKey`) is taken: the group must be known,
// that device a member device of its current state under that account key, the epoch not
// ahead of it (M1 §9.6). nullopt: accepted.
std::optional<GroupMessageError> acceptSenderKey(const std::optional<GroupState> &state,
                                                 const MessageContent &content,
                                                 const QString &address, quint32 device,
                                                 const QByteArray &accountKey);

// The group id a sender-key message names (nullopt: not one). Looked up before anything else
// to find the state and the receiver.
std::optional<QByteArray> groupOfMessage(const QByteArray &message);

// Opens a group message from `address`'s device `device` (authenticated by the sealed body,
// C3 §7.4), in this order: the state must be known (UnknownGroup); the device must be a member
// device of it (NotAMember) — before any cryptography, and whatever the relay's recipient list
// said; a sender key of that device (NoSenderKey); the sender key's checks (Duplicate,
// Undecryptable); the plaintext a GroupText, GroupOp (M1 §10), GroupTimer (§9.9) or
// GroupAttachment (§9.10) — else Malformed — naming the same group (WrongGroup) at an epoch
// not ahead of the state (EpochAhead). `receiver` is unchanged by the first five; a
// message that decrypted but whose plaintext is refused has used up its message key.
std::variant<MessageContent, GroupMessageError>
openGroupText(const QByteArray &message, const std::optional<GroupState> &state,
              const QString &address, quint32 device, crypto::SenderKeyReceiver *receiver);

} // namespace parley::core
