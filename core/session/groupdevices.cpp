// See groupdevices.h.

#include "core/session/groupdevices.h"

#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/grouptable.h"
#include "core/store/identitytable.h"
#include "core/store/senderkeytable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/devicelist.h"
#include "crypto/identity.h"

#include <algorithm>

namespace parley::core {

using namespace pipeline;

std::vector<quint32> newestDevices(std::vector<quint32> devices)
{
    std::sort(devices.begin(), devices.end());
    devices.erase(std::unique(devices.begin(), devices.end()), devices.end());
    std::erase(devices, 0U);
    if (devices.size() > std::size_t(kMaxGroupMemberDevices)) {
        devices.erase(devices.begin(), devices.end() - kMaxGroupMemberDevices);
    }
    return devices;
}

namespace {

// `address` as a group member: its pinned key and the newest devices we have sessions with.
// `contactsOnly`: NotFound for a record that is no contact or is blocked.
StoreResult<GroupMember> sessionMember(StoreContext &context, const QString &address,
                                       bool contactsOnly)
{
    auto found = ContactTable(context).findByAddress(address);
    if (const auto *error = errorOf(found)) {
        if (error->code == StoreError::Code::NotFound) {
            return StoreError{StoreError::Code::NotFound,
                              QStringLiteral("%1 is not a contact: add them first.").arg(address)};
        }
        return *error;
    }
    const auto &record = std::get<ContactRecord>(found);
    if (contactsOnly && (!record.accepted || record.blocked)) {
        return StoreError{StoreError::Code::NotFound,
                          QStringLiteral("%1 is not a contact: add them first.").arg(address)};
    }
    auto sessions = SessionTable(context).currentForContact(record.id);
    if (const auto *error = errorOf(sessions)) {
        return *error;
    }
    GroupMember member;
    member.address = record.address;
    member.accountKey = record.accountKey;
    for (const SessionRecord &session : std::get<std::vector<SessionRecord>>(sessions)) {
        member.devices.push_back(session.deviceId);
    }
    member.devices = newestDevices(std::move(member.devices));
    if (member.accountKey.size() != kGroupAccountKeyBytes || member.devices.empty()) {
        return StoreError{
            StoreError::Code::NotFound,
            QStringLiteral("%1 has no session yet: add them as a contact first.").arg(address)};
    }
    return member;
}

} // namespace

StoreResult<GroupMember> contactMember(StoreContext &context, const QString &address)
{
    // M1 §8: a request's sender, a member of another group or a blocked address is put in no
    // group (it would get the chain and our keys).
    return sessionMember(context, address, true);
}

StoreResult<std::vector<MemberToReach>>
membersToReach(StoreContext &context, const QByteArray &groupId, const QString &selfAddress)
{
    auto loaded = loadGroup(context, groupId);
    if (const auto *error = errorOf(loaded)) {
        return *error;
    }
    std::vector<MemberToReach> members;
    const auto &state = std::get<std::optional<GroupState>>(loaded);
    if (!state || state->member(selfAddress) == nullptr) {
        return members; // nothing of ours goes to a group we are not in
    }
    ContactTable contacts(context);
    SessionTable sessions(context);
    for (const GroupMember &member : state->members) {
        if (member.address == selfAddress) {
            continue;
        }
        auto found = contacts.findByAddress(member.address);
        if (const auto *record = std::get_if<ContactRecord>(&found)) {
            if (record->blocked) {
                continue;
            }
            auto current = sessions.currentForContact(record->id);
            if (const auto *error = errorOf(current)) {
                return *error;
            }
            // Pinned under another key than the group lists: reached anew under the group's
            // (a key change, ensureSessions), else it gets nothing (pinnedAsListed).
            const bool asListed = sameKey(record->accountKey, member.accountKey);
            if (asListed && !std::get<std::vector<SessionRecord>>(current).empty()) {
                continue;
            }
            if (!asListed && record->accepted) {
                // A contact whose key is not the one listed any more: a group send does not
                // re-key a 1:1 contact; it gets nothing of the group until an admin lists
                // its key.
                continue;
            }
        } else if (std::get<StoreError>(found).code != StoreError::Code::NotFound) {
            return std::get<StoreError>(found);
        }
        members.push_back({member.address, member.accountKey});
    }
    return members;
}

StoreResult<bool> takesPart(StoreContext &context, const crypto::DeviceIdentity &self,
                            const QByteArray &groupId)
{
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    auto own = SenderKeyTable(context).own(groupId, selfAddress, self.address().device.value);
    if (const auto *error = errorOf(own)) {
        return *error;
    }
    if (std::get<std::optional<OwnSenderKey>>(own)) {
        return true; // we wrote in it
    }
    auto stored = GroupTable(context).changesOf(groupId);
    if (const auto *error = errorOf(stored)) {
        return *error;
    }
    // A change that lists us, signed by us or by a contact (checked under the key pinned for
    // it: a change waiting for its parent is stored unverified). Not resolved as a chain:
    // this runs for receipts, and a stranger decides how long its group's chain is.
    ContactTable contacts(context);
    const QByteArray selfKey(reinterpret_cast<const char *>(self.certificate().accountKey.data()),
                             qsizetype(self.certificate().accountKey.size()));
    for (const QByteArray &bytes : std::get<std::vector<QByteArray>>(stored)) {
        auto decoded = decodeGroupChange(bytes);
        const auto *change = std::get_if<GroupChange>(&decoded);
        if (change == nullptr || std::none_of(change->members.begin(), change->members.end(),
                                              [&](const GroupMember &member) {
                                                  return member.address == selfAddress;
                                              })) {
            continue;
        }
        QByteArray signerKey = selfKey;
        if (change->signer != selfAddress) {
            auto signer = contacts.findByAddress(change->signer);
            const auto *record = std::get_if<ContactRecord>(&signer);
            if (record == nullptr || !record->accepted || record->blocked) {
                continue;
            }
            signerKey = record->accountKey;
        }
        if (isSignedBy(*change, signerKey)) {
            return true;
        }
    }
    return false;
}

StoreResult<bool> pinnedAsListed(StoreContext &context, const GroupState &state,
                                 const QString &address)
{
    const GroupMember *member = state.member(address);
    auto found = ContactTable(context).findByAddress(address);
    if (const auto *error = errorOf(found)) {
        return error->code == StoreError::Code::NotFound ? StoreResult<bool>(false) : *error;
    }
    const QByteArray &pinned = std::get<ContactRecord>(found).accountKey;
    return member != nullptr && sameKey(pinned, member->accountKey);
}

namespace {

// How many changes of op Devices on `groupId`'s resolved chain list `address`'s devices.
StoreResult<int> devicesListings(StoreContext &context, const QByteArray &groupId,
                                 const QString &address)
{
    auto chain = chainOf(context, groupId);
    if (const auto *error = errorOf(chain)) {
        return *error;
    }
    int listings = 0;
    std::optional<GroupState> previous;
    for (const QByteArray &bytes : std::get<std::vector<QByteArray>>(chain)) {
        auto decoded = decodeGroupChange(bytes);
        auto *change = std::get_if<GroupChange>(&decoded);
        if (change == nullptr) {
            continue;
        }
        const GroupState state = change->state();
        if (change->op == GroupOp::Devices && previous) {
            const GroupMember *was = previous->member(address);
            const GroupMember *now = state.member(address);
            listings += was != nullptr && now != nullptr && was->devices != now->devices ? 1 : 0;
        }
        previous = state;
    }
    return listings;
}

} // namespace

StoreResult<std::vector<SentGroupChange>>
updateGroupDevices(StoreContext &context, const crypto::DeviceIdentity &self,
                   const QString &address, const QByteArray &accountKey,
                   std::vector<quint32> listed, qint64 now)
{
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    // Only devices we have a session with: a listed device that we cannot send the chain
    // to would stay listed without the group; the refresh that makes its session lists it.
    auto contact = sessionMember(context, address, false);
    if (const auto *error = errorOf(contact)) {
        return error->code == StoreError::Code::NotFound
                   ? StoreResult<std::vector<SentGroupChange>>()
                   : *error;
    }
    const auto &sessions = std::get<GroupMember>(contact).devices;
    std::erase_if(listed, [&](quint32 device) {
        return std::find(sessions.begin(), sessions.end(), device) == sessions.end();
    });
    const auto newest = newestDevices(std::move(listed));
    auto groups = listGroups(context);
    if (const auto *error = errorOf(groups)) {
        return *error;
    }
    std::vector<SentGroupChange> made;
    for (const GroupState &state : std::get<std::vector<GroupState>>(groups)) {
        const GroupMember *member = state.member(address);
        // The entry must be the contact we verified the list for: same account key.
        if (!state.isAdmin(selfAddress) ||
            !state.hasDevice(selfAddress, self.address().device.value) || member == nullptr ||
            member->accountKey != accountKey || newest.empty() || member->devices == newest) {
            continue;
        }
        // A member who keeps moving cannot make us fill the group's bound of changes (M1
        // §9.3): at most kMaxDevicesListings of its devices on the chain; then an admin
        // removes it and adds it again.
        auto listings = devicesListings(context, state.groupId, address);
        if (const auto *error = errorOf(listings)) {
            return *error;
        }
        if (std::get<int>(listings) >= kMaxDevicesListings) {
            qCWarning(lcPipeline) << "not listing" << address
                                  << "'s devices again in a group:" << std::get<int>(listings)
                                  << "times already";
            continue;
        }
        // Sent to every member without the user doing anything (M1 §9.11).
        auto part = takesPart(context, self, state.groupId);
        if (const auto *error = errorOf(part)) {
            return *error;
        }
        if (!std::get<bool>(part)) {
            continue;
        }
        GroupRequest request;
        request.op = GroupOp::Devices;
        request.groupId = state.groupId;
        request.members = {address};
        request.devices = newest;
        request.replacing = member->devices;
        auto sent = sendGroupChange(context, self, request, now);
        if (const auto *error = errorOf(sent)) {
            // Refused by the rules (a sentence) or a store error: the other groups go on.
            qCWarning(lcPipeline) << "no devices change in a group for" << address << ":"
                                  << (error->detail.isEmpty() ? error->message() : error->detail);
            continue;
        }
        made.push_back(std::get<SentGroupChange>(std::move(sent)));
    }
    return made;
}

StoreResult<std::vector<SelfListing>> selfListings(StoreContext &context,
                                                   const crypto::DeviceIdentity &self)
{
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    const quint32 thisDevice = self.address().device.value;
    auto identity = IdentityTable(context).load();
    if (const auto *error = errorOf(identity)) {
        return *error;
    }
    std::vector<quint32> current;
    const auto list =
        crypto::DeviceList::parse(viewOf(std::get<OwnIdentityRecord>(identity).deviceList));
    if (const auto *parsed = std::get_if<crypto::DeviceList>(&list)) {
        for (const crypto::DeviceListEntry &entry : parsed->devices) {
            current.push_back(entry.device.value);
        }
    }
    auto groups = listGroups(context);
    if (const auto *error = errorOf(groups)) {
        return *error;
    }
    std::vector<SelfListing> found;
    ContactTable contacts(context);
    for (const GroupState &state : std::get<std::vector<GroupState>>(groups)) {
        const GroupMember *me = state.member(selfAddress);
        if (me == nullptr || !me->admin || state.hasDevice(selfAddress, thisDevice)) {
            continue;
        }
        auto listings = devicesListings(context, state.groupId, selfAddress);
        if (const auto *error = errorOf(listings)) {
            return *error;
        }
        if (std::get<int>(listings) >= kMaxDevicesListings) {
            qCWarning(lcPipeline) << "not listing this device in a group:"
                                  << std::get<int>(listings) << "listings already";
            continue;
        }
        // Made without the user doing anything, and sent to every member (M1 §9.11): not in
        // a group a stranger made us an admin of.
        auto part = takesPart(context, self, state.groupId);
        if (const auto *error = errorOf(part)) {
            return *error;
        }
        if (!std::get<bool>(part)) {
            continue;
        }
        SelfListing listing;
        bool keyChangeWaits = false;
        for (const GroupMember &member : state.members) {
            if (member.address == selfAddress) {
                continue;
            }
            auto contact = contacts.findByAddress(member.address);
            const auto *record = std::get_if<ContactRecord>(&contact);
            if (record != nullptr && record->blocked) {
                continue; // sent nothing (M1 §8), so not waited for
            }
            // A contact pinned under the key listed must be reached; any other member is
            // tried (M1 §9.11), but one that cannot be (an account gone, a key of its own)
            // does not keep this device out.
            auto listed = pinnedAsListed(context, state, member.address);
            if (const auto *error = errorOf(listed)) {
                return *error;
            }
            const bool mustReach = record != nullptr && record->accepted && std::get<bool>(listed);
            keyChangeWaits = keyChangeWaits || (mustReach && !record->pendingAccountKey.isEmpty());
            (mustReach ? listing.contacts : listing.others)
                .push_back({member.address, member.accountKey});
        }
        if (keyChangeWaits) {
            qCInfo(lcPipeline) << "not listing this device in a group yet: a key change waits";
            continue;
        }
        std::vector<quint32> devices{thisDevice};
        for (const quint32 listed : me->devices) {
            if (std::find(current.begin(), current.end(), listed) != current.end()) {
                devices.push_back(listed);
            }
        }
        listing.request.op = GroupOp::Devices;
        listing.request.groupId = state.groupId;
        listing.request.members = {selfAddress};
        listing.request.devices = newestDevices(std::move(devices));
        listing.request.replacing = me->devices; // not over another admin's listing of us
        found.push_back(std::move(listing));
    }
    return found;
}

} // namespace parley::core
