#include "core/models/conversationlistmodel.h"

#include "core/session/sessionmanager.h"
#include "core/session/timerduration.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QSet>

namespace parley::core {

namespace {

// As the timeline decides: any image/* type is shown as a photo.
bool isImage(const AttachmentSummary &attachment)
{
    return attachment.mimeType.startsWith(QLatin1String("image/"));
}

} // namespace

ConversationListModel::ConversationListModel(std::shared_ptr<ProfileStore> store, QObject *parent)
    : QAbstractListModel(parent)
    , m_store(std::move(store))
{}

ConversationListModel::~ConversationListModel() = default;

void ConversationListModel::follow(SessionManager *sessions)
{
    qRegisterMetaType<ChatMessage>();
    const auto queued = Qt::QueuedConnection;
    connect(sessions, &SessionManager::messageQueued, this, &ConversationListModel::reload, queued);
    connect(sessions, &SessionManager::messageReceived, this, &ConversationListModel::reload,
            queued);
    connect(sessions, &SessionManager::messageStateChanged, this, &ConversationListModel::reload,
            queued);
    connect(sessions, &SessionManager::messagesSeen, this, &ConversationListModel::reload, queued);
    connect(sessions, &SessionManager::contactReady, this, &ConversationListModel::reload, queued);
    // An edit or deletion of the last message changes its preview (M1 §5).
    connect(sessions, &SessionManager::messageChanged, this, &ConversationListModel::reload,
            queued);
    // Expired messages leave the preview and the unread count (M1 §6).
    connect(sessions, &SessionManager::messagesExpired, this, &ConversationListModel::reload,
            queued);
    // Requests and blocking (M1 §8): a request accepted or deleted, a contact (un)blocked.
    connect(sessions, &SessionManager::requestAccepted, this, &ConversationListModel::reload,
            queued);
    connect(sessions, &SessionManager::requestDeleted, this, &ConversationListModel::reload,
            queued);
    connect(sessions, &SessionManager::blockedChanged, this, &ConversationListModel::reload,
            queued);
    // A group created, joined, renamed or changed (M1 §9): its row appears, moves up or is
    // renamed.
    connect(sessions, &SessionManager::groupChanged, this, &ConversationListModel::reload, queued);
}

void ConversationListModel::reload()
{
    if (!m_store) {
        return;
    }
    if (m_pending) {
        m_again = true; // the pending query may have run before the change was committed
        return;
    }
    m_pending = true;
    m_again = false;
    emit loadingChanged();
    m_guard.deliver(
        m_store->run([](StoreContext &context) { return ConversationTable(context).summaries(); }),
        [this](const StoreResult<std::vector<ConversationSummary>> &result) {
            m_pending = false;
            if (const auto *error = std::get_if<StoreError>(&result)) {
                if (m_errorText != error->message()) {
                    m_errorText = error->message();
                    emit errorTextChanged();
                }
            } else {
                if (!m_errorText.isEmpty()) {
                    m_errorText.clear();
                    emit errorTextChanged();
                }
                apply(std::get<std::vector<ConversationSummary>>(result));
            }
            emit loadingChanged();
            emit reloaded();
            if (m_again) {
                reload();
            }
        });
}

void ConversationListModel::apply(const std::vector<ConversationSummary> &summaries)
{
    std::vector<Row> wanted;
    wanted.reserve(summaries.size());
    QSet<QString> addresses;
    for (const ConversationSummary &summary : summaries) {
        wanted.push_back(toRow(summary));
        addresses.insert(summary.address);
    }
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (!addresses.contains(m_rows[row].address)) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    // Rows before `at` are final; the one wanted at `at` is found further down (moved up),
    // or is new (inserted).
    for (int at = 0; at < int(wanted.size()); ++at) {
        const Row &target = wanted[std::size_t(at)];
        int found = -1;
        for (int row = at; row < m_rows.size(); ++row) {
            if (m_rows[row].address == target.address) {
                found = row;
                break;
            }
        }
        if (found < 0) {
            beginInsertRows({}, at, at);
            m_rows.insert(at, target);
            endInsertRows();
            continue;
        }
        if (found != at) {
            beginMoveRows({}, found, found, {}, at);
            m_rows.move(found, at);
            endMoveRows();
        }
        if (!(m_rows[at] == target)) {
            m_rows[at] = target;
            emit dataChanged(index(at), index(at));
        }
    }
    int total = 0;
    for (const Row &row : m_rows) {
        total += row.unread;
    }
    if (total != m_totalUnread) {
        m_totalUnread = total;
        emit totalUnreadChanged();
    }
}

ConversationListModel::Row ConversationListModel::toRow(const ConversationSummary &summary)
{
    Row row;
    row.conversationId = summary.id.value;
    row.address = summary.address;
    row.isGroup = !summary.groupId.isEmpty();
    row.groupId = QString::fromLatin1(summary.groupId.toHex());
    row.name = summary.displayName && !summary.displayName->trimmed().isEmpty()
                   ? summary.displayName->trimmed()
               : row.isGroup ? tr("Unnamed group")
                             : summary.address.section(u'@', 0, 0);
    row.lastActivityAt = summary.lastActivityAt;
    row.unread = summary.unreadCount;
    row.verified = summary.verified;
    row.request = summary.request;
    row.blocked = summary.blocked;
    if (summary.lastMessage) {
        const MessageRecord &last = *summary.lastMessage;
        row.lastOutgoing = last.direction == MessageRecord::Direction::Outgoing;
        row.lastState = int(last.state);
        const auto *text = std::get_if<QString>(&last.body);
        const bool attachment = summary.lastAttachment && !last.isSystemRow() && !last.deleted &&
                                text != nullptr &&
                                last.state != MessageRecord::State::Undecryptable;
        row.preview = last.isTimerChange()
                          ? TimerDuration::describeChange(
                                row.lastOutgoing,
                                last.author.isEmpty() ? row.name : last.author.section(u'@', 0, 0),
                                *last.timerChange)
                      : last.isGroupEvent() ? previewOf(summary.lastEventText)
                      : last.deleted        ? tr("This message was deleted.")
                      : text == nullptr || last.state == MessageRecord::State::Undecryptable
                          ? tr("This message could not be decrypted.")
                      : attachment ? previewOfAttachment(*summary.lastAttachment)
                                   : previewOf(*text);
        if (attachment) {
            row.previewKind = isImage(*summary.lastAttachment) ? PhotoPreview : FilePreview;
        }
        // The line says whose message it is when that is not the contact's: "You: …", and
        // in a group "Bob: …" (M1 §9.6: the authenticated member; its contact name when it
        // has one).
        if ((row.lastOutgoing || row.isGroup) && !last.isSystemRow() && !row.preview.isEmpty()) {
            const QString body = row.preview;
            const QString line = row.lastOutgoing ? tr("You: %1").arg(body)
                                                  : tr("%1: %2").arg(authorName(summary), body);
            // A translation that puts the name after the text has no prefix.
            if (line.endsWith(body)) {
                row.previewPrefix = line.left(line.size() - body.size());
            }
            row.preview = previewOf(line);
            if (!row.preview.startsWith(row.previewPrefix)) {
                row.previewPrefix.clear(); // shortened or simplified (a long or odd name)
            }
        }
    }
    return row;
}

QString ConversationListModel::authorName(const ConversationSummary &summary)
{
    if (summary.lastAuthorName && !summary.lastAuthorName->trimmed().isEmpty()) {
        return summary.lastAuthorName->trimmed();
    }
    return summary.lastAuthor.section(u'@', 0, 0); // as a contact without a name is shown
}

QString ConversationListModel::previewOfAttachment(const AttachmentSummary &attachment)
{
    const QString caption = attachment.caption.simplified();
    if (isImage(attachment)) {
        return previewOf(caption.isEmpty() ? tr("Photo") : tr("Photo: %1").arg(caption));
    }
    const QString file = attachment.fileName.simplified();
    return previewOf(caption.isEmpty() ? file : tr("%1 — %2").arg(file, caption));
}

QString ConversationListModel::previewOf(const QString &text)
{
    const QString line = text.simplified(); // newlines and runs of spaces become one space
    if (line.size() <= kPreviewLength) {
        return line;
    }
    qsizetype cut = kPreviewLength - 1;
    if (line.at(cut - 1).isHighSurrogate()) {
        --cut; // never split a surrogate pair
    }
    return line.left(cut) + QChar(0x2026);
}

QString ConversationListModel::initialsOf(const QString &name)
{
    QString initials;
    const QStringList words = name.split(u' ', Qt::SkipEmptyParts);
    for (const QString &word : words) {
        for (const QChar c : word) {
            if (c.isLetterOrNumber()) {
                initials += c.toUpper();
                break;
            }
        }
        if (initials.size() == 2) {
            break;
        }
    }
    return initials;
}

int ConversationListModel::rowOf(const QString &address) const
{
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].address == address) {
            return row;
        }
    }
    return -1;
}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row &row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
    case DisplayNameRole:
        return row.name;
    case Qt::AccessibleTextRole: {
        if (row.preview.isEmpty()) {
            return row.name;
        }
        // What a view shows as an icon is said in words: "You: File: report.pdf" (a photo's
        // line already says "Photo").
        const QString spoken =
            row.previewKind == FilePreview
                ? row.previewPrefix + tr("File: %1").arg(row.preview.mid(row.previewPrefix.size()))
                : row.preview;
        return row.unread > 0 ? tr("%1, %n unread, last message: %2", nullptr, row.unread)
                                    .arg(row.name, spoken)
                              : tr("%1, last message: %2").arg(row.name, spoken);
    }
    case AddressRole:
        return row.address;
    case InitialsRole:
        return initialsOf(row.name);
    case PreviewRole:
        return row.preview;
    case PreviewKindRole:
        return int(row.previewKind);
    case PreviewPrefixRole:
        return row.previewPrefix;
    case LastActivityRole:
        return QDateTime::fromMSecsSinceEpoch(row.lastActivityAt);
    case UnreadCountRole:
        return row.unread;
    case LastMessageOutgoingRole:
        return row.lastOutgoing;
    case LastMessageStateRole:
        return row.lastState;
    case VerifiedRole:
        return row.verified;
    case ConversationIdRole:
        return row.conversationId;
    case IsRequestRole:
        return row.request;
    case BlockedRole:
        return row.blocked;
    case IsGroupRole:
        return row.isGroup;
    case GroupIdRole:
        return row.groupId;
    default:
        return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(AddressRole, "address");
    names.insert(DisplayNameRole, "displayName");
    names.insert(InitialsRole, "initials");
    names.insert(PreviewRole, "preview");
    names.insert(PreviewKindRole, "previewKind");
    names.insert(PreviewPrefixRole, "previewPrefix");
    names.insert(LastActivityRole, "lastActivity");
    names.insert(UnreadCountRole, "unreadCount");
    names.insert(LastMessageOutgoingRole, "lastMessageOutgoing");
    names.insert(LastMessageStateRole, "lastMessageState");
    names.insert(VerifiedRole, "verified");
    names.insert(ConversationIdRole, "conversationId");
    names.insert(IsRequestRole, "isRequest");
    names.insert(BlockedRole, "blocked");
    names.insert(IsGroupRole, "isGroup");
    names.insert(GroupIdRole, "groupId");
    return names;
}

} // namespace parley::core
