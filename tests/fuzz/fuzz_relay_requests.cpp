// libFuzzer target: the relay's request handling (server/clientsession.cpp and the services
// behind it), through the real path — an in-process RelayServer on a loopback port with its
// I/O worker, its store writer and a real SQLite store, reached over a real WebSocket.
//
// Input: one flags byte, then frames, each as u16 big-endian length ‖ bytes (at most
// kMaxFrames; a short tail is one last frame). Each frame's bytes are sent as one binary
// WebSocket message, valid protobuf or not. Flags bit 0: first authenticate as a device
// registered at start-up, so the fuzzer reaches the authenticated requests (prekeys, sends,
// acks, blobs, device lists) whose signatures it could never forge; bit 1: say Hello first.
// After the frames the harness sends a LookupUser of its own and waits for its answer or
// for the relay to close the connection (a protocol violation), then disconnects, with
// requests possibly still on the writer thread. A crash, a sanitizer report, a hang past
// the wait, or a relay that no longer answers a new connection's Hello is a finding.
//
// The seed corpus is written by this program: PARLEY_FUZZ_WRITE_SEEDS=DIR fuzz_relay_requests.

#include "crypto/identity.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "server/relayserver.h"
#include "server/store/sqlitestore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QWebSocket>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>

using namespace parley;

namespace {

constexpr std::size_t kMaxFrames = 64;
constexpr int kWaitMs = 5'000;
constexpr quint64 kSentinelId = quint64(1) << 60;
const std::string kRelay = "relay.test";

std::string str(crypto::ByteView bytes)
{
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

crypto::ByteView view(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

// docs/protocol.md R1 §3: "parley-auth-v1" ‖ u8 len(relay) ‖ relay ‖ challenge.
QByteArray authInput(const std::string &challenge)
{
    QByteArray input("parley-auth-v1");
    input.append(static_cast<char>(kRelay.size()));
    input.append(QByteArray::fromStdString(kRelay));
    input.append(QByteArray::fromStdString(challenge));
    return input;
}

[[noreturn]] void finding(const char *what)
{
    std::fprintf(stderr, "fuzz_relay_requests: %s\n", what);
    std::abort();
}

// A client that speaks frames and waits with the event loop.
class Client
{
public:
    explicit Client(quint16 port)
    {
        m_socket.setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
        QObject::connect(&m_socket, &QWebSocket::binaryMessageReceived,
                         [this](const QByteArray &bytes) {
                             auto decoded = protocol::decodeFrame(bytes);
                             if (auto *frame = std::get_if<wire::Frame>(&decoded)) {
                                 if (frame->has_response()) {
                                     m_responses.emplace_back(frame->id(), frame->response());
                                 }
                             }
                         });
        QObject::connect(&m_socket, &QWebSocket::disconnected, [this] { m_closed = true; });
        m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)));
        waitUntil([this] { return m_socket.state() == QAbstractSocket::ConnectedState; });
    }
    ~Client() { m_socket.abort(); }

    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    bool closed() const { return m_closed; }

    void sendRaw(const QByteArray &bytes) { m_socket.sendBinaryMessage(bytes); }

    std::optional<wire::Response> request(quint64 id, const wire::Request &request)
    {
        wire::Frame frame;
        frame.set_id(id);
        *frame.mutable_request() = request;
        sendRaw(protocol::encodeFrame(frame));
        return waitFor(id);
    }

    std::optional<wire::Response> waitFor(quint64 id)
    {
        std::optional<wire::Response> found;
        waitUntil([&] {
            for (const auto &[responseId, response] : m_responses) {
                if (responseId == id) {
                    found = response;
                    return true;
                }
            }
            return m_closed;
        });
        return found;
    }

    static void waitUntil(const std::function<bool()> &done)
    {
        QElapsedTimer timer;
        timer.start();
        while (!done()) {
            if (timer.elapsed() > kWaitMs) {
                finding("the relay did not answer in time");
            }
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents,
                                            10);
        }
    }

private:
    QWebSocket m_socket;
    std::vector<std::pair<quint64, wire::Response>> m_responses;
    bool m_closed = false;
};

wire::Request hello()
{
    wire::Request request;
    request.mutable_hello()->set_min_version(protocol::kMinVersion);
    request.mutable_hello()->set_max_version(protocol::kMaxVersion);
    return request;
}

// The relay and the one account the harness owns, made once per process.
struct Relay
{
    QTemporaryDir dir;
    std::unique_ptr<relay::RelayServer> server;
    std::unique_ptr<crypto::AccountIdentity> account;
    std::unique_ptr<crypto::DeviceIdentity> device;

    Relay()
    {
        auto opened = relay::SqliteStore::open(dir.filePath(QStringLiteral("relay.sqlite")));
        if (!std::holds_alternative<std::unique_ptr<relay::SqliteStore>>(opened)) {
            finding("cannot open the store");
        }
        relay::RelayConfig config;
        config.names = {QString::fromStdString(kRelay)};
        config.dataDir = dir.path();
        config.ioThreads = 1;
        config.adminEnabled = false;
        // Off, so the fuzzer's requests reach the handlers rather than the limiters (which
        // have their own suite, tst_relaylimits).
        config.limits.requests = {};
        config.limits.sends = {};
        config.limits.bundles = {};
        config.limits.lookups = {};
        config.limits.registrations = {};
        config.limits.maxConnectionsPerAddress = 100'000;
        config.limits.maxUnauthenticatedPerAddress = 100'000;
        server = std::make_unique<relay::RelayServer>(
            std::move(std::get<std::unique_ptr<relay::SqliteStore>>(opened)), config);
        if (!server->listen(QHostAddress::LocalHost, 0).isEmpty()) {
            finding("cannot listen");
        }
        account = std::make_unique<crypto::AccountIdentity>(crypto::AccountIdentity::generate(
            std::get<crypto::AccountAddress>(crypto::AccountAddress::make("fuzzer", kRelay))));
        device =
            std::make_unique<crypto::DeviceIdentity>(account->createDevice(crypto::DeviceId{1}));

        Client client(server->serverPort());
        const auto welcome = client.request(1, hello());
        if (!welcome || !welcome->has_welcome()) {
            finding("no Welcome at start-up");
        }
        wire::Request registration;
        wire::RegisterAccount *r = registration.mutable_register_account();
        r->set_username("fuzzer");
        r->set_device_list(str(account->signDeviceList(1, {device->listEntry()})->serialize()));
        r->set_device_certificate(str(device->certificate().serialize()));
        r->set_signature(
            str(device->signingKey().sign(view(authInput(welcome->welcome().challenge())))));
        const auto registered = client.request(2, registration);
        if (!registered || registered->status().code() != wire::Status::OK) {
            finding("cannot register the harness's account");
        }
    }

    // Hello and Authenticate as the harness's device on `client`.
    void authenticate(Client &client) const
    {
        const auto welcome = client.request(kSentinelId - 2, hello());
        if (!welcome || !welcome->has_welcome()) {
            finding("no Welcome");
        }
        wire::Request request;
        request.mutable_authenticate()->set_address(device->address().toString());
        request.mutable_authenticate()->set_signature(
            str(device->signingKey().sign(view(authInput(welcome->welcome().challenge())))));
        const auto answer = client.request(kSentinelId - 1, request);
        if (!answer || answer->status().code() != wire::Status::OK) {
            finding("the harness's device could not authenticate");
        }
    }
};

Relay *harness = nullptr;

// --- the seed corpus (tests/fuzz/corpus/fuzz_relay_requests) ------------------------------

QByteArray framed(quint64 id, const wire::Request &request)
{
    wire::Frame frame;
    frame.set_id(id);
    *frame.mutable_request() = request;
    const QByteArray bytes = protocol::encodeFrame(frame);
    return QByteArray(1, char(bytes.size() >> 8)) + char(bytes.size() & 0xff) + bytes;
}

// Writes one input per request kind, valid as far as the fuzzer could know (the harness's
// keys are made per run, so signatures over them cannot be in a committed seed).
void writeSeeds(const QString &directory)
{
    const std::string me = "fuzzer@relay.test/1";
    std::vector<std::pair<const char *, QByteArray>> seeds;
    wire::Request request;
    request.mutable_lookup_user()->set_username("fuzzer");
    seeds.emplace_back("hello-lookup",
                       QByteArray(1, 0x00) + framed(1, hello()) + framed(2, request));
    request.Clear();
    request.mutable_fetch_bundle()->set_address(me);
    seeds.emplace_back("fetch-bundle", QByteArray(1, 0x01) + framed(1, request));
    request.Clear();
    wire::Send *send = request.mutable_send();
    send->add_recipients(me);
    send->set_envelope(std::string(64, 'e'));
    send->set_client_message_id(std::string(16, 'i'));
    wire::Request ack;
    ack.mutable_ack()->add_row_ids(1);
    ack.mutable_ack()->add_row_ids(2);
    seeds.emplace_back("send-ack", QByteArray(1, 0x01) + framed(1, request) + framed(2, ack));
    send->set_ephemeral(true);
    seeds.emplace_back("send-ephemeral", QByteArray(1, 0x01) + framed(1, request));
    request.Clear();
    send = request.mutable_send();
    send->add_recipients(me);
    send->add_recipients("nobody@relay.test/1");
    send->mutable_multi()->set_body(std::string(80, 'b'));
    send->mutable_multi()->add_sealed_keys(std::string(48, 'k'));
    send->mutable_multi()->add_sealed_keys(std::string(48, 'k'));
    send->set_client_message_id(std::string(16, 'j'));
    seeds.emplace_back("send-multi", QByteArray(1, 0x01) + framed(1, request));
    request.Clear();
    request.mutable_create_blob()->set_size(100);
    wire::Request chunk;
    chunk.mutable_upload_chunk()->set_blob_id(std::string(16, 'x'));
    chunk.mutable_upload_chunk()->set_data(std::string(100, 'd'));
    wire::Request status;
    status.mutable_get_blob_status()->set_blob_id(std::string(16, 'x'));
    wire::Request download;
    download.mutable_download_blob()->set_blob_id(std::string(16, 'x'));
    download.mutable_download_blob()->set_length(100);
    seeds.emplace_back("blobs", QByteArray(1, 0x01) + framed(1, request) + framed(2, chunk) +
                                    framed(3, status) + framed(4, download));
    request.Clear();
    request.mutable_upload_prekeys()->set_signed_prekey(std::string(104, 's'));
    wire::OneTimePreKey *prekey = request.mutable_upload_prekeys()->add_one_time_prekeys();
    prekey->set_id(7);
    prekey->set_public_key(std::string(32, 'p'));
    seeds.emplace_back("upload-prekeys", QByteArray(1, 0x01) + framed(1, request));
    request.Clear();
    request.mutable_update_device_list()->set_device_list(std::string(120, 'l'));
    seeds.emplace_back("device-list", QByteArray(1, 0x01) + framed(1, request));
    request.Clear();
    request.mutable_delete_account()->set_signature(std::string(64, 'g'));
    seeds.emplace_back("delete-account", QByteArray(1, 0x01) + framed(1, request));
    request.Clear();
    wire::RegisterAccount *registration = request.mutable_register_account();
    registration->set_username("newcomer");
    registration->set_device_list(std::string(120, 'l'));
    registration->set_device_certificate(std::string(100, 'c'));
    registration->set_signature(std::string(64, 'g'));
    registration->set_invite_code("invite");
    wire::Request authenticate;
    authenticate.mutable_authenticate()->set_address(me);
    authenticate.mutable_authenticate()->set_signature(std::string(64, 'g'));
    seeds.emplace_back("register-authenticate",
                       QByteArray(1, 0x02) + framed(1, request) + framed(2, authenticate));
    seeds.emplace_back("not-a-frame", QByteArray(1, 0x02) + QByteArray("\x00\x05hello", 7));
    for (const auto &[name, bytes] : seeds) {
        QFile file(directory + u'/' + QLatin1String(name));
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()) {
            finding("cannot write a seed");
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // The relay needs an event loop; offscreen nothing: it is QtCore and QtNetwork only.
    new QCoreApplication(*argc, *argv);
    // PARLEY_FUZZ_WRITE_SEEDS=DIR: write the seed corpus there and stop.
    if (const QString seeds = qEnvironmentVariable("PARLEY_FUZZ_WRITE_SEEDS"); !seeds.isEmpty()) {
        writeSeeds(seeds);
        std::exit(0);
    }
    // The relay logs every refused frame; at this rate that is all the fuzzer would print.
    QLoggingCategory::setFilterRules(
        QStringLiteral("*.debug=false\n*.info=false\n*.warning=false"));
    harness = new Relay;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::uint8_t flags = data[0];
    Client client(harness->server->serverPort());
    if (!client.connected()) {
        finding("the relay refused a new connection");
    }
    if (flags & 0x01) {
        harness->authenticate(client);
    } else if (flags & 0x02) {
        if (!client.request(kSentinelId - 2, hello())) {
            finding("no answer to Hello");
        }
    }
    std::size_t at = 1;
    for (std::size_t frames = 0; at < size && frames < kMaxFrames && !client.closed(); ++frames) {
        std::size_t length = size - at;
        if (length >= 2) {
            length =
                std::min<std::size_t>((std::size_t(data[at]) << 8) | data[at + 1], size - at - 2);
            at += 2;
        }
        client.sendRaw(QByteArray(reinterpret_cast<const char *>(data + at), qsizetype(length)));
        at += length;
    }
    if (!client.closed()) {
        // Answered, or the connection closed for a violation: either way it was handled.
        wire::Request lookup;
        lookup.mutable_lookup_user()->set_username("fuzzer");
        (void)client.request(kSentinelId, lookup);
    }
    return 0;
}
