#include "app/colorschemeportal.h"

#include "core/viewmodels/appearanceviewmodel.h"

#include <QDBusError>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>

namespace parley::app {

namespace {

const QString kService = QStringLiteral("org.freedesktop.portal.Desktop");
const QString kPath = QStringLiteral("/org/freedesktop/portal/desktop");
const QString kInterface = QStringLiteral("org.freedesktop.portal.Settings");
const QString kGroup = QStringLiteral("org.freedesktop.appearance");
const QString kKey = QStringLiteral("color-scheme");

// Read() answers a variant holding the value's variant (the portal's Settings version 1);
// unwrap every level.
QVariant unwrapped(QVariant value)
{
    for (int depth = 0; depth < 4 && value.canConvert<QDBusVariant>() &&
                        value.metaType() == QMetaType::fromType<QDBusVariant>();
         ++depth) {
        value = value.value<QDBusVariant>().variant();
    }
    return value;
}

} // namespace

ColorSchemePortal::ColorSchemePortal(core::AppearanceViewModel *appearance, QObject *parent,
                                     const QDBusConnection &bus)
    : QObject(parent)
    , m_appearance(appearance)
    , m_bus(bus)
{
    if (!m_bus.isConnected()) {
        return;
    }
    if (!m_bus.connect(kService, kPath, kInterface, QStringLiteral("SettingChanged"), this,
                       SLOT(onSettingChanged(QDBusMessage)))) {
        qWarning("parley: cannot follow the desktop portal's colour scheme: %s",
                 qPrintable(m_bus.lastError().message()));
    }
    QDBusMessage read =
        QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("Read"));
    read << kGroup << kKey;
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(read, 5000), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this](QDBusPendingCallWatcher *call) {
                call->deleteLater();
                QDBusPendingReply<QDBusVariant> reply = *call;
                if (!reply.isError()) {
                    apply(reply.value().variant());
                }
            });
}

void ColorSchemePortal::onSettingChanged(const QDBusMessage &signal)
{
    // SettingChanged(s namespace, s key, v value)
    const QList<QVariant> arguments = signal.arguments();
    if (arguments.size() == 3 && arguments.at(0).toString() == kGroup &&
        arguments.at(1).toString() == kKey) {
        apply(arguments.at(2));
    }
}

void ColorSchemePortal::apply(const QVariant &value)
{
    bool ok = false;
    const uint scheme = unwrapped(value).toUInt(&ok);
    using Scheme = core::AppearanceViewModel::SystemScheme;
    m_appearance->setSystemScheme(!ok || scheme > 2 ? Scheme::NoPreference : Scheme(scheme));
}

} // namespace parley::app
