// SessionManager's owed group contents (protocol M1 §9.11 "A member left out"): what a group
// send could not give a member without a session, given once it can be reached. The
// database-thread halves are groupowed.cpp.

#include "core/account/accountmanager.h"
#include "core/session/groupowed.h"
#include "core/session/sessionmanager.h"
#include "core/store/owedgroupcontenttable.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

void SessionManager::payOwedGroupContents()
{
    enqueue([this](std::function<void()> next) {
        // After device list refreshes, as a group send: a member's new device is known.
        whenRefreshed([this, next] {
            const auto store = m_account->store();
            if (!store) {
                next();
                return;
            }
            whenDone(store->run([](StoreContext &context) {
                return OwedGroupContentTable(context).groups(QDateTime::currentMSecsSinceEpoch());
            }),
                     [this, next](const StoreResult<QList<QByteArray>> &found) {
                         const auto *groups = std::get_if<QList<QByteArray>>(&found);
                         if (groups == nullptr || groups->isEmpty()) {
                             next();
                             return;
                         }
                         payOwedInTurn(*groups, next);
                     });
        });
    });
}

void SessionManager::payOwedInTurn(QList<QByteArray> groups, std::function<void()> then)
{
    if (groups.isEmpty()) {
        flushOutbox();
        then();
        return;
    }
    const QByteArray groupId = groups.takeFirst();
    reachMembers(groupId, [this, groupId, groups, then] {
        const auto store = m_account->store();
        const auto self = m_account->device();
        if (!store || !self) {
            then(); // closed meanwhile
            return;
        }
        whenDone(store->run([self, groupId](StoreContext &context) {
            return parley::core::payOwedGroupContents(context, *self, groupId,
                                                      QDateTime::currentMSecsSinceEpoch());
        }),
                 [this, groups, then](const StoreResult<PaidOwed> &result) {
                     if (const auto *error = std::get_if<StoreError>(&result)) {
                         qCWarning(lcSession) << "owed group contents not sent:" << error->detail;
                     } else if (const auto &paid = std::get<PaidOwed>(result); paid.paid > 0) {
                         qCInfo(lcSession) << "sent" << paid.paid
                                           << "owed group content(s) to members reached now;"
                                           << paid.waiting << "still wait";
                     }
                     payOwedInTurn(groups, then);
                 });
    });
}

} // namespace parley::core
