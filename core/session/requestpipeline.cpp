// Message requests and blocking, the database-thread half (messagepipeline.h; protocol M1 §8,
// docs/architecture.md "Message requests and blocking"). What arrives from a request's sender
// or a blocked one is handled in receiveEnvelope; this file holds the user's commands.

#include "core/session/groupdevices.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/storecontext.h"
#include "core/store/transactioncache.h"

#include <QSqlQuery>

namespace parley::core {

using namespace pipeline;

namespace {

using State = MessageRecord::State;

StoreError noRequest(const QString &address)
{
    return StoreError{StoreError::Code::NotFound,
                      QStringLiteral("There is no message request from %1.").arg(address)};
}

// Runs `sql` with one bound value; a StoreError on failure.
std::optional<StoreError> run(StoreContext &context, const QString &sql, const QVariant &value)
{
    CachedQuery cached = context.prepared(sql);
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, value);
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    return std::nullopt;
}

} // namespace

StoreResult<AcceptedRequest> acceptRequestInStore(StoreContext &context,
                                                  const crypto::DeviceIdentity &self,
                                                  const QString &address, qint64 now)
{
    return context.transaction([&]() -> StoreResult<AcceptedRequest> {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return error->code == StoreError::Code::NotFound ? noRequest(address) : *error;
        }
        ContactRecord contact = std::get<ContactRecord>(found);
        AcceptedRequest accepted;
        if (contact.accepted) {
            return accepted;
        }
        accepted.wasRequest = true;
        contact.accepted = true;
        if (auto put = contacts.put(contact); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
        auto conversation = ConversationTable(context).findByAddress(address);
        if (const auto *error = errorOf(conversation)) {
            return *error;
        }
        const auto &conversationId = std::get<std::optional<ConversationId>>(conversation);
        if (contact.blocked || !conversationId || contact.accountKey.isEmpty()) {
            return accepted; // nothing to confirm, or nothing goes to a blocked address
        }
        // The receipts held back while it was a request (M1 §8): delivered — every text the
        // user now accepts was delivered —, and read only for what the user has read.
        static_assert(int(MessageRecord::Direction::Incoming) == 0 && int(State::Received) == 5 &&
                      int(State::Seen) == 7);
        CachedQuery cached = context.prepared(
            QStringLiteral("SELECT client_message_id, state FROM messages WHERE "
                           "conversation_id = ? AND direction = 0 AND state IN (5, 7) "
                           "ORDER BY id"));
        QSqlQuery &query = *cached;
        if (!cached.isPrepared()) {
            return StoreContext::queryError(query);
        }
        query.bindValue(0, conversationId->value);
        if (!query.exec()) {
            return StoreContext::queryError(query);
        }
        std::vector<QByteArray> delivered;
        std::vector<QByteArray> read;
        while (query.next()) {
            const QByteArray id = query.value(0).toByteArray();
            delivered.push_back(id);
            if (query.value(1).toInt() == int(State::Seen)) {
                read.push_back(id);
            }
        }
        query.finish();
        accepted.delivered = int(delivered.size());
        accepted.read = int(read.size());
        for (const auto &[kind, ids] :
             {std::pair{MessageContent::Kind::DeliveryReceipt, &delivered},
              std::pair{MessageContent::Kind::ReadReceipt, &read}}) {
            for (std::size_t first = 0; first < ids->size(); first += kMaxReceiptIds) {
                std::vector<QByteArray> chunk(
                    ids->begin() + qsizetype(first),
                    ids->begin() + qsizetype(std::min(ids->size(), first + kMaxReceiptIds)));
                auto encrypted = encryptInTransaction(
                    context, self, address,
                    MessageContent::makeReceipt(kind, std::move(chunk), now), true, now);
                if (const auto *error = errorOf(encrypted)) {
                    if (error->code == StoreError::Code::NotFound) {
                        break; // no session (yet): nothing can be confirmed
                    }
                    return *error;
                }
                for (OutboxEntry &entry : std::get<OutgoingResult>(encrypted).outbox) {
                    accepted.outbox.push_back(std::move(entry));
                }
            }
        }
        return accepted;
    });
}

StoreResult<int> deleteRequestInStore(StoreContext &context, const QString &address)
{
    return context.transaction([&]() -> StoreResult<int> {
        auto found = ContactTable(context).findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return error->code == StoreError::Code::NotFound ? noRequest(address) : *error;
        }
        const ContactRecord &contact = std::get<ContactRecord>(found);
        if (contact.accepted) {
            return noRequest(address);
        }
        auto conversation = ConversationTable(context).findByAddress(address);
        if (const auto *error = errorOf(conversation)) {
            return *error;
        }
        const auto &conversationId = std::get<std::optional<ConversationId>>(conversation);
        if (!conversationId) {
            return noRequest(address);
        }
        int deleted = 0;
        {
            CachedQuery cached = context.prepared(
                QStringLiteral("SELECT count(*) FROM messages WHERE conversation_id = ?"));
            QSqlQuery &query = *cached;
            if (!cached.isPrepared()) {
                return StoreContext::queryError(query);
            }
            query.bindValue(0, conversationId->value);
            if (!query.exec() || !query.next()) {
                return StoreContext::queryError(query);
            }
            deleted = query.value(0).toInt();
        }
        // Versions, reactions and reset failures go with their messages (ON DELETE CASCADE),
        // held ops with the conversation; outbox and sent-message rows only point at them
        // (SET NULL) and there are none for a request anyway. secure_delete (Database)
        // overwrites the freed cells.
        if (auto removed = AttachmentTable(context).removeFilesAfterCommit(*conversationId);
            errorOf(removed) != nullptr) {
            return *errorOf(removed);
        }
        const QVariant id = conversationId->value;
        for (const QString &sql : {QStringLiteral("DELETE FROM messages WHERE conversation_id = ?"),
                                   QStringLiteral("DELETE FROM conversations WHERE id = ?")}) {
            if (auto error = run(context, sql, id)) {
                return *error;
            }
        }
        // Envelopes held for a key change are theirs too.
        if (auto error =
                run(context, QStringLiteral("DELETE FROM held_envelopes WHERE contact_id = ?"),
                    contact.id.value)) {
            return *error;
        }
        if (TransactionCache *cache = context.transactionCache()) {
            cache->conversationsByContact.erase(contact.id.value);
        }
        return deleted;
    });
}

StoreResult<bool> setBlockedInStore(StoreContext &context, const QString &address, bool blocked,
                                    qint64 now)
{
    return context.transaction([&]() -> StoreResult<bool> {
        ContactTable contacts(context);
        ContactRecord contact;
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
            if (!blocked) {
                return false; // not blocked, nothing to do
            }
            contact.address = address;
            contact.createdAt = now;
            contact.accepted = false; // blocked by name: not a contact of ours
        } else {
            contact = std::get<ContactRecord>(found);
        }
        if (contact.id.isValid() && contact.blocked == blocked) {
            return false;
        }
        contact.blocked = blocked;
        if (auto put = contacts.put(contact); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
        return true;
    });
}

StoreResult<std::vector<RequestSummary>> listRequests(StoreContext &context)
{
    auto summaries = ConversationTable(context).summaries();
    if (const auto *error = errorOf(summaries)) {
        return *error;
    }
    std::vector<RequestSummary> requests;
    for (const ConversationSummary &summary :
         std::get<std::vector<ConversationSummary>>(summaries)) {
        if (!summary.request) {
            continue;
        }
        RequestSummary request;
        request.address = summary.address;
        request.unread = summary.unreadCount;
        request.lastActivityAt = summary.lastActivityAt;
        if (summary.lastMessage) {
            if (const auto *text = std::get_if<QString>(&summary.lastMessage->body)) {
                request.lastText = *text;
            }
        }
        requests.push_back(std::move(request));
    }
    return requests;
}

StoreResult<bool> takeInMember(StoreContext &context, const QString &address)
{
    return context.transaction([&]() -> StoreResult<bool> {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = errorOf(found)) {
            return error->code == StoreError::Code::NotFound ? StoreResult<bool>(false) : *error;
        }
        ContactRecord record = std::get<ContactRecord>(found);
        if (record.accepted || record.blocked) {
            return false;
        }
        // Only a member of one of our groups, pinned under the key the group lists: a record
        // a stranger's envelope in that name made (pinned on first use) is no one to take in.
        auto groups = listGroups(context);
        if (const auto *error = errorOf(groups)) {
            return *error;
        }
        bool member = false;
        for (const GroupState &state : std::get<std::vector<GroupState>>(groups)) {
            auto listed = pinnedAsListed(context, state, address);
            if (const auto *error = errorOf(listed)) {
                return *error;
            }
            member = member || std::get<bool>(listed);
        }
        if (!member) {
            return false;
        }
        auto conversation = ConversationTable(context).findByAddress(address);
        if (const auto *error = errorOf(conversation)) {
            return *error;
        }
        if (const auto &id = std::get<std::optional<ConversationId>>(conversation)) {
            auto newest = MessageTable(context).page(*id, MessageId{}, 1);
            if (const auto *error = errorOf(newest)) {
                return *error;
            }
            if (!std::get<std::vector<MessageRecord>>(newest).empty()) {
                return false; // a message request: the user accepts it, or not
            }
        }
        record.accepted = true;
        if (auto put = contacts.put(record); errorOf(put) != nullptr) {
            return *errorOf(put);
        }
        return true;
    });
}

} // namespace parley::core
