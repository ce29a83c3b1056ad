// Replies, reactions, edits and deletion for everyone on the database thread (protocol M1 §5).

#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/identitytable.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/pendingoptable.h"
#include "core/store/reactiontable.h"
#include "core/store/storecontext.h"

namespace parley::core::pipeline {

namespace {

using Direction = MessageRecord::Direction;
using Result = OpOutcome::Result;
using Kind = MessageContent::Kind;

const char *kindName(Kind kind)
{
    switch (kind) {
    case Kind::Reaction:
        return "reaction";
    case Kind::Edit:
        return "edit";
    case Kind::Delete:
        return "delete";
    default:
        return "content";
    }
}

OpOutcome outcome(Result result, const QString &reason = {},
                  std::optional<MessageRecord> target = std::nullopt)
{
    return OpOutcome{result, reason, std::move(target)};
}

StoreResult<OpOutcome> applyDelete(StoreContext &context, MessageRecord target)
{
    if (target.deleted) {
        return outcome(Result::Unchanged, QStringLiteral("already deleted"));
    }
    // The key goes with the attachment's row (a trigger); its ciphertext file goes after the
    // commit, so no device keeps what its author deleted (M1 §5.5).
    if (auto removed = AttachmentTable(context).removeFilesAfterCommit(target.id);
        errorOf(removed) != nullptr) {
        return *errorOf(removed);
    }
    MessageTable messages(context);
    if (auto deleted = messages.setDeleted(target.id); errorOf(deleted) != nullptr) {
        return *errorOf(deleted);
    }
    if (auto removed = MessageVersionTable(context).removeForMessage(target.id);
        errorOf(removed) != nullptr) {
        return *errorOf(removed);
    }
    if (auto removed = ReactionTable(context).removeForMessage(target.id);
        errorOf(removed) != nullptr) {
        return *errorOf(removed);
    }
    target.deleted = true;
    target.body = QString();
    target.replyTo.clear();
    target.editId.clear();
    target.editedAt = 0;
    return outcome(Result::Applied, {}, std::move(target));
}

StoreResult<OpOutcome> applyEdit(StoreContext &context, MessageRecord target,
                                 const MessageContent &op)
{
    if (target.deleted) {
        return outcome(Result::Unchanged, QStringLiteral("the target is deleted"), target);
    }
    MessageVersionTable versions(context);
    auto stored = versions.count(target.id);
    if (const auto *error = errorOf(stored)) {
        return *error;
    }
    if (std::get<int>(stored) >= MessageVersionTable::kMaxPerMessage) {
        return outcome(Result::Rejected, QStringLiteral("too many versions of the target"));
    }
    // The first edit keeps the original as a version under the message's own id (M1 §5.4).
    if (!target.isEdited() && std::get<int>(stored) == 0) {
        const auto *original = std::get_if<QString>(&target.body);
        if (original != nullptr && !original->isEmpty()) {
            if (auto added =
                    versions.add(target.id, target.clientMessageId, target.sentAt, *original);
                errorOf(added) != nullptr) {
                return *errorOf(added);
            }
        }
    }
    auto added = versions.add(target.id, op.clientMessageId, op.sentAt, op.text);
    if (const auto *error = errorOf(added)) {
        return *error;
    }
    if (!std::get<bool>(added)) {
        return outcome(Result::Unchanged, QStringLiteral("edit already applied"));
    }
    // Every edit supersedes the original; among edits the latest (sent_at, id) is shown.
    if (!target.isEdited() ||
        isLater(op.sentAt, op.clientMessageId, target.editedAt, target.editId)) {
        if (auto set =
                MessageTable(context).setEdited(target.id, op.text, op.clientMessageId, op.sentAt);
            errorOf(set) != nullptr) {
            return *errorOf(set);
        }
        target.body = op.text;
        target.editId = op.clientMessageId;
        target.editedAt = op.sentAt;
    }
    return outcome(Result::Applied, {}, std::move(target)); // the history grew either way
}

StoreResult<OpOutcome> applyReaction(StoreContext &context, MessageRecord target, qint64 author,
                                     const MessageContent &op, const QString &member = {})
{
    if (target.deleted) {
        return outcome(Result::Unchanged, QStringLiteral("the target is deleted"), target);
    }
    ReactionTable reactions(context);
    auto found = reactions.find(target.id, author, member);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    ReactionRecord reaction;
    if (const auto &existing = std::get<std::optional<ReactionRecord>>(found)) {
        if (!isLater(op.sentAt, op.clientMessageId, existing->sentAt, existing->opId)) {
            return outcome(Result::Unchanged, QStringLiteral("an equal or later reaction is kept"));
        }
        reaction.id = existing->id;
    }
    reaction.message = target.id;
    reaction.author = author;
    reaction.member = member;
    reaction.opId = op.clientMessageId;
    reaction.sentAt = op.sentAt;
    reaction.emoji = op.reaction;
    if (auto put = reactions.put(reaction); errorOf(put) != nullptr) {
        return *errorOf(put);
    }
    return outcome(Result::Applied, {}, std::move(target));
}

} // namespace

StoreResult<OpOutcome> applyMessageOp(StoreContext &context, ConversationId conversation,
                                      qint64 author, const MessageContent &op, bool hold,
                                      qint64 now)
{
    if (!op.isMessageOp() || op.targetId.size() != kClientMessageIdBytes) {
        return outcome(Result::Rejected, QStringLiteral("not a message op"));
    }
    MessageTable messages(context);
    // 1:1: the author's texts are one direction of the conversation (ours outgoing, the
    // contact's incoming). A group names the author per row; the rule stays the same.
    const Direction own =
        author == ReactionTable::kSelf ? Direction::Outgoing : Direction::Incoming;
    const Direction other = own == Direction::Outgoing ? Direction::Incoming : Direction::Outgoing;
    // A reaction may target anyone's message: the author's own first, then the other side's.
    // An edit or delete only the author's (M1 §5.1).
    std::optional<MessageRecord> target;
    for (const Direction direction : {own, other}) {
        auto found = messages.findByClientId(conversation, direction, op.targetId);
        if (const auto *error = errorOf(found)) {
            return *error;
        }
        if ((target = std::get<std::optional<MessageRecord>>(found))) {
            break;
        }
    }
    if (target && target->direction != own && op.kind != Kind::Reaction) {
        return outcome(Result::Rejected,
                       QStringLiteral("%1 by someone who is not the target's author")
                           .arg(QLatin1String(kindName(op.kind))));
    }
    if (target && target->isSystemRow()) {
        // M1 §6: a timer change (or a group event) is a system row, not a message anyone can
        // change.
        return outcome(Result::NoTarget, QStringLiteral("the target is a system row"));
    }
    if (target && target->state == MessageRecord::State::Undecryptable) {
        return outcome(Result::Unchanged, QStringLiteral("the target is undecryptable"));
    }
    if (!target) {
        if (!hold) {
            return outcome(Result::NoTarget, QStringLiteral("no such message"));
        }
        auto added =
            PendingOpTable(context).add(conversation, op.targetId, author, op.encode(), now);
        if (const auto *error = errorOf(added)) {
            return *error;
        }
        return std::get<bool>(added)
                   ? outcome(Result::Pending)
                   : outcome(Result::Rejected, QStringLiteral("too many ops wait for targets"));
    }
    switch (op.kind) {
    case Kind::Delete:
        return applyDelete(context, std::move(*target));
    case Kind::Edit:
        return applyEdit(context, std::move(*target), op);
    case Kind::Reaction:
        return applyReaction(context, std::move(*target), author, op);
    default:
        break;
    }
    return outcome(Result::Rejected, QStringLiteral("not a message op"));
}

StoreResult<std::optional<MessageRecord>>
findGroupTarget(StoreContext &context, ConversationId conversation, const QString &targetAuthor,
                const QByteArray &targetId, const QString &selfAddress)
{
    // M1 §10: the target is the message with that id FROM that author: ours are outgoing rows
    // (and incoming rows from our own address, sent by another device of this account), a
    // member's are incoming rows with that member as author (schema v14). Never a message
    // found by its id alone: two members may have chosen the same id.
    MessageTable messages(context);
    if (targetAuthor == selfAddress) {
        auto own = messages.findByClientId(conversation, Direction::Outgoing, targetId);
        if (errorOf(own) != nullptr || std::get<std::optional<MessageRecord>>(own)) {
            return own;
        }
    }
    return messages.findByClientId(conversation, Direction::Incoming, targetId, targetAuthor);
}

StoreResult<OpOutcome> applyGroupMessageOp(StoreContext &context, ConversationId conversation,
                                           const QString &sender, const MessageContent &op,
                                           const QString &selfAddress, bool hold, qint64 now)
{
    if ((op.kind != Kind::Reaction && op.kind != Kind::Edit && op.kind != Kind::Delete) ||
        op.targetId.size() != kClientMessageIdBytes || op.targetAuthor.isEmpty() ||
        selfAddress.isEmpty()) {
        return outcome(Result::Rejected, QStringLiteral("not a group op"));
    }
    const QString author = sender.isEmpty() ? selfAddress : sender;
    // M1 §10 (§5.1 in a group): an edit or delete names its own author's message, or nothing
    // it may change: rejected before anything is looked up.
    if (op.kind != Kind::Reaction && op.targetAuthor != author) {
        return outcome(Result::Rejected,
                       QStringLiteral("group %1 by someone who is not the target's author")
                           .arg(QLatin1String(kindName(op.kind))));
    }
    auto found = findGroupTarget(context, conversation, op.targetAuthor, op.targetId, selfAddress);
    if (const auto *error = errorOf(found)) {
        return *error;
    }
    std::optional<MessageRecord> target = std::get<std::optional<MessageRecord>>(found);
    if (!target) {
        if (!hold) {
            return outcome(Result::NoTarget, QStringLiteral("no such message"));
        }
        // M1 §10: it waits for (target author, id), bounded per conversation and in age
        // (PendingOpTable), as its 1:1 encoding with the sender and the named author beside.
        auto added = PendingOpTable(context).add(conversation, op.targetId, ReactionTable::kSelf,
                                                 op.encode(), now, author, op.targetAuthor);
        if (const auto *error = errorOf(added)) {
            return *error;
        }
        return std::get<bool>(added)
                   ? outcome(Result::Pending)
                   : outcome(Result::Rejected, QStringLiteral("too many ops wait for targets"));
    }
    if (target->isSystemRow()) {
        return outcome(Result::NoTarget, QStringLiteral("the target is a system row"));
    }
    if (target->state == MessageRecord::State::Undecryptable) {
        return outcome(Result::Unchanged, QStringLiteral("the target is undecryptable"));
    }
    switch (op.kind) {
    case Kind::Delete:
        return applyDelete(context, std::move(*target));
    case Kind::Edit:
        return applyEdit(context, std::move(*target), op);
    default:
        // One reaction per member per message (M1 §5.3): ours under '' (any device of this
        // account), a member's under its address.
        return applyReaction(context, std::move(*target), ReactionTable::kSelf, op,
                             author == selfAddress ? QString() : author);
    }
}

StoreResult<MessageRecord> applyPendingGroupOps(StoreContext &context, MessageRecord record,
                                                qint64 now)
{
    if (record.direction != Direction::Incoming || record.author.isEmpty()) {
        return record; // ours: every op of ours about it was applied when made
    }
    auto waiting =
        PendingOpTable(context).take(record.conversation, record.clientMessageId, record.author,
                                     now - PendingOpTable::kMaxGroupHoldMs);
    if (const auto *error = errorOf(waiting)) {
        return *error;
    }
    const auto &ops = std::get<std::vector<PendingOp>>(waiting);
    if (ops.empty()) {
        return record; // the common case: one indexed lookup, nothing else
    }
    auto self = IdentityTable(context).loadAddress();
    if (const auto *error = errorOf(self)) {
        return *error;
    }
    for (const PendingOp &pending : ops) {
        auto decoded = MessageContent::decode(pending.content);
        if (!std::holds_alternative<MessageContent>(decoded) || pending.member.isEmpty()) {
            continue; // stored by us after decoding: cannot happen unless damaged
        }
        MessageContent op = std::get<MessageContent>(std::move(decoded));
        op.targetAuthor = pending.targetAuthor;
        auto applied = applyGroupMessageOp(context, record.conversation, pending.member, op,
                                           std::get<QString>(self), false, now);
        if (const auto *error = errorOf(applied)) {
            return *error;
        }
        const OpOutcome &result = std::get<OpOutcome>(applied);
        if (result.result == Result::Rejected) {
            qCInfo(lcPipeline) << "rejected a waiting group op:" << result.reason;
        }
    }
    auto current = MessageTable(context).find(record.id);
    if (const auto *error = errorOf(current)) {
        return *error;
    }
    return std::get<MessageRecord>(current);
}

StoreResult<MessageRecord> applyPendingOps(StoreContext &context, MessageRecord record, qint64 now)
{
    auto waiting = PendingOpTable(context).take(record.conversation, record.clientMessageId);
    if (const auto *error = errorOf(waiting)) {
        return *error;
    }
    const auto &ops = std::get<std::vector<PendingOp>>(waiting);
    if (ops.empty()) {
        return record; // the common case: one indexed lookup, nothing else
    }
    for (const PendingOp &pending : ops) {
        auto decoded = MessageContent::decode(pending.content);
        if (!std::holds_alternative<MessageContent>(decoded)) {
            continue; // stored by us after decoding: cannot happen unless damaged
        }
        auto applied = applyMessageOp(context, record.conversation, pending.author,
                                      std::get<MessageContent>(decoded), false, now);
        if (const auto *error = errorOf(applied)) {
            return *error;
        }
        const OpOutcome &result = std::get<OpOutcome>(applied);
        if (result.result == Result::Rejected) {
            qCInfo(lcPipeline) << "rejected a waiting message op:" << result.reason;
        }
    }
    // Read back: the ops may have edited or deleted it.
    auto current = MessageTable(context).find(record.id);
    if (const auto *error = errorOf(current)) {
        return *error;
    }
    return std::get<MessageRecord>(current);
}

} // namespace parley::core::pipeline
