#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace parley::core {
class ContactsViewModel;
}

namespace parley::app {

// "Add a contact" (Ctrl+N) on a ContactsViewModel: a username (or user@relay), busy while
// the relay is asked, the view model's error sentence on failure; accepted once the
// contact was added (addedAddress()).
class AddContactDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AddContactDialog(core::ContactsViewModel *contacts, QWidget *parent = nullptr);

    QString addedAddress() const { return m_added; }

private:
    void add();
    void showState();

    core::ContactsViewModel *m_contacts;
    QLineEdit *m_username;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QString m_added;
};

} // namespace parley::app
