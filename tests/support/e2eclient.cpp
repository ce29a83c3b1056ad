#include "support/e2eclient.h"

#include "core/account/accountmanager.h"
#include "crypto/keyvault.h"
#include "support/crossthreadspy.h"

namespace parley::test {

E2eClient::E2eClient(const QString &directory)
    : connection(core.relayConnection())
    , onboarding(&core, directory)
    , sessions(core.sessionManager())
{
    onboarding.setVaultParameters(crypto::VaultParameters::minimum());
    // Every slot runs on this (the test's) thread: `onboarding` is the context object.
    using core::SessionManager;
    QObject::connect(core.accountManager(), &core::AccountManager::statusChanged, &onboarding,
                     [this](const core::AccountStatus &status) { account = status; });
    QObject::connect(sessions, &SessionManager::messageReceived, &onboarding,
                     [this](const core::ChatMessage &message) { received.append(message); });
    QObject::connect(sessions, &SessionManager::messageQueued, &onboarding,
                     [this](const QString &, const QByteArray &id) {
                         queued.append(id);
                         states.insert(id, int(MessageState::Queued));
                     });
    QObject::connect(
        sessions, &SessionManager::messageStateChanged, &onboarding,
        [this](const QString &, const QByteArray &id, int state) { states.insert(id, state); });
    QObject::connect(sessions, &SessionManager::typingReceived, &onboarding,
                     [this](const QString &from, bool on) {
                         typing.append({from, on});
                     });
    QObject::connect(
        sessions, &SessionManager::commandFailed, &onboarding,
        [this](const QString &, const QString &sentence) { failures.append(sentence); });
    QObject::connect(sessions, &SessionManager::keyChanged, &onboarding,
                     [this](const QString &address, bool verified) {
                         keyChanges.append({address, verified});
                     });
    QObject::connect(sessions, &SessionManager::keyChangeAccepted, &onboarding,
                     [this](const QString &address) { accepted.append(address); });
}

void E2eClient::create(const QString &username, const QUrl &relay)
{
    onboarding.start(false);
    onboarding.createProfile(username, relay.toString(), kE2ePassphrase, false);
}

void E2eClient::unlock()
{
    onboarding.start(false);
    onboarding.unlock(kE2ePassphrase);
}

bool E2eClient::addContact(const QString &contact, int timeoutMs)
{
    CrossThreadSpy ready(sessions, &core::SessionManager::contactReady);
    QMetaObject::invokeMethod(sessions, [s = sessions, contact] { s->addContact(contact); });
    return ready.waitForCount(1, timeoutMs);
}

bool E2eClient::acceptRequest(const QString &contact, int timeoutMs)
{
    CrossThreadSpy accepted(sessions, &core::SessionManager::requestAccepted);
    QMetaObject::invokeMethod(sessions, [s = sessions, contact] { s->acceptRequest(contact); });
    return accepted.waitForCount(1, timeoutMs);
}

void E2eClient::sendText(const QString &to, const QString &text)
{
    QMetaObject::invokeMethod(sessions, [s = sessions, to, text] { s->sendText(to, text); });
}

QStringList E2eClient::receivedTexts() const
{
    QStringList texts;
    for (const core::ChatMessage &message : received) {
        texts.append(message.text);
    }
    return texts;
}

int E2eClient::countInState(MessageState state) const
{
    int count = 0;
    for (const QByteArray &id : queued) {
        count += states.value(id) == int(state) ? 1 : 0;
    }
    return count;
}

E2eClient::MessageState E2eClient::stateOf(const QByteArray &id) const
{
    return MessageState(states.value(id));
}

std::shared_ptr<core::ProfileStore> E2eClient::store()
{
    return core.accountManager()->store();
}

} // namespace parley::test
