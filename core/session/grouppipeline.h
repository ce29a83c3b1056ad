#pragma once

// The database-thread halves of group membership (protocol M1 §9; docs/architecture.md,
// "Groups"). Each function runs inside ProfileStore::run and does its work in ONE
// transaction: a change is stored together with the state it resolves to, so the state on
// disk is always the resolution (groupchange.h, resolveGroup) of the changes on disk.

#include "core/session/groupchange.h"
#include "core/session/messagecontent.h"
#include "core/store/outboxtable.h"
#include "core/store/storeerror.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace parley::crypto {
class DeviceIdentity;
class SigningKeyPair;
} // namespace parley::crypto

namespace parley::core {

class StoreContext;

// What the user asks for; see makeGroupChange.
struct GroupRequest
{
    GroupOp op = GroupOp::Create;
    QByteArray groupId;  // every op but Create
    QString name;        // Create, Rename
    QStringList members; // Create, Add (contacts), Remove, GrantAdmin (members), Devices (one)
    std::vector<quint32> devices = {}; // Devices: the member's device ids
    // Devices: made only if the member's devices are these (empty: whatever they are).
    std::vector<quint32> replacing = {};
};

struct GroupUpdate
{
    enum class Outcome {
        Applied,    // the change is on the resolved chain now (state changed)
        Known,      // this very change was stored already: nothing changed
        Pending,    // its parent is not known yet: stored, resolved once the parent arrives
        Superseded, // valid, but a concurrent change won the fork choice (M1 §9.5)
        Rejected,   // did not decode or verify: nothing stored (`error` says why)
    };
    Outcome outcome = Outcome::Rejected;
    std::optional<GroupError> error;
    QByteArray groupId;
    std::optional<GroupState> before; // the resolved state before (nullopt: none)
    std::optional<GroupState> after;  // the resolved state after
    // Members of `before` that are not in `after`: every remaining member's device must rotate
    // its sender key before its next group message (C4 §5).
    QStringList removed;
    // Our own changes that were on the chain and lost it to this one (M1 §9.5), as requests to
    // make again on the new head — only what is still to do there: members still to add,
    // remove or make admins, a leave while still a member, a rename nobody else overrode.
    std::vector<GroupRequest> makeAgain;
};

// Stores a membership change that arrived from (or was made by) a device of `from`, and
// re-resolves the group. `self`/`selfKey`: our account address and public key. The checks:
// the change decodes (M1 §9.2); a create must name us as a member and its signer's key must
// be the key pinned for that contact (or ours); a change whose parent state is known must
// verify against it (M1 §9.3) — a forged or unauthorised change is Rejected and not stored.
// `from`: the account whose device sent it (authenticated by the sealed envelope); a create
// forwarded by another account is taken only if the signer's key is pinned here (else
// WrongSender). Empty for our own changes.
StoreResult<GroupUpdate> storeGroupChange(StoreContext &context, const QByteArray &bytes,
                                          const QString &self, const QByteArray &selfKey,
                                          qint64 now, const QString &from = {});

struct MadeGroupChange
{
    GroupChange change;
    GroupUpdate update;
    // Who must receive the change: every member of the state before and after it, but us
    // (a removed member learns it was removed; an added one gets the whole state).
    QStringList recipients;
};

// Builds the change for `request` on top of our current state of the group, signs it with
// our account key and stores it (storeGroupChange, same transaction). Members to add must be
// contacts with a session (their pinned account key and the device ids we have sessions
// with); we are listed with our own device. NotFound with a sentence for an unknown group or
// contact; a change that the rules refuse (not an admin, nothing to change) fails with the
// rule's sentence.
StoreResult<MadeGroupChange> makeGroupChange(StoreContext &context,
                                             const crypto::SigningKeyPair &accountKey,
                                             const QString &self, quint32 selfDevice,
                                             const GroupRequest &request, qint64 now);

struct SentGroupChange
{
    MadeGroupChange made;
    std::vector<OutboxEntry> outbox; // the change, encrypted for each recipient's devices
    QStringList unreached;           // recipients without a session: they were not sent it
    // A group we created with the profile's disappearing-messages default: its timer change
    // (M1 §9.9), sent after the create (its entries are in `outbox` too).
    std::optional<MessageContent> timer;
};

// makeGroupChange with our account key (loaded from the store here, on the database thread)
// and our own address and device from `self`; then the change is encrypted (M1 kind 0x0D)
// for every recipient with a session, into the outbox — all in one transaction. A member
// who is new (Add) gets the whole chain (chainOf), oldest first.
StoreResult<SentGroupChange> sendGroupChange(StoreContext &context,
                                             const crypto::DeviceIdentity &self,
                                             const GroupRequest &request, qint64 now);

// The changes of `groupId`'s resolved chain, epoch 1 first, as they travel (what a member
// added later is sent, so that it can verify each change against its parent).
StoreResult<std::vector<QByteArray>> chainOf(StoreContext &context, const QByteArray &groupId);

// Every group we know with a resolved state.
StoreResult<std::vector<GroupState>> listGroups(StoreContext &context);

// The resolved state of `groupId` (nullopt: unknown, or no valid create yet).
StoreResult<std::optional<GroupState>> loadGroup(StoreContext &context, const QByteArray &groupId);

} // namespace parley::core
