#include "sessioncommands.h"

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/models/messagelistmodel.h"
#include "core/net/connectionstatus.h"
#include "core/session/messagefailure.h"
#include "core/session/sessionmanager.h"
#include "core/session/timerduration.h"
#include "core/store/conversationkey.h"
#include "media/imagepreparation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace parley::cli {

using core::SessionManager;

namespace {

QJsonObject messageObject(const core::ChatMessage &message)
{
    QJsonObject object{
        {QStringLiteral("conversation"), message.conversation},
        {QStringLiteral("from"), message.from},
        {QStringLiteral("client_message_id"), QString::fromLatin1(message.clientMessageId.toHex())},
        {QStringLiteral("text"), message.text},
        {QStringLiteral("sent_at"), message.sentAt},
        {QStringLiteral("state"), QStringLiteral("received")},
    };
    if (!message.replyTo.isEmpty()) {
        object.insert(QStringLiteral("reply_to"), QString::fromLatin1(message.replyTo.toHex()));
    }
    if (message.deleted) {
        object.insert(QStringLiteral("deleted"), true);
    }
    if (message.timerChange >= 0) {
        object.insert(QStringLiteral("timer"), message.timerChange);
        object.insert(QStringLiteral("text"),
                      core::TimerDuration::describeChange(
                          false,
                          core::isGroupKey(message.conversation)
                              ? message.from.section(u'/', 0, 0) // the member (M1 §9.9)
                              : message.conversation,
                          quint32(message.timerChange)));
    }
    if (message.expiresAt > 0) {
        object.insert(QStringLiteral("expires_at"), message.expiresAt);
    }
    if (message.attachment) {
        object.insert(QStringLiteral("attachment"), attachmentObject(*message.attachment));
    }
    if (message.request) {
        object.insert(QStringLiteral("request"), true);
    }
    return object;
}

// A message id as printed (32 hex digits), or empty.
QByteArray parseMessageId(const QString &hex)
{
    const QByteArray bytes = QByteArray::fromHex(hex.toLatin1());
    return hex.size() == 2 * core::kClientMessageIdBytes &&
                   bytes.size() == core::kClientMessageIdBytes &&
                   QString::fromLatin1(bytes.toHex()) == hex.toLower()
               ? bytes
               : QByteArray();
}

// One history line: "ID you: text [edited] ↩ QUOTED (alice 👍)" and its JSON object.
std::pair<QJsonObject, QString> historyLine(const QString &contact, const core::HistoryItem &item)
{
    const core::MessageRecord &record = item.record;
    const bool mine = record.direction == core::MessageRecord::Direction::Outgoing;
    // A group's row names its author (M1 §9.6); a 1:1 row, the contact.
    const QString from =
        mine ? QStringLiteral("you") : (record.author.isEmpty() ? contact : record.author);
    const QString id = QString::fromLatin1(record.clientMessageId.toHex());
    QString text;
    if (const auto *body = std::get_if<QString>(&record.body)) {
        text = *body;
    }
    const bool undecryptable = record.state == core::MessageRecord::State::Undecryptable ||
                               std::holds_alternative<core::StoreError>(record.body);
    QJsonArray reactions;
    QStringList reacted;
    for (const core::ReactionRecord &reaction : item.reactions) {
        const QString from = reaction.isOwn()
                                 ? QStringLiteral("you")
                                 : (reaction.member.isEmpty() ? contact : reaction.member);
        reactions.append(
            QJsonObject{{QStringLiteral("from"), from}, {QStringLiteral("emoji"), reaction.emoji}});
        reacted << from + QLatin1Char(' ') + reaction.emoji;
    }
    QJsonObject object{
        {QStringLiteral("conversation"), contact},
        {QStringLiteral("client_message_id"), id},
        {QStringLiteral("from"), from},
        {QStringLiteral("text"), text},
        {QStringLiteral("sent_at"), record.sentAt},
        {QStringLiteral("state"), core::MessageListModel::stateName(record.state)},
        {QStringLiteral("edited"), record.isEdited()},
        {QStringLiteral("deleted"), record.deleted},
        {QStringLiteral("reactions"), reactions},
    };
    if (!item.receipts.empty()) {
        // A group text of ours: how far each member got (M1 §9.8).
        QJsonObject members;
        for (const auto &[member, state] : item.receipts) {
            members.insert(member, core::MessageListModel::stateName(state));
        }
        object.insert(QStringLiteral("receipts"), members);
    }
    if (item.attachment) {
        object.insert(QStringLiteral("attachment"), attachmentObject(*item.attachment));
        if (text.isEmpty()) {
            text = attachmentText(*item.attachment);
        }
    }
    QString line = QStringLiteral("%1 %2: %3")
                       .arg(id, from,
                            record.deleted  ? QStringLiteral("(deleted)")
                            : undecryptable ? QStringLiteral("(undecryptable)")
                                            : text);
    if (record.isEdited()) {
        line += QStringLiteral(" (edited)");
    }
    if (!record.replyTo.isEmpty()) {
        const QString quoted = QString::fromLatin1(record.replyTo.toHex());
        object.insert(QStringLiteral("reply_to"), quoted);
        if (item.quoted) {
            object.insert(QStringLiteral("quoted_text"), item.quoted->snippet);
            object.insert(QStringLiteral("quoted_deleted"), item.quoted->deleted);
        }
        line += QStringLiteral(" (reply to %1)").arg(quoted);
    }
    if (!reacted.isEmpty()) {
        line += QStringLiteral(" [%1]").arg(reacted.join(QStringLiteral(", ")));
    }
    // Disappearing messages (M1 §6): a timer change is a system line; others may expire.
    if (record.timerChange) {
        text = core::TimerDuration::describeChange(
            mine, record.author.isEmpty() ? contact : record.author, *record.timerChange);
        object.insert(QStringLiteral("text"), text);
        object.insert(QStringLiteral("timer"), qint64(*record.timerChange));
        line = QStringLiteral("%1 %2").arg(id, text);
    }
    // A group's membership change is a system line too (schema v16): "alice added bob."
    if (record.isGroupEvent()) {
        text = item.systemText;
        object.insert(QStringLiteral("text"), text);
        object.insert(QStringLiteral("group_event"), true);
        line = QStringLiteral("%1 %2").arg(id, text);
    }
    if (record.expiresAt > 0) {
        object.insert(QStringLiteral("expires_at"), record.expiresAt);
        line +=
            QStringLiteral(" (disappears %1)")
                .arg(
                    QDateTime::fromMSecsSinceEpoch(record.expiresAt).toUTC().toString(Qt::ISODate));
    }
    if (!item.versions.empty()) {
        QJsonArray versions;
        for (const core::MessageVersion &version : item.versions) {
            versions.append(QJsonObject{{QStringLiteral("text"), version.body},
                                        {QStringLiteral("sent_at"), version.sentAt}});
        }
        object.insert(QStringLiteral("versions"), versions);
    }
    return {object, line};
}

} // namespace

SessionCommand::SessionCommand(core::ClientCore *core, const core::ConnectionStatus &status,
                               CliCommand command, Output output, Finished finished,
                               QObject *parent)
    : QObject(parent)
    , m_core(core)
    , m_deviceAddress(status.address)
    , m_command(std::move(command))
    , m_output(output)
    , m_finished(std::move(finished))
{
    switch (m_command.name) {
    case CliCommand::Name::Status:
        m_output.print(QStringLiteral("signed-in"),
                       {{QStringLiteral("device_address"), status.address},
                        {QStringLiteral("relay_url"), status.url.toString()},
                        {QStringLiteral("protocol"), qint64(status.protocolVersion)},
                        {QStringLiteral("software"), status.relaySoftware}},
                       QStringLiteral("signed-in %1 relay %2 protocol %3 software %4")
                           .arg(status.address, status.url.toString())
                           .arg(status.protocolVersion)
                           .arg(status.relaySoftware));
        finish(kExitOk);
        return;
    case CliCommand::Name::Add:
        add();
        return;
    case CliCommand::Name::Send:
    case CliCommand::Name::Reply:
        send();
        return;
    case CliCommand::Name::React:
    case CliCommand::Name::Edit:
    case CliCommand::Name::Delete:
        messageOp();
        return;
    case CliCommand::Name::SendFile:
        sendFile();
        return;
    case CliCommand::Name::FetchFile:
        fetchFile();
        return;
    case CliCommand::Name::History:
        history();
        return;
    case CliCommand::Name::Search:
        search();
        return;
    case CliCommand::Name::Timer:
        timer();
        return;
    case CliCommand::Name::Recv:
        recv();
        return;
    case CliCommand::Name::Flush:
        flush();
        return;
    case CliCommand::Name::Contacts:
        contacts();
        return;
    case CliCommand::Name::Block:
    case CliCommand::Name::Unblock:
    case CliCommand::Name::Blocked:
    case CliCommand::Name::Requests:
    case CliCommand::Name::Accept:
    case CliCommand::Name::DeleteRequest:
        requests();
        return;
    case CliCommand::Name::SafetyNumber:
    case CliCommand::Name::Verify:
    case CliCommand::Name::Unverify:
    case CliCommand::Name::AcceptKey:
        verification();
        return;
    case CliCommand::Name::DeleteAccount:
        deleteAccount();
        return;
    case CliCommand::Name::Group:
        group();
        return;
    case CliCommand::Name::Init:
    case CliCommand::Name::Export:
    case CliCommand::Name::Import:
    case CliCommand::Name::Batch:
        break;
    }
    fail(QStringLiteral("%1 does not run on a signed-in profile")
             .arg(CliCommand::word(m_command.name)));
    finish(kExitUsage);
}

void SessionCommand::finish(int exitCode)
{
    if (m_done) {
        return;
    }
    m_done = true;
    // Never from inside a constructor or a signal of the core: the caller may delete us.
    QTimer::singleShot(0, this, [this, exitCode] { m_finished(exitCode); });
}

void SessionCommand::add()
{
    SessionManager *sessions = m_core->sessionManager();
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    connect(sessions, &SessionManager::contactReady, this, [this](const QString &address) {
        m_output.print(QStringLiteral("added"), {{QStringLiteral("address"), address}},
                       QStringLiteral("added %1").arg(address));
        finish(kExitOk);
    });
    QMetaObject::invokeMethod(sessions, [sessions, contact = m_command.arguments.value(0)] {
        sessions->addContact(contact);
    });
}

void SessionCommand::send()
{
    SessionManager *sessions = m_core->sessionManager();
    auto id = std::make_shared<QByteArray>();
    auto conversation = std::make_shared<QString>();
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    // Commands run one at a time on the session manager, so the next queued message is ours.
    connect(sessions, &SessionManager::messageQueued, this,
            [id, conversation](const QString &address, const QByteArray &clientMessageId) {
                if (id->isEmpty()) {
                    *id = clientMessageId;
                    *conversation = address;
                }
            });
    connect(sessions, &SessionManager::messageStateChanged, this,
            [this, id, conversation](const QString &, const QByteArray &clientMessageId, int state,
                                     int reason) {
                if (clientMessageId != *id) {
                    return;
                }
                if (state == int(core::MessageRecord::State::Failed)) {
                    const QString why =
                        reason > 0 && reason <= core::MessageRecord::kLastFailureReason
                            ? core::describe(core::MessageRecord::FailureReason(reason))
                            : QString();
                    fail(why.isEmpty() ? QStringLiteral("the relay refused the message") : why);
                    finish(kExitContact);
                    return;
                }
                const QString hex = QString::fromLatin1(clientMessageId.toHex());
                m_output.print(QStringLiteral("sent"),
                               {{QStringLiteral("conversation"), *conversation},
                                {QStringLiteral("client_message_id"), hex}},
                               QStringLiteral("sent %1").arg(hex));
                finish(kExitOk);
            });
    if (m_command.name == CliCommand::Name::Reply) {
        const QByteArray target = parseMessageId(m_command.arguments.value(1));
        if (target.isEmpty()) {
            fail(QStringLiteral("a message id is 32 hexadecimal digits"));
            finish(kExitUsage);
            return;
        }
        QMetaObject::invokeMethod(sessions,
                                  [sessions, contact = m_command.arguments.value(0), target,
                                   text = m_command.arguments.value(2), author = m_command.author] {
                                      sessions->sendReply(contact, target, text, author);
                                  });
        return;
    }
    QMetaObject::invokeMethod(
        sessions, [sessions, contact = m_command.arguments.value(0),
                   text = m_command.arguments.value(1)] { sessions->sendText(contact, text); });
}

// send-file: encrypted and uploaded by the core; done when the relay accepted the message.
void SessionCommand::sendFile()
{
    SessionManager *sessions = m_core->sessionManager();
    const QString contact = m_command.arguments.value(0);
    const QString path = m_command.arguments.value(1);
    // Ours, chosen here: an upload an earlier run left is resumed meanwhile under its own id.
    const QByteArray id = core::MessageContent::newClientMessageId();
    auto uploaded = std::make_shared<QJsonObject>();
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    connect(
        sessions, &SessionManager::attachmentFailed, this,
        [this, id](const QString &, const QByteArray &clientMessageId, const QString &sentence) {
            if (clientMessageId == id) {
                fail(sentence);
                finish(kExitContact);
            }
        });
    connect(sessions, &SessionManager::attachmentUploaded, this,
            [id, uploaded](const QString &, const QByteArray &clientMessageId, qint64 bytesSent,
                           int resumes) {
                if (clientMessageId == id) {
                    *uploaded = QJsonObject{{QStringLiteral("bytes_sent"), bytesSent},
                                            {QStringLiteral("resumes"), resumes}};
                }
            });
    connect(sessions, &SessionManager::messageStateChanged, this,
            [this, id, uploaded](const QString &conversation, const QByteArray &clientMessageId,
                                 int state, int reason) {
                if (clientMessageId != id) {
                    return;
                }
                if (state == int(core::MessageRecord::State::Failed)) {
                    const QString why =
                        reason > 0 && reason <= core::MessageRecord::kLastFailureReason
                            ? core::describe(core::MessageRecord::FailureReason(reason))
                            : QString();
                    fail(why.isEmpty() ? QStringLiteral("the relay refused the message") : why);
                    finish(kExitContact);
                    return;
                }
                const QString hex = QString::fromLatin1(clientMessageId.toHex());
                QJsonObject object = *uploaded;
                object.insert(QStringLiteral("conversation"), conversation);
                object.insert(QStringLiteral("client_message_id"), hex);
                m_output.print(QStringLiteral("file-sent"), object,
                               QStringLiteral("file-sent %1").arg(hex));
                finish(kExitOk);
            });
    // To a group: after what the relay holds, as `group send`.
    const auto start = [this](std::function<void()> send) {
        if (core::isGroupKey(m_command.arguments.value(0))) {
            whenSynced(std::move(send));
        } else {
            QMetaObject::invokeMethod(m_core->sessionManager(), std::move(send));
        }
    };
    if (!media::isPreparableImage(path)) {
        start([sessions, contact, path, caption = m_command.caption, id] {
            sessions->sendFile(contact, path, caption, id);
        });
        return;
    }
    // An image leaves without its metadata (EXIF, GPS) and with a thumbnail (media/).
    auto prepared = media::prepareImage(path);
    if (const auto *error = std::get_if<media::ImageError>(&prepared)) {
        fail(media::describe(*error));
        finish(kExitContact);
        return;
    }
    auto image = std::get<media::PreparedImage>(std::move(prepared));
    start([sessions, contact, image = std::move(image), caption = m_command.caption, id] {
        sessions->sendFileData(contact, image.data, image.fileName, image.mimeType, image.thumbnail,
                               caption, id);
    });
}

// fetch-file: download and verify (unless done before), then decrypt to the path given.
void SessionCommand::fetchFile()
{
    SessionManager *sessions = m_core->sessionManager();
    const QString contact = m_command.arguments.value(0);
    const QByteArray target = parseMessageId(m_command.arguments.value(1));
    const QString path = m_command.arguments.value(2);
    if (target.isEmpty()) {
        fail(QStringLiteral("a message id is 32 hexadecimal digits"));
        finish(kExitUsage);
        return;
    }
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    connect(sessions, &SessionManager::attachmentFailed, this,
            [this, target](const QString &, const QByteArray &id, const QString &sentence) {
                if (id == target) {
                    fail(sentence);
                    finish(kExitContact);
                }
            });
    const QString author = m_command.author;
    connect(sessions, &SessionManager::attachmentFetched, this,
            [sessions, contact, target, path, author](const QString &, const QByteArray &id) {
                if (id == target) {
                    QMetaObject::invokeMethod(sessions, [sessions, contact, target, path, author] {
                        sessions->saveAttachment(contact, target, path, author);
                    });
                }
            });
    connect(
        sessions, &SessionManager::attachmentSaved, this,
        [this, target](const QString &conversation, const QByteArray &id, const QString &saved) {
            if (id != target) {
                return;
            }
            const QString hex = QString::fromLatin1(id.toHex());
            m_output.print(QStringLiteral("file-saved"),
                           {{QStringLiteral("conversation"), conversation},
                            {QStringLiteral("client_message_id"), hex},
                            {QStringLiteral("path"), saved}},
                           QStringLiteral("file-saved %1 %2").arg(hex, saved));
            finish(kExitOk);
        });
    QMetaObject::invokeMethod(sessions, [sessions, contact, target, author] {
        sessions->fetchAttachment(contact, target, author);
    });
}

// react, edit, delete: applied on our side and queued (messageOpQueued), done once the relay
// has everything in the outbox.
void SessionCommand::messageOp()
{
    SessionManager *sessions = m_core->sessionManager();
    const QByteArray target = parseMessageId(m_command.arguments.value(1));
    if (target.isEmpty()) {
        fail(QStringLiteral("a message id is 32 hexadecimal digits"));
        finish(kExitUsage);
        return;
    }
    const QString event = m_command.name == CliCommand::Name::Edit     ? QStringLiteral("edited")
                          : m_command.name == CliCommand::Name::Delete ? QStringLiteral("deleted")
                          : m_command.remove                           ? QStringLiteral("unreacted")
                                                                       : QStringLiteral("reacted");
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    connect(
        sessions, &SessionManager::messageOpQueued, this,
        [this, sessions, event, target](const QString &conversation, const QByteArray &id, int) {
            if (id != target) {
                return;
            }
            const QString hex = QString::fromLatin1(id.toHex());
            connect(
                sessions, &SessionManager::outboxDrained, this, [this, event, conversation, hex] {
                    // "deleted" is delete-account's event; this one names a message.
                    m_output.print(event == u"deleted" ? QStringLiteral("message-deleted") : event,
                                   {{QStringLiteral("conversation"), conversation},
                                    {QStringLiteral("client_message_id"), hex}},
                                   QStringLiteral("%1 %2").arg(event, hex));
                    finish(kExitOk);
                });
            QMetaObject::invokeMethod(sessions, [sessions] { sessions->flushOutbox(); });
        });
    const QString contact = m_command.arguments.value(0);
    const QString argument = m_command.arguments.value(2);
    switch (m_command.name) {
    case CliCommand::Name::Edit:
        QMetaObject::invokeMethod(sessions, [sessions, contact, target, argument] {
            sessions->editMessage(contact, target, argument);
        });
        break;
    case CliCommand::Name::Delete:
        QMetaObject::invokeMethod(sessions, [sessions, contact, target] {
            sessions->deleteForEveryone(contact, target);
        });
        break;
    default:
        if (m_command.remove) {
            QMetaObject::invokeMethod(sessions,
                                      [sessions, contact, target, author = m_command.author] {
                                          sessions->unreact(contact, target, author);
                                      });
        } else {
            QMetaObject::invokeMethod(
                sessions, [sessions, contact, target, argument, author = m_command.author] {
                    sessions->react(contact, target, argument, author);
                });
        }
        break;
    }
}

void SessionCommand::history()
{
    SessionManager *sessions = m_core->sessionManager();
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    connect(sessions, &SessionManager::historyListed, this,
            [this](const QString &contact, const QList<core::HistoryItem> &items) {
                for (const core::HistoryItem &item : items) {
                    const auto [object, line] = historyLine(contact, item);
                    m_output.print(QStringLiteral("history"), object, line);
                }
                finish(kExitOk);
            });
    QMetaObject::invokeMethod(sessions, [sessions, contact = m_command.arguments.value(0)] {
        sessions->listHistory(contact, 100);
    });
}

// timer CONTACT DURATION|off: the change is stored and queued (its system row, messageQueued),
// done once the relay has accepted it (Sent).
void SessionCommand::timer()
{
    SessionManager *sessions = m_core->sessionManager();
    const auto seconds = core::TimerDuration::parse(m_command.arguments.value(1));
    if (!seconds || !core::MessageContent::isValidTimer(*seconds)) {
        fail(QStringLiteral("a timer is off or 5s … 4w, e.g. 30s, 5min, 1h, 1d, 1w"));
        finish(kExitUsage);
        return;
    }
    auto id = std::make_shared<QByteArray>();
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    connect(sessions, &SessionManager::messageQueued, this,
            [id](const QString &, const QByteArray &clientMessageId) {
                if (id->isEmpty()) {
                    *id = clientMessageId;
                }
            });
    connect(sessions, &SessionManager::messageStateChanged, this,
            [this, id, seconds = *seconds](const QString &conversation,
                                           const QByteArray &clientMessageId, int state, int) {
                if (clientMessageId != *id) {
                    return;
                }
                if (state == int(core::MessageRecord::State::Failed)) {
                    fail(QStringLiteral("the relay refused the timer change"));
                    finish(kExitContact);
                    return;
                }
                m_output.print(QStringLiteral("timer"),
                               {{QStringLiteral("conversation"), conversation},
                                {QStringLiteral("seconds"), qint64(seconds)},
                                {QStringLiteral("client_message_id"),
                                 QString::fromLatin1(clientMessageId.toHex())}},
                               QStringLiteral("timer %1 %2")
                                   .arg(conversation, core::TimerDuration::describe(seconds)));
                finish(kExitOk);
            });
    const QString contact = m_command.arguments.value(0);
    if (!core::isGroupKey(contact)) {
        QMetaObject::invokeMethod(sessions, [sessions, contact, seconds = *seconds] {
            sessions->setDisappearingTimer(contact, seconds);
        });
        return;
    }
    // A group's (M1 §9.9): after what the relay holds, as `group send`.
    whenSynced([sessions, contact, seconds = *seconds] {
        sessions->setDisappearingTimer(contact, seconds);
    });
}

void SessionCommand::whenSynced(std::function<void()> then)
{
    SessionManager *sessions = m_core->sessionManager();
    auto started = std::make_shared<bool>(false);
    connect(sessions, &SessionManager::synced, this, [sessions, started, then] {
        if (!*started) {
            *started = true;
            QMetaObject::invokeMethod(sessions, then);
        }
    });
    QMetaObject::invokeMethod(sessions, [sessions] { sessions->checkSynced(); });
}

// Once the relay's queue is processed (synced): list what was not printed before, wait if
// asked and there is nothing, print, mark read (read receipts go through the outbox: done
// once it is empty again).
void SessionCommand::recv()
{
    SessionManager *sessions = m_core->sessionManager();
    auto listed = std::make_shared<bool>(false);
    auto waiting = std::make_shared<bool>(false);
    const auto list = [sessions] {
        QMetaObject::invokeMethod(sessions, [sessions] { sessions->listUnread(); });
    };
    connect(sessions, &SessionManager::synced, this, [listed, list] {
        if (!*listed) {
            *listed = true;
            list();
        }
    });
    connect(sessions, &SessionManager::messageReceived, this,
            [waiting, list](const core::ChatMessage &) {
                if (*waiting) {
                    *waiting = false;
                    list();
                }
            });
    connect(
        sessions, &SessionManager::unreadListed, this,
        [this, sessions, waiting](const QList<core::ChatMessage> &messages) {
            if (messages.isEmpty() && m_command.waitSeconds > 0 && !*waiting) {
                *waiting = true;
                QTimer::singleShot(m_command.waitSeconds * 1000, this, [this, waiting] {
                    if (*waiting) {
                        finish(kExitOk);
                    }
                });
                return;
            }
            for (const core::ChatMessage &message : messages) {
                const QJsonObject object = messageObject(message);
                // An attachment: its file and the id fetch-file takes; a timer change: its
                // sentence (messageObject's text). A request's messages are marked: nothing
                // goes back until `accept`.
                const QString text =
                    message.attachment
                        ? QStringLiteral("%1 (id %2)")
                              .arg(attachmentText(*message.attachment),
                                   QString::fromLatin1(message.clientMessageId.toHex()))
                        : object.value(QStringLiteral("text")).toString();
                m_output.print(QStringLiteral("message"), object,
                               QStringLiteral("%1%2: %3")
                                   .arg(message.request ? QStringLiteral("[request] ") : QString(),
                                        message.from, text));
            }
            if (messages.isEmpty()) {
                finish(kExitOk);
                return;
            }
            const bool onlyRequests =
                std::all_of(messages.begin(), messages.end(),
                            [](const core::ChatMessage &message) { return message.request; });
            if (onlyRequests) {
                // No read receipt goes to a request's sender (M1 §8): done once they are
                // marked read.
                connect(sessions, &SessionManager::messagesSeen, this, [this] { finish(kExitOk); });
            } else {
                // Done once the read receipts have left: an outboxDrained() of an earlier flush
                // (the delivery receipts) may come before they are in the outbox. Both signals
                // come from the core's thread in the order emitted, and readMarked() comes
                // after its flush started, before that flush's outboxDrained().
                auto marked = std::make_shared<bool>(false);
                connect(sessions, &SessionManager::readMarked, this, [marked] { *marked = true; });
                connect(sessions, &SessionManager::outboxDrained, this, [this, marked] {
                    if (*marked) {
                        finish(kExitOk);
                    }
                });
            }
            QMetaObject::invokeMethod(sessions, [sessions] { sessions->markRead(); });
        });
    // The queue may have drained before this connected to synced().
    QMetaObject::invokeMethod(sessions, [sessions] { sessions->checkSynced(); });
}

void SessionCommand::flush()
{
    SessionManager *sessions = m_core->sessionManager();
    // A file that could not go (refused for good, or waiting for a key change) fails the flush.
    auto failures = std::make_shared<QStringList>();
    connect(sessions, &SessionManager::attachmentFailed, this,
            [failures](const QString &, const QByteArray &, const QString &sentence) {
                *failures << sentence;
            });
    connect(sessions, &SessionManager::allFlushed, this, [this, failures] {
        if (!failures->isEmpty()) {
            fail(failures->join(u' '));
            finish(kExitContact);
            return;
        }
        m_output.print(QStringLiteral("flushed"), {}, QStringLiteral("flushed"));
        finish(kExitOk);
    });
    QMetaObject::invokeMethod(sessions, [sessions] { sessions->flushAll(); });
}

void SessionCommand::deleteAccount()
{
    // The username is asked for again so that a wrong --profile cannot delete an account.
    const QString own = m_deviceAddress.section(u'/', 0, 0);
    const QString confirmation = m_command.arguments.value(0);
    if (confirmation != own.section(u'@', 0, 0) && confirmation != own) {
        fail(QStringLiteral("this profile is %1, not %2: nothing was deleted")
                 .arg(own, confirmation));
        finish(kExitUsage);
        return;
    }
    core::AccountManager *account = m_core->accountManager();
    connect(account, &core::AccountManager::deleteFailed, this, [this](const QString &sentence) {
        fail(sentence);
        finish(kExitRefused);
    });
    connect(account, &core::AccountManager::accountDeleted, this, [this](const QString &address) {
        m_output.print(QStringLiteral("deleted"), {{QStringLiteral("address"), address}},
                       QStringLiteral("deleted %1").arg(address));
        finish(kExitOk);
    });
    QMetaObject::invokeMethod(account, [account] { account->deleteAccount(); });
}

} // namespace parley::cli
