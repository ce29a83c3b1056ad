#pragma once

// What a group's membership change did, as a row of its conversation ("Alice added Bob."):
// the difference between the resolved states before and after (M1 §9.5), kept as a system row
// of the group's conversation (schema v16, messages.group_event). Local only: never sent.

#include "core/session/groupchange.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QStringList>

#include <functional>
#include <optional>

namespace parley::core {

struct GroupEvent
{
    Q_DECLARE_TR_FUNCTIONS(GroupEvent)

public:
    // Who made it: the signer when `after` is one change on top of `before`; empty when the
    // resolution moved further at once (a fork switched, pending changes resolved together).
    QString by;
    bool created = false; // `after` is the create
    bool left = false;    // the one change is a leave: `removed` left by themselves
    QStringList added;    // account addresses, sorted
    QStringList removed;
    QStringList admins;   // who became an admin
    QStringList unadmins; // members who are no admins any more (only when a fork switched)
    QString name;         // the group's new name, when it changed (a create's name too)

    // The event between two resolved states; nullopt when nothing a member sees changed.
    // `change`: the change that made `after`. Describes only states `self` is a member of.
    static std::optional<GroupEvent> between(const std::optional<GroupState> &before,
                                             const GroupState &after, const GroupChange &change,
                                             const QString &self);

    QByteArray toJson() const;
    // Nullopt for bytes that are no event (a damaged row): shown as nothing, never trusted.
    static std::optional<GroupEvent> fromJson(const QByteArray &json);

    // A sentence names at most this many people: "Alice added you, Bob, Carol, Dave and 7 more."
    static constexpr qsizetype kNamedMembers = 5;

    // One or more sentences: "Alice added you and Bob. Alice made Bob an admin." `nameOf`
    // names an address other than `self`, which is "You" or "you" (named first). Names and the
    // group's name lose their bidirectional controls, so that none can reorder the sentence
    // around it.
    QString describe(const QString &self,
                     const std::function<QString(const QString &address)> &nameOf) const;
};

} // namespace parley::core
