#pragma once

// The sealing half of sending to a group (protocol M1 §9.6 "Sending a group text", steps 1–4),
// shared by a new content of ours (grouptextpipeline.cpp) and a content owed to a member we
// could not reach when we sent it (groupowed.cpp, M1 §9.11). Database thread, inside the
// caller's transaction.

#include "core/session/grouppipeline.h"
#include "core/store/outboxtable.h"
#include "core/store/senderkeytable.h"
#include "core/store/storeerror.h"
#include "crypto/keytypes.h"

#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace parley::crypto {
class DeviceIdentity;
} // namespace parley::crypto

namespace parley::core {

class MessageContent;
class StoreContext;

// "user@relay/device" → (user@relay, device).
inline std::pair<QString, quint32> splitDevice(const QString &name)
{
    const qsizetype slash = name.lastIndexOf(QLatin1Char('/'));
    return {name.left(slash), name.mid(slash + 1).toUInt()};
}

// The accounts of "user@relay/device" names, each once, without `except`.
inline QStringList accountsOf(const QStringList &devices, const QString &except = {})
{
    QStringList accounts;
    for (const QString &device : devices) {
        const QString account = splitDevice(device).first;
        if (account != except && !accounts.contains(account)) {
            accounts << account;
        }
    }
    return accounts;
}

struct GroupSealing
{
    OwnSenderKey own;                    // advanced by the content; saved by queueSealed
    std::vector<OutboxEntry> keyEntries; // the 0x0E contents to new holders, in the outbox
    QStringList recipients;              // the devices the content is sealed to
    QStringList unreached;               // member devices without a session: not sent the key
    bool rotated = false;                // a new sender key was made
    std::vector<crypto::Byte> message;   // the framed sealed message 0x03; empty: no recipient
    std::vector<crypto::X25519PublicKey> identityKeys; // one per recipient, in order
};

// Plans our sender key for `state` (planSenderKey; C4 §5 rotationDue too), makes or rotates
// it, puts a 0x0E for each new holder into the outbox over the pairwise sessions, and — when
// some recipient holds the key — encrypts `content` once under it. With `only` not empty,
// just those member accounts' devices are new holders and recipients (a content owed to
// them). A member pinned under another key than `state` lists (M1 §9.11), blocked, or
// without a session is unreached. A refusal of the content by the sender key is NotFound
// with a sentence.
StoreResult<GroupSealing> sealForGroup(StoreContext &context, const crypto::DeviceIdentity &self,
                                       const GroupState &state, const MessageContent &content,
                                       qint64 now, const QStringList &only = {});

// Seals sealing.message once to its recipients (C3 §7; at most kMaxRecipientsPerSend devices
// per entry, a member's devices all in one) into the outbox — each entry naming `message`,
// which the relay's answer moves from Queued to Sent — and saves the advanced sender key.
// The entries made, key entries first.
StoreResult<std::vector<OutboxEntry>> queueSealed(StoreContext &context,
                                                  const crypto::DeviceIdentity &self,
                                                  const QByteArray &groupId, GroupSealing &sealing,
                                                  MessageId message, qint64 now);

} // namespace parley::core
