#include "core/session/sessionmanager.h"

#include "core/account/accountmanager.h"
#include "core/session/messagefailure.h"
#include "core/session/pipelinehelpers.h"
#include "core/session/sessionhelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/inboxtable.h"
#include "core/store/profilestore.h"
#include "crypto/bytes.h"
#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/sessionresetratelimiter.h"
#include "crypto/x3dh.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QThread>

#include <algorithm>

Q_LOGGING_CATEGORY(lcSession, "parley.core.session")

namespace parley::core {

using namespace sessionhelpers;

namespace {

using State = MessageRecord::State;

} // namespace

ChatMessage SessionManager::chatMessage(const ReceivedMessage &received)
{
    ChatMessage message;
    message.conversation = received.conversation;
    message.from = received.from;
    message.clientMessageId = received.record.clientMessageId;
    if (const auto *text = std::get_if<QString>(&received.record.body)) {
        message.text = *text;
    }
    message.sentAt = received.record.sentAt;
    message.state = received.record.state;
    message.replaces = received.replaces;
    message.replyTo = received.record.replyTo;
    message.deleted = received.record.deleted;
    message.expiresAt = received.record.expiresAt;
    message.timerChange = received.record.timerChange ? qint64(*received.record.timerChange) : -1;
    message.attachment = received.attachment;
    message.request = received.request;
    return message;
}

SessionManager::SessionManager(RelayConnection *connection, AccountManager *account,
                               QObject *parent)
    : QObject(parent)
    , m_connection(connection)
    , m_account(account)
    , m_resetLimiter(std::make_shared<crypto::SessionResetRateLimiter>())
    , m_retryTimer(this)
    , m_resetRequestTimer(this)
    , m_sweepTimer(this)
{
    qRegisterMetaType<ChatMessage>();
    qRegisterMetaType<ContactKeys>();
    qRegisterMetaType<ContactSummary>();
    qRegisterMetaType<GroupSummary>();
    qRegisterMetaType<GroupMessageRecord>();
    qRegisterMetaType<HistoryItem>();
    qRegisterMetaType<AttachmentSummary>();
    qRegisterMetaType<RequestSummary>();
    connect(connection, &RelayConnection::pushReceived, this, &SessionManager::onPush);
    connect(connection, &RelayConnection::statusChanged, this, &SessionManager::onConnectionStatus);
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(kRetryIntervalMs);
    connect(&m_retryTimer, &QTimer::timeout, this, &SessionManager::flushOutbox);
    m_resetRequestTimer.setSingleShot(true);
    m_resetRequestTimer.setInterval(int(kResetRequestIntervalMs));
    connect(&m_resetRequestTimer, &QTimer::timeout, this,
            &SessionManager::sendWaitingResetRequests);
    m_sweepTimer.setSingleShot(true);
    connect(&m_sweepTimer, &QTimer::timeout, this, &SessionManager::sweepExpired);
    connect(account, &AccountManager::statusChanged, this, &SessionManager::onAccountStatus);
}

// Store work still running finds no one to report to: its watchers are children of this
// object (whenDone()).
SessionManager::~SessionManager() = default;

bool SessionManager::ready() const
{
    return m_account->store() && m_account->device();
}

QString SessionManager::resolve(const QString &contact) const
{
    const QString own = m_account->status().accountAddress;
    const QString relay = own.mid(own.lastIndexOf(QLatin1Char('@')) + 1);
    auto parsed = contact.contains(QLatin1Char('@'))
                      ? crypto::AccountAddress::parse(contact.toStdString())
                      : crypto::AccountAddress::make(contact.toStdString(), relay.toStdString());
    if (!std::holds_alternative<crypto::AccountAddress>(parsed)) {
        return {};
    }
    return QString::fromStdString(std::get<crypto::AccountAddress>(parsed).toString());
}

QString SessionManager::commandAddress(const QString &contact, bool needsDevice)
{
    const QString address = resolve(contact);
    if (address.isEmpty()) {
        emit commandFailed(contact, tr("%1 is not a valid username.").arg(contact));
        return {};
    }
    if (needsDevice ? !ready() : !m_account->store()) {
        emit commandFailed(contact, tr("The profile is not open."));
        return {};
    }
    return address;
}

void SessionManager::enqueue(std::function<void(std::function<void()>)> command)
{
    // Commands come from this object's thread only (the view models queue them to it).
    Q_ASSERT_X(thread() == QThread::currentThread(), "SessionManager",
               "a command called from another thread");
    m_commands.push_back(std::move(command));
    runNextCommand();
}

void SessionManager::runNextCommand()
{
    // Commands run one at a time, so texts are encrypted (and sent) in the order given.
    if (m_commandRunning || m_commands.empty()) {
        return;
    }
    m_commandRunning = true;
    auto command = std::move(m_commands.front());
    m_commands.pop_front();
    command([this] {
        m_commandRunning = false;
        runNextCommand();
    });
}

void SessionManager::sendText(const QString &contact, const QString &text)
{
    const QString address = resolve(contact);
    const QByteArray utf8 = text.toUtf8();
    if (address.isEmpty() || !ready() || utf8.isEmpty() || utf8.size() > kMaxTextBytes) {
        emit commandFailed(
            contact, address.isEmpty() ? tr("%1 is not a valid username.").arg(contact)
                     : !ready()        ? tr("The profile is not open.")
                                : tr("A message must have 1 to %1 bytes.").arg(kMaxTextBytes));
        return;
    }
    enqueue([this, address, text](std::function<void()> next) {
        ensureSessions(address, [this, address, text, next](const QString &error) {
            if (!error.isEmpty()) {
                emit commandFailed(address, error);
                next();
                return;
            }
            takeInMember(address, [this, address, text, next](const QString &) {
                applyDefaultTimer(address, DefaultTimerCase::FirstSend,
                                  [this, address, text, next](const QString &timerFailure) {
                                      if (!timerFailure.isEmpty()) {
                                          emit commandFailed(address, timerFailure);
                                          next();
                                          return;
                                      }
                                      encryptAndSend(address,
                                                     MessageContent::makeText(text, nowMs()), true,
                                                     [this, address, next](const QString &failure) {
                                                         if (!failure.isEmpty()) {
                                                             emit commandFailed(address, failure);
                                                         }
                                                         next();
                                                     });
                                  });
            });
        });
    });
}

void SessionManager::sendTyping(const QString &contact, bool typing)
{
    const QString address = resolve(contact);
    if (address.isEmpty() || !ready()) {
        return;
    }
    encryptAndSend(address, MessageContent::makeTyping(typing, nowMs()), false,
                   [](const QString &) {});
}

void SessionManager::markRead(const QString &contact)
{
    if (!ready()) {
        emit readMarked();
        return;
    }
    // A group conversation is named by its key (conversationkey.h), not by a username.
    const QString address =
        contact.isEmpty() ? QString() : (isGroupKey(contact) ? contact : resolve(contact));
    const auto store = m_account->store();
    const auto device = m_account->device();
    whenDone(store->run([address, device](StoreContext &context) {
        return markSeen(context, address, device.get(), nowMs());
    }),
             [this, storeId = store.get()](const StoreResult<std::vector<SeenMessages>> &seen) {
                 if (storeId != m_account->store().get()) {
                     emit readMarked();
                     return;
                 }
                 if (const auto *error = std::get_if<StoreError>(&seen)) {
                     qCWarning(lcSession) << "cannot mark messages read:" << error->detail;
                     flushOutbox(); // whoever waits for outboxDrained hears back all the same
                     emit readMarked();
                     return;
                 }
                 // Once this callback and every 1:1 receipt it starts are done: a flush for
                 // all of them (so an outboxDrained() follows), then readMarked().
                 auto pending = std::make_shared<int>(1);
                 const auto oneDone = [this, pending] {
                     if (--*pending == 0) {
                         flushOutbox();
                         emit readMarked();
                     }
                 };
                 for (const auto &[address, ids, receipt] : std::get<0>(seen)) {
                     if (!ids.empty()) {
                         emit messagesSeen(address, QList<QByteArray>(ids.begin(), ids.end()));
                     }
                     // A request or a blocked contact: no read receipt (M1 §8).
                     for (std::size_t at = 0; receipt && at < ids.size(); at += kMaxReceiptIds) {
                         const auto end = ids.begin() +
                                          std::ptrdiff_t(std::min(ids.size(), at + kMaxReceiptIds));
                         ++*pending;
                         encryptAndSend(
                             address,
                             MessageContent::makeReceipt(
                                 MessageContent::Kind::ReadReceipt,
                                 std::vector<QByteArray>(ids.begin() + std::ptrdiff_t(at), end),
                                 nowMs()),
                             true, [oneDone](const QString &) { oneDone(); });
                     }
                 }
                 // A group's read receipts (M1 §9.8) are in the outbox already; with nothing to
                 // send at all (a blocked member's texts) still a flush (oneDone), so that
                 // whoever waits for outboxDrained (parley-cli recv) hears back.
                 oneDone();
             });
}

void SessionManager::listUnread()
{
    const auto store = m_account->store();
    if (!store) {
        emit unreadListed({});
        return;
    }
    whenDone(store->run(
                 [](StoreContext &context) { return incomingWithState(context, State::Received); }),
             [this](const StoreResult<std::vector<ReceivedMessage>> &found) {
                 QList<ChatMessage> messages;
                 if (const auto *list = std::get_if<std::vector<ReceivedMessage>>(&found)) {
                     for (const ReceivedMessage &message : *list) {
                         messages.append(chatMessage(message));
                     }
                 }
                 emit unreadListed(messages);
             });
}

void SessionManager::listContacts()
{
    const auto store = m_account->store();
    if (!store) {
        emit contactsListed({});
        return;
    }
    whenDone(store->run([](StoreContext &context) { return ContactTable(context).all(); }),
             [this](const StoreResult<std::vector<ContactRecord>> &found) {
                 QList<ContactSummary> contacts;
                 if (const auto *list = std::get_if<std::vector<ContactRecord>>(&found)) {
                     for (const ContactRecord &record : *list) {
                         if (!record.accepted) {
                             continue; // a request's sender or a blocked stranger (M1 §8)
                         }
                         contacts.append({record.address, record.displayName.value_or(QString()),
                                          record.verified, !record.pendingAccountKey.isEmpty(),
                                          record.blocked});
                     }
                 }
                 emit contactsListed(contacts);
             });
}

void SessionManager::ensureSessions(const QString &address, Completion done,
                                    const QByteArray &memberKey)
{
    const auto store = m_account->store();
    if (!store) {
        done(tr("The profile is not open.")); // locked while the command waited its turn
        return;
    }
    whenDone(
        store->run([address](StoreContext &context) { return loadContact(context, address); }),
        [this, storeId = store.get(), address, done,
         memberKey](const StoreResult<std::optional<ContactState>> &loaded) {
            if (storeId != m_account->store().get()) {
                done(tr("The profile was closed."));
                return;
            }
            if (const auto *error = std::get_if<StoreError>(&loaded)) {
                done(error->message());
                return;
            }
            const auto &known = std::get<std::optional<ContactState>>(loaded);
            // M1 §9.11: a member is reached only under the key its group lists.
            const auto isMemberKey = [&memberKey](const QByteArray &key) {
                return memberKey.isEmpty() || pipeline::sameKey(key, memberKey);
            };
            if (known && !known->pendingAccountKey.isEmpty() &&
                !isMemberKey(known->pendingAccountKey)) {
                done(tr("The relay's key for %1 is not the one the group lists.").arg(address));
                return;
            }
            if (known && !known->pendingAccountKey.isEmpty()) {
                if (known->verified) {
                    // Never re-keyed silently: the user compares and accepts first.
                    done(tr("The safety number with %1 changed. Compare it again and "
                            "accept the new key before you send.")
                             .arg(address));
                } else {
                    runKeyChangeAcceptance(address, done);
                }
                return;
            }
            if (known && !known->deviceIds.empty() && isMemberKey(known->accountKey)) {
                done({});
                return;
            }
            const auto parsed = crypto::AccountAddress::parse(address.toStdString());
            wire::Request request;
            request.mutable_lookup_user()->set_username(
                std::get<crypto::AccountAddress>(parsed).username);
            m_connection->request(
                std::move(request), [this, address, known, done,
                                     memberKey](const RelayConnection::RequestResult &result) {
                    const auto *response = std::get_if<wire::Response>(&result);
                    if (response == nullptr) {
                        done(tr("Parley is not connected to the relay."));
                        return;
                    }
                    if (response->status().code() == wire::Status::NOT_FOUND ||
                        response->status().code() == wire::Status::INVALID_USERNAME) {
                        m_noSuchUser.insert(address, QDateTime::currentMSecsSinceEpoch());
                        done(tr("There is no user %1 on this relay.").arg(address));
                        return;
                    }
                    if (response->status().code() != wire::Status::OK || !response->has_user()) {
                        done(tr("The relay could not look up %1.").arg(address));
                        return;
                    }
                    m_noSuchUser.remove(address);
                    establish(address, response->user(), known, done, memberKey);
                });
        });
}

void SessionManager::takeInMember(const QString &address, Completion done)
{
    const auto store = m_account->store();
    if (!store) {
        done(tr("The profile is not open."));
        return;
    }
    whenDone(store->run([address](StoreContext &context) {
        return parley::core::takeInMember(context, address);
    }),
             [this, address, done](const StoreResult<bool> &taken) {
                 if (const auto *error = std::get_if<StoreError>(&taken)) {
                     done(error->message()); // the send that follows says what is wrong
                     return;
                 }
                 if (std::get<bool>(taken)) {
                     emit contactReady(address);
                 }
                 done({});
             });
}

void SessionManager::establish(const QString &address, const wire::UserRecord &user,
                               const std::optional<ContactState> &known, Completion done,
                               const QByteArray &memberKey)
{
    const QByteArray accountKey = QByteArray::fromStdString(user.account_key());
    auto list = crypto::DeviceList::parse(viewOf(user.device_list()));
    if (accountKey.size() != 32 || !std::holds_alternative<crypto::DeviceList>(list)) {
        done(tr("The relay sent damaged keys for %1.").arg(address));
        return;
    }
    // M1 §9.11: a member is reached under the key its group's admins signed, never under
    // one the relay offers instead.
    if (!memberKey.isEmpty() && !pipeline::sameKey(memberKey, accountKey)) {
        done(tr("The relay's key for %1 is not the one the group lists.").arg(address));
        return;
    }
    crypto::Ed25519PublicKey key{};
    std::copy_n(accountKey.constData(), 32, reinterpret_cast<char *>(key.data()));
    if (known && !known->accountKey.isEmpty() && known->accountKey != accountKey) {
        // Pinned on first use: a different key is a changed identity, never silently taken.
        // Recorded as pending (durably); an unverified contact's change is then accepted.
        const auto store = m_account->store();
        if (!store) {
            done(tr("The profile is not open."));
            return;
        }
        whenDone(store->run([address, accountKey](StoreContext &context) {
            return recordKeyChange(context, address, accountKey, nowMs());
        }),
                 [this, address, done](const StoreResult<bool> &recorded) {
                     if (const auto *error = std::get_if<StoreError>(&recorded)) {
                         done(error->message());
                         return;
                     }
                     const bool verified = std::get<bool>(recorded);
                     noteKeyChange(address, verified);
                     if (verified) {
                         done(tr("The safety number with %1 changed. Compare it again and "
                                 "accept the new key before you send.")
                                  .arg(address));
                     } else {
                         runKeyChangeAcceptance(address, done);
                     }
                 });
        return;
    }
    const auto &devices = std::get<crypto::DeviceList>(list);
    const std::optional<quint64> counter =
        known ? std::optional<quint64>(known->deviceListCounter) : std::nullopt;
    if (QString::fromStdString(devices.account.toString()) != address ||
        crypto::verifyDeviceList(devices, key, counter)) {
        done(tr("The relay sent keys for %1 that do not verify.").arg(address));
        return;
    }
    // One bundle per device, fetched together; the sessions are stored once all are in.
    struct Pending
    {
        std::vector<std::pair<quint32, PeerRecord>> peers;
        std::size_t waiting = 0;
        QString error;
    };
    auto pending = std::make_shared<Pending>();
    pending->waiting = devices.devices.size();
    const auto device = m_account->device();
    const quint64 listCounter = devices.counter;
    const auto finish = [this, pending, address, accountKey, listCounter, done, memberKey] {
        if (--pending->waiting > 0) {
            return;
        }
        if (pending->peers.empty()) {
            done(pending->error.isEmpty() ? tr("%1 has no device to write to.").arg(address)
                                          : pending->error);
            return;
        }
        const auto store = m_account->store();
        if (!store) {
            done(tr("The profile was closed."));
            return;
        }
        // A member reached for its group is no contact (M1 §9.11): only if we made the record.
        const bool asContact = memberKey.isEmpty();
        whenDone(store->run(
                     [address, accountKey, listCounter, pending, asContact](StoreContext &context) {
                         return storeContactSessions(context, address, accountKey, listCounter,
                                                     pending->peers, asContact, nowMs());
                     }),
                 [done](const StoreResult<ContactId> &stored) {
                     const auto *error = std::get_if<StoreError>(&stored);
                     done(error ? error->message() : QString());
                 });
    };
    for (const crypto::DeviceListEntry &entry : devices.devices) {
        crypto::DeviceAddress target{devices.account, entry.device};
        fetchBundle(
            target, 0,
            [pending, finish, target, key, listCounter,
             device](const RelayConnection::RequestResult &result) {
                const auto *response = std::get_if<wire::Response>(&result);
                if (response == nullptr || response->status().code() != wire::Status::OK ||
                    !response->has_bundle()) {
                    pending->error = tr("Could not fetch the keys of %1.")
                                         .arg(QString::fromStdString(target.toString()));
                    finish();
                    return;
                }
                auto verified = crypto::verifyPreKeyBundle(viewOf(response->bundle().bundle()),
                                                           target, key, listCounter);
                if (!std::holds_alternative<crypto::VerifiedPreKeyBundle>(verified)) {
                    pending->error = tr("The keys of %1 do not verify.")
                                         .arg(QString::fromStdString(target.toString()));
                    finish();
                    return;
                }
                const auto &bundle = std::get<crypto::VerifiedPreKeyBundle>(verified);
                auto initiated = crypto::x3dhInitiate(*device, bundle);
                if (!std::holds_alternative<crypto::X3dhInitiation>(initiated)) {
                    pending->error = tr("Could not start a session with %1.")
                                         .arg(QString::fromStdString(target.toString()));
                    finish();
                    return;
                }
                auto &x3dh = std::get<crypto::X3dhInitiation>(initiated);
                auto alice = crypto::RatchetSession::initAlice(x3dh.sharedKey.view(),
                                                               x3dh.responderSignedPreKey);
                if (!std::holds_alternative<crypto::RatchetSession>(alice)) {
                    pending->error = tr("Could not start a session with %1.")
                                         .arg(QString::fromStdString(target.toString()));
                    finish();
                    return;
                }
                pending->peers.emplace_back(
                    target.device.value,
                    PeerRecord{
                        bundle.bundle().certificate.identityKey, x3dh.header.serialize(),
                        crypto::PeerSessions(std::move(std::get<crypto::RatchetSession>(alice)),
                                             x3dh.associatedData)});
                finish();
            });
    }
}

void SessionManager::fetchBundle(
    const crypto::DeviceAddress &target, int attempt,
    std::function<void(const RelayConnection::RequestResult &)> handled)
{
    wire::Request request;
    request.mutable_fetch_bundle()->set_address(target.toString());
    m_connection->request(std::move(request), [this, target, attempt, handled](
                                                  const RelayConnection::RequestResult &result) {
        const auto *response = std::get_if<wire::Response>(&result);
        if (response != nullptr && response->status().code() == wire::Status::NOT_FOUND &&
            attempt < kBundleRetries) {
            QTimer::singleShot(kBundleRetryMs << attempt, this, [this, target, attempt, handled] {
                fetchBundle(target, attempt + 1, handled);
            });
            return;
        }
        handled(result);
    });
}

void SessionManager::listHistory(const QString &contact, int limit)
{
    // A group's conversation key (schema v14) names its conversation as it is.
    const QString address = isGroupKey(contact) ? contact : resolve(contact);
    const auto store = m_account->store();
    if (address.isEmpty() || !store) {
        emit commandFailed(contact, address.isEmpty()
                                        ? tr("%1 is not a valid username.").arg(contact)
                                        : tr("The profile is not open."));
        return;
    }
    whenDone(store->run([address, limit](StoreContext &context) {
        return conversationHistory(context, address, limit);
    }),
             [this, address](const StoreResult<std::optional<std::vector<HistoryItem>>> &result) {
                 if (const auto *error = std::get_if<StoreError>(&result)) {
                     emit commandFailed(address, error->message());
                     return;
                 }
                 const auto &items = std::get<std::optional<std::vector<HistoryItem>>>(result);
                 if (!items) {
                     emit commandFailed(address,
                                        tr("There is no conversation with %1.").arg(address));
                     return;
                 }
                 emit historyListed(address, QList<HistoryItem>(items->begin(), items->end()));
             });
}

void SessionManager::encryptAndSend(const QString &address, const MessageContent &content,
                                    bool durable, Completion done)
{
    const auto store = m_account->store();
    const auto device = m_account->device();
    if (!store || !device) {
        done(tr("The profile is not open."));
        return;
    }
    whenDone(store->run([device, address, content, durable](StoreContext &context) {
        return encryptForContact(context, *device, address, content, durable, nowMs());
    }),
             [this, address, content, done](const StoreResult<OutgoingResult> &stored) {
                 if (const auto *error = std::get_if<StoreError>(&stored)) {
                     qCWarning(lcSession) << "cannot encrypt for" << address << error->detail;
                     done(pipeline::sentenceOf(*error));
                     return;
                 }
                 const auto &result = std::get<OutgoingResult>(stored);
                 if (result.message) {
                     emit messageQueued(address, result.message->clientMessageId);
                     scheduleSweep(result.message->expiresAt);
                 }
                 if (content.kind == MessageContent::Kind::Timer) {
                     emit conversationTimerChanged(address, int(content.timerSeconds));
                 }
                 if (result.changed) {
                     emit messageChanged(address, result.changed->clientMessageId,
                                         int(result.changed->direction));
                 }
                 if (content.isMessageOp()) {
                     emit messageOpQueued(address, content.targetId, int(content.kind));
                 }
                 // Typing: once, ephemeral, and only now that its chain step is stored.
                 if (m_connection->state() == ConnectionStatus::State::Connected) {
                     for (const OutboxEntry &entry : result.ephemeral) {
                         wire::Request request;
                         wire::Send *send = request.mutable_send();
                         send->add_recipients(entry.recipients.value(0).toStdString());
                         send->set_envelope(entry.envelope.toStdString());
                         send->set_ephemeral(true);
                         m_connection->request(std::move(request),
                                               [](const RelayConnection::RequestResult &) {});
                     }
                 }
                 if (!result.outbox.empty()) {
                     flushOutbox();
                 }
                 done({});
             });
}

void SessionManager::flushOutbox()
{
    if (!ready() || m_connection->state() != ConnectionStatus::State::Connected) {
        return;
    }
    if (m_flushing) {
        m_flushAgain = true;
        return;
    }
    m_flushing = true;
    m_flushAgain = false;
    const auto store = m_account->store();
    whenDone(store->run([](StoreContext &context) { return OutboxTable(context).list(); }),
             [this, storeId = store.get()](
                 const StoreResult<std::vector<StoreResult<OutboxEntry>>> &listed) {
                 m_flushing = false;
                 if (storeId != m_account->store().get()) {
                     return;
                 }
                 if (const auto *error = std::get_if<StoreError>(&listed)) {
                     qCWarning(lcSession) << "cannot read the outbox:" << error->detail;
                     m_retryTimer.start();
                     return;
                 }
                 for (const auto &item : std::get<0>(listed)) {
                     if (const auto *entry = std::get_if<OutboxEntry>(&item);
                         entry != nullptr && !m_inFlight.contains(entry->clientMessageId) &&
                         !isHeld(*entry)) {
                         sendEntry(*entry);
                     }
                 }
                 if (m_flushAgain) {
                     flushOutbox();
                 }
                 checkOutboxDrained();
             });
}

void SessionManager::sendEntry(const OutboxEntry &entry)
{
    wire::Request request;
    wire::Send *send = request.mutable_send();
    for (const QString &recipient : entry.recipients) {
        send->add_recipients(recipient.toStdString());
    }
    // The stored bytes, exactly: a retry is recognised by the relay (R2 §5). A group text's
    // entry holds the multi-recipient payload (C3 §7) behind its marker (grouptextpipeline.h).
    if (entry.envelope.startsWith(kMultiOutboxMarker)) {
        if (!send->mutable_multi()->ParseFromArray(entry.envelope.constData() + 1,
                                                   int(entry.envelope.size() - 1))) {
            qCWarning(lcSession) << "a damaged group message in the outbox";
            finishEntry(entry, MessageRecord::FailureReason::None);
            return;
        }
    } else {
        send->set_envelope(entry.envelope.toStdString());
    }
    send->set_client_message_id(entry.clientMessageId.toStdString());
    m_inFlight.insert(entry.clientMessageId);
    m_connection->request(
        std::move(request), [this, entry](const RelayConnection::RequestResult &result) {
            const auto *response = std::get_if<wire::Response>(&result);
            if (response == nullptr) {
                m_inFlight.remove(entry.clientMessageId); // resent on the next connection
                return;
            }
            const auto code = response->status().code();
            if (code == wire::Status::OK) {
                finishEntry(entry, MessageRecord::FailureReason::None);
            } else if (code == wire::Status::UNKNOWN_RECIPIENT) {
                QStringList refused;
                for (const std::string &recipient : response->send_refused().recipients()) {
                    refused << QString::fromStdString(recipient);
                }
                // A device change, or a failure (sessionrecovery).
                onUnknownRecipient(entry, refused);
            } else if (const auto failure = failureReasonFor(code)) {
                // Never accepted as it is (R2 §3): Failed, with the reason, at once.
                qCWarning(lcSession) << "the relay refused a message:" << int(code);
                finishEntry(entry, *failure);
            } else {
                m_inFlight.remove(entry.clientMessageId);
                m_retryTimer.start();
            }
        });
}

void SessionManager::finishEntry(const OutboxEntry &entry, MessageRecord::FailureReason failure)
{
    const auto store = m_account->store();
    if (!store) {
        return;
    }
    whenDone(store->run([entry, failure](StoreContext &context) {
        return finishOutboxEntry(context, entry, failure);
    }),
             [this, entry](const StoreResult<std::optional<StateChange>> &finished) {
                 m_inFlight.remove(entry.clientMessageId);
                 if (const auto *error = std::get_if<StoreError>(&finished)) {
                     qCWarning(lcSession) << "cannot record a sent message:" << error->detail;
                 } else if (const auto &change = std::get<std::optional<StateChange>>(finished)) {
                     emit messageStateChanged(change->conversation, change->clientMessageId,
                                              int(change->state), int(change->failureReason));
                 }
                 checkOutboxDrained();
             });
}

void SessionManager::checkOutboxDrained()
{
    // A device list refresh may still send (texts for a contact's new devices).
    if (!m_flushing && m_inFlight.isEmpty() && m_refreshRunning.isEmpty()) {
        m_drainedSinceFlushAll = true;
        checkAllFlushed();
        emit outboxDrained();
    }
}

void SessionManager::onConnectionStatus(const ConnectionStatus &status)
{
    using ConnectionState = ConnectionStatus::State;
    if (status.state == ConnectionState::Connected) {
        loadPendingKeyChanges(); // flushes the outbox once the held contacts are known
        resumeUploads();         // those whose message waited for a connection
        resumeKeyChangeFinishing();
    } else if (status.state != ConnectionState::Authenticated) {
        // Anything sent and unanswered is resent on the next connection (same bytes).
        m_inFlight.clear();
        m_drained = false;
        m_selfListingChecked = false;
    }
}

} // namespace parley::core
