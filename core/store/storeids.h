#pragma once

#include <QtGlobal>

#include <compare>

namespace parley::core {

// Row ids of different tables are different types, so a ContactId cannot be passed where a
// MessageId is expected. Every id is an explicit INTEGER PRIMARY KEY assigned by the store
// (never reused, unchanged by VACUUM) and is part of the associated data of the row's
// encrypted columns (docs/protocol.md C7 §2). 0 means "none".
template<typename Tag>
struct StoreId
{
    qint64 value = 0;

    bool isValid() const { return value > 0; }
    auto operator<=>(const StoreId &) const = default;
};

using ContactId = StoreId<struct ContactTag>;
using ConversationId = StoreId<struct ConversationTag>;
using MessageId = StoreId<struct MessageTag>;
using SessionId = StoreId<struct SessionTag>;
using PreKeyRowId = StoreId<struct PreKeyTag>;
using OutboxId = StoreId<struct OutboxTag>;

} // namespace parley::core
