#pragma once

#include <QObject>
#include <QString>

#include <memory>

class QAbstractItemModel;

namespace parley::core {

class ContactListModel;
class ProfileStore;
class SessionManager;

// The contact list and "add a contact". Lives on the GUI thread; adding asks the relay
// through the SessionManager on the core thread (LookupUser, prekey bundles, X3DH), so it
// returns at once and reports through `busy`, `errorText` and contactAdded().
//
// Properties:
//  - contacts:        the ContactListModel (sorted by name; follows the SessionManager)
//  - busy:            an addContact() is running (one at a time)
//  - errorText:       one sentence about the last failed addContact(), or empty
//  - lastAddedAddress: user@relay of the contact added last, or empty
//
// Commands (Q_INVOKABLE):
//  - addContact(username): a username on the profile's own relay or a full user@relay;
//                          returns false (errorText set, or ignored while busy) if it cannot
//                          start. Ends with contactAdded(address) or errorText set.
//  - clearError()
class ContactsViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel *contacts READ contacts CONSTANT)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)
    Q_PROPERTY(QString lastAddedAddress READ lastAddedAddress NOTIFY contactAdded)

public:
    // `sessions` may live on the core thread; null means no profile is open (commands fail).
    ContactsViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                      QObject *parent = nullptr);
    ~ContactsViewModel() override;

    QAbstractItemModel *contacts() const;
    ContactListModel *contactList() const { return m_model; }
    bool isBusy() const { return !m_pending.isEmpty(); }
    QString errorText() const { return m_errorText; }
    QString lastAddedAddress() const { return m_lastAdded; }

    Q_INVOKABLE bool addContact(const QString &username);
    Q_INVOKABLE void clearError();

signals:
    void busyChanged();
    void errorTextChanged();
    void contactAdded(const QString &address);

private:
    // Whether `address` (as the SessionManager reports it) answers the pending request.
    bool answersPending(const QString &address) const;
    void finish(const QString &error);

    SessionManager *m_sessions;
    ContactListModel *m_model;
    QString m_pending; // what the user typed, trimmed; empty when not busy
    QString m_errorText;
    QString m_lastAdded;
};

} // namespace parley::core
