#include "core/store/profilesession.h"

#include "core/async/whenfinished.h"
#include "core/store/profilestore.h"

namespace parley::core {

ProfileSession::ProfileSession(ProfileStore &store, std::chrono::milliseconds idleTimeout,
                               QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_idleTimeout(idleTimeout)
    , m_idleTimer(this)
{
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &ProfileSession::lockNow);
    if (m_store.isUnlocked()) {
        touch();
    }
}

void ProfileSession::setIdleTimeout(std::chrono::milliseconds timeout)
{
    m_idleTimeout = timeout;
    touch();
}

bool ProfileSession::isUnlocked() const
{
    return m_store.isUnlocked();
}

QFuture<StoreStatus> ProfileSession::unlock(crypto::WipedBytes passphrase)
{
    return afterUnlock(m_store.unlock(std::move(passphrase)));
}

QFuture<StoreStatus>
ProfileSession::unlockWithProfileKey(std::shared_ptr<const crypto::SecureBytes> key)
{
    return afterUnlock(m_store.unlockWithProfileKey(std::move(key)));
}

QFuture<StoreStatus> ProfileSession::afterUnlock(QFuture<StoreStatus> attempt)
{
    return whenFinished(attempt, this, [this](StoreStatus status) {
        if (std::holds_alternative<Done>(status)) {
            touch();
            emit unlocked();
        }
        return status;
    });
}

void ProfileSession::touch()
{
    if (m_idleTimeout.count() > 0 && m_store.isUnlocked()) {
        m_idleTimer.start(m_idleTimeout);
    } else {
        m_idleTimer.stop();
    }
}

void ProfileSession::lockNow()
{
    m_idleTimer.stop();
    whenFinished(m_store.lock(), this, [this](StoreStatus) { emit locked(); });
}

} // namespace parley::core
