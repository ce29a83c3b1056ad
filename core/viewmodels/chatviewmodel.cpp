#include "core/viewmodels/chatviewmodel.h"

#include "core/models/messagelistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/messagefailure.h"
#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
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
        connect(
            m_sessions, &SessionManager::contactReady, this,
            [this](const QString &address) {
                if (address == m_address) {
                    loadContact();
                }
            },
            queued);
        connect(m_sessions, &SessionManager::keyChanged, this, &ChatViewModel::onKeyChanged,
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
            m_sessions, &SessionManager::verifiedChanged, this,
            [this](const QString &address) {
                if (address == m_address) {
                    loadContact();
                }
            },
            queued);
        // Requests and blocking (M1 §6).
        connect(
            m_sessions, &SessionManager::requestAccepted, this,
            [this](const QString &address) {
                if (address == m_address) {
                    loadContact();
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::blockedChanged, this,
            [this](const QString &address) {
                if (address == m_address) {
                    loadContact();
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
    return m_name.isEmpty() ? m_address.section(u'@', 0, 0) : m_name;
}

QString ChatViewModel::cannotSendReason() const
{
    if (canSend()) {
        return {};
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
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions,
        [sessions, to = m_address, target, trimmed] { sessions->sendReply(to, target, trimmed); },
        Qt::QueuedConnection);
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
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, to = m_address, target, emoji] { sessions->react(to, target, emoji); },
        Qt::QueuedConnection);
    return true;
}

bool ChatViewModel::unreact(qint64 messageId)
{
    const QByteArray target = targetOf(messageId, false);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, to = m_address, target] { sessions->unreact(to, target); },
        Qt::QueuedConnection);
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
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions,
        [sessions, to = m_address, target, trimmed] { sessions->editMessage(to, target, trimmed); },
        Qt::QueuedConnection);
    return true;
}

bool ChatViewModel::deleteForEveryone(qint64 messageId)
{
    const QByteArray target = targetOf(messageId, true);
    if (target.isEmpty()) {
        return false;
    }
    setError({});
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, to = m_address, target] { sessions->deleteForEveryone(to, target); },
        Qt::QueuedConnection);
    return true;
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
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, to = m_address, trimmed] { sessions->sendText(to, trimmed); },
        Qt::QueuedConnection);
    return true;
}

void ChatViewModel::markRead()
{
    if (m_sessions == nullptr) {
        return;
    }
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, to = m_address] { sessions->markRead(to); }, Qt::QueuedConnection);
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
    if (m_sessions != nullptr && canSend()) {
        SessionManager *sessions = m_sessions;
        QMetaObject::invokeMethod(
            sessions, [sessions, to = m_address, typing] { sessions->sendTyping(to, typing); },
            Qt::QueuedConnection);
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
