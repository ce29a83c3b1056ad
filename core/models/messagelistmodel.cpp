#include "core/models/messagelistmodel.h"

#include "core/session/messagefailure.h"
#include "core/session/sessionmanager.h"
#include "core/session/timerduration.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QLocale>
#include <QSet>

#include <algorithm>

namespace parley::core {

MessageListModel::MessageListModel(std::shared_ptr<ProfileStore> store, QObject *parent)
    : QAbstractListModel(parent)
    , m_store(std::move(store))
{}

MessageListModel::~MessageListModel() = default;

void MessageListModel::setPageSize(int rows)
{
    m_pageSize = std::max(rows, 1);
    m_windowCap = std::max(m_windowCap, 2 * m_pageSize);
}

void MessageListModel::setWindowCap(int rows)
{
    m_windowCap = std::max(rows, 2 * m_pageSize);
}

void MessageListModel::follow(SessionManager *sessions)
{
    qRegisterMetaType<ChatMessage>();
    connect(
        sessions, &SessionManager::messageQueued, this,
        [this](const QString &conversation, const QByteArray &) { notifyStored(conversation); },
        Qt::QueuedConnection);
    connect(
        sessions, &SessionManager::messageReceived, this,
        [this](const ChatMessage &message) { notifyStored(message.conversation); },
        Qt::QueuedConnection);
    connect(sessions, &SessionManager::messageStateChanged, this,
            &MessageListModel::notifyStateChanged, Qt::QueuedConnection);
    connect(sessions, &SessionManager::messagesSeen, this, &MessageListModel::notifySeen,
            Qt::QueuedConnection);
    connect(sessions, &SessionManager::messageChanged, this, &MessageListModel::notifyChanged,
            Qt::QueuedConnection);
    connect(sessions, &SessionManager::messagesExpired, this, &MessageListModel::notifyExpired,
            Qt::QueuedConnection);
    // A membership change adds a system row to its group's conversation (schema v16).
    connect(
        sessions, &SessionManager::groupChanged, this,
        [this](const GroupSummary &group) { notifyStored(groupConversationKey(group.id)); },
        Qt::QueuedConnection);
}

void MessageListModel::open(const QString &contactAddress)
{
    start(contactAddress, 0);
}

void MessageListModel::openAround(const QString &contactAddress, qint64 messageId)
{
    start(contactAddress, std::max<qint64>(messageId, 0));
}

void MessageListModel::notifyStored(const QString &conversation)
{
    if (conversation != m_address || m_address.isEmpty()) {
        return;
    }
    if (m_opening || m_newerPending) {
        m_newerAgain = true; // the pending load may have run before this commit
        return;
    }
    if (!m_atNewest) {
        return; // canFetchNewer() already says there is more below
    }
    loadNewer(true);
}

void MessageListModel::notifyStateChanged(const QString &conversation,
                                          const QByteArray &clientMessageId, int state,
                                          int failureReason)
{
    if (conversation != m_address || state < 0 || state > int(MessageRecord::State::Seen)) {
        return;
    }
    RowState changed{MessageRecord::State(state), MessageRecord::FailureReason::None};
    if (changed.state == MessageRecord::State::Failed && failureReason > 0 &&
        failureReason <= MessageRecord::kLastFailureReason) {
        changed.failure = MessageRecord::FailureReason(failureReason);
    }
    setStateByKey(key(MessageRecord::Direction::Outgoing, clientMessageId), changed);
}

void MessageListModel::notifySeen(const QString &conversation,
                                  const QList<QByteArray> &clientMessageIds)
{
    if (conversation != m_address) {
        return;
    }
    for (const QByteArray &id : clientMessageIds) {
        setStateByKey(key(MessageRecord::Direction::Incoming, id),
                      {MessageRecord::State::Seen, MessageRecord::FailureReason::None});
    }
}

void MessageListModel::notifyChanged(const QString &conversation, const QByteArray &clientMessageId,
                                     int direction)
{
    if (conversation != m_address || !m_store || (direction != 0 && direction != 1)) {
        return;
    }
    // Every row with that id in that direction: in a group several members' messages may
    // share a client_message_id (M1 §10), and the signal does not say whose changed. Rows not
    // in the window are read as they are now by the page that brings them.
    for (const Row &row : std::as_const(m_rows)) {
        if (row.clientMessageId == clientMessageId && int(row.direction) == direction) {
            reloadRow(row.id.value);
        }
    }
}

void MessageListModel::reloadRow(qint64 id)
{
    const quint64 generation = m_generation;
    m_guard.deliver(m_store->run([id](StoreContext &context) -> StoreResult<HistoryItem> {
        auto record = MessageTable(context).find(MessageId{id});
        if (const auto *error = std::get_if<StoreError>(&record)) {
            return *error;
        }
        auto items = loadMessageDetails(context, {std::get<MessageRecord>(std::move(record))});
        if (const auto *error = std::get_if<StoreError>(&items)) {
            return *error;
        }
        return std::move(std::get<std::vector<HistoryItem>>(items).front());
    }),
                    [this, generation, id](const StoreResult<HistoryItem> &result) {
                        if (generation != m_generation) {
                            return;
                        }
                        if (const auto *error = std::get_if<StoreError>(&result)) {
                            setError(error->message());
                            return;
                        }
                        const int row = rowOf(id);
                        if (row >= 0) {
                            replaceRow(row, std::get<HistoryItem>(result));
                        }
                    });
}

void MessageListModel::notifyExpired(const QString &conversation, const QList<qint64> &messageIds)
{
    if (conversation != m_address) {
        return;
    }
    QList<int> rows;
    for (const qint64 id : messageIds) {
        if (const int row = rowOf(id); row >= 0) {
            rows.append(row);
        }
    }
    std::sort(rows.begin(), rows.end());
    // Removed back to front, one contiguous run at a time, so the earlier rows keep their index.
    QSet<qint64> gone(messageIds.begin(), messageIds.end());
    for (qsizetype end = rows.size(); end > 0;) {
        qsizetype begin = end - 1;
        while (begin > 0 && rows[begin - 1] == rows[begin] - 1) {
            --begin;
        }
        const int first = rows[begin];
        const int last = rows[end - 1];
        beginRemoveRows({}, first, last);
        for (int i = first; i <= last; ++i) {
            m_byClientId.remove(key(m_rows[i].direction, m_rows[i].clientMessageId));
        }
        m_rows.remove(first, last - first + 1);
        endRemoveRows();
        end = begin;
    }
    // A reply keeps its quote id; the quoted text went with the message it quoted.
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].quoted && gone.contains(m_rows[i].quoted->id.value)) {
            m_rows[i].quoted.reset();
            emit dataChanged(index(i), index(i), {QuotedIdRole, QuotedAuthorRole, QuotedTextRole});
        }
    }
}

void MessageListModel::replaceRow(int row, const HistoryItem &item)
{
    Row updated = toRow(item);
    // A state change may have been applied to the row after the read: keep the row's.
    updated.state = m_rows[row].state;
    updated.failure = m_rows[row].failure;
    updated.undecryptable = updated.undecryptable || m_rows[row].undecryptable;
    m_rows[row] = updated;
    const QModelIndex changed = index(row);
    emit dataChanged(changed, changed);
    // Replies quoting it show its new text (or that it was deleted).
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &quoting = m_rows[i];
        if (quoting.replyTo != updated.clientMessageId || !quoting.quoted ||
            quoting.quoted->id != updated.id) {
            continue;
        }
        quoting.quoted->deleted = updated.deleted;
        quoting.quoted->snippet =
            updated.deleted ? QString() : updated.text.left(QuotedMessage::kSnippetChars);
        const QModelIndex quotingIndex = index(i);
        emit dataChanged(quotingIndex, quotingIndex,
                         {QuotedTextRole, QuotedAuthorRole, QuotedIdRole});
    }
}

void MessageListModel::setStateByKey(const QByteArray &rowKey, RowState state)
{
    const auto found = m_byClientId.constFind(rowKey);
    if (found != m_byClientId.constEnd()) {
        setRowState(rowOf(found.value()), state);
    } else if (isLoading()) {
        // A pending page may have read the row before this change was committed.
        m_pendingStates.insert(rowKey, state);
    }
}

void MessageListModel::applyPendingStates(int first, int last)
{
    if (m_pendingStates.isEmpty()) {
        return;
    }
    for (int row = first; row <= last; ++row) {
        const auto pending =
            m_pendingStates.constFind(key(m_rows[row].direction, m_rows[row].clientMessageId));
        if (pending != m_pendingStates.constEnd()) {
            const RowState state = pending.value();
            m_pendingStates.erase(pending);
            setRowState(row, state);
        }
    }
}

void MessageListModel::setRowState(int row, RowState state)
{
    if (row < 0 || (m_rows[row].state == state.state && m_rows[row].failure == state.failure)) {
        return;
    }
    m_rows[row].state = state.state;
    m_rows[row].failure = state.failure;
    if (state.state == MessageRecord::State::Undecryptable) {
        m_rows[row].undecryptable = true;
    }
    const QModelIndex changed = index(row);
    emit dataChanged(changed, changed,
                     {StateRole, StateNameRole, UndecryptableRole, Qt::AccessibleTextRole,
                      FailureReasonRole, FailureReasonNameRole, FailureTextRole});
}

void MessageListModel::setError(const QString &text)
{
    if (m_errorText != text) {
        m_errorText = text;
        emit errorTextChanged();
    }
}

int MessageListModel::rowOf(qint64 messageId) const
{
    const auto found =
        std::lower_bound(m_rows.cbegin(), m_rows.cend(), messageId,
                         [](const Row &row, qint64 id) { return row.id.value < id; });
    if (found == m_rows.cend() || found->id.value != messageId) {
        return -1;
    }
    return int(found - m_rows.cbegin());
}

qint64 MessageListModel::idAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].id.value : 0;
}

QByteArray MessageListModel::clientMessageIdAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows[row].clientMessageId : QByteArray();
}

void MessageListModel::requestEditHistory(qint64 messageId)
{
    const int row = rowOf(messageId);
    if (row < 0 || !m_store || !m_rows[row].edited || m_rows[row].deleted) {
        QMetaObject::invokeMethod(
            this, [this, messageId] { emit editHistoryReady(messageId, {}); },
            Qt::QueuedConnection);
        return;
    }
    m_guard.deliver(m_store->run([messageId, original = m_rows[row].clientMessageId](
                                     StoreContext &context) -> StoreResult<QStringList> {
        auto versions = MessageVersionTable(context).forMessage(MessageId{messageId}, original);
        if (const auto *error = std::get_if<StoreError>(&versions)) {
            return *error;
        }
        QStringList texts;
        for (const MessageVersion &version : std::get<std::vector<MessageVersion>>(versions)) {
            texts << version.body;
        }
        return texts;
    }),
                    [this, messageId](const StoreResult<QStringList> &result) {
                        const auto *texts = std::get_if<QStringList>(&result);
                        emit editHistoryReady(messageId, texts ? *texts : QStringList());
                    });
}

MessageListModel::Row MessageListModel::toRow(const HistoryItem &item)
{
    const MessageRecord &record = item.record;
    Row row;
    row.edited = record.isEdited();
    row.deleted = record.deleted;
    row.expiresAt = record.expiresAt;
    row.timerChange = record.timerChange ? qint64(*record.timerChange) : -1;
    row.systemText = item.systemText;
    row.replyTo = record.replyTo;
    row.quoted = item.quoted;
    row.reactions = item.reactions;
    row.id = record.id;
    row.direction = record.direction;
    row.clientMessageId = record.clientMessageId;
    row.sentAt = record.sentAt;
    row.storedAt = record.storedAt;
    row.state = record.state;
    row.failure = record.state == MessageRecord::State::Failed ? record.failureReason
                                                               : MessageRecord::FailureReason::None;
    if (const auto *text = std::get_if<QString>(&record.body)) {
        row.text = *text;
    }
    row.undecryptable = std::holds_alternative<StoreError>(record.body) ||
                        record.state == MessageRecord::State::Undecryptable;
    row.author = record.author;
    row.authorDevice = record.authorDevice;
    if (!record.author.isEmpty()) {
        row.authorName = item.authorName && !item.authorName->trimmed().isEmpty()
                             ? item.authorName->trimmed()
                             : record.author.section(u'@', 0, 0);
    }
    row.attachment = item.attachment;
    if (row.attachment && row.text.isEmpty()) {
        row.text = row.attachment->caption; // the body of an attachment row is empty (v7)
    }
    return row;
}

QVariantList MessageListModel::reactionList(const Row &row) const
{
    QVariantList list;
    QStringList order;
    QHash<QString, QVariantMap> byEmoji;
    for (const ReactionRecord &reaction : row.reactions) {
        QVariantMap &entry = byEmoji[reaction.emoji];
        if (entry.isEmpty()) {
            order.append(reaction.emoji);
            entry.insert(QStringLiteral("emoji"), reaction.emoji);
            entry.insert(QStringLiteral("count"), 0);
            entry.insert(QStringLiteral("mine"), false);
        }
        entry[QStringLiteral("count")] = entry.value(QStringLiteral("count")).toInt() + 1;
        if (reaction.isOwn()) { // in a group, a member's reaction has author 0 and a member
            entry[QStringLiteral("mine")] = true;
        }
    }
    for (const QString &emoji : order) {
        list.append(byEmoji.value(emoji));
    }
    return list;
}

QByteArray MessageListModel::key(MessageRecord::Direction direction,
                                 const QByteArray &clientMessageId)
{
    return char(direction) + clientMessageId;
}

QString MessageListModel::stateName(MessageRecord::State state)
{
    switch (state) {
    case MessageRecord::State::Queued:
        return QStringLiteral("queued");
    case MessageRecord::State::Sent:
        return QStringLiteral("sent");
    case MessageRecord::State::Delivered:
        return QStringLiteral("delivered");
    case MessageRecord::State::Read:
        return QStringLiteral("read");
    case MessageRecord::State::Failed:
        return QStringLiteral("failed");
    case MessageRecord::State::Received:
        return QStringLiteral("received");
    case MessageRecord::State::Undecryptable:
        return QStringLiteral("undecryptable");
    case MessageRecord::State::Seen:
        return QStringLiteral("seen");
    }
    return {};
}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row &row = m_rows[index.row()];
    const bool outgoing = row.direction == MessageRecord::Direction::Outgoing;
    switch (role) {
    case Qt::DisplayRole:
        if (!row.systemText.isEmpty()) {
            return row.systemText;
        }
        if (row.timerChange >= 0) {
            // In a group, the member who changed it (M1 §9.9).
            return TimerDuration::describeChange(
                outgoing, row.authorName.isEmpty() ? m_address.section(u'@', 0, 0) : row.authorName,
                quint32(row.timerChange));
        }
        return row.deleted         ? tr("This message was deleted.")
               : row.undecryptable ? tr("This message could not be decrypted.")
                                   : row.text;
    case Qt::AccessibleTextRole: {
        const QString time = QLocale().toString(QDateTime::fromMSecsSinceEpoch(row.sentAt).time(),
                                                QLocale::ShortFormat);
        if (!row.systemText.isEmpty()) {
            return row.systemText;
        }
        if (row.timerChange >= 0) {
            // In a group, the member who changed it (M1 §9.9).
            return TimerDuration::describeChange(
                outgoing, row.authorName.isEmpty() ? m_address.section(u'@', 0, 0) : row.authorName,
                quint32(row.timerChange));
        }
        const QString body = row.deleted         ? tr("This message was deleted.")
                             : row.undecryptable ? tr("This message could not be decrypted.")
                             : row.edited        ? tr("%1 (edited)").arg(row.text)
                                                 : row.text;
        return outgoing ? tr("You, %1: %2").arg(time, body)
                        : tr("%1, %2: %3")
                              .arg(row.authorName.isEmpty() ? m_address.section(u'@', 0, 0)
                                                            : row.authorName,
                                   time, body);
    }
    case AuthorRole:
        return row.author;
    case AuthorNameRole:
        return row.authorName;
    case AuthorDeviceRole:
        return qint64(row.authorDevice);
    case IdRole:
        return row.id.value;
    case TextRole:
        return row.undecryptable || row.deleted ? QString() : row.text;
    case DirectionRole:
        return int(row.direction);
    case IsOutgoingRole:
        return outgoing;
    case StateRole:
        return int(row.state);
    case StateNameRole:
        return stateName(row.state);
    case SentAtRole:
        return QDateTime::fromMSecsSinceEpoch(row.sentAt);
    case StoredAtRole:
        return QDateTime::fromMSecsSinceEpoch(row.storedAt);
    case UndecryptableRole:
        return row.undecryptable;
    case ClientMessageIdRole:
        return QString::fromLatin1(row.clientMessageId.toHex());
    case FailureReasonRole:
        return int(row.failure);
    case FailureReasonNameRole:
        return failureReasonName(row.failure);
    case FailureTextRole:
        return describe(row.failure);
    case EditedRole:
        return row.edited;
    case DeletedRole:
        return row.deleted;
    case ReplyToRole:
        return QString::fromLatin1(row.replyTo.toHex());
    case QuotedIdRole:
        return row.quoted ? row.quoted->id.value : qint64(0);
    case QuotedAuthorRole:
        if (!row.quoted) {
            return QString();
        }
        if (row.quoted->direction == MessageRecord::Direction::Outgoing) {
            return tr("You");
        }
        // In a group the quoted member (M1 §10), else the contact.
        return (row.quoted->author.isEmpty() ? m_address : row.quoted->author).section(u'@', 0, 0);
    case QuotedTextRole:
        if (row.replyTo.isEmpty()) {
            return QString();
        }
        return !row.quoted           ? tr("The quoted message is not available.")
               : row.quoted->deleted ? tr("This message was deleted.")
                                     : row.quoted->snippet;
    case ReactionsRole:
        return reactionList(row);
    case ReactionsTextRole: {
        QStringList parts;
        for (const QVariant &entry : reactionList(row)) {
            const QVariantMap map = entry.toMap();
            parts << QStringLiteral("%1 %2").arg(map.value(QStringLiteral("emoji")).toString(),
                                                 map.value(QStringLiteral("count")).toString());
        }
        return parts.join(QStringLiteral("  "));
    }
    case ExpiresAtRole:
        return row.expiresAt > 0 ? QDateTime::fromMSecsSinceEpoch(row.expiresAt) : QDateTime();
    case IsSystemRole:
        return row.timerChange >= 0 || !row.systemText.isEmpty();
    case TimerChangeRole:
        return int(row.timerChange);
    case AttachmentRole:
        if (!row.attachment) {
            return QVariantMap();
        }
        return QVariantMap{{QStringLiteral("fileName"), row.attachment->fileName},
                           {QStringLiteral("mimeType"), row.attachment->mimeType},
                           {QStringLiteral("size"), qint64(row.attachment->size)},
                           {QStringLiteral("caption"), row.attachment->caption},
                           {QStringLiteral("thumbnail"), row.attachment->thumbnail},
                           {QStringLiteral("downloaded"), row.attachment->downloaded}};
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "messageId");
    names.insert(TextRole, "text");
    names.insert(DirectionRole, "direction");
    names.insert(IsOutgoingRole, "isOutgoing");
    names.insert(StateRole, "state");
    names.insert(StateNameRole, "stateName");
    names.insert(SentAtRole, "sentAt");
    names.insert(StoredAtRole, "storedAt");
    names.insert(UndecryptableRole, "undecryptable");
    names.insert(ClientMessageIdRole, "clientMessageId");
    names.insert(FailureReasonRole, "failureReason");
    names.insert(FailureReasonNameRole, "failureReasonName");
    names.insert(FailureTextRole, "failureText");
    names.insert(EditedRole, "edited");
    names.insert(DeletedRole, "deleted");
    names.insert(ReplyToRole, "replyTo");
    names.insert(QuotedIdRole, "quotedId");
    names.insert(QuotedAuthorRole, "quotedAuthor");
    names.insert(AuthorRole, "author");
    names.insert(AuthorNameRole, "authorName");
    names.insert(AuthorDeviceRole, "authorDevice");
    names.insert(QuotedTextRole, "quotedText");
    names.insert(ReactionsRole, "reactions");
    names.insert(ReactionsTextRole, "reactionsText");
    names.insert(ExpiresAtRole, "expiresAt");
    names.insert(IsSystemRole, "isSystem");
    names.insert(TimerChangeRole, "timerChange");
    names.insert(AttachmentRole, "attachment");
    return names;
}

bool MessageListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && canFetchNewer();
}

void MessageListModel::fetchMore(const QModelIndex &parent)
{
    if (!parent.isValid()) {
        fetchNewer();
    }
}

} // namespace parley::core
