#include "app/aboutdialog.h"

#include "protocol/version.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace parley::app {

namespace {

constexpr char kHomepage[] = "https://github.com/parley-im/parley";

} // namespace

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
    , m_version(new QLabel(this))
    , m_qt(new QLabel(this))
{
    setWindowTitle(tr("About Parley"));
    auto *layout = new QVBoxLayout(this);
    auto *header = new QHBoxLayout;
    auto *icon = new QLabel(this);
    // The window icon comes from the icon theme (the installed hicolor icon); without one
    // (a build tree) the header is the text alone.
    const QIcon windowIcon = QApplication::windowIcon();
    if (!windowIcon.isNull()) {
        icon->setPixmap(windowIcon.pixmap(64, 64));
    }
    header->addWidget(icon);
    m_version->setObjectName(QStringLiteral("aboutVersion"));
    m_version->setText(tr("Parley %1").arg(QString::fromLatin1(kVersion)));
    m_version->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_version->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    big.setBold(true);
    m_version->setFont(big);
    header->addWidget(m_version, 1);
    layout->addLayout(header);

    auto *summary = new QLabel(tr("End-to-end encrypted messaging. Your messages are encrypted "
                                  "on this computer and decrypted only on the devices of the "
                                  "people they are for."),
                               this);
    summary->setWordWrap(true);
    layout->addWidget(summary);

    m_qt->setObjectName(QStringLiteral("aboutQt"));
    // Built with one Qt, possibly running on a newer one from the system.
    m_qt->setText(tr("Qt %1 (built with %2)")
                      .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)));
    m_qt->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_qt);

    auto *link = new QLabel(this);
    link->setObjectName(QStringLiteral("aboutHomepage"));
    // A fixed, known address: the only link here, opened by the desktop's browser.
    link->setText(QStringLiteral("<a href=\"%1\">%1</a>").arg(QString::fromLatin1(kHomepage)));
    link->setTextFormat(Qt::RichText);
    link->setOpenExternalLinks(true);
    layout->addWidget(link);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Close)->setAccessibleName(tr("Close"));
    connect(buttons, &QDialogButtonBox::rejected, this, &AboutDialog::reject);
    layout->addWidget(buttons);
}

QString AboutDialog::versionLine() const
{
    return m_version->text();
}

QString AboutDialog::qtLine() const
{
    return m_qt->text();
}

} // namespace parley::app
