#include "app/mainwindow.h"

#include "app/onboardingview.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"

#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

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

MainWindow::MainWindow(core::ConnectionViewModel *connection, core::OnboardingViewModel *onboarding,
                       const QString &profileName, QWidget *parent)
    : QMainWindow(parent)
    , m_connection(connection)
    , m_onboarding(onboarding)
    , m_pages(new QStackedWidget(this))
    , m_signedIn(new QLabel(this))
    , m_statusDot(new QLabel(this))
    , m_statusLabel(new QLabel(this))
    , m_headline(new QLabel(this))
    , m_detail(new QLabel(this))
{
    // Qt appends the application display name ("— Parley") itself.
    setWindowTitle(profileName);
    setObjectName(QStringLiteral("MainWindow"));

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->addStretch(2);
    auto *title = new QLabel(tr("Parley"), central);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 2.4);
    titleFont.setWeight(QFont::DemiBold);
    title->setFont(titleFont);
    title->setAlignment(Qt::AlignCenter);
    layout->addWidget(title);

    QFont signedInFont = m_signedIn->font();
    signedInFont.setPointSizeF(signedInFont.pointSizeF() * 1.4);
    m_signedIn->setFont(signedInFont);
    m_signedIn->setAlignment(Qt::AlignCenter);
    m_signedIn->setObjectName(QStringLiteral("signedIn"));
    m_signedIn->setAccessibleName(tr("Account"));
    m_signedIn->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_signedIn);

    QFont headlineFont = m_headline->font();
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.25);
    m_headline->setFont(headlineFont);
    m_headline->setAlignment(Qt::AlignCenter);
    m_headline->setWordWrap(true);
    m_headline->setObjectName(QStringLiteral("connectionHeadline"));
    m_headline->setAccessibleName(tr("Connection status"));
    layout->addWidget(m_headline);

    m_detail->setAlignment(Qt::AlignCenter);
    m_detail->setWordWrap(true);
    m_detail->setForegroundRole(QPalette::PlaceholderText);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail->setObjectName(QStringLiteral("connectionDetail"));
    layout->addWidget(m_detail);
    layout->addStretch(3);
    m_pages->addWidget(new OnboardingView(onboarding, m_pages));
    m_pages->addWidget(central);
    setCentralWidget(m_pages);

    m_statusLabel->setObjectName(QStringLiteral("connectionStatus"));
    statusBar()->addWidget(m_statusDot);
    statusBar()->addWidget(m_statusLabel, 1);

    bindConnection();
    bindOnboarding();
    resize(720, 520);
}

QString MainWindow::signedInText() const
{
    return m_pages->currentIndex() == 1 ? m_signedIn->text() : QString();
}

void MainWindow::bindOnboarding()
{
    const auto refresh = [this] {
        const bool ready = m_onboarding->state() == core::OnboardingViewModel::State::Ready;
        m_signedIn->setText(m_onboarding->signedInText());
        m_pages->setCurrentIndex(ready ? 1 : 0);
    };
    connect(m_onboarding, &core::OnboardingViewModel::changed, this, refresh);
    refresh();
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
        m_headline->setText(text);
        m_detail->setText(m_connection->detail());
    };
    connect(m_connection, &core::ConnectionViewModel::changed, this, refresh);
    refresh();
}

} // namespace parley::app
