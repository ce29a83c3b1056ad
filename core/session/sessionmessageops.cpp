// SessionManager's operations on a sent or received message (M1 §10): replies, reactions,
// edits and deletion for everyone, in a 1:1 conversation or a group. Kept apart from
// sessionmanager.cpp, which holds sessions and sending.

#include "core/session/sessionhelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"

#include <QDateTime>

namespace parley::core {

using namespace sessionhelpers;

void SessionManager::sendReply(const QString &contact, const QByteArray &target,
                               const QString &text, const QString &targetAuthor)
{
    MessageContent reply = MessageContent::makeReply(target, text, nowMs());
    // A group's (M1 §10); 1:1 contents carry none.
    if (!canonicalAuthor(contact, targetAuthor, &reply.targetAuthor)) {
        return;
    }
    sendMessageOp(contact, reply);
}

bool SessionManager::canonicalAuthor(const QString &contact, const QString &given, QString *address)
{
    // A username (on our relay) or an address, as the command line gives it.
    *address = given.isEmpty() ? QString() : resolve(given);
    if (!given.isEmpty() && address->isEmpty()) {
        emit commandFailed(contact, tr("%1 is not a valid username.").arg(given));
        return false;
    }
    return true;
}

void SessionManager::react(const QString &contact, const QByteArray &target, const QString &emoji,
                           const QString &targetAuthor)
{
    if (!MessageContent::isValidReaction(emoji)) {
        emit commandFailed(
            contact, tr("A reaction must be one emoji of 1 to %1 bytes.").arg(kMaxReactionBytes));
        return;
    }
    MessageContent reaction = MessageContent::makeReaction(target, emoji, nowMs());
    if (!canonicalAuthor(contact, targetAuthor, &reaction.targetAuthor)) {
        return;
    }
    sendMessageOp(contact, reaction);
}

void SessionManager::unreact(const QString &contact, const QByteArray &target,
                             const QString &targetAuthor)
{
    MessageContent reaction = MessageContent::makeReaction(target, QString(), nowMs());
    if (!canonicalAuthor(contact, targetAuthor, &reaction.targetAuthor)) {
        return;
    }
    sendMessageOp(contact, reaction);
}

void SessionManager::editMessage(const QString &contact, const QByteArray &target,
                                 const QString &text)
{
    sendMessageOp(contact, MessageContent::makeEdit(target, text, nowMs()));
}

void SessionManager::deleteForEveryone(const QString &contact, const QByteArray &target)
{
    sendMessageOp(contact, MessageContent::makeDelete(target, nowMs()));
}

void SessionManager::sendMessageOp(const QString &contact, const MessageContent &content)
{
    if (const auto groupId = groupIdOfKey(contact)) {
        sendGroupMessageOp(*groupId, content); // a group's conversation key (schema v14)
        return;
    }
    const QString address = resolve(contact);
    const QByteArray utf8 = content.text.toUtf8();
    const bool hasText =
        content.kind == MessageContent::Kind::Reply || content.kind == MessageContent::Kind::Edit;
    QString problem;
    if (address.isEmpty()) {
        problem = tr("%1 is not a valid username.").arg(contact);
    } else if (!ready()) {
        problem = tr("The profile is not open.");
    } else if (content.targetId.size() != kClientMessageIdBytes) {
        problem = tr("A message id has %1 bytes (%2 hexadecimal digits).")
                      .arg(kClientMessageIdBytes)
                      .arg(2 * kClientMessageIdBytes);
    } else if (hasText && (utf8.isEmpty() || utf8.size() > kMaxTextBytes)) {
        problem = tr("A message must have 1 to %1 bytes.").arg(kMaxTextBytes);
    }
    if (!problem.isEmpty()) {
        emit commandFailed(contact, problem);
        return;
    }
    enqueue([this, address, content](std::function<void()> next) {
        ensureSessions(address, [this, address, content, next](const QString &error) {
            if (!error.isEmpty()) {
                emit commandFailed(address, error);
                next();
                return;
            }
            encryptAndSend(address, content, true, [this, address, next](const QString &failure) {
                if (!failure.isEmpty()) {
                    emit commandFailed(address, failure);
                }
                next();
            });
        });
    });
}

} // namespace parley::core
