#include "app/addcontactdialog.h"

#include "core/viewmodels/contactsviewmodel.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace parley::app {

AddContactDialog::AddContactDialog(core::ContactsViewModel *contacts, QWidget *parent)
    : QDialog(parent)
    , m_contacts(contacts)
    , m_username(new QLineEdit(this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("addContactDialog"));
    setWindowTitle(tr("Add a contact"));
    setAccessibleName(tr("Add a contact"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        tr("Type the username of the person you want to write to, or user@relay for someone "
           "on another relay."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_username->setObjectName(QStringLiteral("contactUsername"));
    m_username->setAccessibleName(tr("Username"));
    m_username->setPlaceholderText(tr("username or user@relay"));
    layout->addWidget(m_username);
    m_status->setObjectName(QStringLiteral("addContactStatus"));
    m_status->setAccessibleName(tr("Status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Add"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("addContact"));
    m_buttons->button(QDialogButtonBox::Ok)->setAccessibleName(tr("Add"));
    m_buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Cancel"));
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &AddContactDialog::add);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &AddContactDialog::reject);
    connect(contacts, &core::ContactsViewModel::busyChanged, this, &AddContactDialog::showState);
    connect(contacts, &core::ContactsViewModel::errorTextChanged, this,
            &AddContactDialog::showState);
    connect(contacts, &core::ContactsViewModel::contactAdded, this, [this](const QString &address) {
        m_added = address;
        accept();
    });
    m_contacts->clearError();
    showState();
}

void AddContactDialog::add()
{
    m_contacts->addContact(m_username->text());
    showState();
}

void AddContactDialog::showState()
{
    const bool busy = m_contacts->isBusy();
    m_username->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy);
    if (busy) {
        m_status->setText(tr("Looking up %1…").arg(m_username->text().trimmed()));
    } else {
        m_status->setText(m_contacts->errorText());
    }
    m_status->setVisible(!m_status->text().isEmpty());
}

} // namespace parley::app
