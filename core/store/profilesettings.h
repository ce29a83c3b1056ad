#pragma once

#include "core/store/storeerror.h"

#include <QString>

namespace parley::core {

// profile.ini: the profile's few non-secret settings, readable while the profile is locked.
//
//   [profile] id          random UUID naming this profile (the OS keychain entry's key), so a
//                         moved or renamed profile directory keeps its keychain entry
//   [keychain] remembered true once the profile key was stored in the OS keychain. A locked
//                         keyring answers "no such entry", so without this flag a locked
//                         keyring would look like "never remembered".
//   [session] autoLockMinutes  idle minutes before the profile locks itself (ProfileSession);
//                         0 or absent = never. Clamped to 0 … kMaxAutoLockMinutes.
//   [notifications] enabled   desktop notifications for incoming messages; absent = true
//   [notifications] showText  the notification shows the message text (else "New message");
//                         absent = true
//   [conversations] disappearingSeconds  the disappearing-messages timer SessionManager sets
//                         on a conversation it starts (our first send, an accepted request;
//                         protocol M1 §6.1); 0 or absent = off. Kept only when it is a valid
//                         timer (kMinTimerSeconds … kMaxTimerSeconds), else read as off.
//
// Nothing here is trusted for security: a key read from the keychain is always confirmed
// against the vault's key check (openVaultWithProfileKey).
class ProfileSettings
{
public:
    static constexpr const char *kFileName = "profile.ini";
    static constexpr int kMaxAutoLockMinutes = 24 * 60;

    // NoProfile when the file does not exist or names no id.
    static StoreResult<ProfileSettings> load(const QString &profileDirectory);
    // Writes a new file with a fresh id; DatabaseFailed if it cannot be written.
    static StoreResult<ProfileSettings> create(const QString &profileDirectory);

    const QString &profileId() const { return m_profileId; }
    bool isKeyRemembered() const { return m_keyRemembered; }
    StoreStatus setKeyRemembered(bool remembered);
    int autoLockMinutes() const { return m_autoLockMinutes; }
    StoreStatus setAutoLockMinutes(int minutes);
    bool notificationsEnabled() const { return m_notificationsEnabled; }
    StoreStatus setNotificationsEnabled(bool enabled);
    bool notificationShowsText() const { return m_notificationShowsText; }
    StoreStatus setNotificationShowsText(bool show);
    quint32 defaultTimerSeconds() const { return m_defaultTimerSeconds; }
    // 0 (off) or a valid timer (MessageContent::isValidTimer); anything else is stored as 0.
    StoreStatus setDefaultTimerSeconds(quint32 seconds);

private:
    ProfileSettings(QString path, QString profileId, bool keyRemembered, int autoLockMinutes = 0);

    QString m_path;
    QString m_profileId;
    bool m_keyRemembered = false;
    int m_autoLockMinutes = 0;
    bool m_notificationsEnabled = true;
    bool m_notificationShowsText = true;
    quint32 m_defaultTimerSeconds = 0;
};

} // namespace parley::core
