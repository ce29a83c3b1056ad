#include "core/session/groupevent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace parley::core {

namespace {

QStringList addressesOf(const std::optional<GroupState> &state, bool adminsOnly)
{
    QStringList addresses;
    if (state) {
        for (const GroupMember &member : state->members) {
            if (!adminsOnly || member.admin) {
                addresses << member.address;
            }
        }
    }
    return addresses;
}

QStringList minus(const QStringList &from, const QStringList &without)
{
    QStringList rest;
    for (const QString &address : from) {
        if (!without.contains(address)) {
            rest << address;
        }
    }
    return rest;
}

QJsonArray arrayOf(const QStringList &addresses)
{
    return QJsonArray::fromStringList(addresses);
}

// At most a group's members, each a non-empty string: anything else is no event.
std::optional<QStringList> listOf(const QJsonValue &value)
{
    if (value.isUndefined()) {
        return QStringList();
    }
    const QJsonArray array = value.toArray();
    if (!value.isArray() || array.size() > kMaxGroupMembers) {
        return std::nullopt;
    }
    QStringList addresses;
    for (const QJsonValue &item : array) {
        if (!item.isString() || item.toString().isEmpty()) {
            return std::nullopt;
        }
        addresses << item.toString();
    }
    return addresses;
}

// Without the bidirectional controls (LRM, RLM, embeddings, overrides, isolates).
QString withoutBidiControls(QString text)
{
    text.removeIf([](QChar c) {
        const char16_t u = c.unicode();
        return u == 0x200E || u == 0x200F || (u >= 0x202A && u <= 0x202E) ||
               (u >= 0x2066 && u <= 0x2069);
    });
    return text;
}

} // namespace

std::optional<GroupEvent> GroupEvent::between(const std::optional<GroupState> &before,
                                              const GroupState &after, const GroupChange &change,
                                              const QString &self)
{
    const bool wasMember = before && before->member(self) != nullptr;
    if (!wasMember && after.member(self) == nullptr) {
        return std::nullopt; // a state of the chain before we joined, or after we left
    }
    GroupEvent event;
    const bool oneStep = change.digest() == after.head &&
                         (change.op == GroupOp::Create ? !before || before->epoch == 0
                                                       : before && before->head == change.parent);
    if (oneStep) {
        event.by = change.signer;
    }
    if (!before || before->epoch == 0) {
        if (oneStep) { // the create itself: who made it, and its name
            event.created = true;
            event.name = after.name;
            return event;
        }
        event.added = {self}; // a chain that reached us all at once
        return event;
    }
    const QStringList members = addressesOf(before, false);
    const QStringList membersAfter = addressesOf(after, false);
    event.added = minus(membersAfter, members);
    event.removed = minus(members, membersAfter);
    event.left = oneStep && change.op == GroupOp::Leave;
    event.admins = minus(addressesOf(after, true), addressesOf(before, true));
    event.unadmins =
        minus(minus(addressesOf(before, true), addressesOf(after, true)), event.removed);
    if (before->name != after.name) {
        event.name = after.name;
    }
    if (event.added.isEmpty() && event.removed.isEmpty() && event.admins.isEmpty() &&
        event.unadmins.isEmpty() && event.name.isEmpty()) {
        return std::nullopt; // e.g. a member's new devices: nothing to show
    }
    return event;
}

QByteArray GroupEvent::toJson() const
{
    QJsonObject object;
    if (!by.isEmpty()) {
        object.insert(QStringLiteral("by"), by);
    }
    if (created) {
        object.insert(QStringLiteral("created"), true);
    }
    if (left) {
        object.insert(QStringLiteral("left"), true);
    }
    if (!added.isEmpty()) {
        object.insert(QStringLiteral("added"), arrayOf(added));
    }
    if (!removed.isEmpty()) {
        object.insert(QStringLiteral("removed"), arrayOf(removed));
    }
    if (!admins.isEmpty()) {
        object.insert(QStringLiteral("admins"), arrayOf(admins));
    }
    if (!unadmins.isEmpty()) {
        object.insert(QStringLiteral("unadmins"), arrayOf(unadmins));
    }
    if (!name.isNull()) {
        object.insert(QStringLiteral("name"), name);
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::optional<GroupEvent> GroupEvent::fromJson(const QByteArray &json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject()) {
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    GroupEvent event;
    event.by = object.value(QStringLiteral("by")).toString();
    event.created = object.value(QStringLiteral("created")).toBool();
    event.left = object.value(QStringLiteral("left")).toBool();
    const auto added = listOf(object.value(QStringLiteral("added")));
    const auto removed = listOf(object.value(QStringLiteral("removed")));
    const auto admins = listOf(object.value(QStringLiteral("admins")));
    const auto unadmins = listOf(object.value(QStringLiteral("unadmins")));
    if (!added || !removed || !admins || !unadmins) {
        return std::nullopt;
    }
    event.added = *added;
    event.removed = *removed;
    event.admins = *admins;
    event.unadmins = *unadmins;
    if (const QJsonValue name = object.value(QStringLiteral("name")); name.isString()) {
        event.name = name.toString().left(kMaxGroupNameBytes);
    }
    return event;
}

QString GroupEvent::describe(const QString &self,
                             const std::function<QString(const QString &address)> &nameOf) const
{
    // At most kNamedMembers names, "you" first, then "and 7 more": a row stays a few lines.
    const auto objects = [&](const QStringList &addresses) {
        QStringList names;
        if (addresses.contains(self)) {
            names << tr("you");
        }
        const qsizetype shown =
            addresses.size() > kNamedMembers ? kNamedMembers - 1 : addresses.size();
        for (const QString &address : addresses) {
            if (address != self && names.size() < shown) {
                names << withoutBidiControls(nameOf(address));
            }
        }
        if (const qsizetype rest = addresses.size() - names.size(); rest > 0) {
            names << tr("%n more", nullptr, int(rest));
        }
        return QLocale().createSeparatedList(names);
    };
    // Our own changes have sentences of their own: "You" takes another verb form in German.
    const bool mine = !by.isEmpty() && by == self;
    const QString actor = by.isEmpty() || mine ? QString() : withoutBidiControls(nameOf(by));
    const QString name = withoutBidiControls(this->name);
    QStringList sentences;
    if (created) {
        return mine              ? tr("You created the group “%1”.").arg(name)
               : actor.isEmpty() ? tr("The group “%1” was created.").arg(name)
                                 : tr("%1 created the group “%2”.").arg(actor, name);
    }
    if (!added.isEmpty()) {
        sentences << (mine               ? tr("You added %1.").arg(objects(added))
                      : !actor.isEmpty() ? tr("%1 added %2.").arg(actor, objects(added))
                      : added == QStringList{self}
                          ? tr("You joined the group.")
                          : tr("Now in the group: %1.").arg(objects(added)));
    }
    if (!removed.isEmpty()) {
        sentences << (left && mine       ? tr("You left the group.")
                      : left             ? tr("%1 left the group.").arg(actor)
                      : mine             ? tr("You removed %1.").arg(objects(removed))
                      : !actor.isEmpty() ? tr("%1 removed %2.").arg(actor, objects(removed))
                                         : tr("No longer in the group: %1.").arg(objects(removed)));
    }
    if (!admins.isEmpty()) {
        sentences << (mine               ? tr("You made %1 an admin.").arg(objects(admins))
                      : !actor.isEmpty() ? tr("%1 made %2 an admin.").arg(actor, objects(admins))
                                         : tr("Now an admin: %1.").arg(objects(admins)));
    }
    if (!unadmins.isEmpty()) {
        sentences << tr("No longer an admin: %1.").arg(objects(unadmins));
    }
    if (!name.isEmpty()) {
        sentences << (mine               ? tr("You renamed the group to “%1”.").arg(name)
                      : !actor.isEmpty() ? tr("%1 renamed the group to “%2”.").arg(actor, name)
                                         : tr("The group is now called “%1”.").arg(name));
    }
    return sentences.join(u' ');
}

} // namespace parley::core
