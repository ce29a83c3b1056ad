// Group membership on the database thread (protocol M1 §9): storing a change with the state it
// resolves to, and making our own changes. See grouppipeline.h.

#include "core/session/grouppipeline.h"

#include "core/session/groupdevices.h"
#include "core/session/groupevent.h"
#include "core/session/messagecontent.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/grouptable.h"
#include "core/store/identitytable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "crypto/signingkeypair.h"

#include <QRandomGenerator>

#include <algorithm>
#include <map>
#include <set>

namespace parley::core {

using namespace pipeline;

namespace {

StoreError refused(StoreError::Code code, const QString &sentence)
{
    return StoreError{code, sentence};
}

QString sentence(GroupError error)
{
    return QString::fromLatin1(describe(error));
}

// The account key pinned for `address`: ours for `self`, a contact's, or empty.
PinnedKeyLookup pinnedKeys(StoreContext &context, const QString &self, const QByteArray &selfKey)
{
    return [&context, self, selfKey](const QString &address) -> QByteArray {
        if (address == self) {
            return selfKey;
        }
        auto found = ContactTable(context).findByAddress(address);
        if (const auto *record = std::get_if<ContactRecord>(&found)) {
            return record->accountKey;
        }
        return {};
    };
}

QStringList addressesOf(const std::optional<GroupState> &state)
{
    QStringList out;
    if (state) {
        for (const GroupMember &member : state->members) {
            out << member.address;
        }
    }
    return out;
}

StoreStatus touchGroupConversation(StoreContext &context, const QByteArray &groupId, qint64 now)
{
    ConversationTable conversations(context);
    auto conversation = conversations.forGroup(groupId, now);
    if (const auto *error = errorOf(conversation)) {
        return *error;
    }
    return conversations.touch(std::get<ConversationId>(conversation), now);
}

// What the change did, as a system row of the group's conversation (schema v16), when we are
// a member before or after it.
StoreStatus appendGroupEvent(StoreContext &context, const std::optional<GroupState> &before,
                             const GroupState &after, const GroupChange &change,
                             const QString &self, qint64 now)
{
    const auto event = GroupEvent::between(before, after, change, self);
    if (!event) {
        return Done{};
    }
    auto conversation = ConversationTable(context).forGroup(after.groupId, now);
    if (const auto *error = errorOf(conversation)) {
        return *error;
    }
    MessageRecord row;
    row.conversation = std::get<ConversationId>(conversation);
    row.direction = MessageRecord::Direction::Incoming;
    row.clientMessageId = MessageContent::newClientMessageId(); // local: names nothing sent
    row.sentAt = now;
    row.storedAt = now;
    row.state = MessageRecord::State::Seen; // never unread, never a receipt
    row.body = QString();
    row.groupEvent = event->toJson();
    if (auto appended = MessageTable(context).append(row); const auto *error = errorOf(appended)) {
        return *error;
    }
    return Done{};
}

void sortMembers(std::vector<GroupMember> &members)
{
    std::sort(members.begin(), members.end(), [](const GroupMember &a, const GroupMember &b) {
        return a.address.toUtf8() < b.address.toUtf8();
    });
}

// Our own changes on `before` that are not on `after`, as requests for what still held on
// `before`'s head and is not so on `after`'s (GroupUpdate::makeAgain): what the user last
// wanted, not each step on the way (an add later undone is not made again).
std::vector<GroupRequest> toMakeAgain(const std::vector<GroupState> &before,
                                      const std::vector<GroupState> &after,
                                      const std::vector<GroupChange> &stored, const QString &self)
{
    std::vector<GroupRequest> requests;
    if (before.empty() || after.empty() || !after.back().member(self)) {
        return requests; // out of the group: nothing of ours can be made again
    }
    const GroupState &oldHead = before.back();
    const GroupState &newHead = after.back();
    // The last state both chains share: where the winning branch split from ours.
    std::size_t split = 0;
    while (split + 1 < before.size() && split + 1 < after.size() &&
           before[split + 1].head == after[split + 1].head) {
        ++split;
    }
    if (before[split].head != after[split].head) {
        return requests; // another create won: nothing of ours is on the new chain's way
    }
    std::map<QByteArray, const GroupChange *> byDigest;
    for (const GroupChange &change : stored) {
        byDigest.emplace(change.digest(), &change);
    }
    // Whether the winning branch left `address` as it was where it split (in or out, admin or
    // not), but for changes by admins we outrank there: what an admin ranked above us decided
    // about someone on that branch stands (its grant wins over our removal of the same
    // person), what one below us did does not (M1 §9.5).
    const GroupState &forked = after[split];
    const auto untouched = [&](const QString &address) {
        for (std::size_t i = split + 1; i < after.size(); ++i) {
            const GroupMember *was = after[i - 1].member(address);
            const GroupMember *is = after[i].member(address);
            if ((was == nullptr) == (is == nullptr) && (is == nullptr || is->admin == was->admin)) {
                continue;
            }
            const auto made = byDigest.find(after[i].head);
            if (made == byDigest.end() || forked.outranks(made->second->signer, self)) {
                return false;
            }
        }
        return true;
    };
    std::optional<GroupRequest> rename; // only our last rename can be the one that held
    for (std::size_t i = split + 1; i < before.size(); ++i) {
        const auto found = byDigest.find(before[i].head);
        if (found == byDigest.end() || found->second->signer != self) {
            continue;
        }
        const GroupChange &change = *found->second;
        const GroupState &parent = before[i - 1];
        const GroupState &made = before[i];
        GroupRequest request;
        request.op = change.op;
        request.groupId = change.groupId;
        switch (change.op) {
        case GroupOp::Create:
            continue;
        case GroupOp::Devices:
            // The member whose devices it listed, if the winning branch left them as they were
            // where the chains split (another admin's listing stands: it may come from a
            // newer list) and the member in, under the same key (M1 §9.7): the same devices
            // again on the new head, only over those.
            for (const GroupMember &member : made.members) {
                const GroupMember *was = parent.member(member.address);
                const GroupMember *atSplit = forked.member(member.address);
                const GroupMember *now = newHead.member(member.address);
                const GroupMember *held = oldHead.member(member.address);
                if (was != nullptr && was->devices != member.devices && atSplit != nullptr &&
                    now != nullptr && held != nullptr && held->devices == member.devices &&
                    now->devices == atSplit->devices && now->accountKey == member.accountKey) {
                    request.members = {member.address};
                    request.devices = member.devices;
                    request.replacing = now->devices;
                }
            }
            break;
        case GroupOp::Add:
            for (const GroupMember &member : made.members) {
                if (!parent.member(member.address) && oldHead.member(member.address) &&
                    !newHead.member(member.address) && untouched(member.address)) {
                    request.members << member.address;
                }
            }
            break;
        case GroupOp::Remove:
            for (const GroupMember &member : parent.members) {
                if (!made.member(member.address) && !oldHead.member(member.address) &&
                    newHead.member(member.address) && untouched(member.address)) {
                    request.members << member.address;
                }
            }
            break;
        case GroupOp::GrantAdmin:
            for (const GroupMember &member : made.members) {
                if (member.admin && !parent.isAdmin(member.address) &&
                    oldHead.isAdmin(member.address) && newHead.member(member.address) &&
                    !newHead.isAdmin(member.address) && untouched(member.address)) {
                    request.members << member.address;
                }
            }
            break;
        case GroupOp::Rename:
            rename.reset();
            // Ours was the last word on our chain, and the winning branch left the name as
            // it was where it split.
            if (oldHead.name == made.name && newHead.name == before[split].name &&
                newHead.name != made.name) {
                request.name = made.name;
                rename = request;
            }
            continue;
        case GroupOp::Leave:
            if (oldHead.member(self)) {
                continue; // made a member again since, on our own chain
            }
            break;
        }
        if (!request.members.isEmpty() || change.op == GroupOp::Leave) {
            requests.push_back(std::move(request));
        }
    }
    if (rename) {
        requests.push_back(std::move(*rename));
    }
    return requests;
}

} // namespace

StoreResult<GroupUpdate> storeGroupChange(StoreContext &context, const QByteArray &bytes,
                                          const QString &self, const QByteArray &selfKey,
                                          qint64 now, const QString &from)
{
    GroupUpdate update;
    auto decoded = decodeGroupChange(bytes);
    if (const auto *error = std::get_if<GroupError>(&decoded)) {
        update.error = *error;
        return update;
    }
    const GroupChange change = std::get<GroupChange>(std::move(decoded));
    update.groupId = change.groupId;
    return context.transaction([&]() -> StoreResult<GroupUpdate> {
        const PinnedKeyLookup pinned = pinnedKeys(context, self, selfKey);
        GroupTable groups(context);
        auto existing = groups.find(change.groupId);
        if (const auto *error = errorOf(existing)) {
            return *error;
        }
        std::vector<GroupChange> stored;
        qint64 storedCount = 0;
        if (const auto &row = std::get<std::optional<GroupRowId>>(existing)) {
            auto counted = groups.changeCount(*row);
            if (const auto *error = errorOf(counted)) {
                return *error;
            }
            storedCount = std::get<qint64>(counted);
            auto before = groups.state(*row);
            if (const auto *error = errorOf(before)) {
                return *error;
            }
            update.before = std::get<std::optional<GroupState>>(before);
            auto all = groups.changes(*row);
            if (const auto *error = errorOf(all)) {
                return *error;
            }
            for (const QByteArray &encoded : std::get<std::vector<QByteArray>>(all)) {
                auto parsed = decodeGroupChange(encoded);
                if (auto *valid = std::get_if<GroupChange>(&parsed)) {
                    stored.push_back(std::move(*valid));
                }
            }
        }
        const QByteArray digest = change.digest();
        if (std::any_of(stored.begin(), stored.end(),
                        [&](const GroupChange &c) { return c.digest() == digest; })) {
            update.outcome = GroupUpdate::Outcome::Known;
            update.after = update.before;
            return update;
        }
        // Only a create starts a group here; later changes wait for their parent only in a
        // group we know, and only up to the bound (M1 §9.3): a member cannot fill our disk.
        if (change.op != GroupOp::Create && !update.before) {
            update.error = GroupError::UnknownGroup;
            return update;
        }
        // Full: the changes on no valid chain go first — those whose parent never came, and
        // anything invalid. Anyone who knows the group's id can send such changes, so they
        // must not fill it for good (M1 §9.3); only valid changes, which members sign, can.
        if (storedCount >= GroupTable::kMaxChangesPerGroup) {
            const std::set<QByteArray> valid = validGroupChanges(stored);
            std::vector<QByteArray> evicted;
            std::vector<GroupChange> kept;
            for (GroupChange &held : stored) {
                QByteArray heldDigest = held.digest();
                if (valid.count(heldDigest) != 0) {
                    kept.push_back(std::move(held));
                } else {
                    evicted.push_back(std::move(heldDigest));
                }
            }
            const auto row = std::get<std::optional<GroupRowId>>(existing);
            if (auto removed = groups.removeChanges(*row, evicted);
                const auto *error = errorOf(removed)) {
                return *error;
            }
            stored = std::move(kept);
            storedCount -= qint64(evicted.size());
        }
        if (storedCount >= GroupTable::kMaxChangesPerGroup) {
            update.error = GroupError::Full;
            update.after = update.before;
            return update;
        }
        // Verify against the state it extends, when that state is known (M1 §9.3).
        const auto chain = resolveGroupChain(stored);
        std::optional<GroupError> verdict;
        bool parentKnown = false;
        if (change.op == GroupOp::Create) {
            parentKnown = true;
            verdict = verifyGroupChange(std::nullopt, change, pinned);
            // A create forwarded by someone else (to a member added later, with the chain)
            // only if we know its signer's key already (checked by verify against the pin).
            if (!verdict && !from.isEmpty() && change.signer != from &&
                pinned(change.signer).isEmpty()) {
                verdict = GroupError::WrongSender;
            }
            // A create need not name us: a member added later gets it with the chain, and only
            // the add names him.
        } else {
            for (const GroupState &state : chain) {
                if (state.epoch + 1 == change.epoch && state.head == change.parent) {
                    parentKnown = true;
                    verdict = verifyGroupChange(state, change, pinned);
                    break;
                }
            }
        }
        if (verdict) {
            update.error = verdict;
            update.outcome = GroupUpdate::Outcome::Rejected;
            update.after = update.before;
            return update;
        }
        auto row = groups.ensure(change.groupId, now);
        if (const auto *error = errorOf(row)) {
            return *error;
        }
        const GroupRowId group = std::get<GroupRowId>(row);
        if (auto added = groups.addChange(group, change, now); const auto *error = errorOf(added)) {
            return *error;
        }
        // The common case resolves once, not twice: a change on the head that nothing stored
        // waits for just extends the chain. The head has no valid child (else the chain would
        // go on), and a change added under the chosen branch only strengthens it at every
        // fork above (M1 §9.5 weighs what a subtree holds), so no earlier choice changes.
        const bool extendsHead =
            parentKnown && change.op != GroupOp::Create && !chain.empty() &&
            chain.back().head == change.parent &&
            std::none_of(stored.begin(), stored.end(),
                         [&](const GroupChange &held) { return held.parent == digest; });
        stored.push_back(change);
        std::vector<GroupState> resolved;
        if (extendsHead) {
            resolved = chain;
            resolved.push_back(change.stateAfter(chain.back()));
        } else {
            resolved = resolveGroupChain(stored);
        }
        if (!resolved.empty()) {
            update.after = resolved.back();
            if (!update.before || update.before->head != update.after->head) {
                if (auto saved = groups.saveState(group, *update.after, now);
                    const auto *error = errorOf(saved)) {
                    return *error;
                }
                // A group we are a member of is a conversation (schema v14): it is listed
                // from its creation or our joining on, and moves up with each change.
                if (update.after->member(self) != nullptr) {
                    if (auto listed = touchGroupConversation(context, change.groupId, now);
                        const auto *error = errorOf(listed)) {
                        return *error;
                    }
                }
                if (auto shown =
                        appendGroupEvent(context, update.before, *update.after, change, self, now);
                    const auto *error = errorOf(shown)) {
                    return *error;
                }
            }
        }
        if (update.before && update.after && update.before->head != update.after->head) {
            update.makeAgain = toMakeAgain(chain, resolved, stored, self);
        }
        const bool onChain = std::any_of(resolved.begin(), resolved.end(),
                                         [&](const GroupState &s) { return s.head == digest; });
        update.outcome = onChain       ? GroupUpdate::Outcome::Applied
                         : parentKnown ? GroupUpdate::Outcome::Superseded
                                       : GroupUpdate::Outcome::Pending;
        const QStringList after = addressesOf(update.after);
        for (const QString &address : addressesOf(update.before)) {
            if (!after.contains(address)) {
                update.removed << address;
            }
        }
        return update;
    });
}

StoreResult<MadeGroupChange> makeGroupChange(StoreContext &context,
                                             const crypto::SigningKeyPair &accountKey,
                                             const QString &self, quint32 selfDevice,
                                             const GroupRequest &request, qint64 now)
{
    const QByteArray selfKey(reinterpret_cast<const char *>(accountKey.publicKey().data()),
                             qsizetype(accountKey.publicKey().size()));
    return context.transaction([&]() -> StoreResult<MadeGroupChange> {
        GroupChange draft;
        draft.op = request.op;
        draft.signer = self;
        std::optional<GroupState> current;
        if (request.op == GroupOp::Create) {
            GroupMember me;
            me.address = self;
            me.accountKey = selfKey;
            me.devices = {selfDevice};
            me.admin = true;
            draft.members.push_back(me);
            for (const QString &address : request.members) {
                if (address == self) {
                    continue;
                }
                auto member = contactMember(context, address);
                if (const auto *error = errorOf(member)) {
                    return *error;
                }
                draft.members.push_back(std::get<GroupMember>(std::move(member)));
            }
            sortMembers(draft.members);
            draft.parent = QByteArray(kGroupDigestBytes, Qt::Uninitialized);
            QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(draft.parent.data()),
                                                  kGroupDigestBytes / 4);
            draft.groupId = groupIdFor(selfKey, draft.parent);
            draft.epoch = 1;
            draft.name = request.name;
        } else {
            auto loaded = loadGroup(context, request.groupId);
            if (const auto *error = errorOf(loaded)) {
                return *error;
            }
            current = std::get<std::optional<GroupState>>(loaded);
            if (!current) {
                return refused(StoreError::Code::NotFound, QStringLiteral("No such group."));
            }
            if (!current->member(self)) {
                return refused(StoreError::Code::NotFound,
                               QStringLiteral("You are no longer a member of this group."));
            }
            draft.groupId = current->groupId;
            draft.epoch = current->epoch + 1;
            draft.parent = current->head;
            draft.name = request.op == GroupOp::Rename ? request.name : current->name;
            draft.members = current->members;
            switch (request.op) {
            case GroupOp::Create:
            case GroupOp::Rename:
                break;
            case GroupOp::Devices: {
                // One member's devices (M1 §9.7), as given.
                const QString target = request.members.value(0);
                const GroupMember *member = current->member(target);
                if (member == nullptr) {
                    return refused(StoreError::Code::NotFound,
                                   QStringLiteral("%1 is not a member.").arg(target));
                }
                // Made again later (a lost change): only over what it replaced then.
                if (!request.replacing.empty() && member->devices != request.replacing) {
                    return refused(
                        StoreError::Code::NotFound,
                        QStringLiteral("%1's devices were listed meanwhile.").arg(target));
                }
                const std::vector<quint32> devices = newestDevices(request.devices);
                if (devices.empty() || devices == member->devices) {
                    return refused(StoreError::Code::NotFound,
                                   QStringLiteral("%1's devices are listed already.").arg(target));
                }
                for (GroupMember &entry : draft.members) {
                    if (entry.address == target) {
                        entry.devices = devices;
                    }
                }
                break;
            }
            case GroupOp::Add:
                for (const QString &address : request.members) {
                    if (current->member(address)) {
                        continue;
                    }
                    auto member = contactMember(context, address);
                    if (const auto *error = errorOf(member)) {
                        return *error;
                    }
                    draft.members.push_back(std::get<GroupMember>(std::move(member)));
                }
                sortMembers(draft.members);
                break;
            case GroupOp::Remove:
            case GroupOp::Leave: {
                const QStringList gone =
                    request.op == GroupOp::Leave ? QStringList{self} : request.members;
                for (const QString &address : gone) {
                    if (!current->member(address)) {
                        return refused(StoreError::Code::NotFound,
                                       QStringLiteral("%1 is not a member.").arg(address));
                    }
                }
                std::erase_if(draft.members,
                              [&](const GroupMember &m) { return gone.contains(m.address); });
                break;
            }
            case GroupOp::GrantAdmin:
                for (const QString &address : request.members) {
                    if (!current->member(address)) {
                        return refused(StoreError::Code::NotFound,
                                       QStringLiteral("%1 is not a member.").arg(address));
                    }
                }
                for (GroupMember &member : draft.members) {
                    member.admin = member.admin || request.members.contains(member.address);
                }
                break;
            }
        }
        auto signedChange = signGroupChange(std::move(draft), accountKey);
        if (const auto *error = std::get_if<GroupError>(&signedChange)) {
            return refused(StoreError::Code::NotFound, sentence(*error));
        }
        MadeGroupChange made;
        made.change = std::get<GroupChange>(std::move(signedChange));
        // Our own change goes through the same checks as everyone else's.
        auto stored = storeGroupChange(context, made.change.encoded, self, selfKey, now);
        if (const auto *error = errorOf(stored)) {
            return *error;
        }
        made.update = std::get<GroupUpdate>(std::move(stored));
        if (made.update.outcome != GroupUpdate::Outcome::Applied) {
            // Rolled back: nothing of a refused change is kept.
            return refused(StoreError::Code::NotFound,
                           made.update.error ? sentence(*made.update.error)
                                             : QStringLiteral("The group change was not applied."));
        }
        std::set<QString> recipients;
        for (const QString &address : addressesOf(current)) {
            recipients.insert(address);
        }
        for (const QString &address : addressesOf(made.update.after)) {
            recipients.insert(address);
        }
        recipients.erase(self);
        for (const QString &address : recipients) {
            made.recipients << address;
        }
        return made;
    });
}

StoreResult<SentGroupChange> sendGroupChange(StoreContext &context,
                                             const crypto::DeviceIdentity &self,
                                             const GroupRequest &request, qint64 now)
{
    auto identity = IdentityTable(context).load();
    if (const auto *error = errorOf(identity)) {
        return *error;
    }
    auto accountKey =
        crypto::SigningKeyPair::fromSeed(std::get<OwnIdentityRecord>(identity).accountSeed.view());
    if (!accountKey) {
        return StoreError{StoreError::Code::Undecryptable, QStringLiteral("no account key")};
    }
    const QString selfAddress = QString::fromStdString(self.address().account.toString());
    return context.transaction([&]() -> StoreResult<SentGroupChange> {
        auto made = makeGroupChange(context, *accountKey, selfAddress, self.address().device.value,
                                    request, now);
        if (const auto *error = errorOf(made)) {
            return *error;
        }
        SentGroupChange sent;
        sent.made = std::get<MadeGroupChange>(std::move(made));
        // A member who is new gets the whole chain, oldest first (M1 §9.3: each change is
        // verified against its parent); everyone else the new change only.
        QStringList before;
        if (sent.made.update.before) {
            for (const GroupMember &member : sent.made.update.before->members) {
                before << member.address;
            }
        }
        // So does a member whose devices a Devices change lists anew (M1 §9.7): its new
        // device has not seen the group.
        const QString moved =
            sent.made.change.op == GroupOp::Devices ? request.members.value(0) : QString();
        std::vector<QByteArray> chain;
        if (sent.made.change.op == GroupOp::Add || !moved.isEmpty()) {
            auto loaded = chainOf(context, sent.made.change.groupId);
            if (const auto *error = errorOf(loaded)) {
                return *error;
            }
            chain = std::get<std::vector<QByteArray>>(std::move(loaded));
        }
        // The moved member: the chain on each newly listed device, the change alone on the
        // devices it kept (a device it retired gets nothing).
        std::vector<std::pair<quint32, bool>> movedDevices; // device, newly listed
        if (!moved.isEmpty() && sent.made.update.before && sent.made.update.after) {
            const GroupMember *was = sent.made.update.before->member(moved);
            const GroupMember *now = sent.made.update.after->member(moved);
            for (const quint32 device : now ? now->devices : std::vector<quint32>()) {
                const bool kept =
                    was && std::binary_search(was->devices.begin(), was->devices.end(), device);
                movedDevices.emplace_back(device, !kept);
            }
        }
        const auto deliver = [&](const QString &recipient, const std::vector<QByteArray> &changes,
                                 quint32 onlyDevice) -> StoreResult<bool> {
            // Only under the key the group lists (M1 §9.11); a removed member under the one
            // it had.
            const auto &listing =
                sent.made.update.after && sent.made.update.after->member(recipient)
                    ? sent.made.update.after
                    : sent.made.update.before;
            if (listing) {
                auto listed = pinnedAsListed(context, *listing, recipient);
                if (const auto *error = errorOf(listed)) {
                    return *error;
                }
                if (!std::get<bool>(listed)) {
                    return false;
                }
            }
            for (const QByteArray &change : changes) {
                auto encrypted = encryptInTransaction(context, self, recipient,
                                                      MessageContent::makeGroupChange(change, now),
                                                      true, now, onlyDevice);
                if (const auto *error = errorOf(encrypted)) {
                    if (error->code != StoreError::Code::NotFound) {
                        return *error;
                    }
                    return false; // blocked, or no session yet
                }
                auto &outbox = std::get<OutgoingResult>(encrypted).outbox;
                if (outbox.empty()) {
                    return false; // no session with that device
                }
                for (OutboxEntry &entry : outbox) {
                    sent.outbox.push_back(std::move(entry));
                }
            }
            return true;
        };
        for (const QString &recipient : sent.made.recipients) {
            std::vector<std::pair<quint32, std::vector<QByteArray>>> jobs; // device 0: all
            if (recipient == moved) {
                for (const auto &[device, listedAnew] : movedDevices) {
                    jobs.emplace_back(
                        device,
                        listedAnew ? chain : std::vector<QByteArray>{sent.made.change.encoded});
                }
            } else {
                const bool isNew =
                    sent.made.change.op == GroupOp::Add && !before.contains(recipient);
                jobs.emplace_back(0, isNew ? chain
                                           : std::vector<QByteArray>{sent.made.change.encoded});
            }
            for (const auto &[device, changes] : jobs) {
                auto reached = deliver(recipient, changes, device);
                if (const auto *error = errorOf(reached)) {
                    return *error;
                }
                if (!std::get<bool>(reached)) {
                    sent.unreached << (device == 0 ? recipient : deviceAddress(recipient, device));
                }
            }
        }
        return sent;
    });
}

StoreResult<std::vector<QByteArray>> chainOf(StoreContext &context, const QByteArray &groupId)
{
    auto stored = GroupTable(context).changesOf(groupId);
    if (const auto *error = errorOf(stored)) {
        return *error;
    }
    std::vector<GroupChange> changes;
    for (const QByteArray &bytes : std::get<std::vector<QByteArray>>(stored)) {
        auto decoded = decodeGroupChange(bytes);
        if (auto *change = std::get_if<GroupChange>(&decoded)) {
            changes.push_back(std::move(*change));
        }
    }
    // Each change hashed once (not once per state: up to the bound of changes squared).
    std::map<QByteArray, const GroupChange *> byDigest;
    for (const GroupChange &change : changes) {
        byDigest.emplace(change.digest(), &change);
    }
    std::vector<QByteArray> chain;
    for (const GroupState &state : resolveGroupChain(changes)) {
        if (const auto found = byDigest.find(state.head); found != byDigest.end()) {
            chain.push_back(found->second->encoded);
        }
    }
    return chain;
}

StoreResult<std::vector<GroupState>> listGroups(StoreContext &context)
{
    return GroupTable(context).list();
}

StoreResult<std::optional<GroupState>> loadGroup(StoreContext &context, const QByteArray &groupId)
{
    GroupTable groups(context);
    auto row = groups.find(groupId);
    if (const auto *error = errorOf(row)) {
        return *error;
    }
    if (const auto &found = std::get<std::optional<GroupRowId>>(row)) {
        return groups.state(*found);
    }
    return std::optional<GroupState>();
}

} // namespace parley::core
