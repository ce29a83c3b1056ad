#pragma once

#include "core/models/asyncguard.h"
#include "core/store/contacttable.h"

#include <QAbstractListModel>
#include <QList>
#include <QSet>
#include <QString>

#include <memory>
#include <vector>

namespace parley::core {

class ProfileStore;
class SessionManager;

// Every contact, sorted by name (locale-aware, case-insensitive; ties by address). Only the
// accepted ones: a message request's sender, or an address blocked without ever being a
// contact, is not a contact (M1 §8; ConversationListModel::IsRequestRole shows requests).
//
// The rows come from ContactTable::all() on the database thread: reload() reads them again
// and applies the difference (moves, inserts, removals, dataChanged — never a reset). follow()
// reloads on SessionManager::contactReady and on messages from an address not listed yet, and
// tracks SessionManager::keyChanged (and changedKeys() at the time follow() is called) for
// KeyChangedRole.
//
// Roles (also by name for QML, see roleNames()):
//   Qt::DisplayRole / DisplayNameRole  the name, or the user part of the address if none
//   AddressRole (QString)              user@relay
//   InitialsRole (QString)             one or two letters for an avatar
//   VerifiedRole (bool)                the user compared safety numbers
//   KeyChangedRole (bool)              the contact's identity key changed since this session
//                                      started (SessionManager::keyChanged)
//   ContactIdRole (qint64)             the store's ContactId
//   BlockedRole (bool)                 blocked: its messages are dropped (RequestsViewModel)
//
// Lives on the GUI thread.
class ContactListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(bool loading READ isLoading NOTIFY loadingChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)

public:
    enum Role {
        AddressRole = Qt::UserRole + 1,
        DisplayNameRole,
        InitialsRole,
        VerifiedRole,
        KeyChangedRole,
        ContactIdRole,
        BlockedRole,
    };
    Q_ENUM(Role)

    explicit ContactListModel(std::shared_ptr<ProfileStore> store, QObject *parent = nullptr);
    ~ContactListModel() override;

    // Connects to `sessions` (queued) and asks it for the keys changed so far.
    void follow(SessionManager *sessions);

    bool isLoading() const { return m_pending; }
    QString errorText() const { return m_errorText; }
    Q_INVOKABLE int rowOf(const QString &address) const;
    bool hasKeyChanged(const QString &address) const { return m_changedKeys.contains(address); }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

public slots:
    void reload();
    // The identity key of `address` changed (SessionManager::keyChanged).
    void notifyKeyChanged(const QString &address);

signals:
    void loadingChanged();
    void errorTextChanged();
    void reloaded();

private:
    struct Row
    {
        qint64 contactId = 0;
        QString address;
        QString name;
        bool verified = false;
        bool blocked = false;

        bool operator==(const Row &) const = default;
    };

    void apply(std::vector<Row> wanted);

    std::shared_ptr<ProfileStore> m_store;
    QList<Row> m_rows;
    QSet<QString> m_changedKeys;
    bool m_pending = false;
    bool m_again = false;
    QString m_errorText;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
