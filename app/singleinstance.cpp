#include "app/singleinstance.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QSysInfo>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#include <unistd.h>
#endif

namespace parley::app {

namespace {

const QByteArray kRaise = QByteArrayLiteral("raise\n");
const QByteArray kOk = QByteArrayLiteral("ok\n");

// The lock's holder crashed: it ran on this machine and its process no longer exists. (Qt
// checks this too, but not for every platform's reuse of process ids; an unanswered socket
// and a dead id together are unambiguous.)
bool holderIsGone(qint64 pid, const QString &host)
{
#ifdef Q_OS_UNIX
    if (pid <= 0 || (!host.isEmpty() && host != QSysInfo::machineHostName())) {
        return false;
    }
    return ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
#else
    Q_UNUSED(pid);
    Q_UNUSED(host);
    return false;
#endif
}

} // namespace

SingleInstance::SingleInstance(QString profileDirectory, QObject *parent)
    : QObject(parent)
    , m_directory(std::move(profileDirectory))
{}

SingleInstance::~SingleInstance()
{
    if (m_server != nullptr) {
        m_server->close();
    }
    if (m_lock) {
        m_lock->unlock();
    }
}

QString SingleInstance::serverName(const QString &profileDirectory)
{
    const QFileInfo info(profileDirectory);
    const QString path = info.exists() ? info.canonicalFilePath() : info.absoluteFilePath();
    QString user;
#ifdef Q_OS_UNIX
    user = QString::number(::getuid());
#else
    user = qEnvironmentVariable("USERNAME");
#endif
    const QByteArray digest = QCryptographicHash::hash((user + QLatin1Char('\n') + path).toUtf8(),
                                                       QCryptographicHash::Sha256)
                                  .toHex()
                                  .left(24);
    return QStringLiteral("parley-%1").arg(QString::fromLatin1(digest));
}

SingleInstance::Outcome SingleInstance::claim()
{
    m_lock = std::make_unique<QLockFile>(QDir(m_directory).filePath(QLatin1String(kLockFileName)));
    // Held for as long as the app runs: never stale by age, only by a dead holder.
    m_lock->setStaleLockTime(0);
    if (m_lock->tryLock(0)) {
        return listen() ? Outcome::Primary : Outcome::Failed;
    }
    if (m_lock->error() != QLockFile::LockFailedError) {
        m_errorText = tr("The profile directory %1 cannot be locked.").arg(m_directory);
        return Outcome::Failed;
    }
    if (askHolderToRaise()) {
        return Outcome::Secondary;
    }
    qint64 pid = 0;
    QString host;
    m_lock->getLockInfo(&pid, &host, nullptr);
    if (holderIsGone(pid, host) && m_lock->removeStaleLockFile() && m_lock->tryLock(0)) {
        return listen() ? Outcome::Primary : Outcome::Failed;
    }
    m_errorText = tr("The profile %1 is in use by another process (%2), which does not answer.")
                      .arg(m_directory)
                      .arg(pid);
    return Outcome::Failed;
}

bool SingleInstance::listen()
{
    const QString name = serverName(m_directory);
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    m_server->setMaxPendingConnections(4);
    // We hold the lock: a socket left under this name belongs to a crashed holder.
    QLocalServer::removeServer(name);
    if (!m_server->listen(name)) {
        m_errorText =
            tr("Parley cannot listen for other instances: %1").arg(m_server->errorString());
        return false;
    }
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::onConnection);
    return true;
}

void SingleInstance::onConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > kMaxLineBytes) {
                    socket->abort();
                }
                return;
            }
            const QByteArray line = socket->readLine(kMaxLineBytes + 1);
            if (line == kRaise) {
                socket->write(kOk);
                socket->flush();
                emit raiseRequested();
            }
            socket->disconnectFromServer();
        });
    }
}

bool SingleInstance::askHolderToRaise()
{
    QLocalSocket socket;
    socket.connectToServer(serverName(m_directory));
    if (!socket.waitForConnected(kAnswerTimeoutMs)) {
        return false;
    }
    socket.write(kRaise);
    if (!socket.waitForBytesWritten(kAnswerTimeoutMs)) {
        return false;
    }
    while (!socket.canReadLine()) {
        if (socket.bytesAvailable() > kMaxLineBytes || !socket.waitForReadyRead(kAnswerTimeoutMs)) {
            return false;
        }
    }
    return socket.readLine(kMaxLineBytes + 1) == kOk;
}

} // namespace parley::app
