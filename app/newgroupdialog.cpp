#include "app/newgroupdialog.h"

#include "core/models/contactlistmodel.h"
#include "core/viewmodels/groupviewmodel.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSet>
#include <QVBoxLayout>

namespace parley::app {

using Contacts = core::ContactListModel;

NewGroupDialog::NewGroupDialog(core::GroupViewModel *group, QWidget *parent)
    : QDialog(parent)
    , m_group(group)
    , m_name(new QLineEdit(this))
    , m_contacts(new QListWidget(this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("newGroupDialog"));
    setWindowTitle(tr("New group"));
    setAccessibleName(tr("New group"));
    auto *layout = new QVBoxLayout(this);
    auto *nameLabel = new QLabel(tr("Group name"), this);
    layout->addWidget(nameLabel);
    m_name->setObjectName(QStringLiteral("groupName"));
    m_name->setAccessibleName(tr("Group name"));
    m_name->setPlaceholderText(tr("e.g. Hikers"));
    nameLabel->setBuddy(m_name);
    layout->addWidget(m_name);
    auto *membersLabel = new QLabel(tr("Members"), this);
    layout->addWidget(membersLabel);
    m_contacts->setObjectName(QStringLiteral("groupContacts"));
    m_contacts->setAccessibleName(tr("Contacts to add to the group"));
    membersLabel->setBuddy(m_contacts);
    layout->addWidget(m_contacts, 1);
    m_status->setObjectName(QStringLiteral("newGroupStatus"));
    m_status->setAccessibleName(tr("Status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    QPushButton *ok = m_buttons->button(QDialogButtonBox::Ok);
    ok->setText(tr("Create"));
    ok->setObjectName(QStringLiteral("createGroup"));
    ok->setAccessibleName(tr("Create the group"));
    m_buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Cancel"));
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &NewGroupDialog::create);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &NewGroupDialog::reject);
    connect(group, &core::GroupViewModel::busyChanged, this, &NewGroupDialog::showState);
    connect(group, &core::GroupViewModel::errorTextChanged, this, &NewGroupDialog::showState);
    connect(group, &core::GroupViewModel::created, this, [this](const QString &key) {
        m_created = key;
        accept();
    });
    QAbstractItemModel *contacts = group->contacts();
    connect(contacts, &QAbstractItemModel::modelReset, this, &NewGroupDialog::fillContacts);
    connect(contacts, &QAbstractItemModel::rowsInserted, this, &NewGroupDialog::fillContacts);
    connect(contacts, &QAbstractItemModel::rowsRemoved, this, &NewGroupDialog::fillContacts);
    connect(contacts, &QAbstractItemModel::dataChanged, this, &NewGroupDialog::fillContacts);
    m_group->clearError();
    fillContacts();
    showState();
}

void NewGroupDialog::fillContacts()
{
    // Keeps what was checked across a reload of the contacts.
    QSet<QString> checked;
    for (int row = 0; row < m_contacts->count(); ++row) {
        if (m_contacts->item(row)->checkState() == Qt::Checked) {
            checked.insert(m_contacts->item(row)->data(Qt::UserRole).toString());
        }
    }
    m_contacts->clear();
    const QAbstractItemModel *contacts = m_group->contacts();
    for (int row = 0; row < contacts->rowCount(); ++row) {
        const QModelIndex index = contacts->index(row, 0);
        if (index.data(Contacts::BlockedRole).toBool()) {
            continue; // a blocked contact's messages are dropped: no group with them
        }
        const QString address = index.data(Contacts::AddressRole).toString();
        auto *item =
            new QListWidgetItem(index.data(Contacts::DisplayNameRole).toString(), m_contacts);
        item->setData(Qt::UserRole, address);
        item->setToolTip(address);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        item->setCheckState(checked.contains(address) ? Qt::Checked : Qt::Unchecked);
    }
}

void NewGroupDialog::create()
{
    QStringList members;
    for (int row = 0; row < m_contacts->count(); ++row) {
        if (m_contacts->item(row)->checkState() == Qt::Checked) {
            members << m_contacts->item(row)->data(Qt::UserRole).toString();
        }
    }
    m_group->create(m_name->text(), members);
    showState();
}

void NewGroupDialog::showState()
{
    const bool busy = m_group->isBusy();
    m_name->setEnabled(!busy);
    m_contacts->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy);
    m_status->setText(busy ? tr("Creating the group…") : m_group->errorText());
    m_status->setVisible(!m_status->text().isEmpty());
}

} // namespace parley::app
