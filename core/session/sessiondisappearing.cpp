// Disappearing messages on the core thread (protocol M1 §6): the timer command and the sweep's
// schedule. The store work is in disappearing.cpp (database thread).

#include "core/account/accountmanager.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/profilesettings.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>
#include <map>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

void SessionManager::setDisappearingTimer(const QString &contact, quint32 seconds)
{
    if (const auto group = groupIdOfKey(contact)) {
        setGroupTimer(*group, seconds); // M1 §9.9
        return;
    }
    const QString address = resolve(contact);
    QString problem;
    if (address.isEmpty()) {
        problem = tr("%1 is not a valid username.").arg(contact);
    } else if (!ready()) {
        problem = tr("The profile is not open.");
    } else if (!MessageContent::isValidTimer(seconds)) {
        problem = tr("Disappearing messages take a time between %1 seconds and %2 weeks, or off.")
                      .arg(kMinTimerSeconds)
                      .arg(kMaxTimerSeconds / (7 * 24 * 3600));
    }
    if (!problem.isEmpty()) {
        emit commandFailed(contact, problem);
        return;
    }
    // Queued with the texts, so a text sent after the change is stored under the new timer.
    const MessageContent content =
        MessageContent::makeTimer(seconds, QDateTime::currentMSecsSinceEpoch());
    enqueue([this, address, content](std::function<void()> next) {
        ensureSessions(address, [this, address, content, next](const QString &error) {
            if (!error.isEmpty()) {
                emit commandFailed(address, error);
                next();
                return;
            }
            // Writing 1:1 to a member met in a group makes it a contact, as a text does.
            takeInMember(address, [this, address, content, next](const QString &) {
                encryptAndSend(address, content, true,
                               [this, address, next](const QString &failure) {
                                   if (!failure.isEmpty()) {
                                       emit commandFailed(address, failure);
                                   }
                                   next();
                               });
            });
        });
    });
}

void SessionManager::setDefaultTimerSeconds(quint32 seconds)
{
    m_defaultTimerSeconds = MessageContent::isValidTimer(seconds) ? seconds : 0;
}

quint32 SessionManager::defaultTimerSeconds()
{
    const auto store = m_account->store();
    if (!store) {
        return 0;
    }
    if (m_defaultsStore.lock() != store) {
        // Another profile (or the first send since this one opened): its own default, read
        // once; Settings keeps it current (setDefaultTimerSeconds).
        m_defaultsStore = store;
        m_knownConversations.clear();
        m_defaultTimerSeconds = 0;
        const auto settings = ProfileSettings::load(store->directory());
        if (const auto *loaded = std::get_if<ProfileSettings>(&settings)) {
            m_defaultTimerSeconds = loaded->defaultTimerSeconds();
        }
    }
    return m_defaultTimerSeconds;
}

void SessionManager::applyDefaultTimer(const QString &address, DefaultTimerCase when,
                                       Completion done)
{
    const auto store = m_account->store();
    if (!store) {
        done({});
        return;
    }
    const quint32 seconds = defaultTimerSeconds();
    if (seconds == 0 ||
        (when == DefaultTimerCase::FirstSend && m_knownConversations.contains(address))) {
        done({});
        return;
    }
    whenDone(
        store->run([address, when](StoreContext &context) -> StoreResult<bool> {
            ConversationTable conversations(context);
            auto found = conversations.findByAddress(address);
            if (const auto *error = std::get_if<StoreError>(&found)) {
                return *error;
            }
            const auto &conversation = std::get<std::optional<ConversationId>>(found);
            if (!conversation) {
                return when == DefaultTimerCase::FirstSend;
            }
            if (when == DefaultTimerCase::FirstSend) {
                // A conversation without a message is a first send too: a group member's
                // pairwise group traffic made it (M1 §9.11) before the user wrote.
                auto newest = MessageTable(context).page(*conversation, MessageId{}, 1);
                if (const auto *error = std::get_if<StoreError>(&newest)) {
                    return *error;
                }
                if (!std::get<std::vector<MessageRecord>>(newest).empty()) {
                    return false;
                }
            }
            auto timer = conversations.timer(*conversation);
            if (const auto *error = std::get_if<StoreError>(&timer)) {
                return *error;
            }
            const auto &current = std::get<ConversationTimer>(timer);
            return current.sentAt == 0 && current.changeId.isEmpty();
        }),
        [this, address, seconds, when, done,
         asked = std::weak_ptr<ProfileStore>(store)](const StoreResult<bool> &wanted) {
            if (const auto *error = std::get_if<StoreError>(&wanted)) {
                qCWarning(lcSession) << "cannot read the conversation's timer:" << error->detail;
                done({});
                return;
            }
            // A conversation is known once it exists: it did, or the timer that starts it
            // was sent (a failed one leaves the next send to try again).
            const auto remember = [this, address, asked, when] {
                if (when == DefaultTimerCase::FirstSend && asked.lock() == m_defaultsStore.lock()) {
                    m_knownConversations.insert(address);
                }
            };
            if (!std::get<bool>(wanted)) {
                remember();
                done({});
                return;
            }
            const auto send = [this, address, seconds, done, remember](const QString &error) {
                if (!error.isEmpty()) {
                    done(error);
                    return;
                }
                encryptAndSend(
                    address,
                    MessageContent::makeTimer(seconds, QDateTime::currentMSecsSinceEpoch()), true,
                    [done, remember](const QString &failure) {
                        if (failure.isEmpty()) {
                            remember();
                        }
                        done(failure);
                    });
            };
            if (when == DefaultTimerCase::FirstSend) {
                send({}); // sendText has just made sure of the sessions
            } else {
                ensureSessions(address, send);
            }
        });
}

void SessionManager::onAccountStatus()
{
    // Unlock: the account signs in from an unlocked profile. What expired while the profile
    // was closed goes before anything is shown from it; uploads cut off by a restart go on.
    // A lock stops the running uploads; their rows stay for the next sign-in.
    const bool signedIn = m_account->status().state == AccountStatus::State::SignedIn;
    if (signedIn && !m_signedIn) {
        m_signedIn = true;
        sweepExpired();
        resumeUploads();
    } else if (!signedIn) {
        m_signedIn = false;
        stopUploads();
        m_sweepTimer.stop();
        m_sweepAt = 0;
    }
}

void SessionManager::scheduleSweep(qint64 expiresAt)
{
    if (expiresAt <= 0) {
        return;
    }
    if (m_sweeping) {
        m_sweepAgain = true; // the running sweep arms the timer from the store's next expiry
        return;
    }
    if (m_sweepAt != 0 && m_sweepAt <= expiresAt && m_sweepTimer.isActive()) {
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 delay = std::clamp<qint64>(expiresAt - now, 0, kMaxSweepIntervalMs);
    m_sweepAt = now + delay;
    m_sweepTimer.start(int(delay));
}

void SessionManager::sweepExpired()
{
    const auto store = m_account->store();
    if (!store || !ready()) {
        return;
    }
    if (m_sweeping) {
        m_sweepAgain = true;
        return;
    }
    m_sweeping = true;
    m_sweepAgain = false;
    m_sweepTimer.stop();
    m_sweepAt = 0;
    whenDone(store->run([](StoreContext &context) {
        return core::sweepExpired(context, QDateTime::currentMSecsSinceEpoch());
    }),
             [this, storeId = store.get()](const StoreResult<SweepResult> &swept) {
                 m_sweeping = false;
                 if (storeId != m_account->store().get()) {
                     return;
                 }
                 if (const auto *error = std::get_if<StoreError>(&swept)) {
                     qCWarning(lcSession) << "cannot delete expired messages:" << error->detail;
                     scheduleSweep(QDateTime::currentMSecsSinceEpoch() + kMaxSweepIntervalMs);
                     return;
                 }
                 const auto &result = std::get<SweepResult>(swept);
                 std::map<QString, QList<qint64>> byConversation;
                 for (const SweepResult::Removed &removed : result.removed) {
                     byConversation[removed.conversation].append(removed.id.value);
                 }
                 for (const auto &[conversation, ids] : byConversation) {
                     emit messagesExpired(conversation, ids);
                 }
                 if (!result.removed.empty()) {
                     qCInfo(lcSession) << "deleted" << result.removed.size()
                                       << "expired messages; WAL truncated:" << result.checkpointed;
                 }
                 if (m_sweepAgain) {
                     m_sweepAgain = false;
                     sweepExpired();
                     return;
                 }
                 scheduleSweep(result.nextExpiry);
             });
}

} // namespace parley::core
