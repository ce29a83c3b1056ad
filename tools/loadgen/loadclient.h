#pragma once

// One simulated Parley device for parley-loadgen: a real WebSocket connection that speaks
// the real protocol — Hello, then RegisterAccount or Authenticate with a real Ed25519
// signature over the relay's challenge (R1 §3.1) — and then sends and receives envelopes
// (R2) of a chosen size. No end-to-end cryptography: the relay never opens envelopes, so
// random bytes of an envelope's size cost it exactly what real ones do.

#include "protocol/wire.pb.h"

#include <QObject>
#include <QWebSocket>

#include <array>
#include <functional>
#include <memory>

namespace parley::loadgen {

// What a received envelope carries in its first 16 bytes (the rest is filler), so that the
// receiving side can measure latency with the sender's clock: both live in this process.
struct EnvelopeStamp
{
    quint64 sequence = 0;
    qint64 sentAtNs = 0; // on the process's monotonic clock (nowNs())
};

qint64 nowNs();
QByteArray makeEnvelope(int size, EnvelopeStamp stamp);
EnvelopeStamp readStamp(const std::string &envelope);

class LoadClient : public QObject
{
    Q_OBJECT

public:
    enum class State { Idle, Connecting, Authenticating, Ready, Closed };

    // `relayName` is the name in the addresses (the relay's --name, or its listen host:port).
    LoadClient(const QString &username, const QString &relayName, QObject *parent = nullptr);
    ~LoadClient() override;

    const QString &deviceAddress() const { return m_deviceAddress; }
    State state() const { return m_state; }
    bool registered() const { return m_registered; }

    // Connects and registers the account (first time) or authenticates; emits ready() or,
    // once per call, failed(). Aborts a connection still open from an earlier call.
    void open(const QUrl &url);
    void close();
    // A durable (or ephemeral) send of `envelope` to `recipients`; `done(ok)` on the answer.
    void send(const QStringList &recipients, const QByteArray &envelope, bool ephemeral,
              std::function<void(bool ok)> done);
    // The multi-recipient form (C3 §7): one body, one sealed key per recipient.
    void sendMulti(const QStringList &recipients, const QByteArray &body, int sealedKeyBytes,
                   std::function<void(bool ok)> done);

signals:
    void ready();
    void failed(const QString &why);
    // One Deliver push: its envelopes (or bodies) and row ids; the client acks the rows
    // itself right after this signal (batched per push, as a real client does).
    void delivered(const std::vector<EnvelopeStamp> &stamps);
    void queueDrained();
    void disconnected();

private:
    void onMessage(const QByteArray &bytes);
    void request(wire::Request request, std::function<void(const wire::Response &)> handler);
    void authenticate(const std::string &challenge);
    // Reports one failure per open(): the socket is closed, and its disconnect is not a second.
    void fail(const QString &why);

    QWebSocket m_socket;
    // Throwaway keys in plain memory: 10 000 clients of sodium_malloc'd keys (three guarded
    // mappings each) would exhaust vm.max_map_count. The account key is only needed to sign
    // the certificate and the device list, made once in the constructor.
    std::array<unsigned char, 64> m_signingSecret{}; // Ed25519 secret key (seed ‖ public)
    std::string m_username;
    std::string m_deviceList;
    std::string m_certificate;
    QString m_deviceAddress;
    std::string m_relayName;
    State m_state = State::Idle;
    bool m_registered = false;
    bool m_failed = false; // this attempt has been reported as failed
    quint64 m_nextId = 1;
    // Handlers by frame id; few are outstanding at once, so a small vector beats a hash.
    std::vector<std::pair<quint64, std::function<void(const wire::Response &)>>> m_pending;
};

} // namespace parley::loadgen
