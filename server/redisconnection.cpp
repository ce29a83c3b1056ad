#include "server/redisconnection.h"

#include <QLoggingCategory>

#include <hiredis/adapters/qt.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <vector>

Q_LOGGING_CATEGORY(lcRedis, "parley.relay.bus")

namespace parley::relay {

RedisConnection::RedisConnection(RedisEndpoint endpoint, QString name, QObject *parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_name(std::move(name))
    , m_retry(this) // children: they move with the connection to the bus thread
    , m_connectTimeout(this)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &RedisConnection::connectNow);
    m_connectTimeout.setSingleShot(true);
    m_connectTimeout.setInterval(kConnectTimeoutMs);
    connect(&m_connectTimeout, &QTimer::timeout, this, [this] {
        if (m_context && !m_connected) {
            redisAsyncContext *context = m_context;
            m_context = nullptr;
            releaseAdapter(context);
            redisAsyncFree(context); // not connected: no disconnect callback
            connectFailed(QStringLiteral("connect timed out"));
        }
    });
}

RedisConnection::~RedisConnection()
{
    stop();
}

void RedisConnection::start()
{
    m_stopping = false;
    if (!m_context && !m_retry.isActive()) {
        connectNow();
    }
}

void RedisConnection::stop()
{
    m_stopping = true;
    m_retry.stop();
    m_connectTimeout.stop();
    if (redisAsyncContext *context = m_context) {
        m_context = nullptr;
        m_connected = false;
        releaseAdapter(context);
        redisAsyncFree(context); // pending handlers get nullptr
    }
}

void RedisConnection::connectNow()
{
    if (m_stopping || m_context) {
        return;
    }
    redisAsyncContext *context =
        redisAsyncConnect(m_endpoint.host.toUtf8().constData(), m_endpoint.port);
    if (!context) {
        connectFailed(QStringLiteral("out of memory"));
        return;
    }
    if (context->err) {
        const QString why = QString::fromLocal8Bit(context->errstr);
        redisAsyncFree(context);
        connectFailed(why);
        return;
    }
    context->data = this;
    m_adapter = new RedisQtAdapter();
    m_adapter->setContext(context);
    m_context = context;
    redisAsyncSetDisconnectCallback(context, &RedisConnection::onDisconnect);
    // Watches for the connect to finish (hiredis arms the write event here).
    redisAsyncSetConnectCallback(context, &RedisConnection::onConnect);
    m_connectTimeout.start();
}

void RedisConnection::connectFailed(const QString &why)
{
    ++m_failures;
    if (!m_inOutage) {
        m_inOutage = true;
        qCWarning(lcRedis).noquote()
            << QStringLiteral("bus %1 cannot reach %2 (%3); retrying every %4 s at most")
                   .arg(m_name, m_endpoint.display(), why)
                   .arg(kMaxBackoffMs / 1000);
    }
    retryLater();
}

void RedisConnection::retryLater()
{
    if (m_stopping) {
        return;
    }
    m_retry.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, kMaxBackoffMs);
}

void RedisConnection::releaseAdapter(redisAsyncContext *context)
{
    if (!m_adapter) {
        return;
    }
    if (context->ev.cleanup) {
        context->ev.cleanup(context->ev.data); // deletes the socket notifiers
    }
    context->ev.addRead = nullptr;
    context->ev.delRead = nullptr;
    context->ev.addWrite = nullptr;
    context->ev.delWrite = nullptr;
    context->ev.cleanup = nullptr;
    delete m_adapter; // clears context->ev.data
    m_adapter = nullptr;
}

void RedisConnection::onConnect(const redisAsyncContext *constContext, int status)
{
    auto *context = const_cast<redisAsyncContext *>(constContext);
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self) {
        return;
    }
    self->m_connectTimeout.stop();
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback.
        const QString why = QString::fromLocal8Bit(context->errstr);
        self->m_context = nullptr;
        self->releaseAdapter(context);
        context->data = nullptr;
        self->connectFailed(why);
        return;
    }
    self->m_connected = true;
    self->m_backoffMs = kMinBackoffMs;
    // A peer that vanished without a FIN (a network partition) is noticed in about a minute.
    redisEnableKeepAlive(&context->c);
    if (self->m_inOutage) {
        self->m_inOutage = false;
        qCInfo(lcRedis).noquote() << "bus" << self->m_name << "connected again to"
                                  << self->m_endpoint.display();
    } else {
        qCInfo(lcRedis).noquote() << "bus" << self->m_name << "connected to"
                                  << self->m_endpoint.display();
    }
    if (self->m_endpoint.database != 0) {
        self->command({QByteArrayLiteral("SELECT"), QByteArray::number(self->m_endpoint.database)},
                      [name = self->m_name](const redisReply *reply) {
                          if (reply && reply->type == REDIS_REPLY_ERROR) {
                              qCWarning(lcRedis).noquote()
                                  << QStringLiteral("bus %1: SELECT refused: %2")
                                         .arg(name,
                                              QString::fromUtf8(reply->str, qsizetype(reply->len)));
                          }
                      });
    }
    emit self->connected();
}

void RedisConnection::onDisconnect(const redisAsyncContext *constContext, int status)
{
    Q_UNUSED(status);
    auto *context = const_cast<redisAsyncContext *>(constContext);
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self) {
        return;
    }
    // hiredis frees the context after this callback.
    context->data = nullptr;
    if (self->m_context == context) {
        self->m_context = nullptr;
    }
    self->releaseAdapter(context);
    const bool wasConnected = self->m_connected;
    self->m_connected = false;
    if (self->m_stopping) {
        return;
    }
    if (wasConnected) {
        ++self->m_failures;
        if (!self->m_inOutage) {
            self->m_inOutage = true;
            qCWarning(lcRedis).noquote()
                << QStringLiteral("bus %1 lost its connection to %2 (%3); reconnecting")
                       .arg(self->m_name, self->m_endpoint.display(),
                            QString::fromLocal8Bit(context->errstr));
        }
        emit self->disconnected();
    }
    self->retryLater();
}

void RedisConnection::onReply(redisAsyncContext *, void *reply, void *privdata)
{
    auto *handler = static_cast<ReplyHandler *>(privdata);
    if (*handler) {
        (*handler)(static_cast<const redisReply *>(reply));
    }
    delete handler;
}

void RedisConnection::onPush(redisAsyncContext *, void *reply, void *privdata)
{
    auto *self = static_cast<RedisConnection *>(privdata);
    const auto *r = static_cast<const redisReply *>(reply);
    // nullptr: the context is being freed (disconnected() tells the owner).
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 3 || !self->m_onPush) {
        return;
    }
    const redisReply *kind = r->element[0];
    const redisReply *channel = r->element[1];
    const redisReply *payload = r->element[2];
    if (kind->type != REDIS_REPLY_STRING || channel->type != REDIS_REPLY_STRING) {
        return;
    }
    self->m_onPush(QByteArray(kind->str, static_cast<qsizetype>(kind->len)),
                   QByteArray(channel->str, static_cast<qsizetype>(channel->len)),
                   payload->type == REDIS_REPLY_STRING
                       ? QByteArray(payload->str, static_cast<qsizetype>(payload->len))
                       : QByteArray());
}

bool RedisConnection::sendArgv(const QList<QByteArray> &arguments,
                               void (*callback)(redisAsyncContext *, void *, void *),
                               void *privdata)
{
    if (!m_context || !m_connected) {
        return false;
    }
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(std::size_t(arguments.size()));
    lengths.reserve(std::size_t(arguments.size()));
    for (const QByteArray &argument : arguments) {
        argv.push_back(argument.constData());
        lengths.push_back(static_cast<size_t>(argument.size()));
    }
    return redisAsyncCommandArgv(m_context, callback, privdata, static_cast<int>(argv.size()),
                                 argv.data(), lengths.data()) == REDIS_OK;
}

bool RedisConnection::command(const QList<QByteArray> &arguments, ReplyHandler handler)
{
    auto *privdata = new ReplyHandler(std::move(handler));
    if (!sendArgv(arguments, &RedisConnection::onReply, privdata)) {
        delete privdata;
        return false;
    }
    return true;
}

bool RedisConnection::subscribe(const QByteArray &channel)
{
    return sendArgv({QByteArrayLiteral("SUBSCRIBE"), channel}, &RedisConnection::onPush, this);
}

bool RedisConnection::unsubscribe(const QByteArray &channel)
{
    return sendArgv({QByteArrayLiteral("UNSUBSCRIBE"), channel}, &RedisConnection::onPush, this);
}

} // namespace parley::relay
