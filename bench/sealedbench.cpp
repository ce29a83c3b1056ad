#include "bench/sealedbench.h"

#include "bench/benchprimitives.h"
#include "crypto/identity.h"
#include "crypto/multirecipient.h"
#include "crypto/ratchetsession.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/senderidentity.h"
#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "crypto/x3dh.h"

#include <array>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <sodium.h>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

using namespace parley::crypto;

namespace {

constexpr std::size_t kAeadTag = 16;
// version ‖ E ‖ c_e: the sealing layers' static AD (C3 §4); version ‖ E: the ephemeral AD.
constexpr std::size_t kEphemeralAdBytes = 1 + 32;
constexpr std::size_t kStaticAdBytes = 1 + 32 + 32 + kAeadTag;

// printf-style item names with the real sizes in them.
__attribute__((format(printf, 1, 2))) std::string label(const char *format, ...)
{
    char buffer[128];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

AccountAddress accountAddress(std::string_view text)
{
    return take(AccountAddress::parse(text), "account address");
}

// The same addresses as the X3DH fixture of crypto_bench.cpp, so the ratchet's AD has the
// size the ratchet primitives are measured with.
struct Devices
{
    AccountIdentity aliceAccount = AccountIdentity::generate(accountAddress("alice@relay.example"));
    DeviceIdentity alice = aliceAccount.createDevice(DeviceId{1});
    AccountIdentity bobAccount = AccountIdentity::generate(accountAddress("bob@relay.example"));
    DeviceIdentity bob = bobAccount.createDevice(DeviceId{7});
};

// Ed25519 verification of the sender's device certificate: label ‖ body (C1 §2.2).
Item certificateVerify(const DeviceCertificate &certificate)
{
    const std::size_t bytes = kDeviceCertificateLabel.size() + certificate.body().size();
    return ed25519VerifyOf(label("Ed25519 verify %zu B: sender certificate", bytes), bytes);
}

// The KDFs of the two sealing layers (C3 §3, §4), for labels of the given lengths: the same
// on both sides.
std::vector<Item> layerKdfs(std::string_view ephemeralInfo, std::string_view staticInfo,
                            double count)
{
    // info = L_e ‖ E ‖ IK_R; info = L_s ‖ E ‖ IK_S ‖ IK_R ‖ c_e.
    const std::size_t ephemeralInfoBytes = ephemeralInfo.size() + 2 * 32;
    const std::size_t staticInfoBytes = staticInfo.size() + 3 * 32 + 32 + kAeadTag;
    std::vector<Item> items;
    items.push_back(withCount(
        hkdfOf(label("HKDF L=88, info %zu B (4 HMACs): ephemeral layer", ephemeralInfoBytes), 32,
               ephemeralInfoBytes, 88),
        count));
    items.push_back(
        withCount(hkdfOf(label("HKDF L=56, info %zu B (3 HMACs): static layer", staticInfoBytes),
                         32, staticInfoBytes, 56),
                  count));
    return items;
}

// The two AEADs of the sealing layers on one side: c_e over IK_S, c_s over `plaintextBytes`.
std::vector<Item> layerAeads(std::size_t plaintextBytes, bool seal, double count)
{
    const char *verb = seal ? "encrypt" : "decrypt";
    auto aead = seal ? aeadEncryptOf : aeadDecryptOf;
    std::vector<Item> items;
    items.push_back(withCount(aead(label("XChaCha20-Poly1305 %s %zu B, AD %zu B: c_e", verb,
                                         kPublicKeyBytes, kEphemeralAdBytes),
                                   kPublicKeyBytes, kEphemeralAdBytes),
                              count));
    items.push_back(withCount(aead(label("XChaCha20-Poly1305 %s %zu B, AD %zu B: c_s", verb,
                                         plaintextBytes, kStaticAdBytes),
                                   plaintextBytes, kStaticAdBytes),
                              count));
    return items;
}

void append(std::vector<Item> &to, std::vector<Item> items)
{
    for (Item &item : items) {
        to.push_back(std::move(item));
    }
}

// ---------------------------------------------------------------------------------------------
// (c) sealed 1:1 message.

struct SealedSession
{
    SealedSession(RatchetSession aliceSession, RatchetSession bobSession)
        : alice(std::move(aliceSession))
        , bob(std::move(bobSession))
    {}

    Devices devices;
    std::vector<Byte> associatedData;
    RatchetSession alice;
    RatchetSession bob;
    std::vector<Byte> plaintext = std::vector<Byte>(kPlaintextBytes, 0x41);
};

std::shared_ptr<SealedSession> makeSealedSession()
{
    std::array<Byte, 32> sk{};
    randombytes_buf(sk.data(), sk.size());
    const RatchetKeyPair bobKey = RatchetKeyPair::generate();
    auto s = std::make_shared<SealedSession>(
        take(RatchetSession::initAlice(sk, bobKey.publicKey()), "initAlice"),
        take(RatchetSession::initBob(sk, bobKey), "initBob"));
    s->associatedData =
        x3dhAssociatedData(s->devices.alice.address(), s->devices.alice.identityKey().publicKey(),
                           s->devices.bob.address(), s->devices.bob.identityKey().publicKey());
    if (s->associatedData.size() != callerAssociatedDataBytes()) {
        fail("sealed fixture: AD size differs from the ratchet primitives'");
    }
    return s;
}

// One sealed message from Alice to Bob: what both devices do for it, end to end.
void sendSealed(SealedSession &s)
{
    RatchetEncryption encryption =
        take(s.alice.encrypt(s.associatedData, s.plaintext), "ratchet encrypt");
    s.alice = std::move(encryption.session);
    // Framed as kind 0x01 (C3 §2.1), as core sends it after the peer's first reply.
    const std::vector<Byte> framed =
        take(encodeRatchetSealedMessage(encryption.message), "encodeRatchetSealedMessage");
    const std::vector<Byte> envelope =
        take(sealEnvelope(s.devices.alice, s.devices.bob.identityKey().publicKey(), framed),
             "sealEnvelope");

    // Open, route by kind, check that the sender is the session's peer (C3 §5.1), decrypt.
    const OpenedSealedMessage opened = take(openEnvelope(s.devices.bob, envelope), "openEnvelope");
    const SealedMessage message = take(decodeSealedMessage(opened.message), "decodeSealedMessage");
    if (message.kind != SealedMessageKind::RatchetMessage ||
        checkSenderIdentity(opened, message, ByteView(s.associatedData))) {
        fail("sealed message: kind or sender");
    }
    RatchetDecryption decryption =
        take(s.bob.decrypt(s.associatedData, message.payload), "ratchet decrypt");
    s.bob = std::move(decryption.session);
    consume(decryption.plaintext.data(), decryption.plaintext.size());
}

} // namespace

Group sealedOneToOneGroup()
{
    auto s = makeSealedSession();
    // The sizes of this fixture's real objects.
    const std::size_t messageBytes =
        take(s->alice.encrypt(s->associatedData, s->plaintext), "ratchet encrypt").message.size();
    // certificate field ‖ kind 0x01 ‖ ratchet message.
    const std::size_t contentBytes = kSealedContentOverhead + 1 + messageBytes;

    Group group{"(c) sealed 1:1 message end to end (same chain, 256 B, kind 0x01)", 1.2, {}, 0};
    group.items.push_back({"encrypt + frame + seal; open + decode + check sender + decrypt", 0,
                           [s] { sendSealed(*s); }});
    // The ratchet message (as (a)).
    append(group.items, ratchetMessagePrimitives());
    // Sealing: a fresh ephemeral key, DH_e and DH_s; opening: DH_e and DH_s.
    group.items.push_back(withCount(x25519KeyGen(), 1));
    group.items.push_back(withCount(x25519(), 4));
    append(group.items, layerKdfs(kSealedEnvelopeEphemeralInfo, kSealedEnvelopeStaticInfo, 2));
    append(group.items, layerAeads(contentBytes, true, 1));
    append(group.items, layerAeads(contentBytes, false, 1));
    group.items.push_back(withCount(certificateVerify(s->devices.alice.certificate()), 1));
    return group;
}

// ---------------------------------------------------------------------------------------------
// (d) multi-recipient sealed message.

namespace {

struct MultiRecipientFixture
{
    Devices devices;
    std::vector<X25519KeyPair> recipientKeys; // recipientKeys[0] is Bob's
    std::vector<X25519PublicKey> recipients;
    std::vector<Byte> message; // a sender-key message of a 256-byte plaintext
    MultiRecipientMessage sealed;
};

std::shared_ptr<MultiRecipientFixture> makeMultiRecipient(std::size_t devices)
{
    auto f = std::make_shared<MultiRecipientFixture>();
    f->recipients.push_back(f->devices.bob.identityKey().publicKey());
    for (std::size_t i = 1; i < devices; ++i) {
        f->recipientKeys.push_back(X25519KeyPair::generate());
        f->recipients.push_back(f->recipientKeys.back().publicKey());
    }
    SenderKeySender sender =
        SenderKeySender::create(generateGroupId(), f->devices.alice.address(), 0);
    f->message =
        take(sender.encrypt(std::vector<Byte>(kPlaintextBytes, 0x41)), "sender key encrypt");
    f->sealed =
        take(sealMultiRecipient(f->devices.alice, f->recipients, f->message), "sealMultiRecipient");
    return f;
}

std::size_t contentBytes(const MultiRecipientFixture &f)
{
    return kSealedContentOverhead + f.message.size();
}

// The body's own primitives (C3 §7.1): its HKDF (commitment, key, nonce), its AEAD, its digest.
std::vector<Item> bodyPrimitives(const MultiRecipientFixture &f, bool seal)
{
    const std::size_t content = contentBytes(f);
    const std::size_t adBytes = 1 + 32;
    std::vector<Item> items;
    items.push_back(withCount(
        hkdfOf(label("HKDF L=88, info %zu B (4 HMACs): body keys", kSealedBodyInfo.size()), 32,
               kSealedBodyInfo.size(), 88),
        1));
    items.push_back(
        withCount(seal ? aeadEncryptOf(label("XChaCha20-Poly1305 encrypt %zu B, AD %zu B: body",
                                             content, adBytes),
                                       content, adBytes)
                       : aeadDecryptOf(label("XChaCha20-Poly1305 decrypt %zu B, AD %zu B: body",
                                             content, adBytes),
                                       content, adBytes),
                  1));
    items.push_back(withCount(
        sha256Of(label("SHA-256 of the %zu-byte body", f.sealed.body.size()), f.sealed.body.size()),
        1));
    return items;
}

} // namespace

Group multiRecipientSealGroup(std::size_t devices)
{
    auto f = makeMultiRecipient(devices);
    const double n = static_cast<double>(devices);
    Group group{label("(d) multi-recipient sealed message to %zu devices: seal", devices),
                std::nullopt,
                {},
                0};
    group.items.push_back(
        {label("sealMultiRecipient, %zu devices, %zu-byte message", devices, f->message.size()), 0,
         [f] {
             const MultiRecipientMessage sealed =
                 take(sealMultiRecipient(f->devices.alice, f->recipients, f->message),
                      "sealMultiRecipient");
             consume(sealed.body.data(), sealed.body.size());
         }});
    group.items.push_back(withCount(randomBytes32("randombytes 32: body key"), 1));
    append(group.items, bodyPrimitives(*f, true));
    // Per device: a fresh ephemeral key, DH_e, DH_s, the two layers over K_b ‖ digest.
    group.items.push_back(withCount(x25519KeyGen(), n));
    group.items.push_back(withCount(x25519(), 2 * n));
    append(group.items, layerKdfs(kSealedKeyEphemeralInfo, kSealedKeyStaticInfo, n));
    append(group.items, layerAeads(kBodyKeyBytes + kBodyDigestBytes, true, n));
    return group;
}

Group multiRecipientOpenGroup(std::size_t devices)
{
    auto f = makeMultiRecipient(devices);
    Group group{
        label("(d) multi-recipient sealed message to %zu devices: one device opens", devices),
        std::nullopt,
        {},
        0};
    group.items.push_back(
        {"openMultiRecipient (sealed key + body)", 0, [f] {
             const OpenedSealedMessage opened =
                 take(openMultiRecipient(f->devices.bob, f->sealed.sealedKeys[0], f->sealed.body),
                      "openMultiRecipient");
             consume(opened.message.data(), opened.message.size());
         }});
    group.items.push_back(withCount(x25519(), 2));
    append(group.items, layerKdfs(kSealedKeyEphemeralInfo, kSealedKeyStaticInfo, 1));
    append(group.items, layerAeads(kBodyKeyBytes + kBodyDigestBytes, false, 1));
    append(group.items, bodyPrimitives(*f, false));
    group.items.push_back(withCount(certificateVerify(f->devices.alice.certificate()), 1));
    return group;
}

// ---------------------------------------------------------------------------------------------
// Sender keys.

namespace {

struct SenderKeyFixture
{
    GroupId groupId = generateGroupId();
    DeviceAddress self = take(DeviceAddress::parse("alice@relay.example/1"), "address");
    SenderKeySender sender = SenderKeySender::create(groupId, self, 0);
    SenderKeyReceiver receiver =
        take(SenderKeyReceiver::create(sender.distribution(), self), "SenderKeyReceiver::create");
    std::vector<Byte> plaintext = std::vector<Byte>(kPlaintextBytes, 0x41);
    std::vector<std::vector<Byte>> queue; // receive: messages not yet decrypted, in order
    std::size_t next = 0;
};

// Sizes of one real message: AD = header ‖ sender address, signed = label ‖ header ‖ ciphertext.
std::size_t associatedDataBytes(const SenderKeyFixture &f)
{
    std::vector<Byte> address;
    appendDeviceAddress(address, f.self);
    return kSenderKeyMessageHeaderBytes + address.size();
}

std::size_t signedBytes(std::size_t messageBytes)
{
    return kSenderKeySignatureLabel.size() + messageBytes - kSignatureBytes;
}

std::vector<Item> senderKeyPrimitives(const SenderKeyFixture &f, std::size_t messageBytes,
                                      bool send)
{
    const std::size_t ad = associatedDataBytes(f);
    const std::size_t info = kSenderKeyMessageKeysInfo.size();
    std::vector<Item> items;
    // Chain step: seed_i and CK_(i+1) (C4 §2.1); message key and nonce (§2.2).
    items.push_back(withCount(hmacChainStep(), 2));
    items.push_back(withCount(
        hkdfOf(label("HKDF L=56, info %zu B (3 HMACs): message key + nonce", info), 32, info, 56),
        1));
    if (send) {
        items.push_back(withCount(pad(), 1));
        items.push_back(withCount(
            aeadEncryptOf(label("XChaCha20-Poly1305 encrypt %zu B, AD %zu B", kPaddedBytes, ad),
                          kPaddedBytes, ad),
            1));
        items.push_back(
            withCount(ed25519SignOf(label("Ed25519 sign %zu B", signedBytes(messageBytes)),
                                    signedBytes(messageBytes)),
                      1));
    } else {
        items.push_back(
            withCount(ed25519VerifyOf(label("Ed25519 verify %zu B", signedBytes(messageBytes)),
                                      signedBytes(messageBytes)),
                      1));
        items.push_back(withCount(
            aeadDecryptOf(label("XChaCha20-Poly1305 decrypt %zu B, AD %zu B", kPaddedBytes, ad),
                          kPaddedBytes, ad),
            1));
        items.push_back(withCount(unpad(), 1));
    }
    return items;
}

} // namespace

Group senderKeySendGroup()
{
    auto f = std::make_shared<SenderKeyFixture>();
    const std::size_t messageBytes = take(f->sender.encrypt(f->plaintext), "encrypt").size();
    Group group{"sender-key send (encrypt + sign), 256 B", std::nullopt, {}, 0};
    group.items.push_back({"SenderKeySender::encrypt", 0, [f] {
                               const std::vector<Byte> message =
                                   take(f->sender.encrypt(f->plaintext), "encrypt");
                               consume(message.data(), message.size());
                           }});
    append(group.items, senderKeyPrimitives(*f, messageBytes, true));
    return group;
}

Group senderKeyReceiveGroup()
{
    auto f = std::make_shared<SenderKeyFixture>();
    const std::size_t messageBytes = take(f->sender.encrypt(f->plaintext), "encrypt").size();
    // That message was never received: skip it, so the receiver is in order from here on.
    f->receiver = take(SenderKeyReceiver::create(f->sender.distribution(), f->self), "create");
    Group group{"sender-key receive (verify + decrypt), 256 B, in order", std::nullopt, {}, 0};
    Item receive{"SenderKeyReceiver::decrypt", 0, [f] {
                     if (f->next >= f->queue.size()) {
                         fail("sender-key receive: queue empty");
                     }
                     const WipedBytes plaintext =
                         take(f->receiver.decrypt(f->queue[f->next++], f->self), "decrypt");
                     consume(plaintext.data(), plaintext.size());
                 }};
    // Untimed: the sender's next `batch` messages, which this batch decrypts in order.
    receive.prepare = [f](long batch) {
        f->queue.clear();
        f->next = 0;
        for (long i = 0; i < batch; ++i) {
            f->queue.push_back(take(f->sender.encrypt(f->plaintext), "encrypt"));
        }
    };
    group.items.push_back(std::move(receive));
    append(group.items, senderKeyPrimitives(*f, messageBytes, false));
    return group;
}

} // namespace parley::bench
