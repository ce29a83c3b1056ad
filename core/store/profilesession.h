#pragma once

#include "core/store/storeerror.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <QFuture>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <memory>

namespace parley::core {

class ProfileStore;

// Holds an unlocked profile and locks it again after a period without activity (the optional
// auto-lock of issue 12): lock() closes the database and wipes the profile key on the
// database thread, so nothing secret stays in memory and work submitted afterwards fails with
// StoreError::Locked until the user unlocks again.
//
// Lives on the GUI (or core) thread; the owner calls touch() on user activity. An idle timeout
// of zero disables auto-lock.
class ProfileSession : public QObject
{
    Q_OBJECT

public:
    ProfileSession(ProfileStore &store, std::chrono::milliseconds idleTimeout,
                   QObject *parent = nullptr);

    std::chrono::milliseconds idleTimeout() const { return m_idleTimeout; }
    void setIdleTimeout(std::chrono::milliseconds timeout);

    bool isUnlocked() const;

    // Unlock through the store; on success the idle timer starts.
    QFuture<StoreStatus> unlock(crypto::WipedBytes passphrase);
    QFuture<StoreStatus> unlockWithProfileKey(std::shared_ptr<const crypto::SecureBytes> key);

public slots:
    // Restarts the idle timer (user activity).
    void touch();
    void lockNow();

signals:
    void unlocked();
    void locked();

private:
    QFuture<StoreStatus> afterUnlock(QFuture<StoreStatus> attempt);

    ProfileStore &m_store;
    std::chrono::milliseconds m_idleTimeout;
    QTimer m_idleTimer;
};

} // namespace parley::core
