// SessionManager's device-list refreshes (protocol B1 §7; docs/architecture.md, "Device
// changes"): a contact's verified list retires the sessions of unlisted devices and makes
// sessions with new ones; a text refused for a retired device goes to the others. Kept apart
// from sessionrecovery.cpp, which handles key changes and session resets.

#include "core/account/accountmanager.h"
#include "core/session/bundlesession.h"
#include "core/session/groupdevices.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/profilestore.h"
#include "crypto/devicelist.h"
#include "crypto/identity.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

using namespace sessionhelpers;

void SessionManager::onUnknownRecipient(const OutboxEntry &entry, const QStringList &refused)
{
    if (entry.envelope.startsWith(kMultiOutboxMarker)) {
        onRefusedGroupRecipients(entry, refused);
        return;
    }
    const QString recipient = entry.recipients.value(0);
    const QString address = accountOf(recipient);
    if (entry.recipients.size() != 1 || recipient.mid(address.size() + 1).toUInt() == 0 ||
        address.isEmpty()) {
        finishEntry(entry, MessageRecord::FailureReason::UnknownRecipient);
        return;
    }
    m_refreshing[address].append(entry);
    refreshDevicesOnce(address);
}

void SessionManager::onRefusedGroupRecipients(const OutboxEntry &entry, const QStringList &refused)
{
    const auto store = m_account->store();
    if (!store) {
        m_inFlight.remove(entry.clientMessageId); // sent again on the next connection
        return;
    }
    whenDone(store->run([entry, refused](StoreContext &context) {
        return withoutRefusedRecipients(context, entry, refused);
    }),
             [this, entry, refused](const StoreResult<std::optional<OutboxEntry>> &narrowed) {
                 if (const auto *error = std::get_if<StoreError>(&narrowed)) {
                     if (error->code != StoreError::Code::NotFound) { // NotFound: replaced
                         qCWarning(lcSession) << "cannot narrow a group message:" << error->detail;
                     }
                     m_inFlight.remove(entry.clientMessageId);
                     checkOutboxDrained();
                     return;
                 }
                 const auto &next = std::get<std::optional<OutboxEntry>>(narrowed);
                 if (!next) {
                     finishEntry(entry, MessageRecord::FailureReason::UnknownRecipient);
                     return;
                 }
                 m_inFlight.remove(entry.clientMessageId);
                 sendEntry(*next);
                 QSet<QString> accounts;
                 for (const QString &device : refused) {
                     accounts.insert(accountOf(device));
                 }
                 for (const QString &address : accounts) {
                     if (!address.isEmpty()) {
                         refreshDevicesOnce(address);
                     }
                 }
             });
}

void SessionManager::whenRefreshed(std::function<void()> then)
{
    if (m_refreshRunning.isEmpty()) {
        then();
        return;
    }
    // Those running now only: refreshes started later do not hold it back.
    m_afterRefreshes.append({m_refreshRunning, std::move(then)});
}

void SessionManager::refreshDevicesOnce(const QString &address)
{
    if (m_refreshRunning.contains(address)) {
        return; // the running refresh finishes what waits in m_refreshing
    }
    m_refreshRunning.insert(address);
    refreshDevices(address, [this, address](const std::optional<std::vector<quint32>> &listed) {
        m_refreshRunning.remove(address);
        const QList<OutboxEntry> entries = m_refreshing.take(address);
        for (const OutboxEntry &waiting : entries) {
            const quint32 id = waiting.recipients.value(0).mid(address.size() + 1).toUInt();
            // Not in the verified current list: retired (now or by an earlier refresh).
            const bool gone =
                listed && std::find(listed->begin(), listed->end(), id) == listed->end();
            // A retired device's entry is no failure: its text went to the current devices.
            finishEntry(waiting, gone ? MessageRecord::FailureReason::None
                                      : MessageRecord::FailureReason::UnknownRecipient);
        }
        refreshEnded(address); // a group text's refresh has no entry waiting for it
    });
}

void SessionManager::refreshEnded(const QString &address)
{
    m_refreshRunning.remove(address);
    checkOutboxDrained();
    QList<std::function<void()>> ready;
    for (auto waiter = m_afterRefreshes.begin(); waiter != m_afterRefreshes.end();) {
        waiter->waitingFor.remove(address);
        if (waiter->waitingFor.isEmpty()) {
            ready.append(std::move(waiter->then));
            waiter = m_afterRefreshes.erase(waiter);
        } else {
            ++waiter;
        }
    }
    for (const auto &then : ready) {
        then();
    }
}

void SessionManager::refreshDevices(const QString &address, RefreshDone done)
{
    const auto parsed = crypto::AccountAddress::parse(address.toStdString());
    const auto store = m_account->store();
    if (!std::holds_alternative<crypto::AccountAddress>(parsed) || !store) {
        done(std::nullopt);
        return;
    }
    wire::Request request;
    request.mutable_lookup_user()->set_username(std::get<crypto::AccountAddress>(parsed).username);
    m_connection->request(std::move(request), [this, address,
                                               done](const RelayConnection::RequestResult &result) {
        const auto *response = std::get_if<wire::Response>(&result);
        const auto store = m_account->store();
        if (response == nullptr || response->status().code() != wire::Status::OK ||
            !response->has_user() || !store) {
            done(std::nullopt);
            return;
        }
        const QByteArray key = QByteArray::fromStdString(response->user().account_key());
        auto parsedList = crypto::DeviceList::parse(viewOf(response->user().device_list()));
        if (key.size() != 32 || !std::holds_alternative<crypto::DeviceList>(parsedList)) {
            done(std::nullopt);
            return;
        }
        auto list = std::make_shared<crypto::DeviceList>(std::get<crypto::DeviceList>(parsedList));
        whenDone(
            store->run([address](StoreContext &context) { return loadContact(context, address); }),
            [this, address, key, list,
             done](const StoreResult<std::optional<ContactState>> &loaded) {
                const auto *known = std::get_if<std::optional<ContactState>>(&loaded);
                // Another account key is a key change (its own path, never silent).
                if (known == nullptr || !*known || (*known)->accountKey != key ||
                    !(*known)->pendingAccountKey.isEmpty()) {
                    done(std::nullopt);
                    return;
                }
                crypto::Ed25519PublicKey pinned{};
                std::copy_n(key.constData(), 32, reinterpret_cast<char *>(pinned.data()));
                // Signed by the pinned key, for this address, not older than what we saw (C1
                // §2.3: a relay cannot roll a removal back, nor forge an addition).
                if (QString::fromStdString(list->account.toString()) != address ||
                    crypto::verifyDeviceList(*list, pinned, (*known)->deviceListCounter)) {
                    qCWarning(lcSession) << "a device list of" << address << "does not verify";
                    done(std::nullopt);
                    return;
                }
                std::vector<quint32> listed;
                for (const crypto::DeviceListEntry &entry : list->devices) {
                    listed.push_back(entry.device.value);
                }
                const auto store = m_account->store();
                if (!store) {
                    done(std::nullopt); // locked meanwhile
                    return;
                }
                whenDone(store->run([address, key, listed,
                                     counter = list->counter](StoreContext &context) {
                    return retireUnlistedDevices(context, address, key, listed, counter);
                }),
                         [this, address, key, list, pinned,
                          done](const StoreResult<DeviceChange> &retired) {
                             if (const auto *error = std::get_if<StoreError>(&retired)) {
                                 qCWarning(lcSession) << "cannot retire devices:" << error->detail;
                                 done(std::nullopt);
                                 return;
                             }
                             establishNewDevices(address, key, pinned, list,
                                                 std::get<DeviceChange>(retired), done);
                         });
            });
    });
}

void SessionManager::establishNewDevices(const QString &address, const QByteArray &key,
                                         const crypto::Ed25519PublicKey &pinned,
                                         const std::shared_ptr<const crypto::DeviceList> &list,
                                         const DeviceChange &change, RefreshDone done)
{
    struct Pending
    {
        std::vector<std::pair<quint32, PeerRecord>> peers;
        std::size_t waiting = 0;
    };
    const auto device = m_account->device();
    if (!device) {
        done(std::nullopt); // signed out meanwhile
        return;
    }
    auto pending = std::make_shared<Pending>();
    pending->waiting = change.missing.size() + 1; // +1: released after the loop
    std::vector<quint32> listed;
    for (const crypto::DeviceListEntry &entry : list->devices) {
        listed.push_back(entry.device.value);
    }
    const auto finish = [this, pending, address, key, list, change, listed, done] {
        if (--pending->waiting > 0) {
            return;
        }
        const auto store = m_account->store();
        const auto device = m_account->device();
        if (!store || !device) {
            done(std::nullopt);
            return;
        }
        auto groups = std::make_shared<std::vector<SentGroupChange>>();
        whenDone(store->run([address, key, counter = list->counter, pending, change, device, listed,
                             groups](StoreContext &context) {
            auto stored = storeNewDeviceSessions(context, *device, address, key, counter,
                                                 pending->peers, change.unsent, nowMs());
            if (std::holds_alternative<StoreError>(stored)) {
                return stored;
            }
            // The contact's devices changed: where we are an admin, our groups list them (M1
            // §9.7). Only then: a list seen before changes nothing, so two admins shown
            // different lists by a relay do not answer each other's changes for ever.
            if (!pending->peers.empty() || !change.retired.empty()) {
                auto updated = updateGroupDevices(context, *device, address, key, listed, nowMs());
                if (auto *made = std::get_if<std::vector<SentGroupChange>>(&updated)) {
                    *groups = std::move(*made);
                } else {
                    qCWarning(lcSession) << "cannot update the groups of" << address << ":"
                                         << std::get<StoreError>(updated).detail;
                }
            }
            return stored;
        }),
                 [this, address, pending, change, listed, groups,
                  done](const StoreResult<OutgoingResult> &stored) {
                     flushOutbox();
                     announceGroupChanges(*groups);
                     if (const auto *error = std::get_if<StoreError>(&stored)) {
                         qCWarning(lcSession) << "cannot store new sessions:" << error->detail;
                         done(std::nullopt); // the refused texts fail visibly
                         return;
                     }
                     if (!pending->peers.empty() || !change.retired.empty()) {
                         emit devicesChanged(address, int(pending->peers.size()),
                                             int(change.retired.size()));
                     }
                     // A new device we could not reach: the refused texts fail visibly rather
                     // than count as sent.
                     done(pending->peers.size() == change.missing.size()
                              ? std::optional<std::vector<quint32>>(listed)
                              : std::nullopt);
                 });
    };
    for (const quint32 id : change.missing) {
        const crypto::DeviceAddress target{list->account, {id}};
        fetchBundle(target, 0,
                    [pending, finish, target, pinned, counter = list->counter,
                     device](const RelayConnection::RequestResult &result) {
                        auto made = sessionFromBundle(std::get_if<wire::Response>(&result), target,
                                                      pinned, counter, *device);
                        if (auto *peer = std::get_if<PeerRecord>(&made)) {
                            pending->peers.emplace_back(target.device.value, std::move(*peer));
                        } else {
                            qCWarning(lcSession)
                                << "no session with a new device:" << std::get<QString>(made);
                        }
                        finish();
                    });
    }
    finish();
}

} // namespace parley::core
