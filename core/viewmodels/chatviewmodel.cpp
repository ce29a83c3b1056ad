#include "core/viewmodels/chatviewmodel.h"

#include "core/models/messagelistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/messagefailure.h"
#include "core/session/sessionmanager.h"
#include "core/session/timerduration.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/profilestore.h"

#include <QMetaObject>

namespace parley::core {

static_assert(ChatViewModel::kMaxTextBytes == parley::core::kMaxTextBytes);

ChatViewModel::ChatViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                             QString contactAddress, QObject *parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_sessions(sessions)
    , m_address(std::move(contactAddress))
    , m_groupId(groupIdOfKey(m_address).value_or(QByteArray()))
    , m_messages(new MessageListModel(m_store, this))
{
    m_typingIdle.setSingleShot(true);
    m_typingIdle.setInterval(kDefaultTypingIdleMs);
    connect(&m_typingIdle, &QTimer::timeout, this, [this] { sendTyping(false); });
    m_peerTypingTimeout.setSingleShot(true);
    m_peerTypingTimeout.setInterval(kDefaultPeerTypingTimeoutMs);
    connect(&m_peerTypingTimeout, &QTimer::timeout, this, [this] { setPeerTyping(false); });

    if (m_sessions != nullptr) {
        qRegisterMetaType<ChatMessage>();
        m_messages->follow(m_sessions);
        const auto queued = Qt::QueuedConnection;
        connect(
            m_sessions, &SessionManager::typingReceived, this,
            [this](const QString &from, bool typing) {
                if (from == m_address) {
                    setPeerTyping(typing);
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::messageReceived, this,
            [this](const ChatMessage &message) {
                if (message.conversation == m_address) {
                    setPeerTyping(false); // the message ends the notice that preceded it
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::commandFailed, this,
            [this](const QString &contact, const QString &sentence) {
                if (contact == m_address) {
                    setError(sentence);
                }
            },
            queued);
        // A text the relay refused for good: its row shows failed with the reason; the view
        // model says so once too.
        connect(
            m_sessions, &SessionManager::messageStateChanged, this,
            [this](const QString &conversation, const QByteArray &, int state, int reason) {
                if (conversation == m_address && state == int(MessageRecord::State::Failed) &&
                    reason > 0 && reason <= MessageRecord::kLastFailureReason) {
                    setError(describe(MessageRecord::FailureReason(reason)));
                }
            },
            queued);
        // Whatever changes the contact's row (ready, verified, request accepted, (un)blocked):
        // read it again.
        const auto reloadIfMine = [this](const QString &address) {
            if (address == m_address) {
                loadContact();
            }
        };
        connect(m_sessions, &SessionManager::contactReady, this, reloadIfMine, queued);
        connect(m_sessions, &SessionManager::verifiedChanged, this, reloadIfMine, queued);
        connect(m_sessions, &SessionManager::requestAccepted, this, reloadIfMine, queued);
        connect(m_sessions, &SessionManager::blockedChanged, this, reloadIfMine, queued);
        connect(m_sessions, &SessionManager::keyChanged, this, &ChatViewModel::onKeyChanged,
                queued);
        // A group renamed, or our membership changed (M1 §9).
        connect(
            m_sessions, &SessionManager::groupChanged, this,
            [this](const GroupSummary &group) {
                if (isGroup() && group.id == m_groupId) {
                    loadContact();
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::attachmentProgress, this,
            [this](const QString &address, const QByteArray &id, qint64 done, qint64 total) {
                if (address == m_address) {
                    emit attachmentProgress(QString::fromLatin1(id.toHex()), done, total);
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::attachmentFetched, this,
            [this](const QString &address, const QByteArray &id) {
                if (address != m_address) {
                    return;
                }
                emit attachmentFetched(QString::fromLatin1(id.toHex()));
                if (const auto open = m_openAfterFetch.constFind(id);
                    open != m_openAfterFetch.cend()) {
                    queueToSessions([to = m_address, id, author = *open](SessionManager *sessions) {
                        sessions->openAttachment(to, id, kMaxOpenBytes, author);
                    });
                    m_openAfterFetch.erase(open);
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::attachmentOpened, this,
            [this](const QString &address, const QByteArray &id, const QByteArray &plaintext) {
                if (address == m_address) {
                    emit attachmentOpened(QString::fromLatin1(id.toHex()), plaintext);
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::attachmentSaved, this,
            [this](const QString &address, const QByteArray &id, const QString &path) {
                if (address == m_address) {
                    emit attachmentSaved(QString::fromLatin1(id.toHex()), path);
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::attachmentFailed, this,
            [this](const QString &address, const QByteArray &id, const QString &sentence) {
                if (address == m_address) {
                    m_openAfterFetch.remove(id);
                    setError(sentence);
                }
            },
            queued);
        // Dismissed (the relay still vouches for the old key): nothing changed after all.
        // Accepted (the new key is pinned, verified cleared): for a verified contact the user
        // accepted it and sending is possible again; an unverified contact's change is
        // accepted automatically, and its notice stays for this session (issue 12: "for an
        // unverified one a notice is shown"). Either way, re-read the contact.
        const auto keySettled = [this](const QString &address, bool dismissed) {
            if (address != m_address) {
                return;
            }
            if (m_keyChanged && (dismissed || m_verified)) {
                m_keyChanged = false;
            }
            loadContact();
        };
        connect(
            m_sessions, &SessionManager::keyChangeAccepted, this,
            [keySettled](const QString &address) { keySettled(address, false); }, queued);
        connect(
            m_sessions, &SessionManager::keyChangeDismissed, this,
            [keySettled](const QString &address) { keySettled(address, true); }, queued);
        connect(
            m_sessions, &SessionManager::conversationTimerChanged, this,
            [this](const QString &conversation, int seconds) {
                if (conversation == m_address) {
                    setDisappearing(seconds);
                }
            },
            queued);
        // changedKeys() belongs to the core thread: read it there, apply it here.
        auto deliver = m_guard.bind([this](const QSet<QString> &keys) {
            if (keys.contains(m_address)) {
                onKeyChanged(m_address);
            }
        });
        SessionManager *manager = m_sessions;
        QMetaObject::invokeMethod(
            manager, [manager, deliver] { deliver(manager->changedKeys()); }, Qt::QueuedConnection);
    }
    // The unread line is placed once, from the first page (the rows the user sees first).
    connect(m_messages, &MessageListModel::pageApplied, this, [this] {
        if (m_markerFixed) {
            return;
        }
        m_markerFixed = true;
        for (int row = 0; row < m_messages->rowCount(); ++row) {
            const QModelIndex index = m_messages->index(row);
            if (index.data(MessageListModel::StateRole).toInt() ==
                static_cast<int>(MessageRecord::State::Received)) {
                m_unreadMarkerId = index.data(MessageListModel::IdRole).toLongLong();
                emit unreadMarkerChanged();
                return;
            }
        }
    });
    loadContact();
    loadTimer();
    m_messages->open(m_address);
}

ChatViewModel::~ChatViewModel()
{
    if (m_typingAnnounced) {
        sendTyping(false); // leaving the chat ends our notice
    }
}

void ChatViewModel::setTypingIntervals(int resendMs, int idleMs, int peerTimeoutMs)
{
    m_typingResendMs = resendMs;
    m_typingIdle.setInterval(idleMs);
    m_peerTypingTimeout.setInterval(peerTimeoutMs);
}

QAbstractItemModel *ChatViewModel::messages() const
{
    return m_messages;
}

QString ChatViewModel::displayName() const
{
    if (isGroup()) {
        return m_name.isEmpty() ? tr("Unnamed group") : m_name;
    }
    return m_name.isEmpty() ? m_address.section(u'@', 0, 0) : m_name;
}

bool ChatViewModel::canSend() const
{
    if (isGroup()) {
        return m_groupMember;
    }
    return !(m_verified && m_keyChanged) && !m_request && !m_blocked;
}

QString ChatViewModel::cannotSendReason() const
{
    if (canSend()) {
        return {};
    }
    if (isGroup()) {
        return tr("You are not a member of this group.");
    }
    if (m_blocked) {
        return tr("%1 is blocked. Unblock them to send a message.").arg(displayName());
    }
    if (m_request) {
        return tr("%1 is not in your contacts. Accept the message request to reply.")
            .arg(displayName());
    }
    return tr("%1's safety number changed. Compare it again and accept the new key "
              "before sending.")
        .arg(displayName());
}

QString ChatViewModel::noticeText() const
{
    return m_keyChanged && !m_verified
               ? tr("%1's safety number changed. If you did not expect this, compare it with "
                    "them.")
                     .arg(displayName())
               : QString();
}

QString ChatViewModel::checkedText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        setError(tr("Type a message first."));
        return {};
    }
    const qsizetype bytes = trimmed.toUtf8().size();
    if (bytes > kMaxTextBytes) {
        setError(tr("This message is too long: %1 KiB, and at most %2 KiB can be sent at once.")
                     .arg((bytes + 1023) / 1024)
                     .arg(kMaxTextBytes / 1024));
        return {};
    }
    return trimmed;
}

QByteArray ChatViewModel::targetOf(qint64 messageId, bool ownOnly)
{
    const int row = m_messages->rowOf(messageId);
    if (row < 0) {
        setError(tr("That message is not shown any more."));
        return {};
    }
    const QModelIndex index = m_messages->index(row);
    if (index.data(MessageListModel::DeletedRole).toBool()) {
        setError(tr("That message was deleted."));
        return {};
    }
    if (index.data(MessageListModel::UndecryptableRole).toBool()) {
        setError(tr("That message could not be decrypted."));
        return {};
    }
    if (index.data(MessageListModel::IsSystemRole).toBool()) {
        setError(tr("That is not a message."));
        return {};
    }
    if (ownOnly && !index.data(MessageListModel::IsOutgoingRole).toBool()) {
        setError(tr("Only the author of a message may edit or delete it."));
        return {};
    }
    if (!canSend()) {
        setError(cannotSendReason());
        return {};
    }
    if (m_sessions == nullptr) {
        setError(tr("The profile is not open."));
        return {};
    }
    return m_messages->clientMessageIdAt(row);
}

template<typename Call>
void ChatViewModel::queueToSessions(Call call)
{
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, call = std::move(call)] { call(sessions); }, Qt::QueuedConnection);
}

bool ChatViewModel::reply(qint64 messageId, const QString &text)
{
    const QString trimmed = checkedText(text);
    const QByteArray target = trimmed.isEmpty() ? QByteArray() : targetOf(messageId, false);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    if (m_typingAnnounced) {
        sendTyping(false);
    }
    queueToSessions([to = m_address, target, trimmed,
                     author = groupAuthorOf(messageId)](SessionManager *sessions) {
        sessions->sendReply(to, target, trimmed, author);
    });
    return true;
}

bool ChatViewModel::react(qint64 messageId, const QString &emoji)
{
    if (!MessageContent::isValidReaction(emoji)) {
        setError(tr("A reaction is one emoji."));
        return false;
    }
    const QByteArray target = targetOf(messageId, false);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    queueToSessions([to = m_address, target, emoji, author = groupAuthorOf(messageId)](
                        SessionManager *sessions) { sessions->react(to, target, emoji, author); });
    return true;
}

bool ChatViewModel::unreact(qint64 messageId)
{
    const QByteArray target = targetOf(messageId, false);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    queueToSessions([to = m_address, target, author = groupAuthorOf(messageId)](
                        SessionManager *sessions) { sessions->unreact(to, target, author); });
    return true;
}

bool ChatViewModel::edit(qint64 messageId, const QString &text)
{
    const QString trimmed = checkedText(text);
    const QByteArray target = trimmed.isEmpty() ? QByteArray() : targetOf(messageId, true);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    queueToSessions([to = m_address, target, trimmed](SessionManager *sessions) {
        sessions->editMessage(to, target, trimmed);
    });
    return true;
}

bool ChatViewModel::sendFile(const QString &path, const QString &caption)
{
    if (!canSend()) {
        setError(cannotSendReason());
        return false;
    }
    if (path.isEmpty()) {
        setError(tr("Choose a file to send."));
        return false;
    }
    setError({});
    SessionManager *sessions = m_sessions;
    if (sessions == nullptr) {
        return false;
    }
    QMetaObject::invokeMethod(
        sessions,
        [sessions, to = m_address, path, caption] { sessions->sendFile(to, path, caption); },
        Qt::QueuedConnection);
    return true;
}

bool ChatViewModel::sendPreparedFile(const QByteArray &data, const QString &fileName,
                                     const QString &mimeType, const QByteArray &thumbnail,
                                     const QString &caption)
{
    if (!canSend()) {
        setError(cannotSendReason());
        return false;
    }
    if (data.isEmpty() || fileName.isEmpty() || m_sessions == nullptr) {
        setError(tr("Choose a file to send."));
        return false;
    }
    setError({});
    queueToSessions(
        [to = m_address, data, fileName, mimeType, thumbnail, caption](SessionManager *sessions) {
            sessions->sendFileData(to, data, fileName, mimeType, thumbnail, caption);
        });
    return true;
}

bool ChatViewModel::fetchAttachment(qint64 messageId)
{
    const QByteArray target = targetOf(messageId, false);
    if (target.isEmpty() || m_sessions == nullptr) {
        return false;
    }
    setError({});
    queueToSessions(
        [to = m_address, target, author = groupAuthorOf(messageId)](SessionManager *sessions) {
            sessions->fetchAttachment(to, target, author);
        });
    return true;
}

bool ChatViewModel::saveAttachment(qint64 messageId, const QString &path)
{
    const QByteArray target = targetOf(messageId, false);
    if (target.isEmpty() || m_sessions == nullptr) {
        return false;
    }
    if (path.isEmpty()) {
        setError(tr("Choose where to save the file."));
        return false;
    }
    setError({});
    queueToSessions([to = m_address, target, path,
                     author = groupAuthorOf(messageId)](SessionManager *sessions) {
        sessions->saveAttachment(to, target, path, author);
    });
    return true;
}

bool ChatViewModel::openAttachment(qint64 messageId)
{
    const QByteArray target = targetOf(messageId, false);
    if (target.isEmpty() || m_sessions == nullptr) {
        return false;
    }
    const QVariantMap file = m_messages->index(m_messages->rowOf(messageId))
                                 .data(MessageListModel::AttachmentRole)
                                 .toMap();
    if (file.isEmpty()) {
        setError(tr("This message has no file."));
        return false;
    }
    setError({});
    const QString author = groupAuthorOf(messageId);
    if (file.value(QStringLiteral("downloaded")).toBool()) {
        queueToSessions([to = m_address, target, author](SessionManager *sessions) {
            sessions->openAttachment(to, target, kMaxOpenBytes, author);
        });
    } else {
        m_openAfterFetch.insert(target, author);
        queueToSessions([to = m_address, target, author](SessionManager *sessions) {
            sessions->fetchAttachment(to, target, author);
        });
    }
    return true;
}

bool ChatViewModel::deleteForEveryone(qint64 messageId)
{
    const QByteArray target = targetOf(messageId, true);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    queueToSessions([to = m_address, target](SessionManager *sessions) {
        sessions->deleteForEveryone(to, target);
    });
    if (m_composeTarget == messageId) {
        cancelCompose(); // nothing left to reply to or edit
    }
    return true;
}

bool ChatViewModel::startReply(qint64 messageId)
{
    if (targetOf(messageId, false).isEmpty()) {
        return false;
    }
    setError({});
    const QModelIndex index = m_messages->index(m_messages->rowOf(messageId));
    // In a group the quoted message's author, not the group (M1 §10: replies in groups).
    const QString author =
        index.data(MessageListModel::IsOutgoingRole).toBool()
            ? tr("yourself")
            : (isGroup() ? index.data(MessageListModel::AuthorNameRole).toString() : displayName());
    // One line of the quote: the view elides it to its width.
    const QString quote =
        index.data(MessageListModel::TextRole).toString().simplified().left(kQuoteContextChars);
    setComposeMode(ComposeMode::Replying, messageId, tr("Replying to %1: “%2”").arg(author, quote),
                   {});
    return true;
}

bool ChatViewModel::startEdit(qint64 messageId)
{
    if (targetOf(messageId, true).isEmpty()) {
        return false;
    }
    setError({});
    const QModelIndex index = m_messages->index(m_messages->rowOf(messageId));
    setComposeMode(ComposeMode::Editing, messageId, tr("Editing your message"),
                   index.data(MessageListModel::TextRole).toString());
    return true;
}

void ChatViewModel::cancelCompose()
{
    setComposeMode(ComposeMode::Writing, 0, {}, {});
}

bool ChatViewModel::submit(const QString &text)
{
    bool sent = false;
    switch (m_composeMode) {
    case ComposeMode::Writing:
        return send(text);
    case ComposeMode::Replying:
        sent = reply(m_composeTarget, text);
        break;
    case ComposeMode::Editing:
        sent = edit(m_composeTarget, text);
        break;
    }
    if (sent) {
        cancelCompose();
    }
    return sent;
}

qint64 ChatViewModel::lastOwnMessageId() const
{
    for (int row = m_messages->rowCount() - 1; row >= 0; --row) {
        const QModelIndex index = m_messages->index(row);
        if (index.data(MessageListModel::IsOutgoingRole).toBool() &&
            !index.data(MessageListModel::IsSystemRole).toBool() &&
            !index.data(MessageListModel::DeletedRole).toBool() &&
            !index.data(MessageListModel::UndecryptableRole).toBool()) {
            return index.data(MessageListModel::IdRole).toLongLong();
        }
    }
    return 0;
}

void ChatViewModel::setComposeMode(ComposeMode mode, qint64 target, QString context,
                                   QString editText)
{
    if (mode == m_composeMode && target == m_composeTarget && context == m_composeContext &&
        editText == m_editText) {
        return;
    }
    m_composeMode = mode;
    m_composeTarget = target;
    m_composeContext = std::move(context);
    m_editText = std::move(editText);
    emit composeModeChanged();
}

bool ChatViewModel::setDisappearingTimer(int seconds)
{
    // A 1:1 conversation's or a group's (M1 §9.9): the core routes by m_address.
    if (seconds < 0 || !MessageContent::isValidTimer(quint32(seconds))) {
        setError(tr("Disappearing messages take a time between %1 seconds and %2 weeks, or off.")
                     .arg(kMinTimerSeconds)
                     .arg(kMaxTimerSeconds / (7 * 24 * 3600)));
        return false;
    }
    if (!canSend()) {
        setError(cannotSendReason());
        return false;
    }
    if (m_sessions == nullptr) {
        setError(tr("The profile is not open."));
        return false;
    }
    setError({});
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions,
        [sessions, to = m_address, seconds] {
            sessions->setDisappearingTimer(to, quint32(seconds));
        },
        Qt::QueuedConnection);
    return true;
}

QString ChatViewModel::disappearingText() const
{
    return TimerDuration::describe(quint32(m_disappearingSeconds));
}

void ChatViewModel::setDisappearing(int seconds)
{
    if (seconds != m_disappearingSeconds) {
        m_disappearingSeconds = seconds;
        emit disappearingChanged();
    }
}

void ChatViewModel::loadTimer()
{
    if (!m_store) {
        return;
    }
    m_guard.deliver(m_store->run([address = m_address](StoreContext &context) {
        return conversationTimer(context, address);
    }),
                    [this](const StoreResult<ConversationTimer> &timer) {
                        if (const auto *found = std::get_if<ConversationTimer>(&timer)) {
                            setDisappearing(int(found->seconds));
                        }
                    });
}

bool ChatViewModel::send(const QString &text)
{
    const QString trimmed = checkedText(text);
    if (trimmed.isEmpty()) {
        return false;
    }
    if (!canSend()) {
        setError(cannotSendReason());
        return false;
    }
    if (m_sessions == nullptr) {
        setError(tr("The profile is not open."));
        return false;
    }
    setError({});
    if (m_typingAnnounced) {
        sendTyping(false);
    }
    if (isGroup()) {
        // M1 §9.6: once under our sender key, to every member device (grouptextpipeline.h).
        queueToSessions([groupId = m_groupId, trimmed](SessionManager *sessions) {
            sessions->sendGroupText(groupId, trimmed);
        });
        return true;
    }
    queueToSessions(
        [to = m_address, trimmed](SessionManager *sessions) { sessions->sendText(to, trimmed); });
    return true;
}

void ChatViewModel::markRead()
{
    if (m_sessions == nullptr) {
        return;
    }
    queueToSessions([to = m_address](SessionManager *sessions) { sessions->markRead(to); });
}

void ChatViewModel::setTyping(bool typing)
{
    if (!typing) {
        if (m_typingAnnounced) {
            sendTyping(false);
        }
        return;
    }
    m_typingIdle.start();
    // Throttled: a notice every m_typingResendMs while the user keeps typing, so the peer's
    // timeout does not expire, without one message per keystroke.
    if (!m_typingAnnounced || m_sinceTypingSent.elapsed() >= m_typingResendMs) {
        sendTyping(true);
    }
}

void ChatViewModel::sendTyping(bool typing)
{
    m_typingAnnounced = typing;
    if (typing) {
        m_sinceTypingSent.start();
    } else {
        m_typingIdle.stop();
    }
    // Typing notices are 1:1 only: none is defined for groups (M1 §9.6).
    if (m_sessions != nullptr && canSend() && !isGroup()) {
        queueToSessions([to = m_address, typing](SessionManager *sessions) {
            sessions->sendTyping(to, typing);
        });
    }
    emit typingSent(typing);
}

void ChatViewModel::clearError()
{
    setError({});
}

void ChatViewModel::setPeerTyping(bool typing)
{
    if (typing) {
        m_peerTypingTimeout.start();
    } else {
        m_peerTypingTimeout.stop();
    }
    if (typing != m_peerTyping) {
        m_peerTyping = typing;
        emit peerTypingChanged();
    }
}

void ChatViewModel::setError(const QString &text)
{
    if (text != m_errorText) {
        m_errorText = text;
        emit errorTextChanged();
    }
}

void ChatViewModel::onKeyChanged(const QString &address)
{
    if (address == m_address && !m_keyChanged) {
        m_keyChanged = true;
        emit contactChanged();
    }
}

void ChatViewModel::loadContact()
{
    if (!m_store) {
        return;
    }
    if (isGroup()) {
        loadGroup();
        return;
    }
    m_guard.deliver(m_store->run([address = m_address](StoreContext &context) {
        return ContactTable(context).findByAddress(address);
    }),
                    [this](const StoreResult<ContactRecord> &found) {
                        // NotFound: not a contact yet (added on the first send).
                        if (const auto *contact = std::get_if<ContactRecord>(&found)) {
                            m_name = contact->displayName.value_or(QString()).trimmed();
                            m_verified = contact->verified;
                            m_request = contact->isRequest();
                            m_blocked = contact->blocked;
                            // A change waiting for the user survives restarts in the store.
                            m_keyChanged = m_keyChanged || !contact->pendingAccountKey.isEmpty();
                            emit contactChanged();
                        }
                    });
}

} // namespace parley::core
