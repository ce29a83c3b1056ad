#include "core/clientcore.h"

#include "core/account/accountmanager.h"
#include "core/net/relayconnection.h"
#include "core/security/processhardening.h"
#include "core/session/sessionmanager.h"

#include <QLoggingCategory>

#include <mutex>

Q_LOGGING_CATEGORY(lcCore, "parley.core")

namespace parley::core {

ClientCore::ClientCore(QObject *parent)
    : QObject(parent)
    , m_relayConnection(new RelayConnection)
    , m_accountManager(new AccountManager(m_relayConnection))
    , m_sessionManager(new SessionManager(m_relayConnection, m_accountManager))
{
    // Before any key or plaintext reaches memory this process could dump.
    static std::once_flag hardened;
    std::call_once(hardened, [] {
        if (const QString failure = hardenProcess(); !failure.isEmpty()) {
            qCWarning(lcCore) << "core dumps could not be disabled:" << failure;
        }
    });
    m_thread.setObjectName(QStringLiteral("parley-core"));
    m_relayConnection->moveToThread(&m_thread);
    m_accountManager->moveToThread(&m_thread);
    m_sessionManager->moveToThread(&m_thread);
    // Objects on the core thread are destroyed on it, after its event loop ends; the account
    // manager first, since it uses the connection.
    connect(&m_thread, &QThread::finished, m_sessionManager, &QObject::deleteLater);
    connect(&m_thread, &QThread::finished, m_accountManager, &QObject::deleteLater);
    connect(&m_thread, &QThread::finished, m_relayConnection, &QObject::deleteLater);
    m_thread.start();
}

ClientCore::~ClientCore()
{
    m_thread.quit();
    m_thread.wait();
}

} // namespace parley::core
