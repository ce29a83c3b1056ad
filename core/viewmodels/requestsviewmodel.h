#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

namespace parley::core {

class SessionManager;

// Message requests and blocking for the views (protocol M1 §8; docs/architecture.md, "Message
// requests and blocking"). Which conversations are requests, and which are blocked, the
// ConversationListModel says (IsRequestRole, BlockedRole) and the ContactListModel
// (BlockedRole); this view model holds the commands and the blocked list. Lives on the GUI
// thread; the commands are queued to the SessionManager on the core thread and answered by
// its signals, so nothing here blocks.
//
// Properties:
//  - blocked:   every blocked address (user@relay), sorted; loaded at construction and kept
//               up to date by blockedChanged
//  - errorText: one sentence about the last command of this view model that failed, or
//               empty
//
// Commands (Q_INVOKABLE; each returns false, with errorText set, if it cannot start):
//  - accept(address):        the request's sender becomes a contact; the delivery receipts
//                            held back go out now, read receipts only for what was read.
//                            Ends with requestAccepted(address) or errorText.
//  - deleteRequest(address): the request's conversation and messages are deleted; the sender
//                            stays a non-contact (a later message is a new request). Ends
//                            with requestDeleted(address) or errorText.
//  - block(address), unblock(address): a blocked address's messages are dropped on arrival
//                            and nothing can be sent to it. Ends with blockedChanged().
//  - isBlocked(address)
//  - clearError()
class RequestsViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QStringList blocked READ blocked NOTIFY blockedChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)

public:
    // `sessions` may live on the core thread; null means no profile is open (commands fail).
    explicit RequestsViewModel(SessionManager *sessions, QObject *parent = nullptr);
    ~RequestsViewModel() override;

    QStringList blocked() const { return m_blocked; }
    QString errorText() const { return m_errorText; }

    Q_INVOKABLE bool accept(const QString &address);
    Q_INVOKABLE bool deleteRequest(const QString &address);
    Q_INVOKABLE bool block(const QString &address);
    Q_INVOKABLE bool unblock(const QString &address);
    Q_INVOKABLE bool isBlocked(const QString &address) const;
    Q_INVOKABLE void clearError();

signals:
    void blockedChanged();
    void errorTextChanged();
    void requestAccepted(const QString &address);
    void requestDeleted(const QString &address);

private:
    bool start(const QString &address, void (*command)(SessionManager *, const QString &));
    void reloadBlocked();
    // Whether `address` (as the SessionManager reports it) answers the last command.
    bool answersPending(const QString &address) const;
    void setError(const QString &sentence);

    SessionManager *m_sessions;
    QStringList m_blocked;
    QString m_pending; // the last command's address as typed; empty once answered
    QString m_errorText;
};

} // namespace parley::core
