#include "loadclient.h"

#include "crypto/identity.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "protocol/version.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtEndian>

#include <sodium.h>

namespace parley::loadgen {

namespace {

std::string bytes(crypto::ByteView view)
{
    return {reinterpret_cast<const char *>(view.data()), view.size()};
}

QElapsedTimer &monotonic()
{
    static QElapsedTimer timer = [] {
        QElapsedTimer started;
        started.start();
        return started;
    }();
    return timer;
}

} // namespace

qint64 nowNs()
{
    return monotonic().nsecsElapsed();
}

QByteArray makeEnvelope(int size, EnvelopeStamp stamp)
{
    QByteArray envelope(qMax(size, 16), '\0');
    qToBigEndian(stamp.sequence, envelope.data());
    qToBigEndian(stamp.sentAtNs, envelope.data() + 8);
    // Filler that does not compress: the relay must not look better than with ciphertext.
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(envelope.data() + 16),
                                          (envelope.size() - 16) / 4);
    return envelope;
}

EnvelopeStamp readStamp(const std::string &envelope)
{
    if (envelope.size() < 16) {
        return {};
    }
    return {qFromBigEndian<quint64>(envelope.data()), qFromBigEndian<qint64>(envelope.data() + 8)};
}

LoadClient::LoadClient(const QString &username, const QString &relayName, QObject *parent)
    : QObject(parent)
    , m_relayName(relayName.toStdString())
{
    const auto address = std::get<crypto::AccountAddress>(
        crypto::AccountAddress::make(username.toStdString(), m_relayName));
    m_username = address.username;
    {
        const crypto::AccountIdentity account = crypto::AccountIdentity::generate(address);
        crypto::DeviceListEntry entry{{1}, {}, {}};
        crypto_sign_keypair(entry.signingKey.data(), m_signingSecret.data());
        std::array<unsigned char, crypto_box_SECRETKEYBYTES> identitySecret{};
        crypto_box_keypair(entry.identityKey.data(), identitySecret.data());
        const crypto::DeviceCertificate certificate =
            account.certify(entry.device, entry.signingKey, entry.identityKey);
        m_certificate = bytes(certificate.serialize());
        m_deviceList = bytes(account.signDeviceList(1, {entry})->serialize());
        m_deviceAddress = QString::fromStdString(certificate.address.toString());
    }
    m_socket.setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        wire::Request hello;
        hello.mutable_hello()->set_min_version(protocol::kMinVersion);
        hello.mutable_hello()->set_max_version(protocol::kMaxVersion);
        hello.mutable_hello()->set_software("parley-loadgen");
        request(std::move(hello), [this](const wire::Response &response) {
            if (response.status().code() != wire::Status::OK || !response.has_welcome()) {
                fail(QStringLiteral("no Welcome"));
                return;
            }
            authenticate(response.welcome().challenge());
        });
    });
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this, &LoadClient::onMessage);
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this] {
        if (m_state != State::Ready) {
            fail(m_socket.errorString());
        }
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        const bool wasReady = m_state == State::Ready;
        m_state = State::Closed;
        m_pending.clear();
        if (!wasReady) {
            fail(QStringLiteral("closed (%1 %2)")
                     .arg(int(m_socket.closeCode()))
                     .arg(m_socket.closeReason()));
        }
        emit disconnected();
    });
}

LoadClient::~LoadClient()
{
    // The socket's destructor closes it: no handler of ours may run on a half-destroyed
    // client.
    m_socket.disconnect(this);
}

void LoadClient::open(const QUrl &url)
{
    if (m_socket.state() != QAbstractSocket::UnconnectedState) {
        m_socket.abort();
    }
    m_failed = false;
    m_state = State::Connecting;
    m_socket.open(url);
}

void LoadClient::fail(const QString &why)
{
    if (m_failed) {
        return;
    }
    m_failed = true;
    m_state = State::Closed;
    m_socket.abort();
    emit failed(why);
}

void LoadClient::close()
{
    m_socket.close();
}

void LoadClient::authenticate(const std::string &challenge)
{
    m_state = State::Authenticating;
    // R1 §3.1: "parley-auth-v1" ‖ u8 len(relay) ‖ relay ‖ challenge.
    std::string input = "parley-auth-v1";
    input += char(quint8(m_relayName.size()));
    input += m_relayName;
    input += challenge;
    std::string signature(crypto_sign_BYTES, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char *>(signature.data()), nullptr,
                         reinterpret_cast<const unsigned char *>(input.data()), input.size(),
                         m_signingSecret.data());
    wire::Request request;
    if (!m_registered) {
        auto *registration = request.mutable_register_account();
        registration->set_username(m_username);
        registration->set_device_list(m_deviceList);
        registration->set_device_certificate(m_certificate);
        registration->set_signature(signature);
    } else {
        auto *authentication = request.mutable_authenticate();
        authentication->set_address(m_deviceAddress.toStdString());
        authentication->set_signature(signature);
    }
    this->request(std::move(request), [this](const wire::Response &response) {
        if (response.status().code() != wire::Status::OK || !response.has_authenticated()) {
            fail(QStringLiteral("authentication refused: %1 %2")
                     .arg(int(response.status().code()))
                     .arg(QString::fromStdString(response.status().message())));
            return;
        }
        m_registered = true;
        m_state = State::Ready;
        emit ready();
    });
}

void LoadClient::send(const QStringList &recipients, const QByteArray &envelope, bool ephemeral,
                      std::function<void(bool ok)> done)
{
    wire::Request request;
    wire::Send *send = request.mutable_send();
    for (const QString &recipient : recipients) {
        send->add_recipients(recipient.toStdString());
    }
    send->set_envelope(envelope.constData(), std::size_t(envelope.size()));
    std::array<quint32, 4> id{};
    QRandomGenerator::global()->fillRange(id.data(), id.size());
    send->set_client_message_id(id.data(), sizeof(id));
    send->set_ephemeral(ephemeral);
    this->request(std::move(request), [done = std::move(done)](const wire::Response &response) {
        done(response.status().code() == wire::Status::OK);
    });
}

void LoadClient::sendMulti(const QStringList &recipients, const QByteArray &body,
                           int sealedKeyBytes, std::function<void(bool ok)> done)
{
    wire::Request request;
    wire::Send *send = request.mutable_send();
    const std::string sealedKey(std::size_t(sealedKeyBytes), '\x5a');
    for (const QString &recipient : recipients) {
        send->add_recipients(recipient.toStdString());
        send->mutable_multi()->add_sealed_keys(sealedKey);
    }
    send->mutable_multi()->set_body(body.constData(), std::size_t(body.size()));
    std::array<quint32, 4> id{};
    QRandomGenerator::global()->fillRange(id.data(), id.size());
    send->set_client_message_id(id.data(), sizeof(id));
    this->request(std::move(request), [done = std::move(done)](const wire::Response &response) {
        done(response.status().code() == wire::Status::OK);
    });
}

void LoadClient::request(wire::Request request, std::function<void(const wire::Response &)> handler)
{
    wire::Frame frame;
    frame.set_id(m_nextId++);
    *frame.mutable_request() = std::move(request);
    if (handler) {
        m_pending.emplace_back(frame.id(), std::move(handler));
    }
    m_socket.sendBinaryMessage(protocol::encodeFrame(frame));
}

void LoadClient::onMessage(const QByteArray &message)
{
    auto decoded = protocol::decodeFrame(message);
    auto *frame = std::get_if<wire::Frame>(&decoded);
    if (frame == nullptr) {
        return;
    }
    if (frame->has_response()) {
        for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
            if (it->first == frame->id()) {
                auto handler = std::move(it->second);
                m_pending.erase(it);
                handler(frame->response());
                break;
            }
        }
        return;
    }
    if (!frame->has_push()) {
        return;
    }
    if (frame->push().has_queue_drained()) {
        emit queueDrained();
        return;
    }
    if (!frame->push().has_deliver()) {
        return;
    }
    std::vector<EnvelopeStamp> stamps;
    wire::Request ack;
    for (const wire::Delivery &delivery : frame->push().deliver().deliveries()) {
        stamps.push_back(
            readStamp(delivery.has_multi() ? delivery.multi().body() : delivery.envelope()));
        if (delivery.row_id() != 0) {
            ack.mutable_ack()->add_row_ids(delivery.row_id());
        }
    }
    if (ack.has_ack()) {
        request(std::move(ack), {});
    }
    emit delivered(stamps);
}

} // namespace parley::loadgen
