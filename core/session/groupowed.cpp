#include "core/session/groupowed.h"

#include "core/session/groupdevices.h"
#include "core/session/groupsealing.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/messagetable.h"
#include "core/store/owedgroupcontenttable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"

#include <QPair>
#include <QSet>

#include <algorithm>
#include <map>

namespace parley::core {

using namespace pipeline;

namespace {

// Our message `message` (client id `clientMessageId`) was deleted for everyone: nothing owed
// about it is kept (its text, our edits and reactions). The members that were owed the
// message itself, who would get its delete without ever having had it.
StoreResult<QStringList> forgetOwedAbout(StoreContext &context, MessageId message,
                                         const QByteArray &clientMessageId)
{
    OwedGroupContentTable table(context);
    auto rows = table.forMessage(message);
    if (const auto *error = errorOf(rows)) {
        return *error;
    }
    QStringList neverGot;
    for (const OwedGroupContent &row : std::get<std::vector<OwedGroupContent>>(rows)) {
        auto decoded = MessageContent::decode(row.content);
        const auto *owed = std::get_if<MessageContent>(&decoded);
        if (owed != nullptr && owed->clientMessageId == clientMessageId) {
            neverGot << row.member;
        }
        if (auto removed = table.remove(row.id); errorOf(removed) != nullptr) {
            return *errorOf(removed);
        }
    }
    return neverGot;
}

} // namespace

StoreStatus oweToUnreached(StoreContext &context, const GroupState &state,
                           const QString &selfAddress, const QStringList &recipients,
                           MessageId message, const MessageContent &content, qint64 now)
{
    if (!message.isValid()) {
        return Done{}; // an op whose target is not here: nothing to go with
    }
    QStringList neverGot;
    if (content.kind == MessageContent::Kind::GroupOp &&
        content.opKind == MessageContent::Kind::Delete) {
        auto forgotten = forgetOwedAbout(context, message, content.targetId);
        if (const auto *error = errorOf(forgotten)) {
            return *error;
        }
        neverGot = std::get<QStringList>(std::move(forgotten));
    }
    const QStringList reached = accountsOf(recipients);
    QByteArray bytes;
    for (const GroupMember &member : state.members) {
        if (member.address == selfAddress || reached.contains(member.address) ||
            neverGot.contains(member.address)) {
            continue;
        }
        auto contact = ContactTable(context).findByAddress(member.address);
        if (const auto *error = errorOf(contact)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
        } else if (std::get<ContactRecord>(contact).blocked) {
            continue; // M1 §8: nothing goes to a blocked member
        }
        if (bytes.isEmpty()) {
            bytes = content.encode();
        }
        auto added =
            OwedGroupContentTable(context).add(state.groupId, message, member.address, bytes, now);
        if (const auto *error = errorOf(added)) {
            return *error;
        }
        if (!std::get<bool>(added)) {
            qCWarning(lcPipeline) << "a group owes too much already: a content is not kept for"
                                  << member.address;
        }
    }
    return Done{};
}

namespace {

// What becomes of what a member is owed.
enum class Owed { Yes, Wait, Drop };

// For every content owed to `member`: Drop when it is no longer in the group (removed, or
// left) or blocked (M1 §8); Wait while this device has no session, under the key the group
// lists (M1 §9.11), with a device the group lists for it, so that a member who cannot be
// reached costs no sealing; else Yes.
StoreResult<Owed> memberOwed(StoreContext &context, const GroupState &state, const QString &member)
{
    if (state.member(member) == nullptr) {
        return Owed::Drop;
    }
    auto contact = ContactTable(context).findByAddress(member);
    if (const auto *error = errorOf(contact)) {
        return error->code == StoreError::Code::NotFound ? StoreResult<Owed>(Owed::Wait) : *error;
    }
    const ContactRecord &record = std::get<ContactRecord>(contact);
    if (record.blocked) {
        return Owed::Drop;
    }
    auto listed = pinnedAsListed(context, state, member);
    if (const auto *error = errorOf(listed)) {
        return *error;
    }
    auto sessions = SessionTable(context).currentForContact(record.id);
    if (const auto *error = errorOf(sessions)) {
        return *error;
    }
    // A session with a device the group does not list (a member who moved, still listed with
    // its old device) reaches nothing of the group: it waits too.
    const std::vector<quint32> &devices = state.member(member)->devices;
    const auto &current = std::get<std::vector<SessionRecord>>(sessions);
    const bool reachable = std::any_of(current.begin(), current.end(), [&](const auto &session) {
        return std::find(devices.begin(), devices.end(), session.deviceId) != devices.end();
    });
    return std::get<bool>(listed) && reachable ? Owed::Yes : Owed::Wait;
}

// Whether `row` (whose member is owed, memberOwed) should be sealed now, else dropped: not
// when its message is gone or was deleted for everyone since — only that delete still goes,
// and not to a member in `neverGot`: the (message, member) pairs whose message itself was
// dropped here, which it would reach without ever having had it.
StoreResult<Owed> rowOwed(StoreContext &context, const OwedGroupContent &row,
                          const MessageContent &content, QSet<QPair<qint64, QString>> &neverGot)
{
    auto found = MessageTable(context).find(row.message);
    if (const auto *error = errorOf(found)) {
        if (error->code == StoreError::Code::NotFound) {
            return Owed::Drop;
        }
        return *error;
    }
    const MessageRecord &message = std::get<MessageRecord>(found);
    if (!message.deleted) {
        return Owed::Yes;
    }
    const QPair<qint64, QString> pair{row.message.value, row.member};
    if (content.kind == MessageContent::Kind::GroupOp &&
        content.opKind == MessageContent::Kind::Delete) {
        return neverGot.contains(pair) ? Owed::Drop : Owed::Yes;
    }
    if (content.clientMessageId == message.clientMessageId) {
        neverGot.insert(pair);
    }
    return Owed::Drop;
}

// `row`'s content sealed to its member alone into the outbox, in a savepoint of its own: a
// failure leaves nothing of it behind (no key sent without its content). Whether it reached
// a device of the member (false: no session yet).
StoreResult<bool> payOne(StoreContext &context, const crypto::DeviceIdentity &self,
                         const GroupState &state, const OwedGroupContent &row,
                         const MessageContent &content, qint64 now, PaidOwed &paid)
{
    return context.transaction([&]() -> StoreResult<bool> {
        auto sealed = sealForGroup(context, self, state, content, now, {row.member});
        if (const auto *error = errorOf(sealed)) {
            return *error;
        }
        auto &sealing = std::get<GroupSealing>(sealed);
        const bool reached = !sealing.recipients.isEmpty();
        auto queued = queueSealed(context, self, state.groupId, sealing, {}, now);
        if (const auto *error = errorOf(queued)) {
            return *error;
        }
        for (OutboxEntry &entry : std::get<std::vector<OutboxEntry>>(queued)) {
            paid.outbox.push_back(std::move(entry));
        }
        return reached;
    });
}

} // namespace

StoreResult<PaidOwed> payOwedGroupContents(StoreContext &context,
                                           const crypto::DeviceIdentity &self,
                                           const QByteArray &groupId, qint64 now)
{
    return context.transaction([&]() -> StoreResult<PaidOwed> {
        OwedGroupContentTable table(context);
        auto listed = table.members(groupId);
        if (const auto *error = errorOf(listed)) {
            return *error;
        }
        const QStringList &owedMembers = std::get<QStringList>(listed);
        PaidOwed paid;
        if (owedMembers.isEmpty()) {
            return paid;
        }
        auto loaded = groupToSendTo(context, self, groupId);
        if (const auto *error = errorOf(loaded)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
            // Not a group we can send to any more (no such group, or not a member).
            if (auto removed = table.removeGroup(groupId); errorOf(removed) != nullptr) {
                return *errorOf(removed);
            }
            return paid;
        }
        const GroupState &state = *std::get<std::optional<GroupState>>(loaded);
        // Members first: while none can be reached nor is to be dropped, no row is opened.
        std::map<QString, Owed> members;
        bool anyToDo = false;
        for (const QString &member : owedMembers) {
            auto owed = memberOwed(context, state, member);
            if (const auto *error = errorOf(owed)) {
                return *error;
            }
            members[member] = std::get<Owed>(owed);
            anyToDo = anyToDo || members[member] != Owed::Wait;
        }
        if (!anyToDo) {
            return paid;
        }
        auto listedRows = table.forGroup(groupId);
        if (const auto *error = errorOf(listedRows)) {
            return *error;
        }
        QSet<QPair<qint64, QString>> neverGot;
        for (const OwedGroupContent &row : std::get<std::vector<OwedGroupContent>>(listedRows)) {
            Owed owed = members.count(row.member) ? members[row.member] : Owed::Wait;
            if (owed == Owed::Wait) {
                ++paid.waiting;
                continue;
            }
            auto decoded = MessageContent::decode(row.content);
            const auto *content = std::get_if<MessageContent>(&decoded);
            if (owed == Owed::Yes) {
                auto checked = content != nullptr ? rowOwed(context, row, *content, neverGot)
                                                  : StoreResult<Owed>(Owed::Drop);
                if (const auto *error = errorOf(checked)) {
                    return *error;
                }
                owed = std::get<Owed>(checked);
            }
            if (owed == Owed::Yes) {
                auto done = payOne(context, self, state, row, *content, now, paid);
                if (const auto *error = errorOf(done)) {
                    // This content only (a damaged session, a content the sender key refuses):
                    // dropped, so that it does not hold back the others at every connection.
                    qCWarning(lcPipeline) << "an owed group content is dropped:" << error->detail;
                } else if (!std::get<bool>(done)) {
                    ++paid.waiting;
                    continue;
                } else {
                    ++paid.paid;
                }
            }
            if (auto removed = table.remove(row.id); errorOf(removed) != nullptr) {
                return *errorOf(removed);
            }
        }
        return paid;
    });
}

} // namespace parley::core
