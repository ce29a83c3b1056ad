// Light, dark or follow the system (issue 14, "Settings"), on a private D-Bus session bus
// (run-with-session-bus.sh) with a fake XDG desktop portal: the app reads the portal's
// color-scheme at start, follows its SettingChanged signal, paints itself accordingly, and the
// settings dialog's choice overrides the system and is kept in ui.ini.

#include "app/colorschemeportal.h"
#include "app/settingsdialog.h"
#include "app/theme.h"
#include "core/viewmodels/appearanceviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"

#include <QApplication>
#include <QComboBox>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusVariant>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace parley;
using Appearance = core::AppearanceViewModel;

namespace {

const QString kService = QStringLiteral("org.freedesktop.portal.Desktop");
const QString kPath = QStringLiteral("/org/freedesktop/portal/desktop");

bool paintsDark()
{
    return QApplication::palette().color(QPalette::Window).lightness() < 128 &&
           QApplication::palette().color(QPalette::WindowText).lightness() > 128;
}

} // namespace

// The portal's Settings interface as xdg-desktop-portal 1.x serves it: Read answers the
// value wrapped in one more variant.
class FakePortal : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.portal.Settings")

public:
    uint scheme = 0;
    int reads = 0;

public slots:
    QDBusVariant Read(const QString &group, const QString &key)
    {
        ++reads;
        if (group != u"org.freedesktop.appearance" || key != u"color-scheme") {
            return QDBusVariant(QVariant());
        }
        return QDBusVariant(QVariant::fromValue(QDBusVariant(scheme)));
    }
};

class TestTheme : public QObject
{
    Q_OBJECT

private slots:
    void followsThePortalAndTheChoice();
};

void TestTheme::followsThePortalAndTheChoice()
{
    QVERIFY2(QDBusConnection::sessionBus().isConnected(),
             "no session bus: run this test through tests/app/run-with-session-bus.sh");
    QDBusConnection portalBus =
        QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("fake-portal"));
    FakePortal portal;
    portal.scheme = 1; // the desktop prefers dark
    QVERIFY(portalBus.registerObject(kPath, &portal, QDBusConnection::ExportAllSlots));
    QVERIFY(portalBus.registerService(kService));
    const auto announce = [&](uint scheme) {
        portal.scheme = scheme;
        QDBusMessage signal =
            QDBusMessage::createSignal(kPath, QStringLiteral("org.freedesktop.portal.Settings"),
                                       QStringLiteral("SettingChanged"));
        signal << QStringLiteral("org.freedesktop.appearance") << QStringLiteral("color-scheme")
               << QVariant::fromValue(QDBusVariant(scheme));
        QVERIFY(portalBus.send(signal));
    };

    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("ui.ini"));
    QVERIFY(!paintsDark()); // the offscreen platform's own palette is light

    // Follow the system (the default): dark from the portal's first answer.
    Appearance appearance(ini);
    QCOMPARE(appearance.theme(), Appearance::Theme::System);
    QObject::connect(&appearance, &Appearance::darkChanged, &app::applyTheme);
    app::ColorSchemePortal reader(&appearance);
    QTRY_COMPARE(appearance.systemScheme(), Appearance::SystemScheme::Dark);
    QCOMPARE(portal.reads, 1);
    QVERIFY(appearance.isDark());
    QVERIFY(paintsDark());

    // The desktop switches to light, then says it has no preference, then dark again.
    announce(2);
    QTRY_COMPARE(appearance.systemScheme(), Appearance::SystemScheme::Light);
    QVERIFY(!paintsDark());
    announce(0);
    QTRY_COMPARE(appearance.systemScheme(), Appearance::SystemScheme::NoPreference);
    QVERIFY(!paintsDark());
    announce(1);
    QTRY_VERIFY(paintsDark());

    // The settings dialog: "Light" overrides the dark desktop and is kept in ui.ini.
    core::SettingsViewModel settings(nullptr, nullptr);
    app::SettingsDialog dialog(&settings, &appearance);
    auto *theme = dialog.findChild<QComboBox *>(QStringLiteral("theme"));
    QVERIFY(theme != nullptr);
    QCOMPARE(theme->currentData().toInt(), int(Appearance::Theme::System));
    theme->setCurrentIndex(theme->findData(int(Appearance::Theme::Light)));
    QCOMPARE(appearance.theme(), Appearance::Theme::Light);
    QVERIFY(!paintsDark());
    QCOMPARE(QSettings(ini, QSettings::IniFormat).value(QStringLiteral("appearance/theme")),
             QVariant(QStringLiteral("light")));
    announce(1); // the desktop's preference no longer matters
    QTRY_COMPARE(appearance.systemScheme(), Appearance::SystemScheme::Dark);
    QVERIFY(!paintsDark());

    // A second start reads the choice back; "Dark" then wins over a light desktop.
    Appearance again(ini);
    QCOMPARE(again.theme(), Appearance::Theme::Light);
    again.setTheme(Appearance::Theme::Dark);
    QVERIFY(again.isDark());
    QCOMPARE(Appearance(ini).theme(), Appearance::Theme::Dark);
    QCOMPARE(theme->currentData().toInt(), int(Appearance::Theme::Light)); // another object
}

QTEST_MAIN(TestTheme)
#include "tst_theme.moc"
