#pragma once

#include "core/models/asyncguard.h"
#include "core/session/attachmentsummary.h"
#include "core/store/conversationtable.h"

#include <QAbstractListModel>
#include <QList>
#include <QString>

#include <memory>
#include <vector>

namespace parley::core {

class ProfileStore;
class SessionManager;

// Every conversation, one row each, newest activity first (docs/architecture.md, "Models and
// view models").
//
// The rows come from one store query (ConversationTable::summaries: last message and unread
// count per conversation) run on the database thread. reload() runs it; follow() connects a
// SessionManager so that every message queued or received, every state change, every
// markRead and every sweep of expired messages (M1 §6) reloads (coalesced: while a query is
// pending, further events only make it run once more afterwards). A reload is applied as a diff,
// never as a reset: a conversation whose activity moved it up is moved with beginMoveRows, a new
// one inserted, a vanished one removed, and changed previews or counts reported with dataChanged,
// so a view keeps its selection and scroll position. Rows are identified by the conversation's
// key: the contact's address, or "group:<hex>" for a group (conversationkey.h, schema v14).
// Group conversations are listed like 1:1 ones; groupChanged (created, joined, renamed,
// members changed) reloads too.
//
// Roles (also by name for QML, see roleNames()):
//   Qt::DisplayRole / DisplayNameRole  the contact's name, or the user part of the address;
//                                      a group's name ("Unnamed group" while unknown)
//   AddressRole (QString)              the contact's account address, user@relay; for a group
//                                      its key "group:<hex>" (what ChatViewModel::setContact
//                                      and MessageListModel::open take)
//   InitialsRole (QString)             one or two letters for an avatar
//   PreviewRole (QString)              the last message on one line, at most kPreviewLength
//                                      characters (a sentence if it cannot be decrypted;
//                                      an attachment as previewOfAttachment() says it;
//                                      empty for a conversation without messages);
//                                      prefixed with its author when that is not the
//                                      contact: "You: …", and in a group "Bob: …"
//   PreviewPrefixRole (QString)        that prefix ("You: ", "Bob: "), which PreviewRole
//                                      starts with; empty when there is none
//   PreviewKindRole (int)              PreviewKind: what the last message is, for a view
//                                      that marks a photo or a file with an icon (the
//                                      preview itself is words only: an emoji is a
//                                      missing-glyph box without a colour emoji font)
//   LastActivityRole (QDateTime)       when the last message was stored
//   UnreadCountRole (int)              incoming messages not yet marked read (Received)
//   LastMessageOutgoingRole (bool)     the preview is a message the user sent
//   LastMessageStateRole (int)         its MessageRecord::State
//   VerifiedRole (bool)                the user verified this contact's safety number
//   ConversationIdRole (qint64)        the store's ConversationId
//   IsRequestRole (bool)               a message request: the sender is not a contact and
//                                      nothing is sent back until the user accepts it
//                                      (RequestsViewModel::accept / deleteRequest; M1 §8)
//   BlockedRole (bool)                 the contact is blocked (its new messages are dropped)
//   IsGroupRole (bool)                 a group conversation (M1 §9)
//   GroupIdRole (QString)              a group's id, 32 lower-case hex digits; else empty
//   Qt::AccessibleTextRole             "alice, 2 unread, last message: …" (a file's line
//                                      as "File: report.pdf")
//
// Lives on the GUI thread.
class ConversationListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int totalUnread READ totalUnread NOTIFY totalUnreadChanged)
    Q_PROPERTY(bool loading READ isLoading NOTIFY loadingChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)

public:
    enum Role {
        AddressRole = Qt::UserRole + 1,
        DisplayNameRole,
        InitialsRole,
        PreviewRole,
        LastActivityRole,
        UnreadCountRole,
        LastMessageOutgoingRole,
        LastMessageStateRole,
        VerifiedRole,
        ConversationIdRole,
        IsRequestRole,
        BlockedRole,
        IsGroupRole,
        GroupIdRole,
        PreviewKindRole,
        PreviewPrefixRole,
    };
    Q_ENUM(Role)

    enum PreviewKind { TextPreview, PhotoPreview, FilePreview };
    Q_ENUM(PreviewKind)

    static constexpr int kPreviewLength = 100;

    explicit ConversationListModel(std::shared_ptr<ProfileStore> store, QObject *parent = nullptr);
    ~ConversationListModel() override;

    // Connects to `sessions` (queued: it may live on the core thread).
    void follow(SessionManager *sessions);

    int totalUnread() const { return m_totalUnread; }
    bool isLoading() const { return m_pending; }
    QString errorText() const { return m_errorText; }
    // The row of the conversation with `address`, or -1.
    Q_INVOKABLE int rowOf(const QString &address) const;

    // One line of at most kPreviewLength characters from a message text.
    static QString previewOf(const QString &text);
    // The same for an attachment message (M1 kind 0x0B): "Photo" for an image ("Photo:
    // caption" when it has one), "report.pdf" for any other file ("report.pdf — caption" with
    // one). An image is any image/* type, as the timeline decides.
    static QString previewOfAttachment(const AttachmentSummary &attachment);
    // One or two capital letters from a name ("Alice Smith" → "AS", "bob" → "B").
    static QString initialsOf(const QString &name);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

public slots:
    // Reads the list again (coalesced) and applies the difference.
    void reload();

signals:
    void totalUnreadChanged();
    void loadingChanged();
    void errorTextChanged();
    // A reload was applied.
    void reloaded();

private:
    struct Row
    {
        qint64 conversationId = 0;
        QString address;
        QString name;
        QString preview;
        PreviewKind previewKind = TextPreview;
        QString previewPrefix;
        qint64 lastActivityAt = 0;
        int unread = 0;
        bool lastOutgoing = false;
        int lastState = -1;
        bool verified = false;
        bool request = false;
        bool blocked = false;
        bool isGroup = false;
        QString groupId; // hex

        bool operator==(const Row &) const = default;
    };

    void apply(const std::vector<ConversationSummary> &summaries);
    static Row toRow(const ConversationSummary &summary);
    // The name a group's last message is prefixed with.
    static QString authorName(const ConversationSummary &summary);

    std::shared_ptr<ProfileStore> m_store;
    QList<Row> m_rows;
    int m_totalUnread = 0;
    bool m_pending = false;
    bool m_again = false;
    QString m_errorText;
    AsyncGuard m_guard{this};
};

} // namespace parley::core
