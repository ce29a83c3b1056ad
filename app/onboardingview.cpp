#include "app/onboardingview.h"

#include "core/viewmodels/onboardingviewmodel.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace parley::app {

namespace {

QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setWeight(QFont::DemiBold);
    label->setFont(font);
    return label;
}

QLineEdit *field(const QString &objectName, const QString &accessibleName, QWidget *parent,
                 bool secret = false)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(objectName);
    edit->setAccessibleName(accessibleName);
    if (secret) {
        edit->setEchoMode(QLineEdit::Password);
    }
    return edit;
}

} // namespace

OnboardingView::OnboardingView(core::OnboardingViewModel *viewModel, QWidget *parent)
    : QWidget(parent)
    , m_viewModel(viewModel)
    , m_pages(new QStackedWidget(this))
    , m_error(new QLabel(this))
    , m_progress(new QLabel(this))
{
    setObjectName(QStringLiteral("onboardingView"));
    m_pages->addWidget(makeCreatePage());
    m_pages->addWidget(makeUnlockPage());
    m_pages->addWidget(makeRestorePage());

    m_error->setObjectName(QStringLiteral("onboardingError"));
    m_error->setAccessibleName(tr("Problem"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette errorPalette = m_error->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xcf, 0x22, 0x2e));
    m_error->setPalette(errorPalette);
    m_progress->setObjectName(QStringLiteral("onboardingProgress"));
    m_progress->setAccessibleName(tr("Progress"));
    m_progress->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->addStretch(1);
    layout->addWidget(m_pages);
    layout->addWidget(m_error);
    layout->addWidget(m_progress);
    layout->addStretch(2);
    layout->setContentsMargins(48, 24, 48, 24);

    connect(viewModel, &core::OnboardingViewModel::changed, this, &OnboardingView::refresh);
    connect(viewModel, &core::OnboardingViewModel::passphraseHintChanged, this, [this] {
        m_strength->setText(m_viewModel->passphraseHint());
        m_restoreStrength->setText(m_viewModel->passphraseHint());
    });
    refresh();
}

QWidget *OnboardingView::makeCreatePage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(heading(tr("Create your Parley profile"), page));
    auto *intro = new QLabel(tr("Your username is how people find you on the relay. The "
                                "passphrase protects your keys and messages on this computer; "
                                "nobody can recover it for you."),
                             page);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_username = field(QStringLiteral("username"), tr("Username"), page);
    m_username->setPlaceholderText(tr("e.g. alice"));
    m_relayUrl = field(QStringLiteral("relayUrl"), tr("Relay address"), page);
    m_relayUrl->setText(m_viewModel->defaultRelayUrl().toString());
    m_passphrase = field(QStringLiteral("passphrase"), tr("Passphrase"), page, true);
    m_confirmation =
        field(QStringLiteral("passphraseConfirmation"), tr("Passphrase again"), page, true);
    m_strength = new QLabel(page);
    m_strength->setObjectName(QStringLiteral("passphraseStrength"));
    m_strength->setAccessibleName(tr("Passphrase strength"));
    m_strength->setWordWrap(true);
    m_rememberNew = new QCheckBox(tr("&Remember on this computer"), page);
    m_rememberNew->setObjectName(QStringLiteral("rememberNew"));
    m_rememberNew->setToolTip(tr("Keep the key in this computer's keychain, so Parley opens "
                                 "without asking for the passphrase."));
    form->addRow(tr("&Username:"), m_username);
    form->addRow(tr("R&elay:"), m_relayUrl);
    form->addRow(tr("&Passphrase:"), m_passphrase);
    form->addRow(QString(), m_strength);
    form->addRow(tr("&Again:"), m_confirmation);
    form->addRow(QString(), m_rememberNew);
    layout->addLayout(form);

    m_create = new QPushButton(tr("&Create profile"), page);
    m_create->setObjectName(QStringLiteral("createProfile"));
    m_create->setAccessibleName(tr("Create profile"));
    m_create->setDefault(true);
    m_showRestore = new QPushButton(tr("Restore from a &backup…"), page);
    m_showRestore->setObjectName(QStringLiteral("showRestore"));
    m_showRestore->setAccessibleName(tr("Restore from a backup"));
    m_showRestore->setToolTip(tr("Use a backup exported from Parley's settings on another "
                                 "computer."));
    m_showRestore->setFlat(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_showRestore);
    buttons->addStretch(1);
    buttons->addWidget(m_create);
    layout->addLayout(buttons);
    connect(m_showRestore, &QPushButton::clicked, this, [this] {
        m_error->clear();
        m_error->setVisible(false);
        m_viewModel->setPassphraseDraft(m_restorePassphrase->text());
        m_pages->setCurrentIndex(2);
        m_backupFile->setFocus();
    });

    connect(m_passphrase, &QLineEdit::textChanged, m_viewModel,
            &core::OnboardingViewModel::setPassphraseDraft);
    connect(m_create, &QPushButton::clicked, this, &OnboardingView::submitCreate);
    connect(m_confirmation, &QLineEdit::returnPressed, this, &OnboardingView::submitCreate);
    setTabOrder(m_username, m_relayUrl);
    setTabOrder(m_relayUrl, m_passphrase);
    setTabOrder(m_passphrase, m_confirmation);
    setTabOrder(m_confirmation, m_rememberNew);
    setTabOrder(m_rememberNew, m_create);
    setTabOrder(m_create, m_showRestore);
    return page;
}

QWidget *OnboardingView::makeRestorePage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(heading(tr("Restore from a backup"), page));
    auto *intro = new QLabel(tr("Choose the backup you exported in Parley's settings and type "
                                "the passphrase you gave it. This computer becomes a new device "
                                "of your account; the computer the backup came from is signed "
                                "out."),
                             page);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_backupFile = field(QStringLiteral("restoreBackupFile"), tr("Backup file"), page);
    m_chooseBackup = new QPushButton(tr("C&hoose…"), page);
    m_chooseBackup->setObjectName(QStringLiteral("chooseRestoreBackup"));
    m_chooseBackup->setAccessibleName(tr("Choose the backup file"));
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_backupFile, 1);
    fileRow->addWidget(m_chooseBackup);
    m_backupPassphrase =
        field(QStringLiteral("restoreBackupPassphrase"), tr("The backup's passphrase"), page, true);
    m_restorePassphrase = field(QStringLiteral("restorePassphrase"),
                                tr("New passphrase for this computer"), page, true);
    m_restoreConfirmation = field(QStringLiteral("restorePassphraseConfirmation"),
                                  tr("New passphrase again"), page, true);
    m_restoreStrength = new QLabel(page);
    m_restoreStrength->setObjectName(QStringLiteral("restorePassphraseStrength"));
    m_restoreStrength->setAccessibleName(tr("Passphrase strength"));
    m_restoreStrength->setWordWrap(true);
    m_restoreRelayUrl = field(QStringLiteral("restoreRelayUrl"), tr("Relay address"), page);
    m_restoreRelayUrl->setText(m_viewModel->defaultRelayUrl().toString());
    form->addRow(tr("Backup &file:"), fileRow);
    form->addRow(tr("Backup pass&phrase:"), m_backupPassphrase);
    form->addRow(tr("&New passphrase:"), m_restorePassphrase);
    form->addRow(QString(), m_restoreStrength);
    form->addRow(tr("&Again:"), m_restoreConfirmation);
    form->addRow(tr("R&elay:"), m_restoreRelayUrl);
    m_rememberRestored = new QCheckBox(tr("Re&member on this computer"), page);
    m_rememberRestored->setObjectName(QStringLiteral("rememberRestored"));
    m_rememberRestored->setToolTip(m_rememberNew->toolTip());
    form->addRow(QString(), m_rememberRestored);
    layout->addLayout(form);

    m_restore = new QPushButton(tr("&Restore"), page);
    m_restore->setObjectName(QStringLiteral("restoreBackup"));
    m_restore->setAccessibleName(tr("Restore the backup"));
    m_backToCreate = new QPushButton(tr("&Back"), page);
    m_backToCreate->setObjectName(QStringLiteral("backToCreate"));
    m_backToCreate->setAccessibleName(tr("Back to creating a profile"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_backToCreate);
    buttons->addStretch(1);
    buttons->addWidget(m_restore);
    layout->addLayout(buttons);

    connect(m_chooseBackup, &QPushButton::clicked, this, &OnboardingView::chooseBackup);
    connect(m_restorePassphrase, &QLineEdit::textChanged, m_viewModel,
            &core::OnboardingViewModel::setPassphraseDraft);
    connect(m_restore, &QPushButton::clicked, this, &OnboardingView::submitRestore);
    connect(m_restoreRelayUrl, &QLineEdit::returnPressed, this, &OnboardingView::submitRestore);
    connect(m_backToCreate, &QPushButton::clicked, this, [this] {
        m_error->clear();
        m_error->setVisible(false);
        m_viewModel->setPassphraseDraft(m_passphrase->text());
        m_pages->setCurrentIndex(0);
        m_username->setFocus();
    });
    setTabOrder(m_backupFile, m_chooseBackup);
    setTabOrder(m_chooseBackup, m_backupPassphrase);
    setTabOrder(m_backupPassphrase, m_restorePassphrase);
    setTabOrder(m_restorePassphrase, m_restoreConfirmation);
    setTabOrder(m_restoreConfirmation, m_restoreRelayUrl);
    setTabOrder(m_restoreRelayUrl, m_rememberRestored);
    setTabOrder(m_rememberRestored, m_restore);
    setTabOrder(m_restore, m_backToCreate);
    return page;
}

void OnboardingView::chooseBackup()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Choose the backup"),
        m_backupFile->text().isEmpty()
            ? QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)
            : m_backupFile->text(),
        tr("Parley backups (*.parley);;All files (*)"));
    if (!path.isEmpty()) {
        m_backupFile->setText(QDir::toNativeSeparators(path));
    }
}

void OnboardingView::submitRestore()
{
    const QString mismatch = m_viewModel->confirmationProblem(m_restorePassphrase->text(),
                                                              m_restoreConfirmation->text());
    if (!mismatch.isEmpty()) {
        m_error->setText(mismatch);
        m_error->setVisible(true);
        m_restoreConfirmation->setFocus();
        return;
    }
    m_viewModel->restoreFromBackup(QDir::fromNativeSeparators(m_backupFile->text().trimmed()),
                                   m_backupPassphrase->text(), m_restorePassphrase->text(),
                                   m_restoreRelayUrl->text(), m_rememberRestored->isChecked());
}

QWidget *OnboardingView::makeUnlockPage()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(heading(tr("Unlock Parley"), page));
    auto *form = new QFormLayout;
    m_unlockPassphrase = field(QStringLiteral("unlockPassphrase"), tr("Passphrase"), page, true);
    m_rememberUnlock = new QCheckBox(tr("&Remember on this computer"), page);
    m_rememberUnlock->setObjectName(QStringLiteral("rememberUnlock"));
    form->addRow(tr("&Passphrase:"), m_unlockPassphrase);
    form->addRow(QString(), m_rememberUnlock);
    layout->addLayout(form);
    m_unlock = new QPushButton(tr("&Unlock"), page);
    m_unlock->setObjectName(QStringLiteral("unlock"));
    m_unlock->setAccessibleName(tr("Unlock"));
    m_unlock->setDefault(true);
    layout->addWidget(m_unlock, 0, Qt::AlignRight);
    connect(m_unlock, &QPushButton::clicked, this, &OnboardingView::submitUnlock);
    connect(m_unlockPassphrase, &QLineEdit::returnPressed, this, &OnboardingView::submitUnlock);
    return page;
}

void OnboardingView::submitCreate()
{
    const QString mismatch =
        m_viewModel->confirmationProblem(m_passphrase->text(), m_confirmation->text());
    if (!mismatch.isEmpty()) {
        m_error->setText(mismatch);
        m_error->setVisible(true);
        m_confirmation->setFocus();
        return;
    }
    m_viewModel->createProfile(m_username->text(), m_relayUrl->text(), m_passphrase->text(),
                               m_rememberNew->isChecked());
}

void OnboardingView::submitUnlock()
{
    m_viewModel->unlock(m_unlockPassphrase->text(), m_rememberUnlock->isChecked());
}

void OnboardingView::refresh()
{
    using State = core::OnboardingViewModel::State;
    const State state = m_viewModel->state();
    const bool busy = state == State::Working;
    if (state == State::NoProfile) {
        if (m_pages->currentIndex() == 1) {
            m_pages->setCurrentIndex(0); // the restore page stays while it is in use
        }
    } else if (state == State::Locked) {
        m_pages->setCurrentIndex(1);
    }
    m_pages->setEnabled(!busy && state != State::Failed);
    if (!m_relayUrl->isModified()) {
        m_relayUrl->setText(m_viewModel->defaultRelayUrl().toString());
    }
    if (!m_restoreRelayUrl->isModified()) {
        m_restoreRelayUrl->setText(m_viewModel->defaultRelayUrl().toString());
    }
    const QString notice = m_viewModel->noticeText();
    m_error->setText(m_viewModel->errorText());
    m_error->setVisible(!m_error->text().isEmpty());
    m_progress->setText(busy ? m_viewModel->progressText() : notice);
    m_progress->setVisible(!m_progress->text().isEmpty());
    setCursor(busy ? Qt::BusyCursor : Qt::ArrowCursor);
    if (state == State::Locked && !busy) {
        m_unlockPassphrase->clear();
        m_unlockPassphrase->setFocus();
    } else if (state == State::NoProfile && m_pages->currentIndex() == 0 &&
               !m_username->hasFocus() && !busy) {
        m_username->setFocus();
    }
}

} // namespace parley::app
