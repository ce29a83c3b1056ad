// Disappearing messages on the database thread (protocol M1 §6).

#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/storecontext.h"

#include <QSqlQuery>

#include <algorithm>
#include <cstring>
#include <map>

namespace parley::core {

namespace pipeline {

bool isLater(qint64 aSentAt, const QByteArray &aId, qint64 bSentAt, const QByteArray &bId)
{
    if (aSentAt != bSentAt) {
        return aSentAt > bSentAt;
    }
    const auto size = std::size_t(std::min(aId.size(), bId.size()));
    const int order = size == 0 ? 0 : std::memcmp(aId.constData(), bId.constData(), size);
    return order > 0 || (order == 0 && aId.size() > bId.size());
}

StoreStatus applyOwnTimer(StoreContext &context, const QString &address, MessageContent &content,
                          qint64 now)
{
    auto contact = ContactTable(context).findByAddress(address);
    if (const auto *error = errorOf(contact)) {
        return *error;
    }
    auto conversation =
        ConversationTable(context).forContact(std::get<ContactRecord>(contact).id, now);
    if (const auto *error = errorOf(conversation)) {
        return *error;
    }
    return applyOwnTimer(context, std::get<ConversationId>(conversation), content);
}

StoreStatus applyOwnTimer(StoreContext &context, ConversationId id, MessageContent &content)
{
    ConversationTable conversations(context);
    auto current = conversations.timer(id);
    if (const auto *error = errorOf(current)) {
        return *error;
    }
    // M1 §6.2: like our ops (§5.3), our change is made later than the one in effect, so the
    // user's last choice wins on both sides even if our clock stepped back.
    content.sentAt = sentAtAfter(content.sentAt, std::get<ConversationTimer>(current).sentAt);
    return conversations.setTimer(id,
                                  {content.timerSeconds, content.sentAt, content.clientMessageId});
}

StoreResult<std::optional<MessageRecord>> receiveTimerChange(StoreContext &context,
                                                             ConversationId conversation,
                                                             const MessageContent &content,
                                                             qint64 now, const QString &author,
                                                             quint32 authorDevice)
{
    MessageRecord record;
    record.conversation = conversation;
    record.direction = MessageRecord::Direction::Incoming;
    record.clientMessageId = content.clientMessageId;
    record.sentAt = content.sentAt;
    record.storedAt = now;
    // Unread like a text until shown (parley-cli recv prints it); no delivery receipt.
    record.state = MessageRecord::State::Received;
    record.body = QString();
    record.timerChange = content.timerSeconds;
    record.author = author;
    record.authorDevice = authorDevice;
    auto appended = MessageTable(context).appendIfNew(record);
    if (const auto *error = errorOf(appended)) {
        return *error;
    }
    const auto &id = std::get<std::optional<MessageId>>(appended);
    if (!id) {
        return std::optional<MessageRecord>(); // this change again: applied the first time
    }
    record.id = *id;
    ConversationTable conversations(context);
    auto current = conversations.timer(conversation);
    if (const auto *error = errorOf(current)) {
        return *error;
    }
    const auto &timer = std::get<ConversationTimer>(current);
    // M1 §6.2: the later (sent_at, id) wins, whoever set it and in whatever order they came.
    if (isLater(content.sentAt, content.clientMessageId, timer.sentAt, timer.changeId)) {
        if (auto set = conversations.setTimer(
                conversation, {content.timerSeconds, content.sentAt, content.clientMessageId});
            errorOf(set) != nullptr) {
            return *errorOf(set);
        }
    }
    return std::optional<MessageRecord>(std::move(record));
}

} // namespace pipeline

using namespace pipeline;

StoreResult<ConversationTimer> conversationTimer(StoreContext &context, const QString &address)
{
    auto found = ConversationTable(context).findByAddress(address);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    const auto &conversation = std::get<std::optional<ConversationId>>(found);
    if (!conversation) {
        return ConversationTimer{};
    }
    return ConversationTable(context).timer(*conversation);
}

StoreResult<SweepResult> sweepExpired(StoreContext &context, qint64 now)
{
    auto swept = context.transaction([&]() -> StoreResult<SweepResult> {
        SweepResult result;
        MessageTable messages(context);
        auto due = messages.expired(now, kMaxSweptPerRun);
        if (const auto *error = errorOf(due)) {
            return *error;
        }
        std::map<qint64, QString> addresses; // conversation → contact address
        CachedQuery dropHeld = context.prepared(QStringLiteral(
            "DELETE FROM pending_message_ops WHERE conversation_id = ? AND target_id = ?"));
        if (!dropHeld.isPrepared()) {
            return StoreContext::queryError(*dropHeld);
        }
        for (const MessageTable::Expired &row : std::get<std::vector<MessageTable::Expired>>(due)) {
            auto known = addresses.find(row.conversation.value);
            if (known == addresses.end()) {
                auto address = addressOfConversation(context, row.conversation);
                if (const auto *error = errorOf(address)) {
                    return *error;
                }
                known = addresses.emplace(row.conversation.value, std::get<QString>(address)).first;
            }
            // Its attachment's row cascades too (schema v8), and its file goes once that has
            // committed (a crash in between leaves it to the next open's orphan sweep).
            if (auto files = AttachmentTable(context).removeFilesAfterCommit(row.id);
                const auto *error = errorOf(files)) {
                return *error;
            }
            // Versions, reactions and reset failures cascade with the row (schema v6, v3).
            if (auto removed = messages.remove(row.id); errorOf(removed) != nullptr) {
                return *errorOf(removed);
            }
            // An op held for it (M1 §5.2) would otherwise outlive it, with an edit's text.
            dropHeld->bindValue(0, row.conversation.value);
            dropHeld->bindValue(1, row.clientMessageId);
            if (!dropHeld->exec()) {
                return StoreContext::queryError(*dropHeld);
            }
            result.removed.push_back({known->second, row.id, row.direction, row.clientMessageId});
        }
        // An op that arrived after its target expired waits for a target that will never come:
        // it goes once it is as old as the conversation's timer (M1 §6.3).
        CachedQuery dropStale = context.prepared(QStringLiteral(
            "DELETE FROM pending_message_ops WHERE received_at <= ? - 1000 * (SELECT "
            "timer_seconds FROM conversations c WHERE c.id = conversation_id AND "
            "timer_seconds > 0)"));
        if (!dropStale.isPrepared()) {
            return StoreContext::queryError(*dropStale);
        }
        dropStale->bindValue(0, now);
        if (!dropStale->exec()) {
            return StoreContext::queryError(*dropStale);
        }
        const bool droppedHeld = dropStale->numRowsAffected() > 0;
        auto next = messages.nextExpiry();
        if (const auto *error = errorOf(next)) {
            return *error;
        }
        result.nextExpiry = std::get<qint64>(next);
        result.checkpointed = droppedHeld; // "something to checkpoint"; set for real below
        return result;
    });
    auto *result = std::get_if<SweepResult>(&swept);
    if (result == nullptr) {
        return swept;
    }
    if (!result->removed.empty() || result->checkpointed) {
        auto checkpointed = checkpointWal(context);
        if (const auto *error = errorOf(checkpointed)) {
            return *error;
        }
        result->checkpointed = std::get<bool>(checkpointed);
    }
    return swept;
}

StoreResult<bool> checkpointWal(StoreContext &context)
{
    if (context.transactionDepth() != 0) {
        return false; // inside a transaction a checkpoint cannot run; the caller's caller will
    }
    QSqlQuery query(context.database());
    if (!query.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"))) {
        return StoreContext::queryError(query);
    }
    // One row: busy (1 if it could not finish), WAL frames, frames checkpointed.
    const bool complete = query.next() && query.value(0).toInt() == 0;
    query.finish();
    return complete;
}

} // namespace parley::core
