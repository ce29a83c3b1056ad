// SessionManager's key-change and session-reset handling (docs/architecture.md, "Key changes"
// and "Session resets"; protocol C2a). Kept apart from sessionmanager.cpp, which sends and
// receives; the store halves are in keychangepipeline.cpp and sessionresetpipeline.cpp.

#include "core/account/accountmanager.h"
#include "core/session/grouptextpipeline.h"
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

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

crypto::ByteView viewOf(const std::string &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.data()), bytes.size()};
}

QString accountOf(const QString &deviceAddress)
{
    return deviceAddress.left(deviceAddress.lastIndexOf(QLatin1Char('/')));
}

// A session as X3DH initiator from a fetched bundle (C1 §4.1), or a sentence.
std::variant<PeerRecord, QString> sessionFromBundle(const wire::Response *response,
                                                    const crypto::DeviceAddress &target,
                                                    const crypto::Ed25519PublicKey &accountKey,
                                                    std::optional<quint64> listCounter,
                                                    const crypto::DeviceIdentity &device)
{
    const QString name = QString::fromStdString(target.toString());
    if (response == nullptr || response->status().code() != wire::Status::OK ||
        !response->has_bundle()) {
        return SessionManager::tr("Could not fetch the keys of %1.").arg(name);
    }
    auto verified = crypto::verifyPreKeyBundle(viewOf(response->bundle().bundle()), target,
                                               accountKey, listCounter);
    if (!std::holds_alternative<crypto::VerifiedPreKeyBundle>(verified)) {
        return SessionManager::tr("The keys of %1 do not verify.").arg(name);
    }
    const auto &bundle = std::get<crypto::VerifiedPreKeyBundle>(verified);
    auto initiated = crypto::x3dhInitiate(device, bundle);
    if (!std::holds_alternative<crypto::X3dhInitiation>(initiated)) {
        return SessionManager::tr("Could not start a session with %1.").arg(name);
    }
    auto &x3dh = std::get<crypto::X3dhInitiation>(initiated);
    auto alice =
        crypto::RatchetSession::initAlice(x3dh.sharedKey.view(), x3dh.responderSignedPreKey);
    if (!std::holds_alternative<crypto::RatchetSession>(alice)) {
        return SessionManager::tr("Could not start a session with %1.").arg(name);
    }
    return PeerRecord{bundle.bundle().certificate.identityKey, x3dh.header.serialize(),
                      crypto::PeerSessions(std::move(std::get<crypto::RatchetSession>(alice)),
                                           x3dh.associatedData)};
}

} // namespace

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

namespace parley::core {

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
        checkOutboxDrained(); // a group text's refresh has no entry waiting for it
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
    });
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
