// SessionManager's half of a member's own devices in its groups (protocol M1 §9.7): after our
// device list changed (a profile archive imported here, a device added or retired), each
// group that lists other devices for us is told with a devices change. The database-thread
// half is announceOwnDevices (grouppipeline.cpp). Kept apart from sessiongroups.cpp.

#include "core/account/accountmanager.h"
#include "core/session/grouppipeline.h"
#include "core/session/sessionmanager.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

void SessionManager::announceGroupDevices()
{
    const auto store = m_account->store();
    const auto self = m_account->device();
    if (!store || !self) {
        return;
    }
    const QString selfAddress = m_account->status().accountAddress;
    enqueue([this, store, self, selfAddress](std::function<void()> next) {
        whenDone(store->run([self](StoreContext &context) {
            return announceOwnDevices(context, *self, QDateTime::currentMSecsSinceEpoch());
        }),
                 [this, next, selfAddress](const StoreResult<std::vector<SentGroupChange>> &sent) {
                     if (const auto *error = std::get_if<StoreError>(&sent)) {
                         qCWarning(lcSession) << "group devices not announced:" << error->message();
                         next();
                         return;
                     }
                     bool queued = false;
                     for (const SentGroupChange &done :
                          std::get<std::vector<SentGroupChange>>(sent)) {
                         for (const QString &address : done.unreached) {
                             qCWarning(lcSession)
                                 << "group devices change not sent to" << address << "(no session)";
                         }
                         if (done.made.update.after) {
                             GroupSummary summary;
                             summary.id = done.made.update.after->groupId;
                             summary.name = done.made.update.after->name;
                             summary.epoch = done.made.update.after->epoch;
                             for (const GroupMember &member : done.made.update.after->members) {
                                 summary.members << member.address;
                                 if (member.admin) {
                                     summary.admins << member.address;
                                 }
                             }
                             summary.member = summary.members.contains(selfAddress);
                             emit groupChanged(summary, selfAddress, int(done.made.update.outcome));
                         }
                         queued = queued || !done.outbox.empty();
                     }
                     if (queued) {
                         flushOutbox();
                     }
                     next();
                 });
    });
}

} // namespace parley::core
