#pragma once

#include "core/models/asyncguard.h"
#include "core/store/messagedetails.h"
#include "core/store/messagetable.h"

#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace parley::core {

class ProfileStore;
class SessionManager;

// One conversation's messages — a contact's, or a group's named by its key "group:<hex>"
// (conversationkey.h, schema v14) — as a WINDOW of rows (docs/architecture.md, "Models and view
// models"): never the whole history, only a contiguous run of it, oldest at row 0.
//
// Paging. open() loads only the newest page (pageSize() rows). fetchOlder() prepends the page
// before row 0 (beginInsertRows at 0: a view keeps its scroll anchor by restoring it after the
// insert); fetchNewer() appends the page after the last row, for a window that is not at the
// newest end (after openAround() or after the cap dropped the newest rows). When the window
// grows past windowCap() rows, rows are dropped from the far end of the direction just
// fetched, and that direction becomes fetchable again (canFetchOlder / canFetchNewer), so
// memory stays bounded however far the user scrolls. The page queries run on the database
// thread (ProfileStore::run); their results are applied when they arrive, never awaited.
//
// Identity. Rows are ordered by MessageId (ids only grow in append order, so id order is
// conversation order) and IdRole is stable while rows arrive, change state and page in. A
// state change is found through a hash of (direction, client_message_id) → id and a binary
// search by id, never a scan.
//
// Live updates (follow(), or the notify… slots when the signals come from elsewhere):
//  - a message queued or received in this conversation: when the window is at the newest end
//    everything stored after its last row is appended (one query per burst: arrivals during
//    a pending load only mark it to run again); otherwise canFetchNewer stays true and
//    nothing moves. Rows are appended only with ids above the last row's, so an arrival that
//    a concurrent page already brought is never shown twice, and one committed after the
//    page's query is picked up by the next load, never lost.
//  - messageChanged (a reaction, edit or deletion of a row, M1 §5): that row is read again
//    with its details, and the quotes of rows replying to it follow (dataChanged).
//  - messagesExpired (disappearing messages, M1 §6): those rows are removed (beginRemoveRows,
//    one contiguous run at a time) and the quotes of rows replying to them become "not
//    available"; nothing is fetched to replace them.
//  - messageStateChanged (outgoing: Queued → Sent → Delivered → Read, or Failed) and
//    messagesSeen (incoming: Received → Seen): dataChanged for that row. A change for a row a
//    pending load may still bring is kept and applied when it arrives.
//
// Roles (also by name for QML, see roleNames()):
//   Qt::DisplayRole            the text; for an undecryptable or deleted message a sentence
//                              saying so
//   Qt::AccessibleTextRole     "You, 10:42: text" / "alice, 10:42: text" (in a group: the author)
//   IdRole (qint64)            the MessageId: stable row identity
//   TextRole                   the text, empty when undecryptable
//   DirectionRole (int)        MessageRecord::Direction (0 incoming, 1 outgoing)
//   IsOutgoingRole (bool)
//   StateRole (int)            MessageRecord::State
//   StateNameRole (QString)    "queued", "sent", "delivered", "read", "failed", "received",
//                              "undecryptable", "seen" (stable, for views and tests)
//   SentAtRole (QDateTime)     the sender's clock
//   StoredAtRole (QDateTime)   our clock, when stored
//   UndecryptableRole (bool)   the body could not be decrypted (on arrival or at rest)
//   ClientMessageIdRole        the sender-chosen id, 32 lower-case hex digits
//   FailureReasonRole (int)    MessageRecord::FailureReason: why a failed message failed
//                              (0 = none: every state but failed)
//   FailureReasonNameRole      "unknown-recipient", "refused", "too-large", "wrong-relay";
//                              empty unless failed (stable, for views and tests)
//   FailureTextRole            a sentence for the user ("Not sent: …"); empty unless failed
//   EditedRole (bool)          the text was edited (M1 §5.4); TextRole is the latest
//   DeletedRole (bool)         deleted for everyone: a tombstone (TextRole empty)
//   ReplyToRole (QString)      a reply: the quoted client_message_id (32 hex digits), else ""
//   QuotedIdRole (qint64)      the quoted message's MessageId, 0 if it is not in the store
//   QuotedAuthorRole           "You" or the contact's name; empty if not a reply or unknown
//   QuotedTextRole             the quoted text (at most 120 characters), or a sentence when
//                              it was deleted or is not available; empty if not a reply
//   ReactionsRole (QVariantList) one QVariantMap per emoji: {emoji, count, mine (bool)}, in
//                              the order first reacted
//   ReactionsTextRole          the same as text: "👍 2  ❤️ 1" (empty without reactions)
//   ExpiresAtRole (QDateTime)  disappearing messages (M1 §6): when the row is deleted; an
//                              invalid QDateTime if never
//   IsSystemRole (bool)        a system row: a change of the disappearing-messages timer
//                              or a group's membership (schema v16), whose DisplayRole is
//                              the sentence ("alice set disappearing messages to 1 hour.",
//                              "Alice added Bob."); TextRole is empty; nothing can be done
//                              with it (reply, react, edit, delete)
//   TimerChangeRole (int)      a system row's new timer in seconds (0: off); -1 otherwise
//   AttachmentRole (QVariantMap) an attachment message's file (M1 kinds 0x0B, 0x12): {fileName,
//                              mimeType, size (qint64), caption, thumbnail (QByteArray, the
//                              sender's image bytes), downloaded (bool)}; empty map otherwise.
//                              TextRole is then the caption (ChatViewModel::fetchAttachment
//                              and saveAttachment act on the row)
//   AuthorRole (QString)       an incoming message in a group conversation (schema v14): its
//                              author's account address, the member the sender-key message
//                              authenticated (M1 §9.6); empty for every other row
//   AuthorNameRole (QString)   that author's contact name, or the user part of the address;
//                              empty for every other row (a view labels group rows with it)
//   AuthorDeviceRole (qint64)  that author's sending device id; 0 for every other row
//
// Errors (e.g. the profile was locked by auto-lock) leave the rows as they are and set
// errorText; call open() again once the profile is unlocked.
//
// Lives on the GUI thread. canFetchMore()/fetchMore() are the newer direction, because
// QAbstractItemView asks for more only when its scroll bar reaches the bottom (the newest
// end of a chat); the view triggers fetchOlder() itself at the top (STYLE.md, "Views").
class MessageListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(QString conversation READ conversation NOTIFY conversationChanged)
    Q_PROPERTY(bool canFetchOlder READ canFetchOlder NOTIFY windowChanged)
    Q_PROPERTY(bool canFetchNewer READ canFetchNewer NOTIFY windowChanged)
    Q_PROPERTY(bool loading READ isLoading NOTIFY windowChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        TextRole,
        DirectionRole,
        IsOutgoingRole,
        StateRole,
        StateNameRole,
        SentAtRole,
        StoredAtRole,
        UndecryptableRole,
        ClientMessageIdRole,
        FailureReasonRole,
        FailureReasonNameRole,
        FailureTextRole,
        EditedRole,
        DeletedRole,
        ReplyToRole,
        QuotedIdRole,
        QuotedAuthorRole,
        QuotedTextRole,
        ReactionsRole,
        ReactionsTextRole,
        ExpiresAtRole,
        IsSystemRole,
        TimerChangeRole,
        AttachmentRole,
        AuthorRole,
        AuthorNameRole,
        AuthorDeviceRole,
    };
    Q_ENUM(Role)

    static constexpr int kDefaultPageSize = 50;
    static constexpr int kDefaultWindowCap = 1500;
    // Rows fetched per query while following a burst at the newest end.
    static constexpr int kCatchUpLimit = 500;

    explicit MessageListModel(std::shared_ptr<ProfileStore> store, QObject *parent = nullptr);
    ~MessageListModel() override;

    // Page size (≥ 1) and window cap (≥ 2 × page size, enforced). Set before open(); C++ only.
    void setPageSize(int rows);
    void setWindowCap(int rows);
    int pageSize() const { return m_pageSize; }
    int windowCap() const { return m_windowCap; }

    // Connects to `sessions` (which may live on the core thread; queued connections).
    void follow(SessionManager *sessions);

    QString conversation() const { return m_address; }
    bool canFetchOlder() const { return m_hasOlder && !m_olderPending && !m_opening; }
    bool canFetchNewer() const { return !m_atNewest && !m_newerPending && !m_opening; }
    bool isLoading() const { return m_opening || m_olderPending || m_newerPending; }
    bool isAtNewest() const { return m_atNewest; }
    QString errorText() const { return m_errorText; }

    // The conversation with the contact `contactAddress` (user@relay): empties the window and
    // loads the newest page. A conversation that does not exist yet opens empty and fills as
    // messages arrive.
    Q_INVOKABLE void open(const QString &contactAddress);
    // Jump to a message: the window becomes the page up to and including `messageId` plus
    // the page after it (canFetchNewer until the newest end is reached).
    Q_INVOKABLE void openAround(const QString &contactAddress, qint64 messageId);
    Q_INVOKABLE void fetchOlder();
    Q_INVOKABLE void fetchNewer();
    // The row of message `messageId`, or -1 if it is not in the window (binary search).
    Q_INVOKABLE int rowOf(qint64 messageId) const;
    // The MessageId of `row` (0 if out of range).
    qint64 idAt(int row) const;
    // The client_message_id of `row` (empty if out of range).
    QByteArray clientMessageIdAt(int row) const;
    // Reads the versions of an edited message (M1 §5.4) on the database thread and emits
    // editHistoryReady(): the original text first, then each edit; empty if it was never
    // edited, was deleted, or is not in the window.
    Q_INVOKABLE void requestEditHistory(qint64 messageId);

    static QString stateName(MessageRecord::State state);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

public slots:
    // A message of `conversation` (a contact address) was stored: queued or received.
    void notifyStored(const QString &conversation);
    // `failureReason`: a MessageRecord::FailureReason, for state Failed.
    void notifyStateChanged(const QString &conversation, const QByteArray &clientMessageId,
                            int state, int failureReason = 0);
    void notifySeen(const QString &conversation, const QList<QByteArray> &clientMessageIds);
    // A row of `conversation` changed in place (M1 §5); `direction`: MessageRecord::Direction.
    void notifyChanged(const QString &conversation, const QByteArray &clientMessageId,
                       int direction);
    // The sweep deleted these rows (MessageIds) of `conversation` (M1 §6).
    void notifyExpired(const QString &conversation, const QList<qint64> &messageIds);

signals:
    void conversationChanged();
    void windowChanged();
    void errorTextChanged();
    // A page (open, older, newer or the rows that arrived) was applied.
    void pageApplied();
    void editHistoryReady(qint64 messageId, const QStringList &versions);

private:
    struct Row
    {
        MessageId id;
        MessageRecord::Direction direction = MessageRecord::Direction::Incoming;
        QByteArray clientMessageId;
        QString text;
        qint64 sentAt = 0;
        qint64 storedAt = 0;
        MessageRecord::State state = MessageRecord::State::Received;
        MessageRecord::FailureReason failure = MessageRecord::FailureReason::None;
        bool undecryptable = false;
        bool edited = false;
        bool deleted = false;
        qint64 expiresAt = 0;    // 0: never
        qint64 timerChange = -1; // a system row's timer (seconds), else -1
        QString systemText;      // a group event row's sentence (schema v16), else empty
        QByteArray replyTo;
        std::optional<QuotedMessage> quoted;
        std::vector<ReactionRecord> reactions;
        std::optional<AttachmentSummary> attachment;
        QString author; // group rows from a member (schema v14)
        QString authorName;
        quint32 authorDevice = 0;
    };
    struct RowState
    {
        MessageRecord::State state = MessageRecord::State::Received;
        MessageRecord::FailureReason failure = MessageRecord::FailureReason::None;
    };
    struct Page
    {
        std::optional<ConversationId> conversation;
        std::vector<HistoryItem> older; // newest first, up to limit + 1
        std::vector<HistoryItem> newer; // oldest first, up to limit + 1
    };

    void start(const QString &contactAddress, qint64 aroundId);
    void loadNewer(bool following);
    void applyOpen(const Page &page, int limit);
    void applyOlder(const std::vector<HistoryItem> &older, int limit);
    void applyNewer(const std::vector<HistoryItem> &newer, int limit, bool following);
    void replaceRow(int row, const HistoryItem &item);
    // Reads row `id` (a MessageId's value) again with its details, then replaceRow().
    void reloadRow(qint64 id);
    void trimFront(int count);
    void trimBack(int count);
    void applyPendingStates(int first, int last);
    void setRowState(int row, RowState state);
    void setError(const QString &text);
    void finishLoad();
    void setStateByKey(const QByteArray &key, RowState state);
    void insertRows(int at, const std::vector<Row> &rows);
    static Row toRow(const HistoryItem &item);
    QVariantList reactionList(const Row &row) const;
    static QByteArray key(MessageRecord::Direction direction, const QByteArray &clientMessageId);

    std::shared_ptr<ProfileStore> m_store;
    QString m_address;
    std::optional<ConversationId> m_conversationId;
    QList<Row> m_rows;
    QHash<QByteArray, qint64> m_byClientId;      // key(direction, client id) → id, rows in window
    QHash<QByteArray, RowState> m_pendingStates; // for rows a load may bring
    int m_pageSize = kDefaultPageSize;
    int m_windowCap = kDefaultWindowCap;
    quint64 m_generation = 0; // bumped by open(): late results of an older open are dropped
    bool m_opening = false;
    bool m_olderPending = false;
    bool m_newerPending = false;
    bool m_newerAgain = false; // something arrived while a load was pending
    bool m_hasOlder = false;
    bool m_atNewest = true;
    QString m_errorText;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
