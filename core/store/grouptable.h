#pragma once

#include "core/session/groupchange.h"
#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>
#include <QString>

#include <optional>
#include <vector>

namespace parley::core {

class StoreContext;

using GroupRowId = StoreId<struct GroupTag>;

// The groups we know of and their signed membership changes (tables groups, group_members,
// group_member_devices, group_changes; schema v10; protocol M1 §9). The resolved state is
// kept in plain rows so that "is this device a member" is one lookup; the changes are kept so
// that the state can be resolved again from all of them when a concurrent change arrives.
// Names and changes are encrypted at rest (C7 §2); addresses, keys and ids are not (as in
// contacts).
class GroupTable
{
public:
    static constexpr const char *kGroups = "groups";
    static constexpr const char *kChanges = "group_changes";
    // A group keeps at most this many changes (a member cannot fill our disk with them).
    static constexpr int kMaxChangesPerGroup = 4096;

    explicit GroupTable(StoreContext &context)
        : m_context(context)
    {}

    // The row of `groupId`, made (epoch 0) if there is none.
    StoreResult<GroupRowId> ensure(const QByteArray &groupId, qint64 now);
    StoreResult<std::optional<GroupRowId>> find(const QByteArray &groupId);
    // Stores a change under `group` unless its digest is there already: true if it was new.
    // StoreError LimitReached-like DatabaseFailed beyond kMaxChangesPerGroup.
    StoreResult<bool> addChange(GroupRowId group, const GroupChange &change, qint64 now);
    // How many changes `group` holds (what kMaxChangesPerGroup bounds).
    StoreResult<qint64> changeCount(GroupRowId group);
    // Deletes the changes of `group` with these digests (what storeGroupChange evicts when the
    // group is full: changes that are on no valid chain).
    StoreStatus removeChanges(GroupRowId group, const std::vector<QByteArray> &digests);
    // Every change of `group` as it was stored (encoded bytes), oldest first. A change that
    // no longer opens at rest is skipped.
    StoreResult<std::vector<QByteArray>> changes(GroupRowId group);
    // The stored changes of the group `groupId` as changes() gives them; none for a group
    // that is not here.
    StoreResult<std::vector<QByteArray>> changesOf(const QByteArray &groupId);
    // Replaces the resolved state of `group` (name, epoch, head, members with their devices).
    StoreStatus saveState(GroupRowId group, const GroupState &state, qint64 now);
    // The resolved state of `group`: nullopt while no valid create is known (epoch 0).
    StoreResult<std::optional<GroupState>> state(GroupRowId group);
    // Every group with a resolved state, by group id.
    StoreResult<std::vector<GroupState>> list();
    // Deletes the group with its members and changes (after we left or were removed and the
    // user deleted it).
    StoreStatus remove(GroupRowId group);

private:
    StoreContext &m_context;
};

} // namespace parley::core
