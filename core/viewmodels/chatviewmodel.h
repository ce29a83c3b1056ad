#pragma once

#include "core/models/asyncguard.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
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
//  - contactAddress:    user@relay of the contact (constant); for a group conversation its
//                       key "group:<hex>" (conversationkey.h; ConversationListModel's
//                       AddressRole): the app opens a group's chat like a contact's
//  - isGroup, groupId:  a group conversation (protocol M1 §9) and its id (32 hex digits)
//  - displayName:       the contact's name, or the user part of the address; a group's name
//                       ("Unnamed group" while unknown), read again on groupChanged
//  - verified:          the user verified the contact's safety number
//  - keyChanged:        the contact's identity key changed since this session started
//  - isRequest:         the conversation is a message request: the contact wrote first and
//                       is not accepted yet; nothing is sent to them (RequestsViewModel::accept;
//                       protocol M1 §6)
//  - blocked:           the contact is blocked (RequestsViewModel::unblock)
//  - canSend:           false while sending is blocked: a verified contact whose key changed
//                       (issue 12: sending stays blocked until the user accepts the new key),
//                       a message request not accepted yet, or a blocked contact
//                       In a group: false unless we are a member of its current state;
//                       verified, keyChanged, isRequest, blocked and peerTyping stay false
//                       (they are about one contact) and no typing notice is sent.
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
//  - disappearingSeconds: the conversation's disappearing-messages timer in seconds (0: off;
//                       protocol M1 §6), as agreed by both sides: read from the store when
//                       the view model opens and updated by every change, ours or the
//                       contact's (SessionManager::conversationTimerChanged). Every message
//                       stored while it is set is deleted that long after it was sent (ours)
//                       or arrived (theirs), on both sides.
//  - disappearingText:  the same for people: "off", "1 hour", "5 minutes"
//
// Commands (Q_INVOKABLE):
//  - send(text):        trims the text; refuses (false, errorText set) an empty one, one over
//                       kMaxTextBytes bytes of UTF-8, or any while canSend is false; else hands
//                       it to the SessionManager (it appears in `messages` as Queued) and
//                       returns true. Also ends our typing notice. In a group it goes through
//                       SessionManager::sendGroupText (M1 §9.6).
//  In a group, reply, edit and deleteForEveryone go to the group as M1 §10 ops (a reply is
//  a group text quoting its target; only the author's edits and deletes are applied, by every
//  member); reactions go to every member, one per member per message (react/unreact, below;
//  MessageListModel's ReactionsRole shows every member's); files go to every member (M1
//  §9.10) and are fetched, saved and opened by their author's row.
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
//
// The composer's mode (what Enter does with the text being written):
//  - composeMode:       Writing (a new message), Replying (quoting composeTargetId) or Editing
//                       (replacing the text of composeTargetId, one of ours)
//  - composeTargetId:   the row (IdRole) being replied to or edited, 0 while Writing
//  - composeContext:    what a view shows above the field: "Replying to alice: “quote…”" or
//                       "Editing your message"; empty while Writing
//  - startReply(messageId) / startEdit(messageId): enter that mode (false, errorText set,
//                       when the message cannot be quoted or edited: not in the window,
//                       deleted, undecryptable, not ours for an edit). editText is the text
//                       to put in the field when editing starts.
//  - cancelCompose():   back to Writing
//  - submit(text):      send(), reply() or edit() by the mode; back to Writing on success
//  - lastOwnMessageId(): the newest of our messages in the window that can be edited, or 0
//                       (a view's "Up in an empty field edits the last message")
//
// Disappearing messages (protocol M1 §6):
//  - setDisappearingTimer(seconds): sets the conversation's timer for both sides (0: off, else
//                       kMinTimerSeconds … kMaxTimerSeconds: 5 s … 4 weeks); refuses another
//                       value or while canSend is false (false, errorText set), else hands it
//                       to the SessionManager and returns true. disappearingSeconds follows
//                       once the core has stored the change, and the timeline gets a system
//                       row for it (MessageListModel's IsSystemRole). Replies, reactions,
//                       edits and deletion refuse system rows.
//
//  Attachments (M1 kind 0x0B; docs/architecture.md "Attachments"):
//  - sendFile(path, caption):     encrypts, uploads and sends the file (false, errorText
//                                 set, while canSend is false); attachmentProgress() reports
//                                 the upload, the row appears as Queued when it is sent
//  - sendPreparedFile(data, fileName, mimeType, thumbnail, caption): the same for bytes a
//                                 view prepared (an image re-encoded without its metadata by
//                                 media/, with its thumbnail): core never decodes images
//  - fetchAttachment(messageId):  downloads the row's file and checks it against the digest
//                                 (attachmentFetched(), or errorText on a mismatch)
//  - saveAttachment(messageId, path): decrypts a fetched file to `path` (the user's choice:
//                                 the only plaintext on disk): attachmentSaved() or errorText
//  - openAttachment(messageId):   fetches the file if it is not here yet, then decrypts it
//                                 into memory (at most kMaxOpenBytes; nothing on disk) for a
//                                 view to show: attachmentOpened(), or errorText
class ChatViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel *messages READ messages CONSTANT)
    Q_PROPERTY(QString contactAddress READ contactAddress CONSTANT)
    Q_PROPERTY(bool isGroup READ isGroup CONSTANT)
    Q_PROPERTY(QString groupId READ groupId CONSTANT)
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
    Q_PROPERTY(ComposeMode composeMode READ composeMode NOTIFY composeModeChanged)
    Q_PROPERTY(qint64 composeTargetId READ composeTargetId NOTIFY composeModeChanged)
    Q_PROPERTY(QString composeContext READ composeContext NOTIFY composeModeChanged)
    Q_PROPERTY(QString editText READ editText NOTIFY composeModeChanged)
    Q_PROPERTY(int disappearingSeconds READ disappearingSeconds NOTIFY disappearingChanged)
    Q_PROPERTY(QString disappearingText READ disappearingText NOTIFY disappearingChanged)

public:
    enum class ComposeMode { Writing, Replying, Editing };
    Q_ENUM(ComposeMode)

    static constexpr int kMaxTextBytes = 64 * 1024; // M1: kMaxTextBytes (messagecontent.h)
    static constexpr int kDefaultTypingResendMs = 3'000;
    static constexpr int kDefaultTypingIdleMs = 5'000;
    static constexpr int kDefaultPeerTypingTimeoutMs = 8'000;
    static constexpr int kQuoteContextChars = 120; // composeContext's quote, at most

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
    bool canSend() const;
    bool isGroup() const { return !m_groupId.isEmpty(); }
    QString groupId() const { return QString::fromLatin1(m_groupId.toHex()); }
    QString cannotSendReason() const;
    QString noticeText() const;
    QString errorText() const { return m_errorText; }
    bool isPeerTyping() const { return m_peerTyping; }
    qint64 unreadMarkerId() const { return m_unreadMarkerId; }
    ComposeMode composeMode() const { return m_composeMode; }
    qint64 composeTargetId() const { return m_composeTarget; }
    QString composeContext() const { return m_composeContext; }
    QString editText() const { return m_editText; }
    int disappearingSeconds() const { return m_disappearingSeconds; }
    QString disappearingText() const;

    Q_INVOKABLE bool send(const QString &text);
    Q_INVOKABLE void markRead();
    Q_INVOKABLE void setTyping(bool typing);
    Q_INVOKABLE void clearError();
    Q_INVOKABLE bool reply(qint64 messageId, const QString &text);
    Q_INVOKABLE bool react(qint64 messageId, const QString &emoji);
    Q_INVOKABLE bool unreact(qint64 messageId);
    Q_INVOKABLE bool edit(qint64 messageId, const QString &text);
    Q_INVOKABLE bool deleteForEveryone(qint64 messageId);
    Q_INVOKABLE bool startReply(qint64 messageId);
    Q_INVOKABLE bool startEdit(qint64 messageId);
    Q_INVOKABLE void cancelCompose();
    Q_INVOKABLE bool submit(const QString &text);
    Q_INVOKABLE qint64 lastOwnMessageId() const;
    Q_INVOKABLE bool setDisappearingTimer(int seconds);
    Q_INVOKABLE bool sendFile(const QString &path, const QString &caption = {});
    Q_INVOKABLE bool sendPreparedFile(const QByteArray &data, const QString &fileName,
                                      const QString &mimeType, const QByteArray &thumbnail,
                                      const QString &caption = {});
    Q_INVOKABLE bool fetchAttachment(qint64 messageId);
    Q_INVOKABLE bool saveAttachment(qint64 messageId, const QString &path);
    Q_INVOKABLE bool openAttachment(qint64 messageId);
    // What openAttachment() holds in memory at most: a photo, not a film.
    static constexpr qint64 kMaxOpenBytes = 64 * 1024 * 1024;

signals:
    void contactChanged();
    void errorTextChanged();
    void peerTypingChanged();
    void unreadMarkerChanged();
    void composeModeChanged();
    void disappearingChanged();
    // The throttle decided to send a typing notice (for tests and diagnostics). It reaches
    // the SessionManager only if there is one and canSend is true.
    void typingSent(bool typing);
    // Attachments of this conversation, by client_message_id (hex): bytes done of total.
    void attachmentProgress(const QString &clientMessageId, qint64 done, qint64 total);
    void attachmentFetched(const QString &clientMessageId);
    void attachmentSaved(const QString &clientMessageId, const QString &path);
    void attachmentOpened(const QString &clientMessageId, const QByteArray &plaintext);

private:
    struct GroupInfo
    {
        QString name;
        bool member = false;
    };
    void loadContact();
    // A group conversation's name and whether we are a member (its resolved state, M1 §9).
    void loadGroup();
    // In a group: the author (account address) of row `messageId` when it is a member's; empty
    // for ours, outside a group or when the row is not in the window (M1 §10 target author).
    QString groupAuthorOf(qint64 messageId) const;
    void sendTyping(bool typing);
    void setPeerTyping(bool typing);
    void setError(const QString &text);
    // The text checks of send(): the trimmed text, or empty with errorText set.
    QString checkedText(const QString &text);
    // The client_message_id of row `messageId` (empty, errorText set, if it is not in the
    // window, or — `ownOnly` — not one of ours, or deleted).
    QByteArray targetOf(qint64 messageId, bool ownOnly);
    // Hands `call(sessions)` to the SessionManager's thread (queued: no command blocks).
    template<typename Call>
    void queueToSessions(Call call);
    void setComposeMode(ComposeMode mode, qint64 target, QString context, QString editText);
    void onKeyChanged(const QString &address);
    void loadTimer();
    void setDisappearing(int seconds);

    std::shared_ptr<ProfileStore> m_store;
    SessionManager *m_sessions;
    QString m_address;
    QByteArray m_groupId; // a group conversation (m_address is its key); else empty
    MessageListModel *m_messages;
    QString m_name;
    bool m_verified = false;
    bool m_keyChanged = false;
    bool m_request = false; // schema v7: not accepted (and not blocked)
    bool m_blocked = false;
    bool m_groupMember = false; // a group conversation: we are a member of its current state
    QString m_errorText;
    bool m_peerTyping = false;
    qint64 m_unreadMarkerId = 0;
    int m_disappearingSeconds = 0;
    bool m_markerFixed = false;
    ComposeMode m_composeMode = ComposeMode::Writing;
    qint64 m_composeTarget = 0;
    QString m_composeContext;
    QString m_editText;
    bool m_typingAnnounced = false;
    QElapsedTimer m_sinceTypingSent;
    int m_typingResendMs = kDefaultTypingResendMs;
    QTimer m_typingIdle;
    QTimer m_peerTypingTimeout;
    // Attachments openAttachment() fetches first: opened once attachmentFetched() says so.
    // Files to open once fetched: client_message_id → its author in a group (empty: ours, or
    // outside a group).
    QHash<QByteArray, QString> m_openAfterFetch;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
