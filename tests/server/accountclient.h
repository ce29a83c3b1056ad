#pragma once

// Test helpers for the relay's account protocol: a raw WebSocket client that speaks frames
// synchronously, and real identities made with parley_crypto (no mocks). The signed byte
// layouts are written out here from docs/protocol.md R1 rather than taken from the
// relay, so a change of layout on one side fails the tests.

#include "crypto/identity.h"
#include "crypto/prekeys.h"
#include "protocol/frame.h"
#include "protocol/limits.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <memory>
#include <optional>

namespace parley::test {

inline std::string str(crypto::ByteView bytes)
{
    return std::string(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

inline crypto::ByteView view(const std::string &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.data()), bytes.size()};
}

inline crypto::ByteView view(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

// "parley-auth-v1" ‖ u8 len(relay) ‖ relay ‖ challenge
inline QByteArray authInput(const std::string &relay, const std::string &challenge)
{
    QByteArray input("parley-auth-v1");
    input.append(static_cast<char>(relay.size()));
    input.append(QByteArray::fromStdString(relay));
    input.append(QByteArray::fromStdString(challenge));
    return input;
}

// "parley-delete-account-v1" ‖ u8 len(user) ‖ user ‖ u8 len(relay) ‖ relay ‖ u32 device
// ‖ challenge of the connection's authentication
inline QByteArray deletionInput(const std::string &user, const std::string &relay, quint32 device,
                                const std::string &challenge)
{
    QByteArray input("parley-delete-account-v1");
    input.append(static_cast<char>(user.size()));
    input.append(QByteArray::fromStdString(user));
    input.append(static_cast<char>(relay.size()));
    input.append(QByteArray::fromStdString(relay));
    for (int shift = 24; shift >= 0; shift -= 8) {
        input.append(static_cast<char>((device >> shift) & 0xff));
    }
    input.append(QByteArray::fromStdString(challenge));
    return input;
}

// An account with devices, all keys fresh.
struct TestAccount
{
    std::unique_ptr<crypto::AccountIdentity> account;
    std::vector<std::unique_ptr<crypto::DeviceIdentity>> devices;

    static TestAccount make(const std::string &user, const std::string &relay = "relay.test")
    {
        TestAccount result;
        result.account =
            std::make_unique<crypto::AccountIdentity>(crypto::AccountIdentity::generate(
                std::get<crypto::AccountAddress>(crypto::AccountAddress::make(user, relay))));
        result.addDevice(1);
        return result;
    }

    crypto::DeviceIdentity &addDevice(quint32 id)
    {
        devices.push_back(
            std::make_unique<crypto::DeviceIdentity>(account->createDevice(crypto::DeviceId{id})));
        return *devices.back();
    }

    crypto::DeviceIdentity &device(std::size_t index = 0) { return *devices.at(index); }

    // The device list of the given devices (by index; all when empty) under `counter`.
    std::string list(std::uint64_t counter, std::vector<std::size_t> indices = {}) const
    {
        if (indices.empty()) {
            for (std::size_t i = 0; i < devices.size(); ++i) {
                indices.push_back(i);
            }
        }
        std::vector<crypto::DeviceListEntry> entries;
        for (std::size_t i : indices) {
            entries.push_back(devices.at(i)->listEntry());
        }
        return str(account->signDeviceList(counter, entries)->serialize());
    }

    std::string address(std::size_t index = 0) const
    {
        return devices.at(index)->address().toString();
    }
};

// A raw client: Hello on open, then one request at a time.
class AccountClient
{
public:
    QWebSocket socket;
    QList<wire::Frame> frames;
    int closeCode = -1;
    bool disconnected = false;
    std::string challenge; // the current one

    AccountClient()
    {
        socket.setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, [this](const QByteArray &b) {
            auto decoded = protocol::decodeFrame(b);
            if (auto *frame = std::get_if<wire::Frame>(&decoded)) {
                frames.append(*frame);
            }
        });
        QObject::connect(&socket, &QWebSocket::disconnected, [this] {
            disconnected = true;
            closeCode = socket.closeCode();
        });
    }

    bool open(quint16 port, bool hello = true)
    {
        QSignalSpy connected(&socket, &QWebSocket::connected);
        socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)));
        if (!connected.wait(5000)) {
            return false;
        }
        if (!hello) {
            return true;
        }
        wire::Request request;
        wire::Hello *h = request.mutable_hello();
        h->set_min_version(protocol::kMinVersion);
        h->set_max_version(protocol::kMaxVersion);
        const auto response = send(request);
        if (!response || !response->has_welcome()) {
            return false;
        }
        challenge = response->welcome().challenge();
        return true;
    }

    // Sends a request and waits for its response; nullopt on timeout or close.
    std::optional<wire::Response> send(const wire::Request &request)
    {
        const quint64 id = post(request);
        return waitFor(id);
    }

    // Sends a request without waiting; returns its frame id.
    quint64 post(const wire::Request &request)
    {
        const quint64 id = m_nextId++;
        wire::Frame frame;
        frame.set_id(id);
        *frame.mutable_request() = request;
        socket.sendBinaryMessage(protocol::encodeFrame(frame));
        return id;
    }

    // Waits for the response to request `id`; nullopt on timeout or close.
    std::optional<wire::Response> waitFor(quint64 id)
    {
        std::optional<wire::Response> response;
        (void)QTest::qWaitFor(
            [&] {
                for (const wire::Frame &f : std::as_const(frames)) {
                    if (f.has_response() && f.id() == id) {
                        response = f.response();
                        return true;
                    }
                }
                return disconnected;
            },
            5000);
        if (response && response->has_challenge()) {
            challenge = response->challenge().challenge();
        }
        return response;
    }

    wire::Status::Code code(const wire::Request &request)
    {
        const auto response = send(request);
        return response ? response->status().code() : wire::Status::Code(-1);
    }

    // Pushes other than the messaging ones (R2: deliveries, QueueDrained), which
    // messagingclient.h handles.
    QList<wire::Push> pushes() const
    {
        QList<wire::Push> result;
        for (const wire::Frame &f : frames) {
            if (f.has_push() && !f.push().has_deliver() && !f.push().has_queue_drained()) {
                result.append(f.push());
            }
        }
        return result;
    }

    // --- request builders --------------------------------------------------------------

    wire::Request registration(TestAccount &account, std::size_t device, const std::string &list,
                               const std::string &invite = {},
                               std::optional<std::string> signedRelay = std::nullopt)
    {
        crypto::DeviceIdentity &identity = account.device(device);
        const std::string relay = signedRelay.value_or(identity.address().account.relay);
        wire::Request request;
        wire::RegisterAccount *r = request.mutable_register_account();
        r->set_username(identity.address().account.username);
        r->set_device_list(list);
        r->set_device_certificate(str(identity.certificate().serialize()));
        r->set_signature(str(identity.signingKey().sign(view(authInput(relay, challenge)))));
        r->set_invite_code(invite);
        return request;
    }

    wire::Request registration(TestAccount &account, const std::string &invite = {})
    {
        return registration(account, 0, account.list(1), invite);
    }

    wire::Request authentication(const std::string &address, const crypto::SigningKeyPair &key,
                                 const std::string &relay = "relay.test",
                                 std::optional<std::string> signedChallenge = std::nullopt)
    {
        wire::Request request;
        wire::Authenticate *a = request.mutable_authenticate();
        a->set_address(address);
        a->set_signature(
            str(key.sign(view(authInput(relay, signedChallenge.value_or(challenge))))));
        return request;
    }

    wire::Request authentication(TestAccount &account, std::size_t device = 0)
    {
        return authentication(account.address(device), account.device(device).signingKey(),
                              account.device(device).address().account.relay);
    }

private:
    quint64 m_nextId = 1;
};

} // namespace parley::test
