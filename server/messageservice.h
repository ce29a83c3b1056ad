#pragma once

#include "protocol/wire.pb.h"
#include "server/accountservice.h"
#include "server/store/store.h"

#include <QByteArray>
#include <QHostAddress>
#include <QStringList>

#include <sodium.h>
#include <variant>

namespace parley::relay {

// The rules of a Send that need no storage (docs/protocol.md R2 §3): sizes, shapes, the
// recipients' addresses, and the keyed hash that deduplicates retries. Synchronous; the
// caller (ClientSession) pushes ephemeral sends and hands durable ones to the StoreWriter.
class MessageService
{
public:
    // A Send that passed every check the relay can make without its store.
    struct Checked
    {
        SendRecord record;                // dedupKey set for durable sends
        std::vector<std::string> written; // the recipients as the client wrote them
        bool ephemeral = false;
    };

    // `secret` keys the dedup hash (32 bytes, docs/operations.md §Data).
    MessageService(const AccountService &accounts, QByteArray secret);
    // Wipes the keyed hash state.
    ~MessageService();
    MessageService(const MessageService &) = delete;
    MessageService &operator=(const MessageService &) = delete;

    // Either the checked send or the error response.
    std::variant<Checked, wire::Response> check(const AuthenticatedDevice &sender,
                                                const wire::Send &send) const;

    // HMAC-SHA256(secret, "parley-dedup-v1" ‖ u8 len(user) ‖ user ‖ u32 device
    //             ‖ client_message_id), first 16 bytes (R2 §5).
    QByteArray dedupKey(const AuthenticatedDevice &sender,
                        const std::string &clientMessageId) const;

    // HMAC-SHA256(secret, "parley-rate-address-v1" ‖ address (16 bytes, IPv6 form)), first
    // 16 bytes, hex: names a client address in the shared rate-limit buckets of a cluster
    // (server/bus.h) without putting the address into Redis. Equal on every node (they share
    // the secret).
    QByteArray addressTag(const QHostAddress &address) const;

    static constexpr int kSecretBytes = 32;
    static constexpr int kDedupKeyBytes = 16;

private:
    // HMAC-SHA256 keyed with `secret` and nothing hashed yet: each hash starts from a copy,
    // so the two key blocks are hashed once, not per Send (bench/RESULTS.md §Relay CPU per
    // message). As secret as the key; wiped by the destructor.
    crypto_auth_hmacsha256_state keyedState() const;

    const AccountService &m_accounts;
    QByteArray m_secret;
    crypto_auth_hmacsha256_state m_keyed;
};

} // namespace parley::relay
