#pragma once

#include "server/redisendpoint.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <atomic>
#include <functional>

struct redisAsyncContext;
struct redisReply;
class RedisQtAdapter;

namespace parley::relay {

// One asynchronous connection to Redis (hiredis with its Qt event-loop adapter,
// <hiredis/adapters/qt.h>), kept up: a failed connect or a lost connection is retried with a
// bounded backoff (kMinBackoffMs doubling to kMaxBackoffMs) and logged once per outage, not
// per attempt.
//
// Lives on one thread (the bus thread, server/redisbus.h): every member function is called
// there, and hiredis's callbacks come there.
class RedisConnection : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMinBackoffMs = 100;
    static constexpr int kMaxBackoffMs = 3'000;
    static constexpr int kConnectTimeoutMs = 3'000;

    // A reply, or nullptr when the command failed (connection lost, or freed unanswered).
    using ReplyHandler = std::function<void(const redisReply *reply)>;
    // A message of a subscribed connection: its kind ("message", "subscribe",
    // "unsubscribe"), the channel and the payload (empty for the confirmations).
    using PushHandler = std::function<void(const QByteArray &kind, const QByteArray &channel,
                                           const QByteArray &payload)>;

    // `name` is how the log names this connection ("subscriber", "publisher").
    RedisConnection(RedisEndpoint endpoint, QString name, QObject *parent = nullptr);
    ~RedisConnection() override;

    // Connects, and keeps connecting until stop().
    void start();
    // Closes the connection (pending handlers get nullptr) and stops reconnecting.
    void stop();
    bool isConnected() const { return m_connected; }
    // Failed connects and lost connections so far.
    quint64 failures() const { return m_failures.load(); } // any thread

    // Sends a command (one argument per element, binary-safe). Returns false, without calling
    // `handler`, when not connected.
    bool command(const QList<QByteArray> &arguments, ReplyHandler handler = {});
    // SUBSCRIBE / UNSUBSCRIBE one channel; its confirmations and messages go to the push
    // handler. Returns false when not connected.
    bool subscribe(const QByteArray &channel);
    bool unsubscribe(const QByteArray &channel);
    void setPushHandler(PushHandler handler) { m_onPush = std::move(handler); }

signals:
    // The connection is up (again): the owner subscribes or resends what it must.
    void connected();
    // The connection was lost; every subscription is gone with it.
    void disconnected();

private:
    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onReply(redisAsyncContext *context, void *reply, void *privdata);
    static void onPush(redisAsyncContext *context, void *reply, void *privdata);

    void connectNow();
    void connectFailed(const QString &why);
    void retryLater();
    // Detaches and deletes the adapter while `context` is still valid (hiredis frees the
    // context after the callbacks, and the adapter's destructor writes into it).
    void releaseAdapter(redisAsyncContext *context);
    bool sendArgv(const QList<QByteArray> &arguments,
                  void (*callback)(redisAsyncContext *, void *, void *), void *privdata);

    RedisEndpoint m_endpoint;
    QString m_name;
    redisAsyncContext *m_context = nullptr;
    RedisQtAdapter *m_adapter = nullptr;
    QTimer m_retry;
    QTimer m_connectTimeout;
    int m_backoffMs = kMinBackoffMs;
    bool m_connected = false;
    bool m_stopping = false;
    bool m_inOutage = false; // logged: the next success logs the recovery
    std::atomic<quint64> m_failures{0};
    PushHandler m_onPush;
};

} // namespace parley::relay
