// SessionManager's inbox (docs/architecture.md, "Inbox"): deliveries pushed by the relay are
// taken in batches of at most kInboundBatchRows and go through three stages —
//   1. the hashes already in inbox_seen are looked up (database thread, read only), so a
//      repeated envelope is dropped before any decryption;
//   2. the others' sealed-sender layers are opened on the thread pool (openEnvelopes);
//   3. the batch is stored in one transaction (storeInbound) and acked after its commit.
// Stages 1 and 2 of the next batch run while a batch is in stage 3, so the database thread
// does not wait for the pool; stage 3 takes the batches in arrival order. The relay's window
// (kDeliveryWindowRows) is several batches deep, so the next batch is usually here already.
// Kept apart from sessionmanager.cpp, which sends.

#include "core/account/accountmanager.h"
#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"
#include "core/store/inboxtable.h"
#include "core/store/profilestore.h"
#include "crypto/sessionresetratelimiter.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

using namespace sessionhelpers;

void SessionManager::onPush(const wire::Push &push)
{
    if (push.has_deliver()) {
        for (const wire::Delivery &delivery : push.deliver().deliveries()) {
            Inbound item;
            item.rowId = delivery.row_id();
            item.ephemeral = delivery.ephemeral();
            // 1:1 messages come as single envelopes; multi-recipient bodies are group texts
            // (M1 §9.6), deduplicated by their sender keys rather than the inbox hash.
            if (delivery.has_envelope()) {
                item.envelope = QByteArray::fromStdString(delivery.envelope());
            } else if (delivery.has_multi()) {
                item.multiBody = QByteArray::fromStdString(delivery.multi().body());
                item.sealedKey = QByteArray::fromStdString(delivery.multi().sealed_key());
            }
            m_inbound.push_back(std::move(item));
        }
        processInbound();
    }
    if (push.has_queue_drained()) {
        m_drained = true;
        checkSynced();
    }
}

// GCC 12 at -O2 reports moves of StoreResult<InboundResult> inside this function as "may be
// used uninitialized" (a known false positive of its variant analysis; clang and -O0 are
// silent, and the StoreError member it names has a default initializer).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
void SessionManager::processInbound()
{
    if (m_preparing || m_inbound.empty() || !ready() || m_prepared.size() >= kInboundBatchesAhead) {
        return;
    }
    m_preparing = true;
    const auto count = qsizetype(std::min(m_inbound.size(), kInboundBatchRows));
    auto batch = std::make_shared<const std::vector<Inbound>>(
        std::make_move_iterator(m_inbound.begin()),
        std::make_move_iterator(m_inbound.begin() + count));
    m_inbound.erase(m_inbound.begin(), m_inbound.begin() + count);
    const auto store = m_account->store();
    std::vector<QByteArray> hashes;
    hashes.reserve(batch->size());
    for (const Inbound &inbound : *batch) {
        hashes.push_back(inbound.envelope.isEmpty() || inbound.ephemeral
                             ? QByteArray()
                             : InboxTable::envelopeHash(inbound.envelope));
    }
    // 1. A repeated envelope is dropped before any decryption (issue 12, "Inbox"): the hashes
    //    already in inbox_seen are looked up first (read only; the transaction checks again).
    whenDone(
        store->run([hashes](StoreContext &context) -> StoreResult<std::vector<bool>> {
            InboxTable inbox(context);
            std::vector<bool> seen(hashes.size(), false);
            for (std::size_t i = 0; i < hashes.size(); ++i) {
                if (hashes[i].isEmpty()) {
                    continue;
                }
                auto found = inbox.contains(hashes[i]);
                if (const auto *error = std::get_if<StoreError>(&found)) {
                    return *error;
                }
                seen[i] = std::get<bool>(found);
            }
            return seen;
        }),
        [this, storeId = store.get(), batch, hashes](const StoreResult<std::vector<bool>> &looked) {
            if (storeId != m_account->store().get() || !ready()) {
                m_preparing = false;
                return; // not acked: the relay delivers them again on the next connection
            }
            if (const auto *error = std::get_if<StoreError>(&looked)) {
                m_preparing = false;
                qCWarning(lcSession) << "cannot process deliveries:" << error->detail;
                return;
            }
            // 2. The others are opened on the thread pool (C3 §5 steps 1–8 need only our
            //    identity key); an envelope twice in one batch is opened once.
            const auto &seen = std::get<std::vector<bool>>(looked);
            std::vector<QByteArray> envelopes;
            std::vector<bool> open;
            QSet<QByteArray> inBatch;
            for (std::size_t i = 0; i < batch->size(); ++i) {
                const Inbound &inbound = (*batch)[i];
                envelopes.push_back(inbound.envelope);
                bool wanted = !inbound.envelope.isEmpty() && !seen[i];
                if (wanted && !hashes[i].isEmpty()) {
                    wanted = !inBatch.contains(hashes[i]);
                    inBatch.insert(hashes[i]);
                }
                open.push_back(wanted);
            }
            whenDone(
                openEnvelopes(m_account->device(), std::move(envelopes), std::move(open)),
                [this, storeId, batch](const std::vector<std::optional<OpenedEnvelope>> &opened) {
                    m_preparing = false;
                    if (storeId != m_account->store().get()) {
                        return;
                    }
                    m_prepared.push_back(
                        {storeId, batch,
                         std::make_shared<const std::vector<std::optional<OpenedEnvelope>>>(
                             opened)});
                    // The next batch's hash check is queued before this one's store.
                    processInbound();
                    storeNextInbound();
                });
        });
}

void SessionManager::storeNextInbound()
{
    if (m_storing || m_prepared.empty()) {
        return;
    }
    PreparedInbound next = std::move(m_prepared.front());
    m_prepared.pop_front();
    if (next.store != m_account->store().get() || !ready()) {
        m_prepared.clear(); // not acked: the relay delivers them again on the next connection
        return;
    }
    m_storing = true;
    storeInbound(std::move(next.batch), std::move(next.opened));
}

void SessionManager::storeInbound(
    std::shared_ptr<const std::vector<Inbound>> batch,
    std::shared_ptr<const std::vector<std::optional<OpenedEnvelope>>> opened)
{
    const auto store = m_account->store();
    const auto device = m_account->device();
    if (!store || !device) {
        m_storing = false;
        return;
    }
    const auto limiter = m_resetLimiter;
    struct Item
    {
        quint64 rowId = 0;
        StoreResult<InboundResult> result;
    };
    // Every delivery waiting is processed in ONE outer transaction: each envelope's own
    // transaction is a savepoint inside it (a failure undoes that envelope only), and one
    // commit — one fsync — makes the batch durable before any of it is acked. A crash
    // before that commit loses nothing: nothing was acked, the relay delivers again.
    whenDone(store->run([batch, opened, device,
                         limiter](StoreContext &context) -> StoreResult<std::vector<Item>> {
        auto processed = context.transaction([&]() -> StoreResult<std::vector<Item>> {
            std::vector<Item> items;
            std::vector<PendingReceipt> receipts;
            for (std::size_t i = 0; i < batch->size(); ++i) {
                const Inbound &inbound = (*batch)[i];
                const std::optional<OpenedEnvelope> &preopened = (*opened)[i];
                // Its delivery receipt joins `receipts` only if the envelope's savepoint
                // commits (a failed one is undone and delivered again, receipt and all).
                std::vector<PendingReceipt> own;
                if (inbound.envelope.isEmpty() && !inbound.multiBody.isEmpty()) {
                    auto result = receiveMultiRecipient(context, *device, inbound.multiBody,
                                                        inbound.sealedKey, nowMs(), own);
                    if (std::holds_alternative<InboundResult>(result)) {
                        receipts.insert(receipts.end(), own.begin(), own.end());
                    }
                    items.push_back({inbound.rowId, std::move(result)});
                    continue;
                }
                if (inbound.envelope.isEmpty()) {
                    InboundResult dropped;
                    dropped.reason = QStringLiteral("not a single envelope");
                    items.push_back({inbound.rowId, dropped});
                    continue;
                }
                auto result =
                    receiveEnvelope(context, *device, inbound.envelope, inbound.ephemeral, *limiter,
                                    nowMs(), &own, preopened ? &*preopened : nullptr);
                if (std::holds_alternative<InboundResult>(result)) {
                    receipts.insert(receipts.end(), own.begin(), own.end());
                }
                items.push_back({inbound.rowId, std::move(result)});
            }
            // One receipt per sender for the whole batch, in the batch's transaction.
            auto outbox = encryptDeliveryReceipts(context, *device, receipts, nowMs());
            if (const auto *error = std::get_if<StoreError>(&outbox)) {
                return *error; // nothing is acked: the batch is delivered again
            }
            if (!std::get<std::vector<OutboxEntry>>(outbox).empty()) {
                InboundResult carrier; // carries the receipts to the core thread; no row
                carrier.outcome = InboundResult::Outcome::Duplicate;
                carrier.outbox = std::move(std::get<std::vector<OutboxEntry>>(outbox));
                items.push_back({0, std::move(carrier)});
            }
            return items;
        });
        // M1 §5.5: content wiped by a delete for everyone leaves the -wal file as well.
        if (const auto *items = std::get_if<std::vector<Item>>(&processed)) {
            const bool wiped = std::any_of(items->begin(), items->end(), [](const Item &item) {
                const auto *inbound = std::get_if<InboundResult>(&item.result);
                return inbound != nullptr && inbound->wiped;
            });
            if (wiped) {
                if (auto checkpoint = checkpointWal(context);
                    std::holds_alternative<StoreError>(checkpoint)) {
                    qCWarning(lcSession) << "cannot checkpoint the WAL after a deletion:"
                                         << std::get<StoreError>(checkpoint).detail;
                }
            }
        }
        return processed;
    }),
             [this, storeId = store.get()](const StoreResult<std::vector<Item>> &processed) {
                 m_storing = false;
                 if (storeId != m_account->store().get()) {
                     return;
                 }
                 if (const auto *error = std::get_if<StoreError>(&processed)) {
                     qCWarning(lcSession) << "cannot process deliveries:" << error->detail;
                     return; // not acked: the relay delivers them again on the next connection
                 }
                 wire::Request ack;
                 bool receipts = false;
                 for (const Item &item : std::get<std::vector<Item>>(processed)) {
                     const auto *result = std::get_if<InboundResult>(&item.result);
                     if (result == nullptr) {
                         qCWarning(lcSession) << "cannot store a delivery:"
                                              << std::get<StoreError>(item.result).detail;
                         continue; // not acked: delivered again later
                     }
                     if (item.rowId != 0) {
                         ack.mutable_ack()->add_row_ids(item.rowId);
                     }
                     handleInbound(*result, &receipts);
                 }
                 // Acked only now: everything above is committed (R2 §6).
                 if (ack.ack().row_ids_size() > 0) {
                     m_connection->request(std::move(ack),
                                           [](const RelayConnection::RequestResult &) {});
                 }
                 if (receipts) {
                     flushOutbox();
                 }
                 // The next hash check goes to the database thread before the next store.
                 processInbound();
                 storeNextInbound();
                 processInbound();
                 checkSynced();
             });
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void SessionManager::handleInbound(const InboundResult &result, bool *flush)
{
    using Outcome = InboundResult::Outcome;
    if (!result.outbox.empty()) {
        *flush = true; // receipts, reset requests
    }
    if (result.newDevice) {
        refreshDevicesOnce(result.contact); // a new device: maybe others left (B1 §7)
    }
    switch (result.outcome) {
    case Outcome::Message:
    case Outcome::Undecryptable:
        if (result.message) {
            ChatMessage message = chatMessage(*result.message);
            message.request = message.request || result.request;
            emit messageReceived(message);
            scheduleSweep(result.message->record.expiresAt);
        }
        if (result.timer) {
            emit conversationTimerChanged(result.contact, int(*result.timer));
        }
        if (result.resetRequestSent) {
            emit sessionResetRequested(result.contact);
        } else if (result.resetDeferred && !m_resetRequestTimer.isActive()) {
            m_resetRequestTimer.start(); // the failure goes into the next request
        }
        break;
    case Outcome::Receipt:
        for (const StateChange &change : result.stateChanges) {
            emit messageStateChanged(change.conversation, change.clientMessageId, int(change.state),
                                     int(change.failureReason));
        }
        break;
    case Outcome::Typing:
        emit typingReceived(result.contact, result.typing);
        break;
    case Outcome::KeyChanged:
        // Only a key the relay confirms is a change (sessionrecovery.cpp).
        if (!result.contact.isEmpty()) {
            confirmKeyChange(result.contact);
        }
        break;
    case Outcome::ResetAccepted:
        if (result.reset) {
            resetSession(*result.reset);
        }
        break;
    case Outcome::MessageOp:
        if (!result.changed && !result.reason.isEmpty()) {
            qCInfo(lcSession) << "an op changed nothing:" << result.reason; // never its text
        }
        if (result.changed) {
            emit messageChanged(result.contact, result.changed->clientMessageId,
                                int(result.changed->direction));
        }
        break;
    case Outcome::Dropped:
        qCInfo(lcSession) << "dropped a delivery:" << result.reason;
        break;
    case Outcome::Blocked:
        emit blockedMessageDropped(result.contact);
        break;
    case Outcome::GroupChanged:
        handleGroupUpdate(result);
        break;
    case Outcome::GroupMessage:
        if (result.groupText) {
            const GroupMessageRecord &text = *result.groupText;
            // The group's conversation (schema v14) is followed like a 1:1 one: the
            // conversation list, an open chat and notifications see it as a message.
            ChatMessage message;
            message.conversation = groupConversationKey(text.groupId);
            message.from = text.sender + QLatin1Char('/') + QString::number(text.senderDevice);
            message.clientMessageId = text.clientMessageId;
            message.text = text.text;
            message.attachment = text.attachment;
            message.sentAt = text.sentAt;
            message.expiresAt = text.expiresAt;
            emit messageReceived(message);
            emit groupTextReceived(text);
            scheduleSweep(text.expiresAt); // the group's timer (M1 §9.9)
        }
        break;
    case Outcome::Duplicate:
        break;
    }
}

void SessionManager::checkSynced()
{
    if (m_drained && !m_preparing && !m_storing && m_prepared.empty() && m_inbound.empty()) {
        // With whatever the inbox held taken (another admin may have listed us already), and
        // before synced(): the commands that then start wait for it.
        if (!m_selfListingChecked) {
            m_selfListingChecked = true;
            listThisDevice();       // groups an archive brought (protocol B3 §3)
            payOwedGroupContents(); // members we sent to while we could not reach them
        }
        emit synced();
    }
}

} // namespace parley::core
