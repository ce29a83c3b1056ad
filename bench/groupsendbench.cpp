#include "bench/groupsendbench.h"

#include "bench/benchharness.h"
#include "crypto/identity.h"
#include "crypto/multirecipient.h"
#include "crypto/ratchetsession.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/senderkeysender.h"
#include "crypto/x3dh.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <sodium.h>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

using namespace parley::crypto;

namespace {

AccountAddress accountAddress(const std::string &text)
{
    return take(AccountAddress::parse(text), "account address");
}

// One member device: its identity (for its X25519 identity key and address) and the sender's
// pairwise session with it.
struct Member
{
    Member(DeviceIdentity memberDevice, std::string memberAddress)
        : device(std::move(memberDevice))
        , address(std::move(memberAddress))
    {}

    DeviceIdentity device;
    std::string address; // "user@relay/device", as in Send.recipients
    std::vector<Byte> associatedData;
    std::optional<RatchetSession> session;
};

struct GroupSendFixture
{
    AccountIdentity aliceAccount = AccountIdentity::generate(accountAddress("alice@relay.example"));
    DeviceIdentity alice = aliceAccount.createDevice(DeviceId{1});
    std::vector<Member> members;
    std::vector<X25519PublicKey> identityKeys; // the members', in order (C3 §7)
    std::optional<SenderKeySender> sender;
    std::vector<Byte> plaintext;
};

// The sender's 100 sessions are set up untimed; each starts a sending chain (initAlice), so
// every timed message is a same-chain ratchet message, the cheapest case for pairwise.
std::shared_ptr<GroupSendFixture> makeFixture(std::size_t devices, std::size_t plaintextBytes)
{
    auto f = std::make_shared<GroupSendFixture>();
    f->plaintext.assign(plaintextBytes, 0x41);
    f->members.reserve(devices);
    for (std::size_t i = 0; i < devices; ++i) {
        char account[64];
        std::snprintf(account, sizeof account, "member%03zu@relay.example", i);
        AccountIdentity identity = AccountIdentity::generate(accountAddress(account));
        Member member(identity.createDevice(DeviceId{1}), std::string(account) + "/1");
        member.associatedData =
            x3dhAssociatedData(f->alice.address(), f->alice.identityKey().publicKey(),
                               member.device.address(), member.device.identityKey().publicKey());
        std::array<Byte, 32> sk{};
        randombytes_buf(sk.data(), sk.size());
        const RatchetKeyPair peerKey = RatchetKeyPair::generate();
        member.session = take(RatchetSession::initAlice(sk, peerKey.publicKey()), "initAlice");
        f->identityKeys.push_back(member.device.identityKey().publicKey());
        f->members.push_back(std::move(member));
    }
    f->sender.emplace(SenderKeySender::create(generateGroupId(), f->alice.address(), 0));
    return f;
}

// What grouptextpipeline.cpp does per group text (M1 §9.6 step 4): encrypt once under the
// sender key, frame 0x03 (C3 §2.1), seal once to every device (C3 §7).
MultiRecipientMessage groupSend(GroupSendFixture &f)
{
    const std::vector<Byte> message = take(f.sender->encrypt(f.plaintext), "sender key encrypt");
    const std::vector<Byte> framed =
        take(encodeSenderKeySealedMessage(message), "encodeSenderKeySealedMessage");
    return take(sealMultiRecipient(f.alice, f.identityKeys, framed), "sealMultiRecipient");
}

// What messageoutgoing.cpp does per device for a 1:1 message once the peer has replied:
// ratchet encrypt (adopting the advanced session), frame 0x01, seal one envelope (C3 §5).
std::vector<std::vector<Byte>> pairwiseSend(GroupSendFixture &f)
{
    std::vector<std::vector<Byte>> envelopes;
    envelopes.reserve(f.members.size());
    for (Member &member : f.members) {
        RatchetEncryption encryption =
            take(member.session->encrypt(member.associatedData, f.plaintext), "ratchet encrypt");
        member.session = std::move(encryption.session);
        const std::vector<Byte> framed =
            take(encodeRatchetSealedMessage(encryption.message), "encodeRatchetSealedMessage");
        envelopes.push_back(
            take(sealEnvelope(f.alice, member.device.identityKey().publicKey(), framed),
                 "sealEnvelope"));
    }
    return envelopes;
}

// proto3 encoding (docs/protocol.md, protocol/wire.proto): a length-delimited field with a
// field number below 16 is a 1-byte tag, the varint length, the bytes.
std::size_t varintBytes(std::size_t value)
{
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

std::size_t fieldBytes(std::size_t length)
{
    return 1 + varintBytes(length) + length;
}

constexpr std::size_t kClientMessageIdBytes = 16;
constexpr std::size_t kFrameIdBytes = 2; // Frame.id as a varint: request ids 128 … 16 383

// Frame { id = 1; request = 2 { send = 9 { recipients = 1 …; envelope = 2 | multi = 3;
// client_message_id = 4 } } }: the bytes of one WebSocket message (its own 6–14-byte header
// not counted).
std::size_t frameBytes(std::size_t sendBytes)
{
    const std::size_t request = fieldBytes(sendBytes);
    return 1 + kFrameIdBytes + fieldBytes(request);
}

struct WireBytes
{
    std::size_t crypto = 0; // the sealed objects alone
    std::size_t frames = 0; // the Frames carrying them (recipients, ids, protobuf framing)
    std::size_t messages = 0;
};

WireBytes groupWire(const GroupSendFixture &f, const MultiRecipientMessage &sealed)
{
    WireBytes wire;
    std::size_t multi = fieldBytes(sealed.body.size());
    wire.crypto = sealed.body.size();
    for (const std::vector<Byte> &key : sealed.sealedKeys) {
        multi += fieldBytes(key.size());
        wire.crypto += key.size();
    }
    std::size_t send = fieldBytes(multi) + fieldBytes(kClientMessageIdBytes);
    for (const Member &member : f.members) {
        send += fieldBytes(member.address.size());
    }
    wire.frames = frameBytes(send);
    wire.messages = 1;
    return wire;
}

WireBytes pairwiseWire(const GroupSendFixture &f, const std::vector<std::vector<Byte>> &envelopes)
{
    WireBytes wire;
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        wire.crypto += envelopes[i].size();
        const std::size_t send = fieldBytes(f.members[i].address.size()) +
                                 fieldBytes(envelopes[i].size()) +
                                 fieldBytes(kClientMessageIdBytes);
        wire.frames += frameBytes(send);
    }
    wire.messages = envelopes.size();
    return wire;
}

std::string formatNs(double ns)
{
    char buffer[32];
    if (ns >= 1e6) {
        std::snprintf(buffer, sizeof buffer, "%.3f ms", ns / 1e6);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.2f us", ns / 1e3);
    }
    return buffer;
}

double iqrPercent(const Item &item)
{
    std::vector<double> sorted = item.samples;
    std::sort(sorted.begin(), sorted.end());
    const auto at = [&](double q) {
        return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
    };
    return (at(0.75) - at(0.25)) / item.medianNs * 100.0;
}

} // namespace

void runGroupSend(std::size_t devices, std::size_t plaintextBytes, int reps)
{
    auto f = makeFixture(devices, plaintextBytes);

    // Sizes, from one message of each kind (not timed).
    const MultiRecipientMessage sealed = groupSend(*f);
    const std::vector<std::vector<Byte>> envelopes = pairwiseSend(*f);
    const std::size_t senderKeyMessage =
        take(f->sender->encrypt(f->plaintext), "sender key encrypt").size();
    const std::size_t ratchetMessage =
        take(f->members[0].session->encrypt(f->members[0].associatedData, f->plaintext),
             "ratchet encrypt")
            .message.size();
    // Both forms must open at the member (the sizes describe objects that work).
    for (const std::size_t k : {std::size_t(0), devices - 1}) {
        const OpenedSealedMessage opened =
            take(openMultiRecipient(f->members[k].device, sealed.sealedKeys[k], sealed.body),
                 "openMultiRecipient");
        const SealedMessage framed = take(decodeSealedMessage(opened.message), "decode");
        if (framed.kind != SealedMessageKind::SenderKeyMessage) {
            fail("group send: not a sender-key message");
        }
        const OpenedSealedMessage envelope =
            take(openEnvelope(f->members[k].device, envelopes[k]), "openEnvelope");
        if (take(decodeSealedMessage(envelope.message), "decode").kind !=
            SealedMessageKind::RatchetMessage) {
            fail("pairwise send: not a ratchet message");
        }
    }
    const WireBytes group = groupWire(*f, sealed);
    const WireBytes pairwise = pairwiseWire(*f, envelopes);

    // Item 0 = pairwise, item 1 = group, interleaved; the harness's "ratio" is pairwise/group.
    Group timed{"group-send", std::nullopt, {}, 0};
    timed.items.push_back({"pairwise", 0, [f] {
                               const auto out = pairwiseSend(*f);
                               consume(out.back().data(), out.back().size());
                           }});
    timed.items.push_back({"group", 1, [f] {
                               const MultiRecipientMessage out = groupSend(*f);
                               consume(out.body.data(), out.body.size());
                           }});
    // Where the time goes (not in the ratio): the four parts, interleaved with the rest.
    timed.items.push_back({"  part: sender-key encrypt (once)", 0, [f] {
                               const auto out = take(f->sender->encrypt(f->plaintext), "encrypt");
                               consume(out.data(), out.size());
                           }});
    const std::vector<Byte> framedGroup = take(
        encodeSenderKeySealedMessage(take(f->sender->encrypt(f->plaintext), "encrypt")), "frame");
    timed.items.push_back({"  part: sealMultiRecipient (once)", 0, [f, framedGroup] {
                               const MultiRecipientMessage out =
                                   take(sealMultiRecipient(f->alice, f->identityKeys, framedGroup),
                                        "sealMultiRecipient");
                               consume(out.body.data(), out.body.size());
                           }});
    timed.items.push_back({"  part: ratchet encrypt (x N)", 0, [f] {
                               for (Member &member : f->members) {
                                   RatchetEncryption encryption = take(
                                       member.session->encrypt(member.associatedData, f->plaintext),
                                       "ratchet encrypt");
                                   member.session = std::move(encryption.session);
                                   consume(encryption.message.data(), 1);
                               }
                           }});
    const std::vector<Byte> oneRatchetMessage =
        take(f->members[0].session->encrypt(f->members[0].associatedData, f->plaintext),
             "ratchet encrypt")
            .message;
    timed.items.push_back(
        {"  part: frame 0x01 + sealEnvelope (x N)", 0, [f, oneRatchetMessage] {
             for (const Member &member : f->members) {
                 const std::vector<Byte> framed =
                     take(encodeRatchetSealedMessage(oneRatchetMessage), "frame");
                 const std::vector<Byte> envelope =
                     take(sealEnvelope(f->alice, member.device.identityKey().publicKey(), framed),
                          "sealEnvelope");
                 consume(envelope.data(), envelope.size());
             }
         }});
    run(timed, reps);
    const Item &pairwiseItem = timed.items[0];
    const Item &groupItem = timed.items[1];
    const double n = static_cast<double>(devices);

    std::printf("\n== group send: one %zu-byte content to %zu devices (sender side)\n",
                plaintextBytes, devices);
    std::printf("   %-66s %12s %7s %12s\n", "item", "median", "IQR%", "per device");
    std::printf("   %-66s %12s %6.1f%% %12s\n",
                "group: sender-key encrypt + frame 0x03 + sealMultiRecipient",
                formatNs(groupItem.medianNs).c_str(), iqrPercent(groupItem),
                formatNs(groupItem.medianNs / n).c_str());
    std::printf("   %-66s %12s %6.1f%% %12s\n",
                "pairwise: N x (ratchet encrypt + frame 0x01 + sealEnvelope)",
                formatNs(pairwiseItem.medianNs).c_str(), iqrPercent(pairwiseItem),
                formatNs(pairwiseItem.medianNs / n).c_str());
    for (std::size_t i = 2; i < timed.items.size(); ++i) {
        const Item &part = timed.items[i];
        std::printf("   %-66s %12s %6.1f%% %12s\n", part.name.c_str(),
                    formatNs(part.medianNs).c_str(), iqrPercent(part),
                    i == 2 || i == 3 ? "" : formatNs(part.medianNs / n).c_str());
    }
    std::printf("   sender CPU ratio pairwise / group: %.3f\n",
                pairwiseItem.medianNs / groupItem.medianNs);
    std::printf("   sizes: sender-key message %zu B -> body %zu B + %zu sealed keys x %zu B; "
                "ratchet message %zu B -> envelope %zu B (x %zu)\n",
                senderKeyMessage, sealed.body.size(), sealed.sealedKeys.size(),
                sealed.sealedKeys.front().size(), ratchetMessage, envelopes.front().size(),
                envelopes.size());
    std::printf("   bytes, sealed objects:  group %zu B, pairwise %zu B, ratio %.2f\n",
                group.crypto, pairwise.crypto,
                static_cast<double>(pairwise.crypto) / static_cast<double>(group.crypto));
    std::printf("   bytes, Frames (Send with recipients, ids): group %zu B in %zu message, "
                "pairwise %zu B in %zu messages, ratio %.2f\n",
                group.frames, group.messages, pairwise.frames, pairwise.messages,
                static_cast<double>(pairwise.frames) / static_cast<double>(group.frames));
    // Delivery (wire.proto Delivery): each device gets the body and its own sealed key, or its
    // envelope; the relay stores the body once (R2 §2) but sends it to every device.
    const std::size_t groupDelivery =
        fieldBytes(fieldBytes(sealed.body.size()) + fieldBytes(sealed.sealedKeys.front().size()));
    const std::size_t pairwiseDelivery = fieldBytes(envelopes.front().size());
    std::printf(
        "   bytes delivered to each device (Delivery payload): group %zu B, pairwise %zu B, "
        "ratio %.2f\n",
        groupDelivery, pairwiseDelivery,
        static_cast<double>(pairwiseDelivery) / static_cast<double>(groupDelivery));
    std::fflush(stdout);
}

} // namespace parley::bench
