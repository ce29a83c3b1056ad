#include "core/store/profilesettings.h"

#include "core/session/messagecontent.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QUuid>

#include <algorithm>

namespace parley::core {

namespace {

const QString kIdKey = QStringLiteral("profile/id");
const QString kRememberedKey = QStringLiteral("keychain/remembered");
const QString kAutoLockKey = QStringLiteral("session/autoLockMinutes");
const QString kNotificationsKey = QStringLiteral("notifications/enabled");
const QString kShowTextKey = QStringLiteral("notifications/showText");
const QString kDefaultTimerKey = QStringLiteral("conversations/disappearingSeconds");

quint32 validTimer(quint32 seconds)
{
    return MessageContent::isValidTimer(seconds) ? seconds : 0;
}

QString settingsPath(const QString &profileDirectory)
{
    return QDir(profileDirectory).filePath(QString::fromLatin1(ProfileSettings::kFileName));
}

StoreStatus sync(QSettings &settings)
{
    settings.sync();
    if (settings.status() != QSettings::NoError) {
        return StoreError{StoreError::Code::DatabaseFailed,
                          QStringLiteral("cannot write %1").arg(settings.fileName())};
    }
    return Done{};
}

} // namespace

ProfileSettings::ProfileSettings(QString path, QString profileId, bool keyRemembered,
                                 int autoLockMinutes)
    : m_path(std::move(path))
    , m_profileId(std::move(profileId))
    , m_keyRemembered(keyRemembered)
    , m_autoLockMinutes(std::clamp(autoLockMinutes, 0, kMaxAutoLockMinutes))
{}

StoreResult<ProfileSettings> ProfileSettings::load(const QString &profileDirectory)
{
    const QString path = settingsPath(profileDirectory);
    if (!QFileInfo::exists(path)) {
        return StoreError{StoreError::Code::NoProfile, path};
    }
    QSettings settings(path, QSettings::IniFormat);
    const QString id = settings.value(kIdKey).toString();
    if (settings.status() != QSettings::NoError || QUuid::fromString(id).isNull()) {
        return StoreError{StoreError::Code::NoProfile,
                          QStringLiteral("%1 names no profile id").arg(path)};
    }
    ProfileSettings loaded(path, id, settings.value(kRememberedKey, false).toBool(),
                           settings.value(kAutoLockKey, 0).toInt());
    loaded.m_notificationsEnabled = settings.value(kNotificationsKey, true).toBool();
    loaded.m_notificationShowsText = settings.value(kShowTextKey, true).toBool();
    loaded.m_defaultTimerSeconds = validTimer(settings.value(kDefaultTimerKey, 0).toUInt());
    return loaded;
}

StoreResult<ProfileSettings> ProfileSettings::create(const QString &profileDirectory)
{
    const QString path = settingsPath(profileDirectory);
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSettings settings(path, QSettings::IniFormat);
    settings.clear();
    settings.setValue(kIdKey, id);
    if (auto status = sync(settings); std::holds_alternative<StoreError>(status)) {
        return std::get<StoreError>(status);
    }
    return ProfileSettings(path, id, false);
}

StoreStatus ProfileSettings::setKeyRemembered(bool remembered)
{
    QSettings settings(m_path, QSettings::IniFormat);
    if (remembered) {
        settings.setValue(kRememberedKey, true);
    } else {
        settings.remove(kRememberedKey);
    }
    auto status = sync(settings);
    if (std::holds_alternative<Done>(status)) {
        m_keyRemembered = remembered;
    }
    return status;
}

StoreStatus ProfileSettings::setAutoLockMinutes(int minutes)
{
    minutes = std::clamp(minutes, 0, kMaxAutoLockMinutes);
    QSettings settings(m_path, QSettings::IniFormat);
    if (minutes > 0) {
        settings.setValue(kAutoLockKey, minutes);
    } else {
        settings.remove(kAutoLockKey);
    }
    auto status = sync(settings);
    if (std::holds_alternative<Done>(status)) {
        m_autoLockMinutes = minutes;
    }
    return status;
}

StoreStatus ProfileSettings::setNotificationsEnabled(bool enabled)
{
    QSettings settings(m_path, QSettings::IniFormat);
    settings.setValue(kNotificationsKey, enabled);
    auto status = sync(settings);
    if (std::holds_alternative<Done>(status)) {
        m_notificationsEnabled = enabled;
    }
    return status;
}

StoreStatus ProfileSettings::setNotificationShowsText(bool show)
{
    QSettings settings(m_path, QSettings::IniFormat);
    settings.setValue(kShowTextKey, show);
    auto status = sync(settings);
    if (std::holds_alternative<Done>(status)) {
        m_notificationShowsText = show;
    }
    return status;
}

StoreStatus ProfileSettings::setDefaultTimerSeconds(quint32 seconds)
{
    seconds = validTimer(seconds);
    QSettings settings(m_path, QSettings::IniFormat);
    if (seconds > 0) {
        settings.setValue(kDefaultTimerKey, seconds);
    } else {
        settings.remove(kDefaultTimerKey);
    }
    auto status = sync(settings);
    if (std::holds_alternative<Done>(status)) {
        m_defaultTimerSeconds = seconds;
    }
    return status;
}

} // namespace parley::core
