#include "core/session/groupsealing.h"

#include "core/session/groupdevices.h"
#include "core/session/groupmessages.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagecontent.h"
#include "core/session/peerrecord.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/multirecipient.h"
#include "crypto/sealedmessage.h"
#include "crypto/senderkeydistribution.h"
#include "protocol/limits.h"
#include "protocol/wire.pb.h"

#include <algorithm>
#include <map>

namespace parley::core {

using namespace pipeline;

namespace {

crypto::GroupId groupIdOf(const QByteArray &bytes)
{
    crypto::GroupId id{};
    std::copy_n(reinterpret_cast<const crypto::Byte *>(bytes.constData()), id.size(), id.begin());
    return id;
}

bool isFor(const QStringList &only, const QString &device)
{
    return only.isEmpty() || only.contains(splitDevice(device).first);
}

} // namespace

StoreResult<GroupSealing> sealForGroup(StoreContext &context, const crypto::DeviceIdentity &self,
                                       const GroupState &state, const MessageContent &content,
                                       qint64 now, const QStringList &only)
{
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    const quint32 selfDevice = self.address().device.value;
    const auto nowSeconds = std::uint64_t(std::max<qint64>(now, 0) / 1000);
    SenderKeyTable keys(context);
    auto found = keys.own(state.groupId, selfAddress, selfDevice);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    auto &own = std::get<std::optional<OwnSenderKey>>(found);
    SenderKeyPlan plan = planSenderKey(state, selfAddress, selfDevice,
                                       own ? own->holders : QStringList(), own.has_value());
    if (!plan.rotate && own && own->sender.rotationDue(nowSeconds)) {
        plan = planSenderKey(state, selfAddress, selfDevice, {}, false); // C4 §5
    }
    GroupSealing sealing{
        own ? *own
            : OwnSenderKey{crypto::SenderKeySender::create(groupIdOf(state.groupId), self.address(),
                                                           nowSeconds),
                           {}},
        {},
        {},
        {},
        !own || plan.rotate,
        {},
        {}};
    if (own && plan.rotate) {
        // C4 §5: a removed device holds the old chain key; nothing more is sent under it.
        sealing.own = OwnSenderKey{own->sender.rotate(nowSeconds), {}};
    }
    // The key to each new holder, over its pairwise session (C4 §3.1; M1 §9.6 step 3).
    const crypto::WipedBytes distribution = sealing.own.sender.distribution().serialize();
    const MessageContent keyContent =
        MessageContent::makeSenderKey(state.epoch, bytesOf(distribution.view()), now);
    for (const QString &holder : plan.distributeTo) {
        if (!isFor(only, holder)) {
            continue; // given the key with the next content for everyone
        }
        const auto [account, device] = splitDevice(holder);
        auto listed = pinnedAsListed(context, state, account);
        if (const auto *error = errorOf(listed)) {
            return *error;
        }
        if (!std::get<bool>(listed)) {
            sealing.unreached << holder; // pinned under another key (M1 §9.11)
            continue;
        }
        auto encrypted =
            encryptInTransaction(context, self, account, keyContent, true, now, device);
        if (const auto *error = errorOf(encrypted)) {
            if (error->code != StoreError::Code::NotFound) {
                return *error;
            }
            sealing.unreached << holder; // no session, or blocked
            continue;
        }
        auto &outgoing = std::get<OutgoingResult>(encrypted);
        if (outgoing.outbox.empty()) {
            sealing.unreached << holder; // no session with that device
            continue;
        }
        for (OutboxEntry &entry : outgoing.outbox) {
            sealing.keyEntries.push_back(std::move(entry));
        }
        sealing.own.holders << holder;
    }
    // Every holder that is still a recipient gets the content (a holder is a recipient by
    // now: a former one made us rotate above). Their identity keys come from the pairwise
    // sessions (C3 §7: sealed to each device). A holder whose session is gone — its device
    // retired from its account's verified list (B1 §7) while the group state still names it —
    // is left out like one never reached.
    std::map<QString, std::vector<SessionRecord>> sessionsOf;
    for (const QString &recipient : groupRecipients(state, selfAddress, selfDevice)) {
        if (!sealing.own.holders.contains(recipient) || !isFor(only, recipient)) {
            continue;
        }
        const auto [account, device] = splitDevice(recipient);
        if (!sessionsOf.count(account)) {
            // Pinned under another key than the group lists (M1 §9.11): none of its sessions
            // counts, so it is left out below.
            auto listed = pinnedAsListed(context, state, account);
            if (const auto *error = errorOf(listed)) {
                return *error;
            }
            std::vector<SessionRecord> rows;
            if (std::get<bool>(listed)) {
                auto contact = ContactTable(context).findByAddress(account);
                if (const auto *error = errorOf(contact)) {
                    return *error;
                }
                auto current =
                    SessionTable(context).currentForContact(std::get<ContactRecord>(contact).id);
                if (const auto *error = errorOf(current)) {
                    return *error;
                }
                rows = std::get<std::vector<SessionRecord>>(std::move(current));
            }
            sessionsOf[account] = std::move(rows);
        }
        const auto &sessions = sessionsOf[account];
        const auto session = std::find_if(sessions.begin(), sessions.end(),
                                          [&](const auto &row) { return row.deviceId == device; });
        if (session == sessions.end()) {
            sealing.unreached << recipient;
            continue;
        }
        const std::optional<PeerRecord> peer = PeerRecord::parse(session->state.view());
        if (!peer) {
            return failure(QStringLiteral("the session with %1 is damaged").arg(recipient));
        }
        sealing.recipients << recipient;
        sealing.identityKeys.push_back(peer->identityKey);
    }
    if (sealing.recipients.isEmpty()) {
        return sealing;
    }
    // Encrypted ONCE under the sender key, framed 0x03 (C3 §3); the advanced key is stored by
    // queueSealed, in this transaction, before anything leaves (C4 §6).
    auto encrypted = encryptGroupText(sealing.own.sender, content);
    if (const auto *error = std::get_if<GroupMessageError>(&encrypted)) {
        return StoreError{StoreError::Code::NotFound, QString::fromLatin1(describe(*error))};
    }
    auto framed = crypto::encodeSenderKeySealedMessage(viewOf(std::get<QByteArray>(encrypted)));
    if (!std::holds_alternative<std::vector<crypto::Byte>>(framed)) {
        return failure(QStringLiteral("cannot frame a group message"));
    }
    sealing.message = std::get<std::vector<crypto::Byte>>(std::move(framed));
    return sealing;
}

StoreResult<std::vector<OutboxEntry>> queueSealed(StoreContext &context,
                                                  const crypto::DeviceIdentity &self,
                                                  const QByteArray &groupId, GroupSealing &sealing,
                                                  MessageId message, qint64 now)
{
    std::vector<OutboxEntry> made = std::move(sealing.keyEntries);
    sealing.keyEntries.clear();
    OutboxTable outbox(context);
    const QStringList &recipients = sealing.recipients;
    // Past kMaxRecipientsPerSend devices, several Sends; each ends at a member's last device
    // (a member has at most kMaxGroupMemberDevices), so a member's devices are all in one
    // entry and a refusal of the entry decides alone whether it gets the content.
    for (qsizetype first = 0, count = 0; first < recipients.size(); first += count) {
        count = std::min<qsizetype>(protocol::kMaxRecipientsPerSend, recipients.size() - first);
        while (first + count < recipients.size() && count > 1 &&
               splitDevice(recipients[first + count]).first ==
                   splitDevice(recipients[first + count - 1]).first) {
            --count;
        }
        auto sealed = crypto::sealMultiRecipient(
            self, std::span(sealing.identityKeys).subspan(std::size_t(first), std::size_t(count)),
            sealing.message);
        if (const auto *error = std::get_if<crypto::SealedSenderError>(&sealed)) {
            return failure(QStringLiteral("sealing: %1").arg(crypto::describe(*error)));
        }
        const auto &multi = std::get<crypto::MultiRecipientMessage>(sealed);
        wire::MultiRecipientPayload payload;
        payload.set_body(std::string(multi.body.begin(), multi.body.end()));
        for (const auto &key : multi.sealedKeys) {
            payload.add_sealed_keys(std::string(key.begin(), key.end()));
        }
        OutboxEntry entry;
        entry.clientMessageId = MessageContent::newClientMessageId();
        entry.envelope = QByteArray(1, kMultiOutboxMarker) +
                         QByteArray::fromStdString(payload.SerializeAsString());
        entry.recipients = recipients.mid(first, count);
        entry.createdAt = now;
        entry.message = message;
        auto added = outbox.add(entry);
        if (const auto *error = errorOf(added)) {
            return *error;
        }
        entry.id = std::get<OutboxId>(added);
        made.push_back(std::move(entry));
    }
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    if (auto saved = SenderKeyTable(context).saveOwn(groupId, selfAddress,
                                                     self.address().device.value, sealing.own, now);
        errorOf(saved) != nullptr) {
        return *errorOf(saved);
    }
    return made;
}

} // namespace parley::core
