#include "app/settingsdialog.h"

#include "app/aboutdialog.h"
#include "core/session/timerduration.h"
#include "core/viewmodels/appearanceviewmodel.h"
#include "core/viewmodels/requestsviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <algorithm>

namespace parley::app {

namespace {

QLineEdit *passwordField(const QString &name, const QString &accessibleName, QWidget *parent)
{
    auto *field = new QLineEdit(parent);
    field->setObjectName(name);
    field->setAccessibleName(accessibleName);
    field->setEchoMode(QLineEdit::Password);
    return field;
}

} // namespace

SettingsDialog::SettingsDialog(core::SettingsViewModel *settings,
                               core::AppearanceViewModel *appearance,
                               core::RequestsViewModel *requests, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_current(passwordField(QStringLiteral("currentPassphrase"), tr("Current passphrase"), this))
    , m_replacement(passwordField(QStringLiteral("newPassphrase"), tr("New passphrase"), this))
    , m_confirmation(passwordField(QStringLiteral("newPassphraseConfirmation"),
                                   tr("Repeat the new passphrase"), this))
    , m_strength(new QLabel(this))
    , m_change(new QPushButton(tr("Change passphrase"), this))
    , m_remember(new QCheckBox(tr("Remember on this computer"), this))
    , m_autoLock(new QSpinBox(this))
    , m_notify(new QCheckBox(tr("Show notifications for new messages"), this))
    , m_showText(new QCheckBox(tr("Show message text in notifications"), this))
    , m_defaultTimer(new QComboBox(this))
    , m_message(new QLabel(this))
    , m_requests(requests)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    setAccessibleName(tr("Settings"));
    auto *layout = new QVBoxLayout(this);

    auto *passphrase = new QGroupBox(tr("Passphrase"), this);
    auto *form = new QFormLayout(passphrase);
    form->addRow(tr("Current:"), m_current);
    form->addRow(tr("New:"), m_replacement);
    form->addRow(tr("Repeat:"), m_confirmation);
    m_strength->setObjectName(QStringLiteral("settingsPassphraseStrength"));
    m_strength->setAccessibleName(tr("Passphrase strength"));
    form->addRow(QString(), m_strength);
    m_change->setObjectName(QStringLiteral("changePassphrase"));
    m_change->setAccessibleName(tr("Change passphrase"));
    form->addRow(QString(), m_change);
    layout->addWidget(passphrase);

    auto *device = new QGroupBox(tr("This computer"), this);
    auto *deviceForm = new QFormLayout(device);
    m_remember->setObjectName(QStringLiteral("rememberOnThisComputer"));
    m_remember->setAccessibleName(tr("Remember on this computer"));
    m_remember->setToolTip(tr("Keep the profile's key in the system keychain, so Parley opens "
                              "without asking for the passphrase."));
    deviceForm->addRow(m_remember);
    m_autoLock->setObjectName(QStringLiteral("autoLockMinutes"));
    m_autoLock->setAccessibleName(tr("Lock after idle minutes"));
    m_autoLock->setRange(0, 24 * 60);
    m_autoLock->setSpecialValueText(tr("Never"));
    m_autoLock->setSuffix(tr(" min"));
    deviceForm->addRow(tr("Lock when idle for:"), m_autoLock);
    layout->addWidget(device);

    auto *notifications = new QGroupBox(tr("Notifications"), this);
    auto *notificationsLayout = new QVBoxLayout(notifications);
    m_notify->setObjectName(QStringLiteral("notificationsEnabled"));
    m_notify->setAccessibleName(tr("Show notifications for new messages"));
    notificationsLayout->addWidget(m_notify);
    m_showText->setObjectName(QStringLiteral("showMessageText"));
    m_showText->setAccessibleName(tr("Show message text in notifications"));
    m_showText->setToolTip(tr("When off, a notification names the sender and says only "
                              "\"New message\"."));
    notificationsLayout->addWidget(m_showText);
    layout->addWidget(notifications);

    auto *conversations = new QGroupBox(tr("New conversations"), this);
    auto *conversationsForm = new QFormLayout(conversations);
    m_defaultTimer->setObjectName(QStringLiteral("defaultDisappearing"));
    m_defaultTimer->setAccessibleName(tr("Disappearing messages in new conversations"));
    m_defaultTimer->setToolTip(tr("The timer a conversation gets when you write to someone "
                                  "for the first time or accept a message request. Both sides "
                                  "are told, as when you set it in the conversation."));
    for (const int seconds : core::SettingsViewModel::timerChoices()) {
        m_defaultTimer->addItem(
            seconds == 0 ? tr("Off") : core::TimerDuration::describe(quint32(seconds)), seconds);
    }
    conversationsForm->addRow(tr("Disappearing messages:"), m_defaultTimer);
    layout->addWidget(conversations);

    makeBackupGroup(layout);

    if (appearance != nullptr) {
        using Theme = core::AppearanceViewModel::Theme;
        auto *look = new QGroupBox(tr("Appearance"), this);
        auto *lookForm = new QFormLayout(look);
        m_theme = new QComboBox(look);
        m_theme->setObjectName(QStringLiteral("theme"));
        m_theme->setAccessibleName(tr("Theme"));
        m_theme->addItem(tr("Follow the system"), int(Theme::System));
        m_theme->addItem(tr("Light"), int(Theme::Light));
        m_theme->addItem(tr("Dark"), int(Theme::Dark));
        m_theme->setCurrentIndex(m_theme->findData(int(appearance->theme())));
        lookForm->addRow(tr("Theme:"), m_theme);
        layout->addWidget(look);
        connect(m_theme, &QComboBox::currentIndexChanged, appearance, [this, appearance] {
            appearance->setTheme(Theme(m_theme->currentData().toInt()));
        });
        connect(appearance, &core::AppearanceViewModel::themeChanged, m_theme, [this, appearance] {
            const QSignalBlocker block(m_theme);
            m_theme->setCurrentIndex(m_theme->findData(int(appearance->theme())));
        });
    }

    if (requests != nullptr) {
        auto *blocked = new QGroupBox(tr("Blocked contacts"), this);
        auto *blockedLayout = new QHBoxLayout(blocked);
        m_blocked = new QListWidget(blocked);
        m_blocked->setObjectName(QStringLiteral("blockedContacts"));
        m_blocked->setAccessibleName(tr("Blocked contacts"));
        m_blocked->setMaximumHeight(m_blocked->fontMetrics().height() * 6);
        blockedLayout->addWidget(m_blocked, 1);
        m_unblock = new QPushButton(tr("Unblock"), blocked);
        m_unblock->setObjectName(QStringLiteral("unblockSelected"));
        m_unblock->setAccessibleName(tr("Unblock the selected contact"));
        blockedLayout->addWidget(m_unblock, 0, Qt::AlignTop);
        layout->addWidget(blocked);
        connect(requests, &core::RequestsViewModel::blockedChanged, this,
                &SettingsDialog::showBlocked);
        connect(m_blocked, &QListWidget::currentRowChanged, this,
                [this](int row) { m_unblock->setEnabled(row >= 0); });
        connect(m_unblock, &QPushButton::clicked, this, [this] {
            if (const QListWidgetItem *item = m_blocked->currentItem()) {
                m_requests->unblock(item->text());
            }
        });
        showBlocked();
    }

    m_message->setObjectName(QStringLiteral("settingsMessage"));
    m_message->setAccessibleName(tr("Settings status"));
    m_message->setWordWrap(true);
    layout->addWidget(m_message);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Close)->setAccessibleName(tr("Close"));
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    auto *about = buttons->addButton(tr("About Parley…"), QDialogButtonBox::HelpRole);
    about->setObjectName(QStringLiteral("aboutButton"));
    connect(about, &QPushButton::clicked, this, [this] {
        auto *dialog = new AboutDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    layout->addWidget(buttons);

    connect(m_replacement, &QLineEdit::textChanged, settings,
            &core::SettingsViewModel::setPassphraseDraft);
    connect(settings, &core::SettingsViewModel::passphraseHintChanged, this,
            [this] { m_strength->setText(m_settings->passphraseHint()); });
    connect(m_change, &QPushButton::clicked, this, [this] {
        m_settings->clearMessages();
        m_settings->changePassphrase(m_current->text(), m_replacement->text(),
                                     m_confirmation->text());
    });
    connect(settings, &core::SettingsViewModel::passphraseChanged, this, [this] {
        m_current->clear();
        m_replacement->clear();
        m_confirmation->clear();
    });
    connect(m_remember, &QCheckBox::toggled, settings,
            &core::SettingsViewModel::setRememberOnThisComputer);
    connect(m_autoLock, &QSpinBox::valueChanged, settings,
            &core::SettingsViewModel::setAutoLockMinutes);
    connect(m_notify, &QCheckBox::toggled, settings,
            &core::SettingsViewModel::setNotificationsEnabled);
    connect(m_showText, &QCheckBox::toggled, settings,
            &core::SettingsViewModel::setShowMessageText);
    connect(m_defaultTimer, &QComboBox::currentIndexChanged, this, [this] {
        m_settings->setDefaultDisappearingSeconds(m_defaultTimer->currentData().toInt());
    });
    connect(settings, &core::SettingsViewModel::changed, this, &SettingsDialog::showState);
    showState();
}

void SettingsDialog::makeBackupGroup(QLayout *layout)
{
    auto *backup = new QGroupBox(tr("Backup"), this);
    auto *form = new QFormLayout(backup);
    auto *intro = new QLabel(tr("Save your contacts and messages in an encrypted file, to "
                                "restore them on another computer (choose \"Restore from a "
                                "backup\" when Parley starts there). That computer becomes a "
                                "new device of your account and this one is signed out."),
                             backup);
    intro->setWordWrap(true);
    form->addRow(intro);
    m_backupFile = new QLineEdit(backup);
    m_backupFile->setObjectName(QStringLiteral("backupFile"));
    m_backupFile->setAccessibleName(tr("Backup file"));
    m_chooseBackupFile = new QPushButton(tr("Choose…"), backup);
    m_chooseBackupFile->setObjectName(QStringLiteral("chooseBackupFile"));
    m_chooseBackupFile->setAccessibleName(tr("Choose the backup file"));
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_backupFile, 1);
    fileRow->addWidget(m_chooseBackupFile);
    form->addRow(tr("File:"), fileRow);
    m_backupPassphrase =
        passwordField(QStringLiteral("backupPassphrase"), tr("Passphrase for the backup"), backup);
    m_backupConfirmation = passwordField(QStringLiteral("backupPassphraseConfirmation"),
                                         tr("Repeat the passphrase for the backup"), backup);
    form->addRow(tr("Passphrase:"), m_backupPassphrase);
    m_backupStrength = new QLabel(backup);
    m_backupStrength->setObjectName(QStringLiteral("backupPassphraseStrength"));
    m_backupStrength->setAccessibleName(tr("Backup passphrase strength"));
    m_backupStrength->setWordWrap(true);
    form->addRow(QString(), m_backupStrength);
    form->addRow(tr("Repeat:"), m_backupConfirmation);
    m_export = new QPushButton(tr("Export history"), backup);
    m_export->setObjectName(QStringLiteral("exportHistory"));
    m_export->setAccessibleName(tr("Export history"));
    m_exportBusy = new QProgressBar(backup);
    m_exportBusy->setObjectName(QStringLiteral("exportProgress"));
    m_exportBusy->setAccessibleName(tr("Export in progress"));
    // Busy until the archiver has counted the messages, then their fraction (showExportProgress).
    m_exportBusy->setRange(0, 0);
    m_exportBusy->setTextVisible(false);
    m_exportBusy->setVisible(false);
    auto *exportRow = new QHBoxLayout;
    exportRow->addWidget(m_exportBusy, 1);
    exportRow->addWidget(m_export);
    form->addRow(QString(), exportRow);
    layout->addWidget(backup);

    connect(m_chooseBackupFile, &QPushButton::clicked, this, &SettingsDialog::chooseBackupFile);
    connect(m_backupPassphrase, &QLineEdit::textChanged, m_settings,
            &core::SettingsViewModel::setArchivePassphraseDraft);
    connect(m_settings, &core::SettingsViewModel::archivePassphraseHintChanged, this,
            [this] { m_backupStrength->setText(m_settings->archivePassphraseHint()); });
    connect(m_export, &QPushButton::clicked, this, [this] {
        m_settings->clearMessages();
        m_settings->exportHistory(m_backupFile->text(), m_backupPassphrase->text(),
                                  m_backupConfirmation->text());
    });
    connect(m_settings, &core::SettingsViewModel::exportProgressChanged, this,
            &SettingsDialog::showExportProgress);
    connect(m_settings, &core::SettingsViewModel::exportFinished, this, [this](bool ok) {
        if (ok) {
            m_backupPassphrase->clear();
            m_backupConfirmation->clear();
        }
    });
}

void SettingsDialog::chooseBackupFile()
{
    const QString start =
        m_backupFile->text().isEmpty()
            ? QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                  .filePath(QStringLiteral("parley-backup.parley"))
            : m_backupFile->text();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save the backup as"), start, tr("Parley backups (*.parley);;All files (*)"));
    if (!path.isEmpty()) {
        m_backupFile->setText(QDir::toNativeSeparators(path));
    }
}

void SettingsDialog::showState()
{
    const bool busy = m_settings->isBusy();
    m_change->setEnabled(!busy);
    m_remember->setEnabled(!busy);
    m_export->setEnabled(!busy);
    m_chooseBackupFile->setEnabled(!busy);
    m_exportBusy->setVisible(m_settings->isExporting());
    m_exportBusy->setToolTip(m_settings->progressText());
    {
        const QSignalBlocker blockRemember(m_remember);
        m_remember->setChecked(m_settings->rememberOnThisComputer());
        const QSignalBlocker blockAutoLock(m_autoLock);
        m_autoLock->setValue(m_settings->autoLockMinutes());
        const QSignalBlocker blockNotify(m_notify);
        m_notify->setChecked(m_settings->notificationsEnabled());
        const QSignalBlocker blockShowText(m_showText);
        m_showText->setChecked(m_settings->showMessageText());
        const QSignalBlocker blockTimer(m_defaultTimer);
        int index = m_defaultTimer->findData(m_settings->defaultDisappearingSeconds());
        if (index < 0) { // set elsewhere to a timer the list does not offer
            m_defaultTimer->addItem(
                core::TimerDuration::describe(quint32(m_settings->defaultDisappearingSeconds())),
                m_settings->defaultDisappearingSeconds());
            index = m_defaultTimer->count() - 1;
        }
        m_defaultTimer->setCurrentIndex(index);
    }
    m_showText->setEnabled(m_settings->notificationsEnabled());
    const QString error = m_settings->errorText();
    const QString progress = m_settings->progressText();
    m_message->setText(!error.isEmpty()      ? error
                       : !progress.isEmpty() ? progress
                                             : m_settings->noticeText());
    m_message->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #cf222e;"));
    m_message->setVisible(!m_message->text().isEmpty());
}

void SettingsDialog::showExportProgress()
{
    const qint64 total = m_settings->exportTotal();
    if (total <= 0) {
        m_exportBusy->setRange(0, 0);
        m_exportBusy->setTextVisible(false);
        return;
    }
    // Per mille: a QProgressBar counts in int, a history may hold more messages.
    const qint64 done = std::clamp<qint64>(m_settings->exportDone(), 0, total);
    m_exportBusy->setRange(0, 1000);
    m_exportBusy->setValue(int(done * 1000 / total));
    m_exportBusy->setFormat(
        tr("%1 of %2 messages").arg(QLocale().toString(done), QLocale().toString(total)));
    m_exportBusy->setTextVisible(true);
}

void SettingsDialog::showBlocked()
{
    m_blocked->clear();
    m_blocked->addItems(m_requests->blocked());
    if (m_blocked->count() == 0) {
        auto *none = new QListWidgetItem(tr("Nobody is blocked."), m_blocked);
        none->setFlags(Qt::NoItemFlags);
    }
    m_unblock->setEnabled(false);
}

} // namespace parley::app
