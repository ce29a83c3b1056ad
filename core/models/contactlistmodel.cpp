#include "core/models/contactlistmodel.h"

#include "core/models/conversationlistmodel.h"
#include "core/session/sessionmanager.h"
#include "core/store/profilestore.h"

#include <algorithm>

namespace parley::core {

ContactListModel::ContactListModel(std::shared_ptr<ProfileStore> store, QObject *parent)
    : QAbstractListModel(parent)
    , m_store(std::move(store))
{}

ContactListModel::~ContactListModel() = default;

void ContactListModel::follow(SessionManager *sessions)
{
    qRegisterMetaType<ChatMessage>();
    const auto queued = Qt::QueuedConnection;
    connect(sessions, &SessionManager::contactReady, this, &ContactListModel::reload, queued);
    connect(
        sessions, &SessionManager::messageReceived, this,
        [this](const ChatMessage &message) {
            if (rowOf(message.conversation) < 0) {
                reload(); // a first message from someone not listed yet
            }
        },
        queued);
    connect(sessions, &SessionManager::keyChanged, this, &ContactListModel::notifyKeyChanged,
            queued);
    // A change accepted or dismissed clears the flag; acceptance also clears verified.
    const auto keySettled = [this](const QString &address) {
        m_changedKeys.remove(address);
        reload();
    };
    connect(sessions, &SessionManager::keyChangeAccepted, this, keySettled, queued);
    connect(sessions, &SessionManager::keyChangeDismissed, this, keySettled, queued);
    connect(sessions, &SessionManager::verifiedChanged, this, &ContactListModel::reload, queued);
    connect(sessions, &SessionManager::requestAccepted, this, &ContactListModel::reload, queued);
    connect(sessions, &SessionManager::blockedChanged, this, &ContactListModel::reload, queued);
    // changedKeys() belongs to the core thread: read it there, apply it here.
    auto deliver = m_guard.bind([this](const QSet<QString> &keys) {
        for (const QString &address : keys) {
            notifyKeyChanged(address);
        }
    });
    QMetaObject::invokeMethod(
        sessions, [sessions, deliver] { deliver(sessions->changedKeys()); }, Qt::QueuedConnection);
}

void ContactListModel::reload()
{
    if (!m_store) {
        return;
    }
    if (m_pending) {
        m_again = true;
        return;
    }
    m_pending = true;
    m_again = false;
    emit loadingChanged();
    m_guard.deliver(
        m_store->run([](StoreContext &context) { return ContactTable(context).all(); }),
        [this](const StoreResult<std::vector<ContactRecord>> &result) {
            m_pending = false;
            const QString error = std::holds_alternative<StoreError>(result)
                                      ? std::get<StoreError>(result).message()
                                      : QString();
            if (error != m_errorText) {
                m_errorText = error;
                emit errorTextChanged();
            }
            if (error.isEmpty()) {
                std::vector<Row> rows;
                for (const ContactRecord &contact : std::get<std::vector<ContactRecord>>(result)) {
                    if (!contact.accepted) {
                        continue; // a request's sender or a blocked stranger (M1 §8)
                    }
                    Row row;
                    row.contactId = contact.id.value;
                    row.address = contact.address;
                    row.name = contact.displayName && !contact.displayName->trimmed().isEmpty()
                                   ? contact.displayName->trimmed()
                                   : contact.address.section(u'@', 0, 0);
                    row.verified = contact.verified;
                    row.blocked = contact.blocked;
                    rows.push_back(std::move(row));
                }
                apply(std::move(rows));
            }
            emit loadingChanged();
            emit reloaded();
            if (m_again) {
                reload();
            }
        });
}

void ContactListModel::apply(std::vector<Row> wanted)
{
    std::sort(wanted.begin(), wanted.end(), [](const Row &a, const Row &b) {
        const int byName =
            QString::localeAwareCompare(a.name.toCaseFolded(), b.name.toCaseFolded());
        return byName != 0 ? byName < 0 : a.address < b.address;
    });
    QSet<QString> addresses;
    for (const Row &row : wanted) {
        addresses.insert(row.address);
    }
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (!addresses.contains(m_rows[row].address)) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    for (int at = 0; at < int(wanted.size()); ++at) {
        const Row &target = wanted[std::size_t(at)];
        int found = -1;
        for (int row = at; row < m_rows.size(); ++row) {
            if (m_rows[row].address == target.address) {
                found = row;
                break;
            }
        }
        if (found < 0) {
            beginInsertRows({}, at, at);
            m_rows.insert(at, target);
            endInsertRows();
            continue;
        }
        if (found != at) {
            beginMoveRows({}, found, found, {}, at);
            m_rows.move(found, at);
            endMoveRows();
        }
        if (!(m_rows[at] == target)) {
            m_rows[at] = target;
            emit dataChanged(index(at), index(at));
        }
    }
}

void ContactListModel::notifyKeyChanged(const QString &address)
{
    if (m_changedKeys.contains(address)) {
        return;
    }
    m_changedKeys.insert(address);
    if (const int row = rowOf(address); row >= 0) {
        emit dataChanged(index(row), index(row), {KeyChangedRole});
    }
}

int ContactListModel::rowOf(const QString &address) const
{
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].address == address) {
            return row;
        }
    }
    return -1;
}

int ContactListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ContactListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row &row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case DisplayNameRole:
        return row.name;
    case AddressRole:
        return row.address;
    case InitialsRole:
        return ConversationListModel::initialsOf(row.name);
    case VerifiedRole:
        return row.verified;
    case KeyChangedRole:
        return m_changedKeys.contains(row.address);
    case ContactIdRole:
        return row.contactId;
    case BlockedRole:
        return row.blocked;
    default:
        return {};
    }
}

QHash<int, QByteArray> ContactListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(AddressRole, "address");
    names.insert(DisplayNameRole, "displayName");
    names.insert(InitialsRole, "initials");
    names.insert(VerifiedRole, "verified");
    names.insert(KeyChangedRole, "keyChanged");
    names.insert(ContactIdRole, "contactId");
    names.insert(BlockedRole, "blocked");
    return names;
}

} // namespace parley::core
