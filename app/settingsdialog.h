#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLayout;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace parley::core {
class AppearanceViewModel;
class RequestsViewModel;
class SettingsViewModel;
} // namespace parley::core

namespace parley::app {

// The profile's settings on a SettingsViewModel: change the passphrase (with the strength
// hint), remember on this computer, and the idle auto-lock in minutes (0 = never); the
// disappearing-messages default for new conversations; the export of the history into an
// encrypted backup (a file chosen with QFileDialog or typed, its passphrase twice with the
// strength hint, a busy bar while it runs); the blocked contacts (RequestsViewModel's
// list), each of which can be unblocked. Every control applies at once; errors and
// confirmations are the view model's sentences.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    // `appearance` may be null: then there is no theme choice; `requests` may be null: then
    // there is no list of blocked contacts.
    explicit SettingsDialog(core::SettingsViewModel *settings,
                            core::AppearanceViewModel *appearance = nullptr,
                            core::RequestsViewModel *requests = nullptr, QWidget *parent = nullptr);

private:
    void makeBackupGroup(QLayout *layout);
    void chooseBackupFile();
    void showState();
    void showBlocked();
    void showExportProgress();

    core::SettingsViewModel *m_settings;
    QLineEdit *m_current;
    QLineEdit *m_replacement;
    QLineEdit *m_confirmation;
    QLabel *m_strength;
    QPushButton *m_change;
    QCheckBox *m_remember;
    QSpinBox *m_autoLock;
    QCheckBox *m_notify;
    QCheckBox *m_showText;
    QComboBox *m_defaultTimer;
    QLineEdit *m_backupFile = nullptr;
    QPushButton *m_chooseBackupFile = nullptr;
    QLineEdit *m_backupPassphrase = nullptr;
    QLineEdit *m_backupConfirmation = nullptr;
    QLabel *m_backupStrength = nullptr;
    QPushButton *m_export = nullptr;
    QProgressBar *m_exportBusy = nullptr;
    QComboBox *m_theme = nullptr;
    QLabel *m_message;
    core::RequestsViewModel *m_requests;
    QListWidget *m_blocked = nullptr;
    QPushButton *m_unblock = nullptr;
};

} // namespace parley::app
