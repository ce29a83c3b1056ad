#pragma once

// An address's rank in a group state (M1 §9.3), shared by the checks of single changes
// (groupchange.cpp) and the fork choice (groupresolution.cpp).

#include "core/session/groupchange.h"

#include <QByteArray>

#include <limits>

namespace parley::core {

// Admins by the epoch at which they became one (the creator 0), then by account key; every
// other member after every admin. Smaller ranks higher.
struct Rank
{
    quint32 since = std::numeric_limits<quint32>::max();
    QByteArray key;

    bool operator<(const Rank &other) const
    {
        return since != other.since ? since < other.since : key < other.key;
    }
};

inline Rank rankOf(const GroupState &state, const QString &address)
{
    Rank rank;
    if (const GroupMember *member = state.member(address)) {
        rank.key = member->accountKey;
        // An admin whose start is unknown (a state from the store's summary) ranks as none.
        const auto since = state.adminSince.find(address);
        if (member->admin && since != state.adminSince.end()) {
            rank.since = since->second;
        }
    }
    return rank;
}

} // namespace parley::core
