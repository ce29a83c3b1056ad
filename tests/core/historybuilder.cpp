#include "historybuilder.h"

#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/storecontext.h"

#include <QtEndian>

namespace parley::core::test {

StoreResult<ConversationId> writeHistory(StoreContext &context, const QString &contactAddress,
                                         int count, int firstNumber, int batchSize)
{
    auto conversation = context.transaction([&]() -> StoreResult<ConversationId> {
        ContactTable contacts(context);
        ContactId contact;
        if (auto found = contacts.findByAddress(contactAddress);
            std::holds_alternative<ContactRecord>(found)) {
            contact = std::get<ContactRecord>(found).id;
        } else {
            ContactRecord record;
            record.address = contactAddress;
            record.displayName = contactAddress.section(u'@', 0, 0);
            auto put = contacts.put(record);
            if (const auto *error = std::get_if<StoreError>(&put)) {
                return *error;
            }
            contact = std::get<ContactId>(put);
        }
        return ConversationTable(context).forContact(contact, 0);
    });
    if (std::holds_alternative<StoreError>(conversation)) {
        return conversation;
    }
    const ConversationId id = std::get<ConversationId>(conversation);

    std::vector<MessageRecord> batch;
    batch.reserve(std::size_t(batchSize));
    for (int written = 0; written < count;) {
        batch.clear();
        for (int i = 0; i < batchSize && written < count; ++i) {
            const int n = firstNumber + written++;
            MessageRecord message;
            message.conversation = id;
            message.direction =
                n % 2 ? MessageRecord::Direction::Incoming : MessageRecord::Direction::Outgoing;
            message.clientMessageId = QByteArray(16, '\0');
            qToBigEndian<quint32>(quint32(n), message.clientMessageId.data() + 12);
            message.sentAt = qint64(n) * 1000;
            message.storedAt = message.sentAt;
            message.state = n % 2 ? MessageRecord::State::Received : MessageRecord::State::Read;
            message.body = QStringLiteral("message %1").arg(n);
            batch.push_back(std::move(message));
        }
        auto appended = context.transaction(
            [&]() -> StoreResult<MessageId> { return MessageTable(context).appendBatch(batch); });
        if (const auto *error = std::get_if<StoreError>(&appended)) {
            return *error;
        }
    }
    return id;
}

} // namespace parley::core::test
