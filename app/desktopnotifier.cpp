#include "app/desktopnotifier.h"

#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLoggingCategory>
#include <QVariantMap>

namespace parley::app {

namespace {

Q_LOGGING_CATEGORY(lcNotify, "parley.app.notify")

// Desktop Notifications Specification 1.2.
const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");
const QString kInterface = QStringLiteral("org.freedesktop.Notifications");
const QString kDefaultAction = QStringLiteral("default");

} // namespace

DesktopNotifier::DesktopNotifier(QObject *parent, const QDBusConnection &bus)
    : QObject(parent)
    , m_bus(bus)
{
    if (!m_bus.isConnected()) {
        qCDebug(lcNotify) << "no session bus: desktop notifications are off";
        return;
    }
    m_bus.connect(kService, kPath, kInterface, QStringLiteral("ActionInvoked"), this,
                  SLOT(onActionInvoked(uint, QString)));
    m_bus.connect(kService, kPath, kInterface, QStringLiteral("NotificationClosed"), this,
                  SLOT(onClosed(uint, uint)));
    auto *watcher = new QDBusPendingCallWatcher(
        m_bus.asyncCall(QDBusMessage::createMethodCall(kService, kPath, kInterface,
                                                       QStringLiteral("GetCapabilities"))),
        this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher] {
        const QDBusPendingReply<QStringList> reply = *watcher;
        if (!reply.isError()) {
            m_escapeMarkup = reply.value().contains(QStringLiteral("body-markup"));
        }
        watcher->deleteLater();
    });
}

DesktopNotifier::~DesktopNotifier() = default;

void DesktopNotifier::show(const QString &key, const QString &summary, const QString &body)
{
    if (!m_bus.isConnected()) {
        return;
    }
    QDBusMessage call =
        QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("Notify"));
    QVariantMap hints;
    hints.insert(QStringLiteral("category"), QStringLiteral("im.received"));
    call << QStringLiteral("Parley") << uint(m_ids.value(key, 0)) << QString() << summary
         << (m_escapeMarkup ? body.toHtmlEscaped() : body)
         << QStringList{kDefaultAction, tr("Open")} << hints << int(-1);
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher, key] {
        const QDBusPendingReply<uint> reply = *watcher;
        watcher->deleteLater();
        if (reply.isError()) {
            qCDebug(lcNotify) << "Notify failed:" << reply.error().name();
            return;
        }
        const uint id = reply.value();
        m_keys.insert(id, key);
        m_ids.insert(key, id);
        emit shown(key, id);
    });
}

void DesktopNotifier::closeAll()
{
    for (auto it = m_keys.cbegin(); it != m_keys.cend(); ++it) {
        m_bus.asyncCall(QDBusMessage::createMethodCall(kService, kPath, kInterface,
                                                       QStringLiteral("CloseNotification"))
                        << it.key());
    }
    m_keys.clear();
    m_ids.clear();
}

void DesktopNotifier::onActionInvoked(uint id, const QString &action)
{
    const auto it = m_keys.constFind(id);
    if (it == m_keys.cend() || action != kDefaultAction) {
        return; // another application's notification, or an action we did not offer
    }
    emit activated(it.value());
}

void DesktopNotifier::onClosed(uint id, uint /*reason*/)
{
    const QString key = m_keys.take(id);
    if (!key.isEmpty() && m_ids.value(key) == id) {
        m_ids.remove(key);
    }
}

} // namespace parley::app
