#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

namespace parley::core {

class StoreContext;

// 1:1 conversations, one per contact (table conversations). Runs on the database thread only.
class ConversationTable
{
public:
    static constexpr const char *kTable = "conversations";

    explicit ConversationTable(StoreContext &context)
        : m_context(context)
    {}

    // The conversation with `contact`, created (at `now`, ms) if there is none yet.
    StoreResult<ConversationId> forContact(ContactId contact, qint64 now);
    // The contact of a 1:1 conversation; NotFound if there is no such conversation.
    StoreResult<ContactId> contactOf(ConversationId conversation);

private:
    StoreContext &m_context;
};

} // namespace parley::core
