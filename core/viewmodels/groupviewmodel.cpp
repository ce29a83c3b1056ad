#include "core/viewmodels/groupviewmodel.h"

#include "core/models/contactlistmodel.h"
#include "core/session/grouppipeline.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"
#include "core/store/identitytable.h"
#include "core/store/profilestore.h"

#include <QMetaObject>

#include <atomic>

namespace parley::core {

namespace {

// What load() reads on the database thread.
struct LoadedGroup
{
    QString self;
    GroupSummary summary; // id empty when no group is set or none is stored
};

} // namespace

GroupViewModel::GroupViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                               const QString &key, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_sessions(sessions)
    , m_contacts(new ContactListModel(m_store, this))
    , m_groupId(groupIdOfKey(key).value_or(QByteArray()))
{
    if (m_sessions != nullptr) {
        m_contacts->follow(m_sessions);
        const auto queued = Qt::QueuedConnection;
        connect(
            m_sessions, &SessionManager::groupChanged, this,
            [this](const GroupSummary &group, const QString &by, int) {
                const bool ours = !m_self.isEmpty() && by == m_self;
                if (m_pending == int(GroupOp::Create) && ours && m_groupId.isEmpty()) {
                    apply(group);
                    finish({});
                    emit created(this->groupKey());
                    emit done();
                    return;
                }
                if (group.id != m_groupId || m_groupId.isEmpty()) {
                    return;
                }
                apply(group);
                if (m_pending != 0 && ours) {
                    finish({});
                    emit done();
                }
            },
            queued);
        // Only our own command's failure: changeGroup() echoes our request's name.
        connect(
            m_sessions, &SessionManager::groupChangeFailed, this,
            [this](const QString &request, const QString &, const QString &sentence) {
                if (m_pending != 0 && request == m_request) {
                    finish(sentence);
                }
            },
            queued);
    }
    m_contacts->reload();
    load();
}

GroupViewModel::~GroupViewModel() = default;

QString GroupViewModel::groupKey() const
{
    return m_groupId.isEmpty() ? QString() : groupConversationKey(m_groupId);
}

QAbstractItemModel *GroupViewModel::contacts() const
{
    return m_contacts;
}

bool GroupViewModel::create(const QString &name, const QStringList &members)
{
    if (!m_groupId.isEmpty()) {
        finish(tr("This group exists already."));
        return false;
    }
    if (members.isEmpty()) {
        finish(tr("Choose at least one contact for the group."));
        return false;
    }
    return start(int(GroupOp::Create), name.trimmed(), members);
}

bool GroupViewModel::rename(const QString &name)
{
    if (name.trimmed() == m_name) {
        return false;
    }
    return start(int(GroupOp::Rename), name.trimmed(), {});
}

bool GroupViewModel::addMembers(const QStringList &addresses)
{
    if (addresses.isEmpty()) {
        finish(tr("Choose at least one contact to add."));
        return false;
    }
    return start(int(GroupOp::Add), {}, addresses);
}

bool GroupViewModel::removeMember(const QString &address)
{
    return start(int(GroupOp::Remove), {}, {address});
}

bool GroupViewModel::makeAdmin(const QString &address)
{
    return start(int(GroupOp::GrantAdmin), {}, {address});
}

bool GroupViewModel::leave()
{
    return start(int(GroupOp::Leave), {}, {});
}

QString GroupViewModel::displayNameOf(const QString &address) const
{
    if (address == m_self) {
        return tr("You");
    }
    for (int row = 0; row < m_contacts->rowCount(); ++row) {
        const QModelIndex index = m_contacts->index(row, 0);
        if (index.data(ContactListModel::AddressRole).toString() == address) {
            return index.data(ContactListModel::DisplayNameRole).toString();
        }
    }
    return address.section(u'@', 0, 0);
}

void GroupViewModel::clearError()
{
    if (!m_errorText.isEmpty()) {
        m_errorText.clear();
        emit errorTextChanged();
    }
}

bool GroupViewModel::start(int op, const QString &name, const QStringList &members)
{
    if (isBusy()) {
        return false;
    }
    if (m_sessions == nullptr) {
        finish(tr("The profile is not open."));
        return false;
    }
    if (op != int(GroupOp::Create) && m_groupId.isEmpty()) {
        finish(tr("No group is open."));
        return false;
    }
    // A name no other command of this process has (view models come and go at one address).
    static std::atomic<quint64> requests{0};
    m_pending = op;
    m_request = QStringLiteral("group-view-model:%1").arg(++requests);
    clearError();
    emit busyChanged();
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions,
        [sessions, op, id = m_groupId, name, members, request = m_request] {
            sessions->changeGroup(op, id, name, members, request);
        },
        Qt::QueuedConnection);
    return true;
}

void GroupViewModel::load()
{
    if (!m_store) {
        return;
    }
    m_guard.deliver(
        m_store->run([groupId = m_groupId](StoreContext &context) -> StoreResult<LoadedGroup> {
            auto identity = IdentityTable(context).load();
            if (const auto *error = std::get_if<StoreError>(&identity)) {
                return *error;
            }
            LoadedGroup loaded;
            loaded.self = std::get<OwnIdentityRecord>(identity).address;
            if (groupId.isEmpty()) {
                return loaded;
            }
            auto state = loadGroup(context, groupId);
            if (const auto *error = std::get_if<StoreError>(&state)) {
                return *error;
            }
            if (const auto &found = std::get<std::optional<GroupState>>(state)) {
                loaded.summary.id = found->groupId;
                loaded.summary.name = found->name.trimmed();
                loaded.summary.epoch = found->epoch;
                for (const GroupMember &member : found->members) {
                    loaded.summary.members << member.address;
                    if (member.admin) {
                        loaded.summary.admins << member.address;
                    }
                }
                loaded.summary.member = loaded.summary.members.contains(loaded.self);
            }
            return loaded;
        }),
        [this](const StoreResult<LoadedGroup> &found) {
            if (const auto *loaded = std::get_if<LoadedGroup>(&found)) {
                m_self = loaded->self;
                if (!loaded->summary.id.isEmpty() && loaded->summary.id == m_groupId) {
                    apply(loaded->summary);
                } else {
                    emit groupChanged(); // isAdmin depends on m_self
                }
            }
        });
}

void GroupViewModel::apply(const GroupSummary &group)
{
    m_groupId = group.id;
    m_name = group.name.trimmed();
    m_members = group.members;
    m_admins = group.admins;
    m_member = group.member;
    emit groupChanged();
}

void GroupViewModel::finish(const QString &error)
{
    const bool wasBusy = isBusy();
    m_pending = 0;
    m_request.clear();
    if (error != m_errorText) {
        m_errorText = error;
        emit errorTextChanged();
    }
    if (wasBusy) {
        emit busyChanged();
    }
}

} // namespace parley::core
