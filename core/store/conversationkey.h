#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace parley::core {

// How a conversation is named outside the store (signals, view models, parley-cli): a 1:1
// conversation by its contact's account address (user@relay), a group conversation (schema
// v14) by "group:" followed by the group id's 32 lower-case hex digits. An account address
// always holds an '@' and a key never does (usernames are ASCII letters, digits
// and . _ -), so the two never collide.
inline constexpr QLatin1String kGroupKeyPrefix("group:");

inline QString groupConversationKey(const QByteArray &groupId)
{
    return kGroupKeyPrefix + QString::fromLatin1(groupId.toHex());
}

// The group id a key names (16 bytes), or nullopt for anything else (an address).
inline std::optional<QByteArray> groupIdOfKey(const QString &key)
{
    if (!key.startsWith(kGroupKeyPrefix) || key.size() != kGroupKeyPrefix.size() + 32) {
        return std::nullopt;
    }
    const QString hex = key.mid(kGroupKeyPrefix.size());
    for (const QChar c : hex) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f'))) {
            return std::nullopt;
        }
    }
    return QByteArray::fromHex(hex.toLatin1());
}

inline bool isGroupKey(const QString &key)
{
    return groupIdOfKey(key).has_value();
}

} // namespace parley::core
