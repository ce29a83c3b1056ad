// parley-cli's commands about people (docs/cli.md): contacts, message requests and blocking
// (M1 §8), and verification by safety number. SessionCommand members, kept apart from
// sessioncommands.cpp.

#include "core/clientcore.h"
#include "core/session/sessionmanager.h"
#include "core/viewmodels/verificationviewmodel.h"
#include "sessioncommands.h"

namespace parley::cli {

using core::SessionManager;

void SessionCommand::contacts()
{
    SessionManager *sessions = m_core->sessionManager();
    connect(sessions, &SessionManager::contactsListed, this,
            [this](const QList<core::ContactSummary> &contacts) {
                for (const core::ContactSummary &contact : contacts) {
                    QStringList flags;
                    if (contact.verified) {
                        flags.append(QStringLiteral("verified"));
                    }
                    if (contact.keyChanged) {
                        flags.append(QStringLiteral("key-changed"));
                    }
                    if (contact.blocked) {
                        flags.append(QStringLiteral("blocked"));
                    }
                    m_output.print(
                        QStringLiteral("contact"),
                        {{QStringLiteral("address"), contact.address},
                         {QStringLiteral("display_name"), contact.displayName},
                         {QStringLiteral("verified"), contact.verified},
                         {QStringLiteral("key_changed"), contact.keyChanged},
                         {QStringLiteral("blocked"), contact.blocked}},
                        QStringList{contact.address, flags.join(u' ')}.join(u' ').trimmed());
                }
                finish(kExitOk);
            });
    QMetaObject::invokeMethod(sessions, [sessions] { sessions->listContacts(); });
}

void SessionCommand::requests()
{
    SessionManager *sessions = m_core->sessionManager();
    const QString contact = m_command.arguments.value(0);
    connect(sessions, &SessionManager::commandFailed, this,
            [this](const QString &, const QString &sentence) {
                fail(sentence);
                finish(kExitContact);
            });
    switch (m_command.name) {
    case CliCommand::Name::Block:
    case CliCommand::Name::Unblock: {
        const bool block = m_command.name == CliCommand::Name::Block;
        connect(sessions, &SessionManager::blockedChanged, this,
                [this](const QString &address, bool blocked) {
                    const QString event =
                        blocked ? QStringLiteral("blocked") : QStringLiteral("unblocked");
                    m_output.print(event, {{QStringLiteral("address"), address}},
                                   QStringLiteral("%1 %2").arg(event, address));
                    finish(kExitOk);
                });
        QMetaObject::invokeMethod(
            sessions, [sessions, contact, block] { sessions->setBlocked(contact, block); });
        return;
    }
    case CliCommand::Name::Blocked:
        connect(sessions, &SessionManager::blockedListed, this,
                [this](const QStringList &addresses) {
                    for (const QString &address : addresses) {
                        m_output.print(QStringLiteral("blocked-address"),
                                       {{QStringLiteral("address"), address}}, address);
                    }
                    finish(kExitOk);
                });
        QMetaObject::invokeMethod(sessions, [sessions] { sessions->listBlocked(); });
        return;
    case CliCommand::Name::Requests:
        connect(sessions, &SessionManager::requestsListed, this,
                [this](const QList<core::RequestSummary> &requests) {
                    for (const core::RequestSummary &request : requests) {
                        m_output.print(
                            QStringLiteral("request"),
                            {{QStringLiteral("address"), request.address},
                             {QStringLiteral("unread"), request.unread},
                             {QStringLiteral("last_activity_at"), request.lastActivityAt},
                             {QStringLiteral("last_text"), request.lastText}},
                            QStringLiteral("%1 %2 unread: %3")
                                .arg(request.address)
                                .arg(request.unread)
                                .arg(request.lastText));
                    }
                    finish(kExitOk);
                });
        QMetaObject::invokeMethod(sessions, [sessions] { sessions->listRequests(); });
        return;
    case CliCommand::Name::Accept:
        // Done once the receipts held back are with the relay (or at once if there are none).
        connect(sessions, &SessionManager::requestAccepted, this,
                [this, sessions](const QString &address, int delivered, int read) {
                    m_output.print(QStringLiteral("accepted"),
                                   {{QStringLiteral("address"), address},
                                    {QStringLiteral("delivered"), delivered},
                                    {QStringLiteral("read"), read}},
                                   QStringLiteral("accepted %1").arg(address));
                    if (delivered == 0) {
                        finish(kExitOk);
                        return;
                    }
                    connect(sessions, &SessionManager::outboxDrained, this,
                            [this] { finish(kExitOk); });
                    QMetaObject::invokeMethod(sessions, [sessions] { sessions->flushOutbox(); });
                });
        QMetaObject::invokeMethod(sessions,
                                  [sessions, contact] { sessions->acceptRequest(contact); });
        return;
    case CliCommand::Name::DeleteRequest:
        connect(
            sessions, &SessionManager::requestDeleted, this,
            [this](const QString &address, int messages) {
                m_output.print(
                    QStringLiteral("request-deleted"),
                    {{QStringLiteral("address"), address}, {QStringLiteral("messages"), messages}},
                    QStringLiteral("request-deleted %1 %2").arg(address).arg(messages));
                finish(kExitOk);
            });
        QMetaObject::invokeMethod(sessions,
                                  [sessions, contact] { sessions->deleteRequest(contact); });
        return;
    default:
        return;
    }
}

void SessionCommand::verification()
{
    m_verification = new core::VerificationViewModel(m_core, this);
    connect(m_verification, &core::VerificationViewModel::changed, this,
            &SessionCommand::onVerificationChanged);
    m_verification->setContact(m_command.arguments.value(0));
}

// Runs each verification command as steps on the view model's state: once the contact's keys
// are loaded, do what the command asks, then wait for the core to confirm it.
void SessionCommand::onVerificationChanged()
{
    using State = core::VerificationViewModel::State;
    using Comparison = core::VerificationViewModel::Comparison;
    core::VerificationViewModel *model = m_verification;
    if (m_done || model->state() == State::Loading || model->state() == State::Empty) {
        return;
    }
    if (model->state() == State::Failed || !model->errorText().isEmpty()) {
        fail(model->errorText().isEmpty()
                 ? QStringLiteral("%1 is not a contact").arg(m_command.arguments.value(0))
                 : model->errorText());
        finish(kExitContact);
        return;
    }
    const QString address = model->resolvedAddress();
    switch (m_command.name) {
    case CliCommand::Name::SafetyNumber:
        printSafetyNumber();
        finish(kExitOk);
        return;
    case CliCommand::Name::Verify:
        if (model->verified() && m_verificationSent) {
            m_output.print(QStringLiteral("verified"), {{QStringLiteral("address"), address}},
                           QStringLiteral("verified %1").arg(address));
            finish(kExitOk);
        } else if (!m_verificationSent) {
            if (model->keyChanged()) {
                fail(QStringLiteral("the key of %1 changed: compare the new safety number, "
                                    "then accept-key before verify")
                         .arg(address));
                finish(kExitContact);
                return;
            }
            // Set first: compare() and markVerified() emit changed(), which re-enters here.
            m_verificationSent = true;
            const QString code = m_command.arguments.value(1);
            if (!code.isEmpty() && model->compare(code) != Comparison::Match) {
                fail(model->comparisonText());
                finish(kExitContact);
                return;
            }
            model->markVerified();
        }
        return;
    case CliCommand::Name::Unverify:
        if (!model->verified()) {
            m_output.print(QStringLiteral("unverified"), {{QStringLiteral("address"), address}},
                           QStringLiteral("unverified %1").arg(address));
            finish(kExitOk);
        } else if (!m_verificationSent) {
            m_verificationSent = true;
            model->clearVerified();
        }
        return;
    case CliCommand::Name::AcceptKey:
        if (!model->keyChanged()) {
            if (!m_verificationSent) {
                fail(QStringLiteral("the key of %1 has not changed: nothing to accept")
                         .arg(address));
                finish(kExitContact);
                return;
            }
            m_output.print(QStringLiteral("key-accepted"), {{QStringLiteral("address"), address}},
                           QStringLiteral("key-accepted %1").arg(address));
            finish(kExitOk);
        } else if (!m_verificationSent) {
            m_verificationSent = true;
            model->acceptKeyChange();
        }
        return;
    default:
        return;
    }
}

void SessionCommand::printSafetyNumber()
{
    const core::VerificationViewModel *model = m_verification;
    QStringList flags;
    if (model->verified()) {
        flags.append(QStringLiteral("verified"));
    }
    if (model->keyChanged()) {
        flags.append(QStringLiteral("key-changed"));
    }
    m_output.print(QStringLiteral("safety-number"),
                   {{QStringLiteral("address"), model->resolvedAddress()},
                    {QStringLiteral("digits"), model->safetyNumberDigits()},
                    {QStringLiteral("payload"), model->payloadBase64()},
                    {QStringLiteral("verified"), model->verified()},
                    {QStringLiteral("key_changed"), model->keyChanged()}},
                   QStringList{model->resolvedAddress(), model->safetyNumber(), flags.join(u' ')}
                       .join(u"  ")
                       .trimmed());
}

} // namespace parley::cli
