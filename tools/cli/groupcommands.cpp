// parley-cli's group command (protocol M1 §9; docs/cli.md): list, create, add, remove, leave,
// rename, admin; send and history (group texts, M1 §9.6). A SessionCommand member, kept apart from
// sessioncommands.cpp.

#include "core/clientcore.h"
#include "core/session/groupchange.h"
#include "core/session/sessionmanager.h"
#include "sessioncommands.h"

#include <QJsonArray>

namespace parley::cli {

using core::SessionManager;

namespace {

QJsonObject groupObject(const core::GroupSummary &group)
{
    return QJsonObject{
        {QStringLiteral("group_id"), QString::fromLatin1(group.id.toHex())},
        {QStringLiteral("name"), group.name},
        {QStringLiteral("epoch"), qint64(group.epoch)},
        {QStringLiteral("members"), QJsonArray::fromStringList(group.members)},
        {QStringLiteral("admins"), QJsonArray::fromStringList(group.admins)},
        {QStringLiteral("member"), group.member},
    };
}

// "ID epoch N NAME: a, b (admin), …" — or "(left)" when we are no member any more.
QString groupText(const core::GroupSummary &group)
{
    QStringList members;
    for (const QString &member : group.members) {
        members << (group.admins.contains(member) ? member + QStringLiteral(" (admin)") : member);
    }
    return QStringLiteral("%1 epoch %2 %3: %4%5")
        .arg(QString::fromLatin1(group.id.toHex()))
        .arg(group.epoch)
        .arg(group.name, members.join(QStringLiteral(", ")),
             group.member ? QString() : QStringLiteral(" (not a member)"));
}

QJsonObject textObject(const core::GroupMessageRecord &text)
{
    QJsonObject object{
        {QStringLiteral("group_id"), QString::fromLatin1(text.groupId.toHex())},
        {QStringLiteral("from"), text.sender},
        {QStringLiteral("device"), qint64(text.senderDevice)},
        {QStringLiteral("epoch"), qint64(text.epoch)},
        {QStringLiteral("client_message_id"), QString::fromLatin1(text.clientMessageId.toHex())},
        {QStringLiteral("sent_at"), text.sentAt},
        {QStringLiteral("text"), text.text},
    };
    if (text.attachment) {
        object.insert(QStringLiteral("attachment"), attachmentObject(*text.attachment));
    }
    return object;
}

} // namespace

void SessionCommand::group()
{
    SessionManager *sessions = m_core->sessionManager();
    const QString sub = m_command.arguments.value(0);
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    if (sub == u"list") {
        // What the relay holds first (changes sent to us while we were away), then the list.
        auto listed = std::make_shared<bool>(false);
        connect(sessions, &SessionManager::synced, this, [sessions, listed] {
            if (!*listed) {
                *listed = true;
                QMetaObject::invokeMethod(sessions, [sessions] { sessions->listGroups(); });
            }
        });
        connect(sessions, &SessionManager::groupsListed, this,
                [this, sessions](const QList<core::GroupSummary> &groups) {
                    for (const core::GroupSummary &group : groups) {
                        m_output.print(QStringLiteral("group"), groupObject(group),
                                       groupText(group));
                    }
                    // A change made on the way (this device joining a group, M1 §9.7) leaves.
                    connect(sessions, &SessionManager::outboxDrained, this,
                            [this] { finish(kExitOk); });
                    QMetaObject::invokeMethod(sessions, [sessions] { sessions->flushOutbox(); });
                });
        QMetaObject::invokeMethod(sessions, [sessions] { sessions->checkSynced(); });
        return;
    }
    if (sub == u"send") {
        const QByteArray groupId = QByteArray::fromHex(m_command.arguments.value(1).toLatin1());
        const QString text = m_command.arguments.value(2);
        connect(sessions, &SessionManager::groupTextSent, this,
                [this, sessions, groupId](const core::GroupMessageRecord &sent, int recipients,
                                          const QStringList &unreached) {
                    // Not a file of an upload this run resumed.
                    if (sent.groupId != groupId || sent.attachment) {
                        return;
                    }
                    QJsonObject object = textObject(sent);
                    object.insert(QStringLiteral("recipients"), recipients);
                    object.insert(QStringLiteral("unreached"),
                                  QJsonArray::fromStringList(unreached));
                    m_output.print(QStringLiteral("group-sent"), object,
                                   QStringLiteral("sent to %1 devices").arg(recipients));
                    connect(sessions, &SessionManager::outboxDrained, this,
                            [this] { finish(kExitOk); });
                    QMetaObject::invokeMethod(sessions, [sessions] { sessions->flushOutbox(); });
                });
        // What the relay holds first: a membership change made while we were away decides who
        // may read this text (a removed member must not, M1 §9.6).
        whenSynced([sessions, groupId, text] { sessions->sendGroupText(groupId, text); });
        return;
    }
    if (sub == u"history") {
        // What the relay holds first (texts and sender keys sent while we were away).
        const QByteArray groupId = QByteArray::fromHex(m_command.arguments.value(1).toLatin1());
        auto loaded = std::make_shared<bool>(false);
        connect(sessions, &SessionManager::synced, this, [sessions, loaded, groupId] {
            if (!*loaded) {
                *loaded = true;
                QMetaObject::invokeMethod(
                    sessions, [sessions, groupId] { sessions->loadGroupHistory(groupId); });
            }
        });
        connect(sessions, &SessionManager::groupHistoryLoaded, this,
                [this](const QByteArray &, const QList<core::GroupMessageRecord> &texts) {
                    for (const core::GroupMessageRecord &text : texts) {
                        m_output.print(QStringLiteral("group-text"), textObject(text),
                                       QStringLiteral("%1: %2").arg(
                                           text.sender, text.attachment
                                                            ? attachmentText(*text.attachment)
                                                            : text.text));
                    }
                    finish(kExitOk);
                });
        QMetaObject::invokeMethod(sessions, [sessions] { sessions->checkSynced(); });
        return;
    }
    core::GroupOp op = core::GroupOp::Create;
    QByteArray groupId;
    QString name;
    QStringList members = m_command.arguments.mid(2);
    if (sub == u"create") {
        name = m_command.arguments.value(1);
    } else {
        groupId = QByteArray::fromHex(m_command.arguments.value(1).toLatin1());
        if (sub == u"add") {
            op = core::GroupOp::Add;
        } else if (sub == u"remove") {
            op = core::GroupOp::Remove;
        } else if (sub == u"admin") {
            op = core::GroupOp::GrantAdmin;
        } else if (sub == u"leave") {
            op = core::GroupOp::Leave;
        } else {
            op = core::GroupOp::Rename;
            name = m_command.arguments.value(2);
            members.clear();
        }
    }
    // Done once the change is applied here and the relay has it for every member.
    connect(sessions, &SessionManager::groupChanged, this,
            [this, sessions, sub, done = std::make_shared<bool>(false)](
                const core::GroupSummary &group, const QString &by, int) {
                // A change received meanwhile is not ours: ours names our own address.
                if (*done || !m_deviceAddress.startsWith(by + QLatin1Char('/'))) {
                    return;
                }
                *done = true;
                QJsonObject object = groupObject(group);
                object.insert(QStringLiteral("change"), sub);
                m_output.print(QStringLiteral("group-changed"), object,
                               QStringLiteral("%1 %2").arg(sub, groupText(group)));
                connect(sessions, &SessionManager::outboxDrained, this,
                        [this] { finish(kExitOk); });
                QMetaObject::invokeMethod(sessions, [sessions] { sessions->flushOutbox(); });
            });
    const int opValue = int(op);
    QMetaObject::invokeMethod(sessions, [sessions, opValue, groupId, name, members] {
        sessions->changeGroup(opValue, groupId, name, members);
    });
}

} // namespace parley::cli
