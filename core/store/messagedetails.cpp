#include "core/store/messagedetails.h"

#include "core/session/groupevent.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/groupreceipttable.h"
#include "core/store/identitytable.h"
#include "core/store/storecontext.h"

#include <QHash>
#include <QSqlQuery>

#include <algorithm>

namespace parley::core {

StoreResult<std::optional<QuotedMessage>>
findQuoted(StoreContext &context, ConversationId conversation, const QByteArray &quotedId,
           const QString &quotedAuthor, const QString &selfAddress)
{
    // A group reply since schema v15 names the quote's author (M1 §10): the message with
    // (author, id) — ours are the outgoing rows (then our other devices' incoming ones) when
    // the author is our address — and never another member's with the same id. Otherwise (1:1,
    // and group replies stored before v15): received messages first, then ours; among
    // received ones the first stored.
    const bool byAuthor = !quotedAuthor.isEmpty();
    CachedQuery cached = context.prepared(
        byAuthor ? QStringLiteral("SELECT id FROM messages WHERE conversation_id = ? AND "
                                  "client_message_id = ? AND ((direction = 0 AND author = ?) OR "
                                  "(direction = 1 AND ?)) ORDER BY direction DESC, id LIMIT 1")
                 : QStringLiteral("SELECT id FROM messages WHERE conversation_id = ? AND "
                                  "client_message_id = ? ORDER BY direction = ?, id LIMIT 1"));
    QSqlQuery &query = *cached;
    if (!cached.isPrepared()) {
        return StoreContext::queryError(query);
    }
    query.bindValue(0, conversation.value);
    query.bindValue(1, quotedId);
    if (byAuthor) {
        query.bindValue(2, quotedAuthor);
        query.bindValue(3, int(quotedAuthor == selfAddress));
    } else {
        query.bindValue(2, int(MessageRecord::Direction::Outgoing));
    }
    if (!query.exec()) {
        return StoreContext::queryError(query);
    }
    if (!query.next()) {
        return std::optional<QuotedMessage>();
    }
    const MessageId id{query.value(0).toLongLong()};
    query.finish();
    auto found = MessageTable(context).find(id);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    const auto &record = std::get<MessageRecord>(found);
    QuotedMessage quoted;
    quoted.id = record.id;
    quoted.direction = record.direction;
    quoted.deleted = record.deleted;
    quoted.author = record.author;
    if (const auto *text = std::get_if<QString>(&record.body)) {
        quoted.snippet = text->left(QuotedMessage::kSnippetChars);
    }
    return std::optional<QuotedMessage>(std::move(quoted));
}

StoreResult<std::vector<HistoryItem>> loadMessageDetails(StoreContext &context,
                                                         std::vector<MessageRecord> records)
{
    std::vector<HistoryItem> items;
    if (records.empty()) {
        return items;
    }
    items.reserve(records.size());
    // One query for the page's id range; rows of other conversations in it are left out.
    const auto [low, high] = std::minmax_element(
        records.begin(), records.end(),
        [](const MessageRecord &a, const MessageRecord &b) { return a.id < b.id; });
    auto found = ReactionTable(context).forMessages(low->id, high->id);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    QHash<qint64, std::vector<ReactionRecord>> byMessage;
    for (ReactionRecord &reaction : std::get<std::vector<ReactionRecord>>(found)) {
        byMessage[reaction.message.value].push_back(std::move(reaction));
    }
    auto files = AttachmentTable(context).forMessages(low->id, high->id);
    if (const auto *error = std::get_if<StoreError>(&files)) {
        return *error;
    }
    QHash<qint64, AttachmentSummary> attachments;
    for (const AttachmentRecord &file : std::get<std::vector<AttachmentRecord>>(files)) {
        attachments.insert(file.message.value, file.summary());
    }
    auto receipts = GroupReceiptTable(context).forMessages(low->id, high->id);
    if (const auto *error = std::get_if<StoreError>(&receipts)) {
        return *error;
    }
    const auto &receiptsOf = std::get<QHash<qint64, GroupReceiptTable::Members>>(receipts);
    // The authors of a group page's messages: one contact lookup each.
    ContactTable contacts(context);
    std::optional<QString> self; // our address, read for the first group reply (M1 §10)
    QHash<QString, std::optional<QString>> authorNames;
    for (MessageRecord &record : records) {
        HistoryItem item;
        if (!record.author.isEmpty()) {
            auto known = authorNames.constFind(record.author);
            if (known == authorNames.constEnd()) {
                std::optional<QString> name;
                auto contact = contacts.findByAddress(record.author);
                if (const auto *found = std::get_if<ContactRecord>(&contact)) {
                    name = found->displayName;
                } else if (const auto code = std::get<StoreError>(contact).code;
                           code != StoreError::Code::NotFound &&
                           code != StoreError::Code::Undecryptable) {
                    return std::get<StoreError>(contact);
                }
                known = authorNames.insert(record.author, name);
            }
            item.authorName = *known;
        }
        item.receipts = receiptsOf.value(record.id.value);
        if (!record.deleted) {
            item.reactions = byMessage.value(record.id.value);
            if (const auto file = attachments.constFind(record.id.value);
                file != attachments.constEnd()) {
                item.attachment = *file;
            }
        }
        if (!record.replyTo.isEmpty()) {
            if (!record.replyToAuthor.isEmpty() && !self) {
                auto address = IdentityTable(context).loadAddress();
                if (const auto *error = std::get_if<StoreError>(&address)) {
                    return *error;
                }
                self = std::get<QString>(std::move(address));
            }
            auto quoted = findQuoted(context, record.conversation, record.replyTo,
                                     record.replyToAuthor, self.value_or(QString()));
            if (const auto *error = std::get_if<StoreError>(&quoted)) {
                return *error;
            }
            item.quoted = std::move(std::get<std::optional<QuotedMessage>>(quoted));
        }
        if (record.isGroupEvent()) {
            auto text = describeGroupEvent(context, record);
            if (const auto *error = std::get_if<StoreError>(&text)) {
                return *error;
            }
            item.systemText = std::get<QString>(std::move(text));
        }
        item.record = std::move(record);
        items.push_back(std::move(item));
    }
    return items;
}

StoreResult<QString> describeGroupEvent(StoreContext &context, const MessageRecord &record)
{
    const auto event = GroupEvent::fromJson(record.groupEvent);
    if (!event) {
        return GroupEvent::tr("The group changed."); // a damaged row: shown, never trusted
    }
    auto self = IdentityTable(context).loadAddress();
    if (const auto *error = std::get_if<StoreError>(&self)) {
        return *error;
    }
    ContactTable contacts(context);
    std::optional<StoreError> failed;
    const QString text =
        event->describe(std::get<QString>(self), [&](const QString &address) -> QString {
            auto contact = contacts.findByAddress(address);
            if (const auto *found = std::get_if<ContactRecord>(&contact);
                found != nullptr && found->displayName && !found->displayName->isEmpty()) {
                return *found->displayName;
            }
            if (const auto *error = std::get_if<StoreError>(&contact);
                error != nullptr && error->code != StoreError::Code::NotFound &&
                error->code != StoreError::Code::Undecryptable) {
                failed = *error;
            }
            // A username on our relay; on another, the whole address, so that nobody there
            // can pass for a contact (or for "you") by choosing the same username.
            const QString relay = address.section(u'@', 1);
            return relay == std::get<QString>(self).section(u'@', 1) ? address.section(u'@', 0, 0)
                                                                     : address;
        });
    if (failed) {
        return *failed;
    }
    return text;
}

StoreResult<std::optional<std::vector<HistoryItem>>>
conversationHistory(StoreContext &context, const QString &address, int limit)
{
    using Result = std::optional<std::vector<HistoryItem>>;
    auto found = ConversationTable(context).findByAddress(address);
    if (const auto *error = std::get_if<StoreError>(&found)) {
        return *error;
    }
    const auto &conversation = std::get<std::optional<ConversationId>>(found);
    if (!conversation) {
        return Result();
    }
    // The newest `limit` rows, read again oldest first from the oldest of them (reversing a
    // vector of records trips GCC 12's -Wmaybe-uninitialized on std::variant at -O2).
    MessageTable messages(context);
    auto newest = messages.page(*conversation, {}, std::max(limit, 1));
    if (const auto *error = std::get_if<StoreError>(&newest)) {
        return *error;
    }
    const auto &page = std::get<std::vector<MessageRecord>>(newest);
    if (page.empty()) {
        return Result(std::vector<HistoryItem>());
    }
    auto oldestFirst =
        messages.pageAfter(*conversation, MessageId{page.back().id.value - 1}, int(page.size()));
    if (const auto *error = std::get_if<StoreError>(&oldestFirst)) {
        return *error;
    }
    auto records = std::get<std::vector<MessageRecord>>(std::move(oldestFirst));
    auto items = loadMessageDetails(context, std::move(records));
    if (const auto *error = std::get_if<StoreError>(&items)) {
        return *error;
    }
    auto &loaded = std::get<std::vector<HistoryItem>>(items);
    MessageVersionTable versions(context);
    for (HistoryItem &item : loaded) {
        if (!item.record.isEdited()) {
            continue;
        }
        auto found = versions.forMessage(item.record.id, item.record.clientMessageId);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        item.versions = std::move(std::get<std::vector<MessageVersion>>(found));
    }
    return Result(std::move(loaded));
}

} // namespace parley::core
