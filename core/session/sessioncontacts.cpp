// SessionManager's contacts: adding one, message requests (M1 §8) and blocking. Kept apart from
// sessionmanager.cpp, which holds sessions and sending.

#include "core/account/accountmanager.h"
#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

using namespace sessionhelpers;

void SessionManager::addContact(const QString &contact)
{
    const QString address = commandAddress(contact, true);
    if (address.isEmpty()) {
        return;
    }
    enqueue([this, address](std::function<void()> next) {
        ensureSessions(address, [this, address, next](const QString &error) {
            if (!error.isEmpty()) {
                emit commandFailed(address, error);
                next();
                return;
            }
            // Adding a request's sender accepts the request (M1 §8).
            acceptInStore(address, false, [this, address, next](const QString &failure) {
                if (failure.isEmpty()) {
                    emit contactReady(address);
                } else {
                    emit commandFailed(address, failure);
                }
                next();
            });
        });
    });
}

void SessionManager::acceptInStore(const QString &address, bool onlyRequest, Completion done)
{
    const auto store = m_account->store();
    const auto device = m_account->device();
    if (!store || !device) {
        done(tr("The profile is not open."));
        return;
    }
    whenDone(store->run([device, address](StoreContext &context) {
        return acceptRequestInStore(context, *device, address, nowMs());
    }),
             [this, address, onlyRequest, done](const StoreResult<AcceptedRequest> &accepted) {
                 if (const auto *error = std::get_if<StoreError>(&accepted)) {
                     done(error->code == StoreError::Code::NotFound ? error->detail
                                                                    : error->message());
                     return;
                 }
                 const auto &result = std::get<AcceptedRequest>(accepted);
                 if (!result.wasRequest && onlyRequest) {
                     done(tr("There is no message request from %1.").arg(address));
                     return;
                 }
                 if (result.wasRequest) {
                     emit requestAccepted(address, result.delivered, result.read);
                 }
                 if (!result.outbox.empty()) {
                     flushOutbox();
                 }
                 if (!result.wasRequest) {
                     done({});
                     return;
                 }
                 applyDefaultTimer(address, DefaultTimerCase::AcceptedRequest,
                                   [this, address, done](const QString &failure) {
                                       if (!failure.isEmpty()) {
                                           // Accepted all the same: the timer is the user's
                                           // to set by hand now.
                                           emit commandFailed(address, failure);
                                       }
                                       done({});
                                   });
             });
}

void SessionManager::acceptRequest(const QString &contact)
{
    const QString address = commandAddress(contact, true);
    if (address.isEmpty()) {
        return;
    }
    enqueue([this, address](std::function<void()> next) {
        acceptInStore(address, true, [this, address, next](const QString &failure) {
            if (!failure.isEmpty()) {
                emit commandFailed(address, failure);
            }
            next();
        });
    });
}

void SessionManager::deleteRequest(const QString &contact)
{
    const QString address = commandAddress(contact, false);
    if (address.isEmpty()) {
        return;
    }
    const auto store = m_account->store();
    enqueue([this, store, address](std::function<void()> next) {
        whenDone(store->run([address](StoreContext &context) {
            return deleteRequestInStore(context, address);
        }),
                 [this, address, next](const StoreResult<int> &deleted) {
                     if (const auto *error = std::get_if<StoreError>(&deleted)) {
                         emit commandFailed(address, error->code == StoreError::Code::NotFound
                                                         ? error->detail
                                                         : error->message());
                     } else {
                         m_knownConversations.remove(address); // a new first send gets the default
                         emit requestDeleted(address, std::get<int>(deleted));
                     }
                     next();
                 });
    });
}

void SessionManager::setBlocked(const QString &contact, bool blocked)
{
    const QString address = commandAddress(contact, false);
    if (address.isEmpty()) {
        return;
    }
    const auto store = m_account->store();
    if (address == m_account->status().accountAddress) {
        emit commandFailed(contact, tr("You cannot block yourself."));
        return;
    }
    enqueue([this, store, address, blocked](std::function<void()> next) {
        whenDone(store->run([address, blocked](StoreContext &context) {
            return setBlockedInStore(context, address, blocked, nowMs());
        }),
                 [this, address, blocked, next](const StoreResult<bool> &changed) {
                     if (const auto *error = std::get_if<StoreError>(&changed)) {
                         emit commandFailed(address, error->message());
                     } else {
                         emit blockedChanged(address, blocked);
                     }
                     next();
                 });
    });
}

void SessionManager::listBlocked()
{
    const auto store = m_account->store();
    if (!store) {
        emit blockedListed({});
        return;
    }
    whenDone(store->run([](StoreContext &context) { return ContactTable(context).blocked(); }),
             [this](const StoreResult<std::vector<ContactRecord>> &found) {
                 QStringList addresses;
                 if (const auto *list = std::get_if<std::vector<ContactRecord>>(&found)) {
                     for (const ContactRecord &record : *list) {
                         addresses.append(record.address);
                     }
                 } else {
                     qCWarning(lcSession)
                         << "cannot list blocked addresses:" << std::get<StoreError>(found).detail;
                 }
                 emit blockedListed(addresses);
             });
}

void SessionManager::listRequests()
{
    const auto store = m_account->store();
    if (!store) {
        emit requestsListed({});
        return;
    }
    whenDone(store->run([](StoreContext &context) { return core::listRequests(context); }),
             [this](const StoreResult<std::vector<RequestSummary>> &found) {
                 QList<RequestSummary> requests;
                 if (const auto *list = std::get_if<std::vector<RequestSummary>>(&found)) {
                     requests = QList<RequestSummary>(list->begin(), list->end());
                 } else {
                     qCWarning(lcSession)
                         << "cannot list message requests:" << std::get<StoreError>(found).detail;
                 }
                 emit requestsListed(requests);
             });
}

} // namespace parley::core
