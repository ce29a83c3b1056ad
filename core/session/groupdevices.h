#pragma once

// Which devices a group lists for a member (protocol M1 §9.7): a contact's devices when it
// is added, and a change of op Devices when a refresh finds that they changed. Database
// thread, inside ProfileStore::run, like grouppipeline.h.

#include "core/session/grouppipeline.h"

namespace parley::core {

// A member's devices are listed anew (op Devices, M1 §9.7) at most this often on a chain.
inline constexpr int kMaxDevicesListings = 16;

// Device ids as a group lists them: sorted, unique, no 0, the newest kMaxGroupMemberDevices
// (an import takes the highest id + 1, so the newest device is never the one left out).
std::vector<quint32> newestDevices(std::vector<quint32> devices);

// A member of a group we send to, and the account key the group lists for it: sessions are
// made with it (contact or not, M1 §9.11) under that key only.
struct MemberToReach
{
    QString address;
    QByteArray accountKey;
};

// The members of `groupId` we have no session with, blocked ones and ourselves left out;
// none for a group we do not know or are not a member of.
StoreResult<std::vector<MemberToReach>>
membersToReach(StoreContext &context, const QByteArray &groupId, const QString &selfAddress);

// M1 §9.11: whether the user takes part in `groupId` — made it, was added to it by a
// contact, or has written in it (holds its own sender key) — so that its members who are no
// contacts may get what we send without the user doing anything (receipts, devices changes).
// A stranger who puts us in a group learns nothing from them until the user writes there.
StoreResult<bool> takesPart(StoreContext &context, const crypto::DeviceIdentity &self,
                            const QByteArray &groupId);

// M1 §9.11: whether `address` is pinned here under the account key `state` lists for it. A
// record made under another key (a stranger's first envelope in its name, pinned on first
// use) gets nothing of the group. False for no record, or no member.
StoreResult<bool> pinnedAsListed(StoreContext &context, const GroupState &state,
                                 const QString &address);

// A contact as a group member: its pinned account key and the newest devices we have
// sessions with. NotFound with a sentence for a non-contact or a contact without a session.
StoreResult<GroupMember> contactMember(StoreContext &context, const QString &address);

// A contact's device list, just verified and changed by a refresh (B1 §7: `listed`, under
// `accountKey`, the pinned key): in each group where we are an admin, this device is listed
// and the contact is a member under that key with other devices, a change of op Devices that
// lists the newest of `listed` we have a session with (newestDevices), sent by
// sendGroupChange: the whole chain to each newly listed device, the change alone to the
// devices it kept. At most kMaxDevicesListings per member on a chain. A group where it cannot
// be made is logged and skipped. The changes made.
StoreResult<std::vector<SentGroupChange>>
updateGroupDevices(StoreContext &context, const crypto::DeviceIdentity &self,
                   const QString &address, const QByteArray &accountKey,
                   std::vector<quint32> listed, qint64 now);

// Our groups that do not list this device though we are an admin of them — an archive
// brought them to this new device (protocol B3): a devices change each (M1 §9.7 step 4) that
// lists this device in place of our retired ones (our devices the group lists that our
// current device list still has, and this one), with the group's other members (not
// blocked): the contacts, whom it must reach, and the others, whom it tries to (M1 §9.11).
// Left out: a group where we were listed kMaxDevicesListings times, one the user does not
// take part in (takesPart), and one with a member whose key change waits for the user
// (nothing is accepted on their behalf): the next connection looks again.
struct SelfListing
{
    GroupRequest request;
    std::vector<MemberToReach> contacts;
    std::vector<MemberToReach> others;
};
StoreResult<std::vector<SelfListing>> selfListings(StoreContext &context,
                                                   const crypto::DeviceIdentity &self);

} // namespace parley::core
