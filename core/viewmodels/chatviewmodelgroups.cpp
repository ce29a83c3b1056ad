// ChatViewModel's parts for group conversations (protocol M1 §9, §10; schema v14): the
// group's name and membership, and who wrote a row that a reply or reaction names.

#include "core/models/messagelistmodel.h"
#include "core/session/grouppipeline.h"
#include "core/store/identitytable.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/chatviewmodel.h"

namespace parley::core {

QString ChatViewModel::groupAuthorOf(qint64 messageId) const
{
    // M1 §10: a member's row by its author's address; ours (outgoing) by none, which the core
    // resolves to our own message with that id.
    const int row = isGroup() ? m_messages->rowOf(messageId) : -1;
    if (row < 0) {
        return {};
    }
    return m_messages->index(row).data(MessageListModel::AuthorRole).toString();
}

void ChatViewModel::loadGroup()
{
    m_guard.deliver(
        m_store->run([groupId = m_groupId](StoreContext &context) -> StoreResult<GroupInfo> {
            auto state = parley::core::loadGroup(context, groupId);
            if (const auto *error = std::get_if<StoreError>(&state)) {
                return *error;
            }
            GroupInfo info;
            const auto &found = std::get<std::optional<GroupState>>(state);
            if (!found) {
                return info;
            }
            auto identity = IdentityTable(context).load();
            if (const auto *error = std::get_if<StoreError>(&identity)) {
                return *error;
            }
            info.name = found->name.trimmed();
            info.member = found->member(std::get<OwnIdentityRecord>(identity).address) != nullptr;
            return info;
        }),
        [this](const StoreResult<GroupInfo> &found) {
            if (const auto *info = std::get_if<GroupInfo>(&found)) {
                m_name = info->name;
                m_groupMember = info->member;
                emit contactChanged();
            }
        });
}

} // namespace parley::core
