#pragma once

#include "core/models/asyncguard.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

class QAbstractItemModel;

namespace parley::core {

class MessageListModel;
class ProfileStore;
class SessionManager;

// One open conversation: what a chat view shows and does. Lives on the GUI thread; sending,
// receipts and typing go to the SessionManager on the core thread (queued), the history comes
// from the database thread (MessageListModel), so no command blocks.
//
// Properties:
//  - messages:          the MessageListModel of this conversation (a window of rows, paged
//                       both ways; it follows the SessionManager by itself)
//  - contactAddress:    user@relay of the contact (constant)
//  - displayName:       the contact's name, or the user part of the address
//  - verified:          the user verified the contact's safety number
//  - keyChanged:        the contact's identity key changed since this session started
//  - isRequest:         the conversation is a message request: the contact wrote first and
//                       is not accepted yet; nothing is sent to them (RequestsViewModel::accept;
//                       protocol M1 §6)
//  - blocked:           the contact is blocked (RequestsViewModel::unblock)
//  - canSend:           false while sending is blocked: a verified contact whose key changed
//                       (issue 12: sending stays blocked until the user accepts the new key),
//                       a message request not accepted yet, or a blocked contact
//  - cannotSendReason:  one sentence saying why canSend is false, else empty
//  - noticeText:        a non-blocking remark, e.g. an unverified contact's key changed
//  - errorText:         one sentence about the last failed command (too long, refused by the
//                       core, …) or about a message of this conversation that failed ("Not
//                       sent: the recipient's account or device no longer exists."; its row
//                       has the reason too: MessageListModel's FailureReason… roles), cleared
//                       by the next successful send or clearError()
//  - peerTyping:        the contact is typing; false again when they say they stopped, send
//                       a message, or after peerTypingTimeoutMs without a new notice
//  - unreadMarkerId:    the MessageId of the oldest message of the first page that was still
//                       unread (Received) when the conversation opened, or 0: a view draws its
//                       "new messages" line above it. Fixed once the first page is applied,
//                       so markRead() does not move it while the user reads.
//
// Commands (Q_INVOKABLE):
//  - send(text):        trims the text; refuses (false, errorText set) an empty one, one over
//                       kMaxTextBytes bytes of UTF-8, or any while canSend is false; else hands
//                       it to the SessionManager (it appears in `messages` as Queued) and
//                       returns true. Also ends our typing notice.
//  - markRead():        every received message of this conversation becomes Seen and a read
//                       receipt goes to the contact (call when the view shows the newest rows)
//  - setTyping(typing): call on every edit with true, and with false when the field is
//                       cleared. A "typing" notice goes out at most every typingResendMs while
//                       the user keeps typing; "stopped" goes out after typingIdleMs without
//                       an edit, or at once on setTyping(false) or send().
//  - clearError()
//  Replies, reactions, edits, deletion for everyone (protocol M1 §5). `messageId` is a row's
//  IdRole (the message must be in the model's window); each returns false with errorText set
//  when it refuses, else hands the command to the SessionManager and returns true (the row
//  changes when the core has applied it: MessageListModel's Edited/Deleted/Reactions roles):
//  - reply(messageId, text):      sends text quoting that message (checked like send())
//  - react(messageId, emoji):     our one reaction to it (replaces our previous one)
//  - unreact(messageId):          takes our reaction back
//  - edit(messageId, text):       replaces the text of one of OUR messages (history kept)
//  - deleteForEveryone(messageId): wipes one of OUR messages on every side (a tombstone)
class ChatViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel *messages READ messages CONSTANT)
    Q_PROPERTY(QString contactAddress READ contactAddress CONSTANT)
    Q_PROPERTY(QString displayName READ displayName NOTIFY contactChanged)
    Q_PROPERTY(bool verified READ isVerified NOTIFY contactChanged)
    Q_PROPERTY(bool keyChanged READ hasKeyChanged NOTIFY contactChanged)
    Q_PROPERTY(bool isRequest READ isRequest NOTIFY contactChanged)
    Q_PROPERTY(bool blocked READ isBlocked NOTIFY contactChanged)
    Q_PROPERTY(bool canSend READ canSend NOTIFY contactChanged)
    Q_PROPERTY(QString cannotSendReason READ cannotSendReason NOTIFY contactChanged)
    Q_PROPERTY(QString noticeText READ noticeText NOTIFY contactChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)
    Q_PROPERTY(bool peerTyping READ isPeerTyping NOTIFY peerTypingChanged)
    Q_PROPERTY(qint64 unreadMarkerId READ unreadMarkerId NOTIFY unreadMarkerChanged)

public:
    static constexpr int kMaxTextBytes = 64 * 1024; // M1: kMaxTextBytes (messagecontent.h)
    static constexpr int kDefaultTypingResendMs = 3'000;
    static constexpr int kDefaultTypingIdleMs = 5'000;
    static constexpr int kDefaultPeerTypingTimeoutMs = 8'000;

    // `sessions` may live on the core thread; the model follows it and opens the newest page.
    ChatViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                  QString contactAddress, QObject *parent = nullptr);
    ~ChatViewModel() override;

    // C++ only (tests use short intervals).
    void setTypingIntervals(int resendMs, int idleMs, int peerTimeoutMs);

    QAbstractItemModel *messages() const;
    MessageListModel *messageList() const { return m_messages; }
    QString contactAddress() const { return m_address; }
    QString displayName() const;
    bool isVerified() const { return m_verified; }
    bool hasKeyChanged() const { return m_keyChanged; }
    bool isRequest() const { return m_request; }
    bool isBlocked() const { return m_blocked; }
    bool canSend() const { return !(m_verified && m_keyChanged) && !m_request && !m_blocked; }
    QString cannotSendReason() const;
    QString noticeText() const;
    QString errorText() const { return m_errorText; }
    bool isPeerTyping() const { return m_peerTyping; }
    qint64 unreadMarkerId() const { return m_unreadMarkerId; }

    Q_INVOKABLE bool send(const QString &text);
    Q_INVOKABLE void markRead();
    Q_INVOKABLE void setTyping(bool typing);
    Q_INVOKABLE void clearError();
    Q_INVOKABLE bool reply(qint64 messageId, const QString &text);
    Q_INVOKABLE bool react(qint64 messageId, const QString &emoji);
    Q_INVOKABLE bool unreact(qint64 messageId);
    Q_INVOKABLE bool edit(qint64 messageId, const QString &text);
    Q_INVOKABLE bool deleteForEveryone(qint64 messageId);

signals:
    void contactChanged();
    void errorTextChanged();
    void peerTypingChanged();
    void unreadMarkerChanged();
    // The throttle decided to send a typing notice (for tests and diagnostics). It reaches
    // the SessionManager only if there is one and canSend is true.
    void typingSent(bool typing);

private:
    void loadContact();
    void sendTyping(bool typing);
    void setPeerTyping(bool typing);
    void setError(const QString &text);
    // The text checks of send(): the trimmed text, or empty with errorText set.
    QString checkedText(const QString &text);
    // The client_message_id of row `messageId` (empty, errorText set, if it is not in the
    // window, or — `ownOnly` — not one of ours, or deleted).
    QByteArray targetOf(qint64 messageId, bool ownOnly);
    void onKeyChanged(const QString &address);

    std::shared_ptr<ProfileStore> m_store;
    SessionManager *m_sessions;
    QString m_address;
    MessageListModel *m_messages;
    QString m_name;
    bool m_verified = false;
    bool m_keyChanged = false;
    bool m_request = false; // schema v7: not accepted (and not blocked)
    bool m_blocked = false;
    QString m_errorText;
    bool m_peerTyping = false;
    qint64 m_unreadMarkerId = 0;
    bool m_markerFixed = false;
    bool m_typingAnnounced = false;
    QElapsedTimer m_sinceTypingSent;
    int m_typingResendMs = kDefaultTypingResendMs;
    QTimer m_typingIdle;
    QTimer m_peerTypingTimeout;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
