#pragma once

// One in-process Parley client for end-to-end tests: its own ClientCore (core thread,
// database thread), a profile in `directory` with the minimum vault parameters, and a record
// of everything the SessionManager reported. Tests drive it through the same view models and
// SessionManager slots the app uses; nothing of our own is mocked.

#include "core/account/accountstatus.h"
#include "core/clientcore.h"
#include "core/session/sessionmanager.h"
#include "core/store/messagetable.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QStringList>
#include <QUrl>

#include <memory>

namespace parley::test {

// The passphrase every e2e profile is created with (vaults use the minimum KDF strength).
inline const QString kE2ePassphrase = QStringLiteral("correct horse battery staple");

class E2eClient
{
public:
    using MessageState = core::MessageRecord::State;

    explicit E2eClient(const QString &directory);

    // Starts onboarding and creates (registers) or unlocks the profile; callers wait for
    // `connection` to reach Connected.
    void create(const QString &username, const QUrl &relay);
    void unlock();
    // Adds `contact` and waits for SessionManager::contactReady; false on timeout.
    [[nodiscard]] bool addContact(const QString &contact, int timeoutMs);
    // Accepts the message request of `contact` (protocol M1 §8: a stranger's messages get no
    // receipts until then) and waits for SessionManager::requestAccepted; false on timeout.
    [[nodiscard]] bool acceptRequest(const QString &contact, int timeoutMs);
    void sendText(const QString &to, const QString &text);

    [[nodiscard]] QStringList receivedTexts() const;
    [[nodiscard]] int countInState(MessageState state) const;
    [[nodiscard]] MessageState stateOf(const QByteArray &id) const;
    [[nodiscard]] std::shared_ptr<core::ProfileStore> store();

    core::ClientCore core;
    core::ConnectionViewModel connection;
    core::OnboardingViewModel onboarding;
    core::SessionManager *sessions;

    core::AccountStatus account;
    QList<core::ChatMessage> received;
    QList<QByteArray> queued; // client_message_ids in the order they were queued
    QHash<QByteArray, int> states;
    QList<QPair<QString, bool>> typing;
    QStringList failures;
    QList<QPair<QString, bool>> keyChanges; // (address, was verified)
    QStringList accepted;                   // key changes accepted
};

} // namespace parley::test
