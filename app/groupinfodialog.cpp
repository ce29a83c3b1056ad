#include "app/groupinfodialog.h"

#include "core/models/contactlistmodel.h"
#include "core/viewmodels/groupviewmodel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace parley::app {

using Contacts = core::ContactListModel;

namespace {

QPushButton *button(const QString &text, const QString &name, QWidget *parent)
{
    auto *made = new QPushButton(text, parent);
    made->setObjectName(name);
    made->setAccessibleName(text);
    return made;
}

} // namespace

GroupInfoDialog::GroupInfoDialog(core::GroupViewModel *group, QWidget *parent)
    : QDialog(parent)
    , m_group(group)
    , m_name(new QLineEdit(this))
    , m_rename(button(tr("Rename"), QStringLiteral("renameGroup"), this))
    , m_members(new QListWidget(this))
    , m_candidates(new QComboBox(this))
    , m_add(button(tr("Add"), QStringLiteral("addMember"), this))
    , m_remove(button(tr("Remove"), QStringLiteral("removeMember"), this))
    , m_makeAdmin(button(tr("Make admin"), QStringLiteral("makeAdmin"), this))
    , m_leave(button(tr("Leave group…"), QStringLiteral("leaveGroup"), this))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("groupInfoDialog"));
    setWindowTitle(tr("Group info"));
    setAccessibleName(tr("Group info"));
    auto *layout = new QVBoxLayout(this);
    auto *nameLabel = new QLabel(tr("Group name"), this);
    layout->addWidget(nameLabel);
    auto *nameRow = new QHBoxLayout;
    m_name->setObjectName(QStringLiteral("groupName"));
    m_name->setAccessibleName(tr("Group name"));
    nameLabel->setBuddy(m_name);
    nameRow->addWidget(m_name, 1);
    nameRow->addWidget(m_rename);
    layout->addLayout(nameRow);

    auto *membersLabel = new QLabel(tr("Members"), this);
    layout->addWidget(membersLabel);
    m_members->setObjectName(QStringLiteral("groupMembers"));
    m_members->setAccessibleName(tr("Members"));
    membersLabel->setBuddy(m_members);
    layout->addWidget(m_members, 1);
    auto *memberRow = new QHBoxLayout;
    memberRow->addWidget(m_remove);
    memberRow->addWidget(m_makeAdmin);
    memberRow->addStretch(1);
    layout->addLayout(memberRow);
    auto *addRow = new QHBoxLayout;
    m_candidates->setObjectName(QStringLiteral("addMemberChoice"));
    m_candidates->setAccessibleName(tr("Contact to add"));
    addRow->addWidget(m_candidates, 1);
    addRow->addWidget(m_add);
    layout->addLayout(addRow);
    m_status->setObjectName(QStringLiteral("groupInfoStatus"));
    m_status->setAccessibleName(tr("Status"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_leave, QDialogButtonBox::DestructiveRole);
    buttons->button(QDialogButtonBox::Close)->setAccessibleName(tr("Close"));
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &GroupInfoDialog::reject);
    connect(m_rename, &QPushButton::clicked, this, [this] { m_group->rename(m_name->text()); });
    connect(m_name, &QLineEdit::returnPressed, m_rename, &QPushButton::click);
    connect(m_add, &QPushButton::clicked, this, [this] {
        const QString address = m_candidates->currentData().toString();
        if (!address.isEmpty()) {
            m_group->addMembers({address});
        }
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (!selectedMember().isEmpty()) {
            m_group->removeMember(selectedMember());
        }
    });
    connect(m_makeAdmin, &QPushButton::clicked, this, [this] {
        if (!selectedMember().isEmpty()) {
            m_group->makeAdmin(selectedMember());
        }
    });
    connect(m_leave, &QPushButton::clicked, this, &GroupInfoDialog::confirmLeave);
    connect(m_members, &QListWidget::currentRowChanged, this, &GroupInfoDialog::showState);
    connect(group, &core::GroupViewModel::groupChanged, this, &GroupInfoDialog::showGroup);
    connect(group, &core::GroupViewModel::busyChanged, this, &GroupInfoDialog::showState);
    connect(group, &core::GroupViewModel::errorTextChanged, this, &GroupInfoDialog::showState);
    QAbstractItemModel *contacts = group->contacts();
    connect(contacts, &QAbstractItemModel::modelReset, this, &GroupInfoDialog::showGroup);
    connect(contacts, &QAbstractItemModel::rowsInserted, this, &GroupInfoDialog::showGroup);
    connect(contacts, &QAbstractItemModel::dataChanged, this, &GroupInfoDialog::showGroup);
    m_group->clearError();
    showGroup();
}

QString GroupInfoDialog::selectedMember() const
{
    const QListWidgetItem *item = m_members->currentItem();
    return item == nullptr ? QString() : item->data(Qt::UserRole).toString();
}

void GroupInfoDialog::showGroup()
{
    if (!m_name->hasFocus() || m_name->text().isEmpty()) {
        m_name->setText(m_group->name());
    }
    const QString selected = selectedMember();
    m_members->clear();
    const QStringList admins = m_group->admins();
    for (const QString &address : m_group->members()) {
        const QString name = m_group->displayNameOf(address);
        auto *item = new QListWidgetItem(
            admins.contains(address) ? tr("%1 (admin)").arg(name) : name, m_members);
        item->setData(Qt::UserRole, address);
        item->setToolTip(address);
        if (address == selected) {
            m_members->setCurrentItem(item);
        }
    }
    m_candidates->clear();
    const QAbstractItemModel *contacts = m_group->contacts();
    for (int row = 0; row < contacts->rowCount(); ++row) {
        const QModelIndex index = contacts->index(row, 0);
        const QString address = index.data(Contacts::AddressRole).toString();
        if (!index.data(Contacts::BlockedRole).toBool() && !m_group->members().contains(address)) {
            m_candidates->addItem(index.data(Contacts::DisplayNameRole).toString(), address);
        }
    }
    showState();
}

void GroupInfoDialog::showState()
{
    const bool busy = m_group->isBusy();
    const bool admin = m_group->isAdmin() && !busy;
    const QString selected = selectedMember();
    const bool other = !selected.isEmpty() && selected != m_group->selfAddress();
    m_name->setReadOnly(!m_group->isAdmin());
    m_rename->setEnabled(admin);
    m_candidates->setEnabled(admin && m_candidates->count() > 0);
    m_add->setEnabled(admin && m_candidates->count() > 0);
    m_remove->setEnabled(admin && other);
    m_makeAdmin->setEnabled(admin && other && !m_group->admins().contains(selected));
    m_leave->setEnabled(m_group->isMember() && !busy);
    m_status->setText(busy                              ? tr("Changing the group…")
                      : !m_group->errorText().isEmpty() ? m_group->errorText()
                      : m_group->isMember()             ? QString()
                                            : tr("You are not a member of this group."));
    m_status->setVisible(!m_status->text().isEmpty());
}

void GroupInfoDialog::confirmLeave()
{
    if (m_confirm != nullptr) {
        return;
    }
    m_confirm = new QMessageBox(
        QMessageBox::Question, tr("Leave the group?"),
        tr("Leave “%1”? You will no longer receive its messages, and only a member can add "
           "you again.")
            .arg(m_group->name().isEmpty() ? tr("this group") : m_group->name()),
        QMessageBox::Cancel, this);
    m_confirm->setObjectName(QStringLiteral("leaveConfirmation"));
    QPushButton *leave = m_confirm->addButton(tr("Leave"), QMessageBox::DestructiveRole);
    leave->setObjectName(QStringLiteral("confirmLeave"));
    leave->setAccessibleName(tr("Leave"));
    m_confirm->setDefaultButton(QMessageBox::Cancel);
    m_confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_confirm, &QMessageBox::finished, this, [this, leave] {
        if (m_confirm->clickedButton() == leave) {
            m_group->leave();
        }
        m_confirm = nullptr;
    });
    m_confirm->open();
}

} // namespace parley::app
