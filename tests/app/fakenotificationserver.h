#pragma once

// A freedesktop notification server (Desktop Notifications Specification 1.2) that only
// records, for the app suites on a private session bus (run-with-session-bus.sh,
// run-with-tray-host.sh): register it on a second connection to that bus. Ids count from 1;
// a replacing call keeps the id it replaces, as the spec says.

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace parley::test {

class FakeNotificationServer : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")

public:
    struct Call
    {
        QString appName;
        uint replacesId = 0;
        QString summary;
        QString body;
        QStringList actions;
        QVariantMap hints;
        uint id = 0;
    };
    QList<Call> calls;
    QList<uint> closed;

public slots:
    QStringList GetCapabilities() { return {"actions", "body", "body-markup"}; }
    uint Notify(const QString &appName, uint replacesId, const QString & /*appIcon*/,
                const QString &summary, const QString &body, const QStringList &actions,
                const QVariantMap &hints, int /*expireTimeout*/)
    {
        const uint id = replacesId != 0 ? replacesId : ++m_lastId;
        calls.append({appName, replacesId, summary, body, actions, hints, id});
        return id;
    }
    void CloseNotification(uint id) { closed.append(id); }

private:
    uint m_lastId = 0;
};

} // namespace parley::test
