#include "core/session/groupreceipts.h"

#include "core/session/groupdevices.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/groupreceipttable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"

#include <algorithm>

namespace parley::core {

using namespace pipeline;
using State = MessageRecord::State;

namespace {

// Whether a group receipt may go to `author` (M1 §9.8, §9.11). A member pinned under another
// key than the group lists gets none; a former member, as before, only if a contact.
StoreResult<bool> mayAnswer(StoreContext &context, const crypto::DeviceIdentity &self,
                            const QString &author, const QByteArray &groupId)
{
    auto group = loadGroup(context, groupId);
    if (const auto *error = errorOf(group)) {
        return *error;
    }
    const auto &state = std::get<std::optional<GroupState>>(group);
    if (!state) {
        return false;
    }
    if (state->member(author) != nullptr) {
        auto listed = pinnedAsListed(context, *state, author);
        if (const auto *error = errorOf(listed)) {
            return *error;
        }
        if (!std::get<bool>(listed)) {
            return false;
        }
    }
    auto contact = ContactTable(context).findByAddress(author);
    const auto *record = std::get_if<ContactRecord>(&contact);
    if (record == nullptr || record->accepted) {
        return true; // none: nothing can be encrypted to it anyway; a contact: M1 §8 decides
    }
    if (state->member(author) == nullptr) {
        return false;
    }
    return takesPart(context, self, groupId);
}

} // namespace

StoreResult<std::vector<StateChange>>
applyGroupReceipt(StoreContext &context, const MessageContent &receipt, const QString &member)
{
    std::vector<StateChange> changes;
    const QString key = groupConversationKey(receipt.groupId);
    auto group = ConversationTable(context).findByAddress(key);
    if (const auto *error = errorOf(group)) {
        return *error;
    }
    const auto &conversation = std::get<std::optional<ConversationId>>(group);
    if (!conversation) {
        return changes; // a group unknown here: nothing of ours in it
    }
    const State state =
        receipt.receiptKind == MessageContent::Kind::ReadReceipt ? State::Read : State::Delivered;
    MessageTable messages(context);
    GroupReceiptTable members(context);
    for (const QByteArray &id : receipt.receiptIds) {
        auto known = messages.findByClientId(*conversation, MessageRecord::Direction::Outgoing, id);
        if (const auto *error = errorOf(known)) {
            return *error;
        }
        const auto &found = std::get<std::optional<MessageRecord>>(known);
        if (!found) {
            continue; // expired, deleted, or never ours
        }
        auto recorded = members.record(found->id, member, state);
        if (const auto *error = errorOf(recorded)) {
            return *error;
        }
        // Only to delivered or read, and never back: while a member is at sent, a queued or
        // failed text stays as the relay's answer left it.
        const auto &everyone = std::get<std::optional<State>>(recorded);
        if (!everyone || receiptRank(*everyone) < receiptRank(State::Delivered) ||
            receiptRank(found->state) >= receiptRank(*everyone)) {
            continue;
        }
        if (auto set = messages.setState(found->id, *everyone); errorOf(set) != nullptr) {
            return *errorOf(set);
        }
        changes.push_back({key, id, *everyone});
    }
    return changes;
}

StoreResult<std::vector<OutboxEntry>> encryptGroupReceipt(StoreContext &context,
                                                          const crypto::DeviceIdentity &self,
                                                          const QString &author, quint32 device,
                                                          const MessageContent &receipt, qint64 now)
{
    if (device == 0) {
        return std::vector<OutboxEntry>(); // a row without its sending device: nobody to tell
    }
    // M1 §9.11: only to an author pinned under the key the group lists; to one who is no
    // contact only in a group the user takes part in. A check that fails skips the receipt,
    // as one that cannot be made does (below).
    auto allowed = mayAnswer(context, self, author, receipt.groupId);
    if (const auto *error = errorOf(allowed)) {
        qCInfo(lcPipeline) << "no group receipt to" << author << ":" << error->message();
        return std::vector<OutboxEntry>();
    }
    if (!std::get<bool>(allowed)) {
        return std::vector<OutboxEntry>();
    }
    // Its own savepoint: a receipt that cannot be made is undone alone and skipped, never
    // the transaction it is part of (an inbox batch, a markSeen).
    auto encrypted = context.transaction([&]() -> StoreResult<OutgoingResult> {
        return encryptInTransaction(context, self, author, receipt, true, now, device);
    });
    if (const auto *error = errorOf(encrypted)) {
        if (error->code != StoreError::Code::NotFound) {
            qCInfo(lcPipeline) << "no group receipt to" << author << "device" << device << ":"
                               << error->message();
        }
        return std::vector<OutboxEntry>(); // no contact we may answer, no session, or broken
    }
    return std::get<OutgoingResult>(std::move(encrypted)).outbox;
}

StoreResult<bool> queueGroupReadReceipts(StoreContext &context, const crypto::DeviceIdentity &self,
                                         const GroupReadReceipts &read, qint64 now)
{
    bool queued = false;
    for (const auto &[to, ids] : read) {
        const auto &[groupId, author, device] = to;
        for (std::size_t first = 0; first < ids.size(); first += kMaxReceiptIds) {
            std::vector<QByteArray> chunk(
                ids.begin() + qsizetype(first),
                ids.begin() + qsizetype(std::min(ids.size(), first + kMaxReceiptIds)));
            auto encrypted = encryptGroupReceipt(
                context, self, author, device,
                MessageContent::makeGroupReceipt(groupId, MessageContent::Kind::ReadReceipt,
                                                 std::move(chunk), now),
                now);
            if (const auto *error = errorOf(encrypted)) {
                return *error;
            }
            if (std::get<std::vector<OutboxEntry>>(encrypted).empty()) {
                break;
            }
            queued = true;
        }
    }
    return queued;
}

} // namespace parley::core
