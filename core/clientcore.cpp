#include "core/clientcore.h"

#include "core/net/relayconnection.h"

namespace parley::core {

ClientCore::ClientCore(QObject *parent)
    : QObject(parent)
    , m_relayConnection(new RelayConnection)
{
    m_thread.setObjectName(QStringLiteral("parley-core"));
    m_relayConnection->moveToThread(&m_thread);
    // Objects on the core thread are destroyed on it, after its event loop ends.
    connect(&m_thread, &QThread::finished, m_relayConnection, &QObject::deleteLater);
    m_thread.start();
}

ClientCore::~ClientCore()
{
    m_thread.quit();
    m_thread.wait();
}

} // namespace parley::core
