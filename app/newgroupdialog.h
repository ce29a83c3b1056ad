#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace parley::core {
class GroupViewModel;
}

namespace parley::app {

// "New group" on a GroupViewModel without a group: a name and the profile's contacts (not
// blocked) as a checkable list; "Create" makes the group (GroupViewModel::create), busy until
// the core answers, the view model's error sentence on failure. Accepted once the group
// exists (createdKey(), its conversation key "group:<hex>").
class NewGroupDialog : public QDialog
{
    Q_OBJECT

public:
    explicit NewGroupDialog(core::GroupViewModel *group, QWidget *parent = nullptr);

    QString createdKey() const { return m_created; }

private:
    void fillContacts();
    void create();
    void showState();

    core::GroupViewModel *m_group;
    QLineEdit *m_name;
    QListWidget *m_contacts;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    QString m_created;
};

} // namespace parley::app
