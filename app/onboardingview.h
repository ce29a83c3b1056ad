#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;

namespace parley::core {
class OnboardingViewModel;
}

namespace parley::app {

// Create a profile, restore one from a backup, or unlock one. A view only, bound to an
// OnboardingViewModel: the create form (username, relay URL, passphrase twice with the
// strength hint, "Remember on this computer"), the restore form reached from it (the backup
// file, chosen with QFileDialog or typed, its passphrase, a new passphrase twice with the
// strength hint, the relay URL), the unlock form (passphrase), an error line and a busy line.
// Enter in the last field submits; every control has an accessible name.
class OnboardingView : public QWidget
{
    Q_OBJECT

public:
    explicit OnboardingView(core::OnboardingViewModel *viewModel, QWidget *parent = nullptr);

private:
    QWidget *makeCreatePage();
    QWidget *makeUnlockPage();
    QWidget *makeRestorePage();
    void chooseBackup();
    void submitRestore();
    void submitCreate();
    void submitUnlock();
    void refresh();

    core::OnboardingViewModel *m_viewModel;
    QStackedWidget *m_pages;
    QLineEdit *m_username = nullptr;
    QLineEdit *m_relayUrl = nullptr;
    QLineEdit *m_passphrase = nullptr;
    QLineEdit *m_confirmation = nullptr;
    QLabel *m_strength = nullptr;
    QCheckBox *m_rememberNew = nullptr;
    QPushButton *m_create = nullptr;
    QPushButton *m_showRestore = nullptr;
    QLineEdit *m_backupFile = nullptr;
    QPushButton *m_chooseBackup = nullptr;
    QLineEdit *m_backupPassphrase = nullptr;
    QLineEdit *m_restorePassphrase = nullptr;
    QLineEdit *m_restoreConfirmation = nullptr;
    QLabel *m_restoreStrength = nullptr;
    QLineEdit *m_restoreRelayUrl = nullptr;
    QCheckBox *m_rememberRestored = nullptr;
    QPushButton *m_restore = nullptr;
    QPushButton *m_backToCreate = nullptr;
    QLineEdit *m_unlockPassphrase = nullptr;
    QCheckBox *m_rememberUnlock = nullptr;
    QPushButton *m_unlock = nullptr;
    QLabel *m_error;
    QLabel *m_progress;
};

} // namespace parley::app
