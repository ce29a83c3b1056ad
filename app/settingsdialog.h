#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
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
// blocked contacts (RequestsViewModel's list), each of which can be unblocked. Every
// control applies at once; errors and confirmations are the view model's sentences.
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
    void showState();
    void showBlocked();

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
    QComboBox *m_theme = nullptr;
    QLabel *m_message;
    core::RequestsViewModel *m_requests;
    QListWidget *m_blocked = nullptr;
    QPushButton *m_unblock = nullptr;
};

} // namespace parley::app
