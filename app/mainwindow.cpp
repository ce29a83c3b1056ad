#include "app/mainwindow.h"

#include "app/colorschemeportal.h"
#include "app/desktopnotifier.h"
#include "app/messagingview.h"
#include "app/onboardingview.h"
#include "app/theme.h"
#include "app/trayiconimage.h"
#include "core/clientcore.h"
#include "core/viewmodels/appearanceviewmodel.h"
#include "core/viewmodels/autolock.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/notificationviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"

#include <QApplication>
#include <QEvent>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace parley::app {

namespace {

QPixmap statusDot(const QColor &color)
{
    const qreal ratio = 2.0;
    QPixmap pixmap(QSize(12, 12) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(color);
    painter.drawEllipse(QRectF(1, 1, 10, 10));
    return pixmap;
}

QColor colorFor(core::ConnectionStatus::State state)
{
    using State = core::ConnectionStatus::State;
    switch (state) {
    case State::Connected:
        return QColor(0x2e, 0xa0, 0x43);
    case State::Connecting:
    case State::Negotiating:
    case State::Authenticating:
    case State::Authenticated:
    case State::Waiting:
        return QColor(0xd2, 0x99, 0x22);
    case State::Disconnected:
    case State::Refused:
        break;
    }
    return QColor(0xcf, 0x22, 0x2e);
}

} // namespace

MainWindow::MainWindow(core::ClientCore *core, core::ConnectionViewModel *connection,
                       core::OnboardingViewModel *onboarding, const QString &profileName,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_core(core)
    , m_connection(connection)
    , m_onboarding(onboarding)
    , m_pages(new QStackedWidget(this))
    , m_signedIn(new QLabel(this))
    , m_statusDot(new QLabel(this))
    , m_statusLabel(new QLabel(this))
    , m_autoLock(new core::AutoLock(onboarding, this))
    , m_profileName(profileName)
    , m_notifier(new DesktopNotifier(this))
    , m_appearance(new core::AppearanceViewModel(uiSettingsPath(), this))
{
    new ColorSchemePortal(m_appearance, this);
    connect(m_appearance, &core::AppearanceViewModel::darkChanged, this, &applyTheme);
    applyTheme(m_appearance->isDark());
    // Qt appends the application display name ("— Parley") itself.
    setWindowTitle(profileName);
    setObjectName(QStringLiteral("MainWindow"));

    m_pages->addWidget(new OnboardingView(onboarding, m_pages));
    setCentralWidget(m_pages);

    m_statusDot->setObjectName(QStringLiteral("connectionDot"));
    m_statusLabel->setObjectName(QStringLiteral("connectionStatus"));
    m_statusLabel->setAccessibleName(tr("Connection status"));
    m_signedIn->setObjectName(QStringLiteral("signedIn"));
    m_signedIn->setAccessibleName(tr("Account"));
    m_signedIn->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_statusDot);
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_signedIn);
    statusBar()->setAccessibleName(tr("Status"));

    connect(m_notifier, &DesktopNotifier::activated, this, [this](const QString &conversation) {
        if (m_notifications != nullptr) {
            m_notifications->open(conversation); // selects it, then raiseRequested
        } else {
            bringToFront(); // locked: the unlock form
        }
    });
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        createTray();
    }

    bindConnection();
    bindOnboarding();
    qApp->installEventFilter(this);
    resize(900, 600);
}

MainWindow::~MainWindow()
{
    qApp->removeEventFilter(this);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
    case QEvent::TabletPress:
        m_autoLock->reportActivity();
        break;
    default:
        break;
    }
    return QMainWindow::eventFilter(watched, event);
}

QString MainWindow::signedInText() const
{
    return m_messaging != nullptr ? m_signedIn->text() : QString();
}

QString MainWindow::uiSettingsPath() const
{
    return m_onboarding->profileDirectory() + QStringLiteral("/ui.ini");
}

void MainWindow::bindOnboarding()
{
    const auto refresh = [this] {
        const bool ready = m_onboarding->state() == core::OnboardingViewModel::State::Ready;
        m_signedIn->setText(ready ? m_onboarding->signedInText() : QString());
        if (ready && m_messaging == nullptr && m_onboarding->store()) {
            showMessaging();
        } else if (!ready && m_messaging != nullptr) {
            dropMessaging(); // locked
        }
    };
    connect(m_onboarding, &core::OnboardingViewModel::changed, this, refresh);
    refresh();
}

void MainWindow::showMessaging()
{
    m_messaging =
        new MessagingView(m_onboarding->store(), m_core->sessionManager(), m_appearance, m_pages);
    connect(m_messaging, &MessagingView::linkHovered, this, [this](const QString &target) {
        if (target.isEmpty()) {
            statusBar()->clearMessage();
        } else {
            statusBar()->showMessage(tr("Link to %1").arg(target));
        }
    });
    m_pages->addWidget(m_messaging);
    m_pages->setCurrentWidget(m_messaging);
    const QSettings ui(uiSettingsPath(), QSettings::IniFormat);
    const QByteArray geometry = ui.value(QStringLiteral("window/geometry")).toByteArray();
    if (!geometry.isEmpty()) {
        restoreGeometry(geometry);
    }
    const QByteArray splitter = ui.value(QStringLiteral("window/splitter")).toByteArray();
    if (!splitter.isEmpty()) {
        m_messaging->restoreState(splitter);
    }
    // The auto-lock follows the setting as soon as it changes (changed() also reports other
    // properties: only a new number of minutes counts).
    core::SettingsViewModel *settings = m_messaging->settings();
    connect(settings, &core::SettingsViewModel::changed, m_autoLock,
            [this, settings, minutes = settings->autoLockMinutes()]() mutable {
                if (settings->autoLockMinutes() != minutes) {
                    minutes = settings->autoLockMinutes();
                    m_autoLock->setMinutes(minutes);
                }
            });

    m_notifications =
        new core::NotificationViewModel(m_messaging->conversations(), settings,
                                        m_core->sessionManager(), m_profileName, m_messaging);
    m_notifications->setWindowActive(isActiveWindow());
    const auto showUnread = [this] {
        setWindowTitle(m_notifications->windowTitle());
        if (m_tray != nullptr) {
            m_tray->setToolTip(m_notifications->trayToolTip());
            m_tray->setIcon(trayIconImage(m_notifications->unreadCount()));
        }
    };
    connect(m_notifications, &core::NotificationViewModel::unreadCountChanged, this, showUnread);
    showUnread();
    connect(m_notifications, &core::NotificationViewModel::notificationRequested, m_notifier,
            &DesktopNotifier::show);
    connect(m_notifications, &core::NotificationViewModel::raiseRequested, this,
            &MainWindow::bringToFront);

    if (!m_lastConversation.isEmpty()) {
        m_messaging->conversations()->select(m_lastConversation);
        m_lastConversation.clear();
    }
}

void MainWindow::dropMessaging()
{
    // Everything built on the store goes: view models, their models and their caches of
    // decrypted messages, and any dialog open over them.
    m_lastConversation = m_messaging->conversations()->selectedAddress();
    saveUiState();
    // It is deleted later, with m_messaging; until then a store reply still in flight can make
    // it signal, and nothing here may listen to it any more.
    if (m_notifications != nullptr) {
        m_notifications->disconnect();
    }
    m_notifications = nullptr;
    m_notifier->closeAll(); // no message text stays on screen while locked
    setWindowTitle(m_profileName);
    if (m_tray != nullptr) {
        m_tray->setToolTip(core::NotificationViewModel::lockedToolTip());
        m_tray->setIcon(trayIconImage(0)); // no count is shown while locked
    }
    m_pages->setCurrentIndex(0);
    m_pages->removeWidget(m_messaging);
    m_messaging->hide();
    m_messaging->deleteLater();
    m_messaging = nullptr;
    statusBar()->clearMessage();
}

void MainWindow::saveUiState()
{
    if (m_messaging == nullptr) {
        return;
    }
    QSettings ui(uiSettingsPath(), QSettings::IniFormat);
    ui.setValue(QStringLiteral("window/geometry"), saveGeometry());
    ui.setValue(QStringLiteral("window/splitter"), m_messaging->saveState());
    ui.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveUiState();
    QMainWindow::closeEvent(event);
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::ActivationChange && m_notifications != nullptr) {
        m_notifications->setWindowActive(isActiveWindow());
    }
    QMainWindow::changeEvent(event);
}

void MainWindow::createTray()
{
    m_tray = new QSystemTrayIcon(trayIconImage(0), this);
    m_tray->setToolTip(QStringLiteral("Parley"));
    auto *menu = new QMenu(this);
    QAction *showHide = menu->addAction(tr("Show/Hide"));
    showHide->setObjectName(QStringLiteral("trayShowHide"));
    connect(showHide, &QAction::triggered, this, &MainWindow::toggleVisible);
    menu->addSeparator();
    QAction *quit = menu->addAction(tr("Quit"));
    quit->setObjectName(QStringLiteral("trayQuit"));
    connect(quit, &QAction::triggered, this, [this] {
        saveUiState();
        QApplication::quit();
    });
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason != QSystemTrayIcon::Trigger) {
                    return;
                }
                // Unread messages: a click opens the newest such conversation, like a click
                // on its notification; else it shows or hides the window.
                if (m_notifications == nullptr || !m_notifications->openLatestUnread()) {
                    toggleVisible();
                }
            });
    m_tray->show();
}

void MainWindow::toggleVisible()
{
    if (isVisible() && !isMinimized()) {
        hide();
    } else {
        bringToFront();
    }
}

void MainWindow::bringToFront()
{
    if (isMinimized()) {
        showNormal();
    } else {
        show();
    }
    raise();
    activateWindow();
}

QString MainWindow::statusText() const
{
    return m_statusLabel->text();
}

void MainWindow::bindConnection()
{
    const auto refresh = [this] {
        const QString text = m_connection->statusText();
        m_statusLabel->setText(text);
        m_statusLabel->setToolTip(m_connection->detail());
        m_statusDot->setPixmap(statusDot(colorFor(m_connection->state())));
        m_statusDot->setAccessibleName(text);
    };
    connect(m_connection, &core::ConnectionViewModel::changed, this, refresh);
    refresh();
}

} // namespace parley::app
