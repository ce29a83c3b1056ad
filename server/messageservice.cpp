#include "server/messageservice.h"

#include "crypto/address.h"
#include "protocol/limits.h"

#include <QSet>

#include <sodium.h>

namespace parley::relay {

namespace {

constexpr char kDedupLabel[] = "parley-dedup-v1";

wire::Response status(wire::Status::Code code, const char *message)
{
    wire::Response response;
    response.mutable_status()->set_code(code);
    response.mutable_status()->set_message(message);
    return response;
}

} // namespace

MessageService::MessageService(const AccountService &accounts, QByteArray secret)
    : m_accounts(accounts)
    , m_secret(std::move(secret))
{
    Q_ASSERT(m_secret.size() == kSecretBytes);
    crypto_auth_hmacsha256_init(&m_keyed, reinterpret_cast<const unsigned char *>(m_secret.data()),
                                static_cast<std::size_t>(m_secret.size()));
}

MessageService::~MessageService()
{
    sodium_memzero(&m_keyed, sizeof m_keyed);
}

crypto_auth_hmacsha256_state MessageService::keyedState() const
{
    return m_keyed;
}

std::variant<MessageService::Checked, wire::Response>
MessageService::check(const AuthenticatedDevice &sender, const wire::Send &send) const
{
    const int count = send.recipients_size();
    if (count == 0) {
        return status(wire::Status::BAD_REQUEST, "no recipients");
    }
    if (count > protocol::kMaxRecipientsPerSend) {
        return status(wire::Status::TOO_LARGE, "too many recipients");
    }
    Checked checked;
    checked.ephemeral = send.ephemeral();
    SendRecord &record = checked.record;
    switch (send.payload_case()) {
    case wire::Send::kEnvelope:
        if (send.envelope().empty()) {
            return status(wire::Status::BAD_REQUEST, "empty envelope");
        }
        if (send.envelope().size() > static_cast<std::size_t>(protocol::kMaxEnvelopeBytes)) {
            return status(wire::Status::TOO_LARGE, "envelope too large");
        }
        if (count != 1) {
            return status(wire::Status::BAD_REQUEST,
                          "an envelope has one recipient; use the multi-recipient form");
        }
        record.envelope = QByteArray::fromStdString(send.envelope());
        break;
    case wire::Send::kMulti: {
        const wire::MultiRecipientPayload &multi = send.multi();
        if (multi.body().empty()) {
            return status(wire::Status::BAD_REQUEST, "empty body");
        }
        if (multi.body().size() > static_cast<std::size_t>(protocol::kMaxEnvelopeBytes)) {
            return status(wire::Status::TOO_LARGE, "body too large");
        }
        if (multi.sealed_keys_size() != count) {
            return status(wire::Status::BAD_REQUEST, "one sealed key per recipient");
        }
        for (const std::string &key : multi.sealed_keys()) {
            if (key.empty()) {
                return status(wire::Status::BAD_REQUEST, "empty sealed key");
            }
            if (key.size() > static_cast<std::size_t>(protocol::kMaxSealedKeyBytes)) {
                return status(wire::Status::TOO_LARGE, "sealed key too large");
            }
            record.sealedKeys.append(QByteArray::fromStdString(key));
        }
        record.body = QByteArray::fromStdString(multi.body());
        break;
    }
    case wire::Send::PAYLOAD_NOT_SET:
        return status(wire::Status::BAD_REQUEST, "no envelope");
    }
    const std::size_t idSize = send.client_message_id().size();
    if (idSize != static_cast<std::size_t>(protocol::kClientMessageIdBytes) &&
        !(checked.ephemeral && idSize == 0)) {
        return status(wire::Status::BAD_REQUEST, "client_message_id must be 16 bytes");
    }

    QSet<DeviceRef> seen;
    bool foreign = false;
    for (const std::string &text : send.recipients()) {
        if (text.size() > static_cast<std::size_t>(protocol::kMaxAddressBytes)) {
            return status(wire::Status::BAD_REQUEST, "recipient address too long");
        }
        auto parsed = crypto::DeviceAddress::parse(text);
        if (!std::holds_alternative<crypto::DeviceAddress>(parsed)) {
            return status(wire::Status::BAD_REQUEST, "not a device address (user@relay/device)");
        }
        const auto &address = std::get<crypto::DeviceAddress>(parsed);
        foreign = foreign ||
                  !m_accounts.relayNames().contains(QString::fromStdString(address.account.relay));
        DeviceRef device{QString::fromStdString(address.account.username), address.device.value};
        if (seen.contains(device)) {
            return status(wire::Status::BAD_REQUEST, "a recipient is listed twice");
        }
        seen.insert(device);
        record.recipients.append(std::move(device));
        checked.written.push_back(text);
    }
    if (foreign) {
        return status(wire::Status::WRONG_RELAY, "a recipient address names another relay");
    }
    if (!checked.ephemeral) {
        record.dedupKey = dedupKey(sender, send.client_message_id());
    }
    return checked;
}

QByteArray MessageService::dedupKey(const AuthenticatedDevice &sender,
                                    const std::string &clientMessageId) const
{
    const QByteArray user = sender.username.toUtf8();
    QByteArray input(kDedupLabel);
    input.append(static_cast<char>(user.size())); // a username is at most 255 bytes (C1 §1.1)
    input.append(user);
    for (int shift = 24; shift >= 0; shift -= 8) {
        input.append(static_cast<char>((sender.deviceId >> shift) & 0xff));
    }
    input.append(QByteArray::fromStdString(clientMessageId));
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state = keyedState();
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(input.data()),
                                  static_cast<unsigned long long>(input.size()));
    crypto_auth_hmacsha256_final(&state, mac);
    QByteArray key(reinterpret_cast<const char *>(mac), kDedupKeyBytes);
    sodium_memzero(mac, sizeof mac);
    sodium_memzero(&state, sizeof state);
    return key;
}

QByteArray MessageService::addressTag(const QHostAddress &address) const
{
    QByteArray input("parley-rate-address-v1");
    const Q_IPV6ADDR bytes = address.toIPv6Address();
    input.append(reinterpret_cast<const char *>(bytes.c), sizeof bytes.c);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state = keyedState();
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char *>(input.data()),
                                  static_cast<unsigned long long>(input.size()));
    crypto_auth_hmacsha256_final(&state, mac);
    const QByteArray tag = QByteArray(reinterpret_cast<const char *>(mac), 16).toHex();
    sodium_memzero(mac, sizeof mac);
    sodium_memzero(&state, sizeof state);
    return tag;
}

} // namespace parley::relay
