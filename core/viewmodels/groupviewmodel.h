#pragma once

#include "core/models/asyncguard.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

class QAbstractItemModel;

namespace parley::core {

class ContactListModel;
class ProfileStore;
class SessionManager;
struct GroupSummary;

// One group's membership for the app's "New group" and "Group info" dialogs (issue 14;
// protocol M1 §9). Lives on the GUI thread; every command is a signed membership change made
// by SessionManager::changeGroup on the core thread, so commands return at once and report
// through `busy`, `errorText` and done(). The state is read from the store when the group is
// set and follows SessionManager::groupChanged (our changes and every member's).
//
// Properties:
//  - groupId:   32 hex digits; empty until a group is set or create() made one
//  - groupKey:  its conversation key "group:<hex>" (conversationkey.h), or empty
//  - name:      the group's name (may be empty)
//  - members:   member account addresses, sorted; admins: the admins among them
//  - isMember:  we are a member of the current state; isAdmin: and an admin (may change it)
//  - busy:      a command is running (one at a time); errorText: one sentence about the last
//               failed command, or empty
//  - contacts:  a ContactListModel (the profile's contacts, following the SessionManager), for
//               choosing members: the dialogs offer only contacts that are not blocked
//
// Commands (Q_INVOKABLE): each returns false (errorText set, or ignored while busy) when it
// cannot start, else true, and ends with done() or errorText set:
//  - create(name, members): a new group of us and `members` (addresses of contacts); on
//                           success groupId is the new group's and created(key) is emitted
//  - rename(name), addMembers(addresses), removeMember(address), makeAdmin(address),
//    leave(): changes of this group (only an admin may rename, add, remove or grant; anyone
//    may leave — the core refuses the rest with a sentence)
//  - displayNameOf(address): the contact's name, or the user part of the address
//  - clearError()
//
// A command's failure is the SessionManager's groupChangeFailed() for this view model's own
// request (each command passes a name of its own to changeGroup(), echoed with the group's
// key): another view's failing change at the same moment is never reported here.
class GroupViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString groupId READ groupId NOTIFY groupChanged)
    Q_PROPERTY(QString groupKey READ groupKey NOTIFY groupChanged)
    Q_PROPERTY(QString name READ name NOTIFY groupChanged)
    Q_PROPERTY(QStringList members READ members NOTIFY groupChanged)
    Q_PROPERTY(QStringList admins READ admins NOTIFY groupChanged)
    Q_PROPERTY(bool isMember READ isMember NOTIFY groupChanged)
    Q_PROPERTY(bool isAdmin READ isAdmin NOTIFY groupChanged)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)
    Q_PROPERTY(QAbstractItemModel *contacts READ contacts CONSTANT)

public:
    // `key` is "group:<hex>" or empty (for create()). `sessions` may live on the core
    // thread; null means no profile is open (commands fail).
    GroupViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                   const QString &key = {}, QObject *parent = nullptr);
    ~GroupViewModel() override;

    QString groupId() const { return QString::fromLatin1(m_groupId.toHex()); }
    QString groupKey() const;
    QString name() const { return m_name; }
    QStringList members() const { return m_members; }
    QStringList admins() const { return m_admins; }
    bool isMember() const { return m_member; }
    bool isAdmin() const { return m_member && m_admins.contains(m_self); }
    bool isBusy() const { return m_pending != 0; }
    QString errorText() const { return m_errorText; }
    QAbstractItemModel *contacts() const;
    ContactListModel *contactList() const { return m_contacts; }
    // Our own account address (known once the store answered), or empty.
    QString selfAddress() const { return m_self; }

    Q_INVOKABLE bool create(const QString &name, const QStringList &members);
    Q_INVOKABLE bool rename(const QString &name);
    Q_INVOKABLE bool addMembers(const QStringList &addresses);
    Q_INVOKABLE bool removeMember(const QString &address);
    Q_INVOKABLE bool makeAdmin(const QString &address);
    Q_INVOKABLE bool leave();
    Q_INVOKABLE QString displayNameOf(const QString &address) const;
    Q_INVOKABLE void clearError();

signals:
    void groupChanged();
    void busyChanged();
    void errorTextChanged();
    // create() made the group with conversation key `key`.
    void created(const QString &key);
    // The running command's change was applied.
    void done();

private:
    bool start(int op, const QString &name, const QStringList &members);
    void load();
    void apply(const GroupSummary &group);
    void finish(const QString &error);

    std::shared_ptr<ProfileStore> m_store;
    SessionManager *m_sessions;
    ContactListModel *m_contacts;
    QByteArray m_groupId; // 16 bytes, or empty
    QString m_self;
    QString m_name;
    QStringList m_members;
    QStringList m_admins;
    bool m_member = false;
    int m_pending = 0; // the running GroupOp, 0 when idle
    QString m_request; // the running command's name for changeGroup(), empty when idle
    QString m_errorText;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
