// SessionManager's key-change and session-reset handling (docs/architecture.md, "Key changes"
// and "Session resets"; protocol C2a). Kept apart from sessionmanager.cpp, which sends and
// receives; the store halves are in keychangepipeline.cpp and sessionresetpipeline.cpp.

#include "core/account/accountmanager.h"
#include "core/session/bundlesession.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
#include "core/store/profilestore.h"
#include "crypto/devicelist.h"
#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/safetynumber.h"
#include "crypto/sessionresetratelimiter.h"
#include "crypto/x3dh.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

using namespace sessionhelpers;

bool SessionManager::isHeld(const OutboxEntry &entry) const
{
    return !entry.recipients.isEmpty() &&
           m_changedKeys.contains(accountOf(entry.recipients.first()));
}

void SessionManager::noteKeyChange(const QString &address, bool verified)
{
    m_changedKeys.insert(address);
    if (!m_notified.contains(address)) {
        m_notified.insert(address);
        emit keyChanged(address, verified);
    }
    if (!verified) {
        scheduleAcceptance(address); // the notice is all an unverified contact gets
    }
}

void SessionManager::scheduleAcceptance(const QString &address)
{
    if (m_accepting.contains(address)) {
        return;
    }
    m_accepting.insert(address);
    enqueue([this, address](std::function<void()> next) {
        runKeyChangeAcceptance(address, [this, address, next](const QString &error) {
            m_accepting.remove(address);
            if (!error.isEmpty()) {
                emit commandFailed(address, error);
            }
            next();
        });
    });
}

void SessionManager::confirmKeyChange(const QString &address)
{
    // A sealed envelope proves only that its sender holds the key its certificate names, and
    // anyone can make a certificate naming any address. The relay binds usernames to account
    // keys (and TOFU trusts it for that), so a change counts once LookupUser says so. Until
    // then the contact's outbox is held and its envelopes stay held.
    if (m_confirming.contains(address)) {
        return;
    }
    const auto parsed = crypto::AccountAddress::parse(address.toStdString());
    if (!std::holds_alternative<crypto::AccountAddress>(parsed)) {
        return;
    }
    m_confirming.insert(address);
    m_changedKeys.insert(address);
    wire::Request request;
    request.mutable_lookup_user()->set_username(std::get<crypto::AccountAddress>(parsed).username);
    m_connection->request(std::move(request), [this, address](
                                                  const RelayConnection::RequestResult &result) {
        const auto *response = std::get_if<wire::Response>(&result);
        const auto store = m_account->store();
        if (response == nullptr || response->status().code() != wire::Status::OK ||
            !response->has_user() || response->user().account_key().size() != 32 || !store) {
            m_confirming.remove(address); // still held; asked again on the next connection
            return;
        }
        const QByteArray key = QByteArray::fromStdString(response->user().account_key());
        whenDone(
            store->run([address](StoreContext &context) { return loadContact(context, address); }),
            [this, address, key](const StoreResult<std::optional<ContactState>> &loaded) {
                const auto *known = std::get_if<std::optional<ContactState>>(&loaded);
                if (known == nullptr || !*known || (*known)->pendingAccountKey.isEmpty()) {
                    m_confirming.remove(address);
                    if (known != nullptr && !m_notified.contains(address)) {
                        m_changedKeys.remove(address);
                    }
                    return;
                }
                const ContactState state = **known;
                const auto store = m_account->store();
                if (!store) {
                    m_confirming.remove(address); // locked meanwhile
                    return;
                }
                if (key == state.accountKey) {
                    whenDone(store->run([address, key](StoreContext &context) {
                        return dismissKeyChange(context, address, key);
                    }),
                             [this, address](const StoreStatus &dismissed) {
                                 m_confirming.remove(address);
                                 if (std::holds_alternative<StoreError>(dismissed)) {
                                     return;
                                 }
                                 qCWarning(lcSession) << "an envelope claimed a new key for"
                                                      << address << "that the relay denies";
                                 m_changedKeys.remove(address);
                                 m_notified.remove(address);
                                 emit keyChangeDismissed(address);
                                 flushOutbox();
                             });
                    return;
                }
                // The relay's key is what the user will be asked to accept.
                whenDone(store->run([address, key](StoreContext &context) {
                    return recordKeyChange(context, address, key, nowMs());
                }),
                         [this, address](const StoreResult<bool> &recorded) {
                             m_confirming.remove(address);
                             if (const auto *verified = std::get_if<bool>(&recorded)) {
                                 noteKeyChange(address, *verified);
                             }
                         });
            });
    });
}

void SessionManager::acceptKeyChange(const QString &contact)
{
    const QString address = commandAddress(contact, true);
    if (address.isEmpty()) {
        return;
    }
    enqueue([this, address](std::function<void()> next) {
        runKeyChangeAcceptance(address, [this, address, next](const QString &error) {
            if (!error.isEmpty()) {
                emit commandFailed(address, error);
            }
            next();
        });
    });
}

void SessionManager::setVerified(const QString &contact, bool verified)
{
    const QString address = commandAddress(contact, false);
    if (address.isEmpty()) {
        return;
    }
    const auto store = m_account->store();
    whenDone(store->run([address, verified](StoreContext &context) {
        return setContactVerified(context, address, verified);
    }),
             [this, address, verified](const StoreStatus &set) {
                 if (std::holds_alternative<StoreError>(set)) {
                     emit commandFailed(
                         address,
                         m_changedKeys.contains(address)
                             ? tr("The key of %1 changed: accept the new key, then compare "
                                  "the new safety number.")
                                   .arg(address)
                             : std::get<StoreError>(set).message());
                     return;
                 }
                 emit verifiedChanged(address, verified);
             });
}

void SessionManager::describeContact(const QString &contact)
{
    const QString address = resolve(contact);
    const auto store = m_account->store();
    const auto device = m_account->device();
    if (address.isEmpty() || !store || !device) {
        ContactKeys keys;
        keys.address = contact;
        keys.error = address.isEmpty() ? tr("%1 is not a valid username.").arg(contact)
                                       : tr("The profile is not open.");
        emit contactDescribed(keys);
        return;
    }
    whenDone(
        store->run([address](StoreContext &context) { return loadContact(context, address); }),
        [this, address, device](const StoreResult<std::optional<ContactState>> &loaded) {
            ContactKeys keys;
            keys.address = address;
            const auto *known = std::get_if<std::optional<ContactState>>(&loaded);
            if (known == nullptr || !*known || (*known)->accountKey.size() != 32) {
                keys.error = known == nullptr ? std::get<StoreError>(loaded).message()
                                              : tr("%1 is not a contact yet.").arg(address);
                emit contactDescribed(keys);
                return;
            }
            const ContactState &state = **known;
            keys.verified = state.verified;
            keys.keyChanged = !state.pendingAccountKey.isEmpty();
            keys.keyChangedAt = state.keyChangedAt;
            const QByteArray &theirs = keys.keyChanged ? state.pendingAccountKey : state.accountKey;
            const auto &ours = device->certificate().accountKey;
            auto number = crypto::safetyNumber(
                ours, device->address().account.toString(),
                crypto::ByteView(reinterpret_cast<const crypto::Byte *>(theirs.constData()),
                                 std::size_t(theirs.size())),
                address.toStdString());
            if (const auto *fingerprint = std::get_if<crypto::Fingerprint>(&number)) {
                keys.digits = QString::fromStdString(fingerprint->displayDigits);
                keys.local = QByteArray(reinterpret_cast<const char *>(fingerprint->local.data()),
                                        qsizetype(fingerprint->local.size()));
                keys.remote = QByteArray(reinterpret_cast<const char *>(fingerprint->remote.data()),
                                         qsizetype(fingerprint->remote.size()));
            } else {
                keys.error = tr("The safety number with %1 cannot be computed.").arg(address);
            }
            emit contactDescribed(keys);
        });
}

void SessionManager::runKeyChangeAcceptance(const QString &address, Completion done)
{
    const auto parsed = crypto::AccountAddress::parse(address.toStdString());
    if (!std::holds_alternative<crypto::AccountAddress>(parsed)) {
        done(tr("%1 is not a valid username.").arg(address));
        return;
    }
    // The key to pin comes from the relay's LookupUser and must be the pending one (the one
    // the user saw the new safety number of); a third key is a change again.
    wire::Request request;
    request.mutable_lookup_user()->set_username(std::get<crypto::AccountAddress>(parsed).username);
    m_connection->request(std::move(request), [this, address,
                                               done](const RelayConnection::RequestResult &result) {
        const auto *response = std::get_if<wire::Response>(&result);
        if (response == nullptr) {
            done(tr("Parley is not connected to the relay."));
            return;
        }
        if (response->status().code() != wire::Status::OK || !response->has_user()) {
            done(tr("The relay could not look up %1.").arg(address));
            return;
        }
        const QByteArray key = QByteArray::fromStdString(response->user().account_key());
        auto list = crypto::DeviceList::parse(viewOf(response->user().device_list()));
        crypto::Ed25519PublicKey accountKey{};
        if (key.size() != 32 || !std::holds_alternative<crypto::DeviceList>(list)) {
            done(tr("The relay sent damaged keys for %1.").arg(address));
            return;
        }
        std::copy_n(key.constData(), 32, reinterpret_cast<char *>(accountKey.data()));
        const auto &devices = std::get<crypto::DeviceList>(list);
        if (QString::fromStdString(devices.account.toString()) != address ||
            crypto::verifyDeviceList(devices, accountKey, std::nullopt)) {
            done(tr("The relay sent keys for %1 that do not verify.").arg(address));
            return;
        }
        const quint64 counter = devices.counter;
        const auto store = m_account->store();
        if (!store) {
            done(tr("The profile was closed."));
            return;
        }
        whenDone(
            store->run([address](StoreContext &context) { return loadContact(context, address); }),
            [this, address, key, counter,
             done](const StoreResult<std::optional<ContactState>> &loaded) {
                const auto *known = std::get_if<std::optional<ContactState>>(&loaded);
                if (known == nullptr || !*known || (*known)->pendingAccountKey.isEmpty()) {
                    if (known != nullptr && *known && (*known)->accountKey == key) {
                        m_changedKeys.remove(address);
                        done({}); // accepted meanwhile
                        return;
                    }
                    done(tr("There is no key change of %1 to accept.").arg(address));
                    return;
                }
                const auto store = m_account->store();
                if (!store) {
                    done(tr("The profile is not open."));
                    return;
                }
                if ((*known)->pendingAccountKey != key) {
                    whenDone(store->run([address, key](StoreContext &context) {
                        return recordKeyChange(context, address, key, nowMs());
                    }),
                             [address, done](const StoreResult<bool> &) {
                                 done(tr("The key of %1 changed again. Compare the new "
                                         "safety number before you accept it.")
                                          .arg(address));
                             });
                    return;
                }
                whenDone(store->run([address, key, counter](StoreContext &context) {
                    return acceptKeyChangeInStore(context, address, key, counter);
                }),
                         [this, address, done](const StoreStatus &accepted) {
                             if (const auto *error = std::get_if<StoreError>(&accepted)) {
                                 done(error->message());
                                 return;
                             }
                             m_changedKeys.remove(address);
                             finishKeyChangeAcceptance(address, done);
                         });
            });
    });
}

void SessionManager::resumeKeyChangeFinishing()
{
    const auto store = m_account->store();
    if (!store) {
        return;
    }
    whenDone(store->run([](StoreContext &context) {
        return ContactTable(context).withKeyChangeFinishing();
    }),
             [this, storeId = store.get()](const StoreResult<QStringList> &listed) {
                 if (storeId != m_account->store().get()) {
                     return;
                 }
                 if (const auto *error = std::get_if<StoreError>(&listed)) {
                     qCWarning(lcSession) << "cannot read unfinished key changes:" << error->detail;
                     return;
                 }
                 for (const QString &address : std::get<QStringList>(listed)) {
                     // A command like an acceptance, so it never runs beside one (whose own
                     // follow-up may have finished it meanwhile: asked again at its turn).
                     enqueue([this, address](std::function<void()> next) {
                         finishMarkedKeyChange(address, next);
                     });
                 }
             });
}

void SessionManager::finishMarkedKeyChange(const QString &address, std::function<void()> next)
{
    const auto store = m_account->store();
    if (!store) {
        next();
        return;
    }
    whenDone(store->run([](StoreContext &context) {
        return ContactTable(context).withKeyChangeFinishing();
    }),
             [this, address, next, storeId = store.get()](const StoreResult<QStringList> &listed) {
                 const auto *marked = std::get_if<QStringList>(&listed);
                 if (storeId != m_account->store().get() || marked == nullptr ||
                     !marked->contains(address)) {
                     next();
                     return;
                 }
                 qCInfo(lcSession) << "finishing an accepted key change of" << address;
                 finishKeyChangeAcceptance(address, [address, next](const QString &error) {
                     if (!error.isEmpty()) {
                         qCInfo(lcSession) << "the accepted key change of" << address
                                           << "is finished later:" << error;
                     }
                     next();
                 });
             });
}

void SessionManager::finishKeyChangeAcceptance(const QString &address, Completion done)
{
    // What the new identity sent while the change waited, through the normal receive path
    // (already acked to the relay when it was held).
    const auto store = m_account->store();
    const auto device = m_account->device();
    const auto limiter = m_resetLimiter;
    if (!store || !device) {
        done(tr("The profile is not open."));
        return;
    }
    whenDone(store->run([address, device, limiter](StoreContext &context) {
        return replayHeldEnvelopes(context, *device, address, *limiter, nowMs());
    }),
             [this, address, done](const StoreResult<std::vector<InboundResult>> &replayed) {
                 bool flush = false;
                 if (const auto *results = std::get_if<std::vector<InboundResult>>(&replayed)) {
                     for (const InboundResult &result : *results) {
                         handleInbound(result, &flush);
                     }
                 } else {
                     qCWarning(lcSession) << "cannot replay held envelopes:"
                                          << std::get<StoreError>(replayed).detail;
                 }
                 // Sessions with the new identity: those its initial messages made, else a
                 // fresh bundle and X3DH per device.
                 ensureSessions(address, [this, address, done](const QString &error) {
                     if (!error.isEmpty()) {
                         done(error);
                         return;
                     }
                     const auto store = m_account->store();
                     const auto device = m_account->device();
                     if (!store || !device) {
                         done(tr("The profile is not open."));
                         return;
                     }
                     whenDone(store->run([address, device](StoreContext &context) {
                         return reencryptUnconfirmed(context, *device, address, nowMs());
                     }),
                              [this, address, done](const StoreResult<OutgoingResult> &again) {
                                  if (const auto *error = std::get_if<StoreError>(&again)) {
                                      done(error->message());
                                      return;
                                  }
                                  flushOutbox();
                                  emit keyChangeAccepted(address);
                                  done({});
                              });
                 });
             });
}

void SessionManager::loadPendingKeyChanges()
{
    const auto store = m_account->store();
    if (!store) {
        return;
    }
    whenDone(
        store->run([](StoreContext &context) { return pendingKeyChanges(context); }),
        [this, storeId = store.get()](const StoreResult<std::vector<PendingKeyChange>> &found) {
            if (storeId != m_account->store().get()) {
                return;
            }
            if (const auto *pending = std::get_if<std::vector<PendingKeyChange>>(&found)) {
                for (const PendingKeyChange &change : *pending) {
                    m_changedKeys.insert(change.address); // held until confirmed or accepted
                    confirmKeyChange(change.address);
                }
            }
            flushOutbox();
            sendWaitingResetRequests();
        });
}

void SessionManager::resetSession(const AcceptedReset &reset)
{
    // C2a §5 as the acceptor: a fresh bundle of the requester's device, X3DH as initiator,
    // the new session current, then the named texts resent — in command order with sends.
    enqueue([this, reset](std::function<void()> next) {
        const auto store = m_account->store();
        if (!store) {
            next();
            return;
        }
        whenDone(
            store->run([address = reset.contact](StoreContext &context) {
                return loadContact(context, address);
            }),
            [this, reset, next](const StoreResult<std::optional<ContactState>> &loaded) {
                const auto *known = std::get_if<std::optional<ContactState>>(&loaded);
                if (known == nullptr || !*known || (*known)->accountKey.size() != 32) {
                    next();
                    return;
                }
                crypto::Ed25519PublicKey key{};
                std::copy_n((*known)->accountKey.constData(), 32,
                            reinterpret_cast<char *>(key.data()));
                const quint64 counter = (*known)->deviceListCounter;
                auto parsed = crypto::AccountAddress::parse(reset.contact.toStdString());
                if (!std::holds_alternative<crypto::AccountAddress>(parsed)) {
                    next();
                    return;
                }
                const crypto::DeviceAddress target{std::get<crypto::AccountAddress>(parsed),
                                                   {reset.deviceId}};
                wire::Request request;
                request.mutable_fetch_bundle()->set_address(target.toString());
                m_connection->request(
                    std::move(request), [this, reset, target, key, counter,
                                         next](const RelayConnection::RequestResult &result) {
                        const auto device = m_account->device();
                        const auto store = m_account->store();
                        if (!device || !store) {
                            next();
                            return;
                        }
                        auto made = sessionFromBundle(std::get_if<wire::Response>(&result), target,
                                                      key, counter, *device);
                        if (const auto *error = std::get_if<QString>(&made)) {
                            qCWarning(lcSession) << "cannot reset a session:" << *error;
                            next();
                            return;
                        }
                        auto peer =
                            std::make_shared<PeerRecord>(std::move(std::get<PeerRecord>(made)));
                        whenDone(store->run([reset, peer, device](StoreContext &context) {
                            return replaceSessionAndResend(context, *device, reset.contact,
                                                           reset.deviceId, *peer, reset.resend,
                                                           nowMs());
                        }),
                                 [this, reset, next](const StoreResult<OutgoingResult> &done) {
                                     if (const auto *error = std::get_if<StoreError>(&done)) {
                                         qCWarning(lcSession)
                                             << "cannot reset a session:" << error->detail;
                                     } else {
                                         emit sessionResetAccepted(
                                             reset.contact,
                                             int(std::get<OutgoingResult>(done).outbox.size()));
                                         flushOutbox();
                                     }
                                     next();
                                 });
                    });
            });
    });
}

void SessionManager::sendWaitingResetRequests()
{
    const auto store = m_account->store();
    const auto device = m_account->device();
    if (!store || !device) {
        return;
    }
    whenDone(store->run([device](StoreContext &context) {
        return core::sendWaitingResetRequests(context, *device, nowMs());
    }),
             [this](const StoreResult<std::vector<OutboxEntry>> &sent) {
                 if (const auto *entries = std::get_if<std::vector<OutboxEntry>>(&sent);
                     entries != nullptr && !entries->empty()) {
                     flushOutbox();
                 }
             });
}

} // namespace parley::core
