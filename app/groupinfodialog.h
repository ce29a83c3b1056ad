#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QMessageBox;
class QPushButton;

namespace parley::core {
class GroupViewModel;
}

namespace parley::app {

// "Group info" (the chat's ⋮ menu in a group) on a GroupViewModel: the group's name (renamed
// by an admin), its members ("Admin" after an admin's name), and for an admin: add a contact
// who is not a member, remove the selected member, make the selected member an admin. Anyone
// may leave, after a confirmation (leaveConfirmation()). Every change is a signed membership
// change (protocol M1 §9) made by the core; busy until it answers, its error sentence on
// failure. Non-modal; follows the group while open.
class GroupInfoDialog : public QDialog
{
    Q_OBJECT

public:
    explicit GroupInfoDialog(core::GroupViewModel *group, QWidget *parent = nullptr);

    core::GroupViewModel *group() const { return m_group; }
    // The open "Leave the group?" question, or null.
    QMessageBox *leaveConfirmation() const { return m_confirm; }

private:
    void showGroup();
    void showState();
    void confirmLeave();
    QString selectedMember() const;

    core::GroupViewModel *m_group;
    QLineEdit *m_name;
    QPushButton *m_rename;
    QListWidget *m_members;
    QComboBox *m_candidates;
    QPushButton *m_add;
    QPushButton *m_remove;
    QPushButton *m_makeAdmin;
    QPushButton *m_leave;
    QLabel *m_status;
    QMessageBox *m_confirm = nullptr;
};

} // namespace parley::app
