// parley-crypto-vectors: prints, as markdown, the frozen test vectors that docs/protocol.md
// publishes (C1 §5 X3DH, C2 §8 Double Ratchet, C2a §2.2 session reset request, C3 §2.1 sealed
// message framing, C3 §8 sealed sender and §8.3 end to end, C4 §7 sender keys, C5 attachment, C6
// §5.2 safety number, C7 §3 vault and at-rest value), computed by parley_crypto from the fixed
// inputs in vectorinputs.h — the same inputs the Qt tests use. With --check FILE... it prints
// nothing but verifies that every hex value it would print occurs in the given documents
// (whitespace and line breaks ignored), so the document and the code cannot drift apart. Exit
// status: 0 ok, 1 a value is missing, 2 usage or I/O.
//
//   parley-crypto-vectors                         markdown on stdout
//   parley-crypto-vectors --check docs/protocol.md [more.md ...]

#include "crypto/attachmentcipher.h"
#include "crypto/deterministic.h"
#include "crypto/kdf.h"
#include "crypto/keyvault.h"
#include "crypto/multirecipient.h"
#include "crypto/ratchetmessage.h"
#include "crypto/ratchetsession.h"
#include "crypto/safetynumber.h"
#include "crypto/sealedmessage.h"
#include "crypto/sealedsender.h"
#include "crypto/senderidentity.h"
#include "crypto/senderkeychain.h"
#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"
#include "crypto/sessionresetrequest.h"
#include "crypto/sodium.h"
#include "tools/crypto-vectors/specsealer.h"
#include "tools/crypto-vectors/vectorinputs.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sodium.h>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

using namespace parley::crypto;
using namespace parley::crypto::vectors;

namespace {

struct Value
{
    std::string label;
    std::string hex; // lower-case
};

struct Section
{
    std::string title;
    std::string note;
    std::vector<Value> values;
};

std::string hexOf(ByteView bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const Byte b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "parley-crypto-vectors: %s\n", what);
    std::exit(2);
}

template<typename T, typename E>
T take(std::variant<T, E> result, const char *what)
{
    if (!std::holds_alternative<T>(result)) {
        fail(what);
    }
    return std::move(std::get<T>(result));
}

X25519PublicKey x25519Public(const std::vector<Byte> &privateKey)
{
    return x25519Key(privateKey).publicKey();
}

void add(Section &section, std::string label, ByteView bytes)
{
    section.values.push_back({std::move(label), hexOf(bytes)});
}

Section x3dhSection()
{
    const Parties p;
    Section s{"C1 §5 — X3DH",
              "Initiator `alice@relay.example/1`, responder `bob@relay.example:8443/7`. Ed25519 "
              "private keys are RFC 8032 seeds; X25519 private keys are the raw 32 bytes.",
              {}};
    add(s, "Alice account seed", pattern(0x00));
    add(s, "Alice device signing seed", pattern(0x20));
    add(s, "IK_A private", pattern(0x40));
    add(s, "EK_A private", pattern(0x60));
    add(s, "Bob account seed", pattern(0x80));
    add(s, "Bob device signing seed", pattern(0xa0));
    add(s, "IK_B private", pattern(0xc0));
    add(s, "SPK_B private (id 1, created 1700000000)", pattern(0xe0));
    add(s, "OPK_B private (id 42)", pattern(0xff, -1));
    add(s, "Alice account public", p.aliceAccount.publicKey());
    add(s, "Alice device signing public", p.alice.signingKey().publicKey());
    add(s, "IK_A public", p.alice.identityKey().publicKey());
    add(s, "EK_A public", p.aliceEphemeral.publicKey());
    add(s, "Bob account public", p.bobAccount.publicKey());
    add(s, "Bob device signing public", p.bob.signingKey().publicKey());
    add(s, "IK_B public", p.bob.identityKey().publicKey());
    add(s, "SPK_B public", p.bobSignedPreKey.keyPair.publicKey());
    add(s, "OPK_B public", p.bobOneTimePreKey.keyPair.publicKey());
    add(s, "Alice's device certificate", p.alice.certificate().serialize());
    add(s, "Bob's device list", p.bobDeviceList.serialize());
    add(s, "Bob's signed prekey", p.bobSignedPreKey.preKey.serialize());
    add(s, "Bob's bundle with one-time prekey 42", p.bobBundle(true).serialize());
    for (const bool withOneTimePreKey : {true, false}) {
        const auto initiation =
            take(x3dhInitiate(p.alice, p.verifiedBobBundle(withOneTimePreKey), p.aliceEphemeral),
                 "x3dhInitiate failed");
        const std::string suffix = withOneTimePreKey ? " (with OPK)" : " (without OPK)";
        if (withOneTimePreKey) {
            add(s, "AD", initiation.associatedData);
        }
        add(s, "initial message header" + suffix, initiation.header.serialize());
        add(s, "SK" + suffix, initiation.sharedKey.view());
        add(s, "initial message id" + suffix, initiation.id);
    }
    return s;
}

Section ratchetSection()
{
    Section s{"C2 §8 — Double Ratchet",
              "Alice sends m0, m1; Bob receives m1 then m0 and replies m2 (DH step with b1); "
              "Alice receives m2 (DH step with a1) and sends m3; Bob decrypts m3 (DH step with "
              "b2). Each message is listed as header, then ciphertext.",
              {}};
    const std::vector<Byte> sk = hexBytes(kRatchetSharedSecret);
    const std::vector<Byte> ad = bytesOf(kRatchetAssociatedData);
    const auto pair = [](const char *hex) {
        return *RatchetKeyPair::fromPrivateKey(hexBytes(hex));
    };
    add(s, "SK", sk);
    add(s, "AD", ad);
    const std::pair<const char *, const char *> keys[] = {{"b0", kRatchetBob0},
                                                          {"a0", kRatchetAlice0},
                                                          {"b1", kRatchetBob1},
                                                          {"a1", kRatchetAlice1},
                                                          {"b2", kRatchetBob2}};
    for (const auto &[name, hex] : keys) {
        add(s, std::string(name) + " private", hexBytes(hex));
        add(s, std::string(name) + " public", pair(hex).publicKey());
    }

    // m0's intermediate values, step by step from the spec text (C2 §1–§3).
    const RatchetKeyPair a0 = pair(kRatchetAlice0);
    const RatchetKeyPair b0 = pair(kRatchetBob0);
    const WipedBytes dh = *a0.agree(b0.publicKey());
    const WipedBytes root = *hkdf(sk, dh.view(), bytesOf(kRatchetRootInfo), 64);
    static constexpr Byte one[] = {0x01};
    const WipedBytes messageKey = hmacSha256(root.view().subspan(32), one);
    const WipedBytes keyAndNonce = *hkdf({}, messageKey.view(), bytesOf(kRatchetMessageInfo), 56);
    add(s, "DH(a0, B0)", dh.view());
    add(s, "RK after init", root.view().first(32));
    add(s, "CKs after init", root.view().subspan(32));
    add(s, "mk (m0)", messageKey.view());
    add(s, "AEAD key (m0)", keyAndNonce.view().first(32));
    add(s, "AEAD nonce (m0)", keyAndNonce.view().subspan(32));

    // The conversation through the library, with the fixed ratchet keys.
    RatchetSession alice = take(RatchetSession::initAlice(sk, b0.publicKey(), a0), "initAlice");
    RatchetSession bob = take(RatchetSession::initBob(sk, b0), "initBob");
    const auto send = [&](RatchetSession &session, std::string_view text) {
        auto encryption = take(session.encrypt(ad, bytesOf(text)), "encrypt");
        session = std::move(encryption.session);
        return std::move(encryption.message);
    };
    const auto receive = [&](RatchetSession &session, ByteView message, const char *nextKey) {
        auto decryption = take(session.decrypt(ad, message, pair(nextKey)), "decrypt");
        session = std::move(decryption.session);
    };
    std::vector<std::vector<Byte>> messages;
    messages.push_back(send(alice, kRatchetPlaintexts[0]));
    messages.push_back(send(alice, kRatchetPlaintexts[1]));
    receive(bob, messages[1], kRatchetBob1);
    receive(bob, messages[0], kRatchetBob1);
    messages.push_back(send(bob, kRatchetPlaintexts[2]));
    receive(alice, messages[2], kRatchetAlice1);
    messages.push_back(send(alice, kRatchetPlaintexts[3]));
    receive(bob, messages[3], kRatchetBob2);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const ByteView message = messages[i];
        const std::string name = "m" + std::to_string(i);
        add(s, name + " header", message.first(kRatchetHeaderBytes));
        add(s, name + " ciphertext", message.subspan(kRatchetHeaderBytes));
    }
    return s;
}

Section sealedSection()
{
    const Parties p;
    Section s{"C3 §8 — sealed sender",
              "Alice → Bob (the parties of C1 §5), then Alice → Bob and Carol "
              "(`carol@relay.example/2`) in the multi-recipient form.",
              {}};
    add(s, "IK_A public", p.alice.identityKey().publicKey());
    add(s, "IK_B public", p.bob.identityKey().publicKey());
    add(s, "Alice's device certificate", p.alice.certificate().serialize());

    // §8.1, through the library and step by step through the spec sealer.
    const std::vector<Byte> e = pattern(kSealedEphemeralFirst, kSealedEphemeralStep);
    const std::vector<Byte> message = bytesOf(kSealedMessage);
    const std::vector<Byte> envelope =
        take(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), message, x25519Key(e)),
             "sealEnvelope");
    SpecSealInputs in;
    in.ephemeralPrivate = e;
    in.claimedSender = p.alice.identityKey().publicKey();
    in.staticPrivate = privateOf(p.alice.identityKey());
    in.recipient = p.bob.identityKey().publicKey();
    in.plaintext = specContent(p.alice.certificate().serialize(), message);
    const SpecSealed spec = specSeal(in);
    if (spec.sealed != envelope) {
        fail("the spec sealer and the library disagree on the sealed envelope");
    }
    add(s, "ephemeral private e", e);
    add(s, "message", message);
    add(s, "E", spec.ephemeralPublic);
    add(s, "DH_e", spec.dhE);
    add(s, "DH_s", spec.dhS);
    add(s, "chain ‖ k_e ‖ n_e", spec.ephemeralOkm);
    add(s, "c_e", ByteView(envelope).subspan(33, 48));
    add(s, "k_s ‖ n_s", spec.staticOkm);
    add(s, "envelope", envelope);

    // §8.2.
    const Carol carol;
    const std::vector<Byte> bodyKey = pattern(kBodyKeyFirst, kMultiRecipientStep);
    const std::vector<Byte> bobEphemeral = pattern(kBobEphemeralFirst, kMultiRecipientStep);
    const std::vector<Byte> carolEphemeral = pattern(kCarolEphemeralFirst, kMultiRecipientStep);
    add(s, "Carol account seed", pattern(0x0f, 7));
    add(s, "Carol account public", carol.account.publicKey());
    add(s, "Carol device signing seed", pattern(0x1e, 7));
    add(s, "Carol device signing public", carol.device.signingKey().publicKey());
    add(s, "IK_C private", pattern(0x2d, 7));
    add(s, "IK_C public", carol.device.identityKey().publicKey());
    add(s, "body key K_b", bodyKey);
    add(s, "ephemeral for Bob, private", bobEphemeral);
    add(s, "ephemeral for Bob, public", x25519Public(bobEphemeral));
    add(s, "ephemeral for Carol, private", carolEphemeral);
    add(s, "ephemeral for Carol, public", x25519Public(carolEphemeral));
    const std::vector<Byte> multiMessage = bytesOf(kMultiRecipientMessage);
    add(s, "multi-recipient message", multiMessage);
    const std::vector<X25519PublicKey> recipients{p.bob.identityKey().publicKey(),
                                                  carol.device.identityKey().publicKey()};
    std::vector<X25519KeyPair> ephemerals;
    ephemerals.push_back(x25519Key(bobEphemeral));
    ephemerals.push_back(x25519Key(carolEphemeral));
    const MultiRecipientMessage out =
        take(sealMultiRecipient(p.alice, recipients, multiMessage, bodyKey, ephemerals),
             "sealMultiRecipient");
    const WipedBytes bodyOkm = *hkdf({}, bodyKey, bytesOf(kSealedBodyInfo), 88);
    add(s, "commitment ‖ k_b ‖ n_b", bodyOkm.view());
    add(s, "body", out.body);
    add(s, "D = SHA-256(body)", sha256(out.body));
    add(s, "sealed key for Bob", out.sealedKeys[0]);
    add(s, "sealed key for Carol", out.sealedKeys[1]);
    return s;
}

Section safetyNumberSection()
{
    Section s{"C6 §5.2 — safety number",
              "Account keys: RFC 8032 §7.1 TEST 1 (Alice) and TEST 2 (Bob). Key bytes are "
              "0x06 ‖ the Ed25519 public key; 5200 iterations.",
              {}};
    const std::vector<Byte> aliceKey = hexBytes(kSafetyNumberAliceKey);
    const std::vector<Byte> bobKey = hexBytes(kSafetyNumberBobKey);
    if (hexOf(signingKey(hexBytes(kSafetyNumberAliceSeed)).publicKey()) != kSafetyNumberAliceKey ||
        hexOf(signingKey(hexBytes(kSafetyNumberBobSeed)).publicKey()) != kSafetyNumberBobKey) {
        fail("the safety-number seeds do not give the published public keys");
    }
    add(s, "Alice seed", hexBytes(kSafetyNumberAliceSeed));
    add(s, "Bob seed", hexBytes(kSafetyNumberBobSeed));
    std::vector<Byte> aliceBytes{kSafetyNumberKeyTypeEd25519};
    aliceBytes.insert(aliceBytes.end(), aliceKey.begin(), aliceKey.end());
    std::vector<Byte> bobBytes{kSafetyNumberKeyTypeEd25519};
    bobBytes.insert(bobBytes.end(), bobKey.begin(), bobKey.end());
    add(s, "alice K", aliceBytes);
    add(s, "bob K", bobBytes);
    const Fingerprint fp =
        take(safetyNumber(aliceKey, kSafetyNumberAliceAddress, bobKey, kSafetyNumberBobAddress),
             "safetyNumber");
    // Decimal, not hex; checked the same way.
    s.values.push_back({"digits", fp.displayDigits});
    add(s, "alice fp", fp.local);
    add(s, "bob fp", fp.remote);
    add(s, "alice's QR payload", encodeScannablePayload(fp));
    return s;
}

Section sessionResetSection()
{
    Section s{"Session reset request (docs/protocol.md C2a §2.2)",
              "Two failed messages: (pattern(0x40), N 0) and (pattern(0x20), N 7), given "
              "unsorted; then the empty request. Each is shown up to its last entry: zero bytes "
              "follow to 2362 bytes (checked here).",
              {}};
    FailedMessage first;
    FailedMessage second;
    const std::vector<Byte> key40 = pattern(0x40);
    const std::vector<Byte> key20 = pattern(0x20);
    std::copy(key40.begin(), key40.end(), first.ratchetKey.begin());
    std::copy(key20.begin(), key20.end(), second.ratchetKey.begin());
    second.messageNumber = 7;
    const auto content = [](const std::vector<Byte> &request, std::size_t entries) {
        const std::size_t used = 3 + entries * kSessionResetEntryBytes;
        if (request.size() != kSessionResetRequestBytes ||
            !std::all_of(request.begin() + std::ptrdiff_t(used), request.end(),
                         [](Byte b) { return b == 0; })) {
            fail("a session reset request is not zero-padded to its fixed size");
        }
        return std::vector<Byte>(request.begin(), request.begin() + std::ptrdiff_t(used));
    };
    add(s, "request",
        content(take(SessionResetRequest::make({first, second}), "SessionResetRequest").serialize(),
                2));
    add(s, "empty request",
        content(take(SessionResetRequest::make({}), "SessionResetRequest").serialize(), 0));
    return s;
}

Section sealedMessageSection()
{
    const Parties p;
    Section s{"C3 §2.1 — sealed message framing",
              "Framing only (the two parts are taken from other vectors, so m0 was not produced "
              "under the SK of this header; C3 §8.3 is the end-to-end vector). Kind 0x02: the "
              "C1 §5 initial message header without a one-time prekey, zero-padded to 498 "
              "bytes, then the C2 §8 message m0; kind 0x01: m0 alone.",
              {}};
    const auto initiation =
        take(x3dhInitiate(p.alice, p.verifiedBobBundle(false), p.aliceEphemeral), "x3dhInitiate");
    const auto a0 = *RatchetKeyPair::fromPrivateKey(hexBytes(kRatchetAlice0));
    const auto b0 = *RatchetKeyPair::fromPrivateKey(hexBytes(kRatchetBob0));
    const RatchetSession alice = take(
        RatchetSession::initAlice(hexBytes(kRatchetSharedSecret), b0.publicKey(), a0), "initAlice");
    const std::vector<Byte> m0 =
        take(alice.encrypt(bytesOf(kRatchetAssociatedData), bytesOf(kRatchetPlaintexts[0])),
             "encrypt")
            .message;
    const auto initial = take(encodeInitialSealedMessage(initiation.header, m0), "frame");
    const auto ratchet = take(encodeRatchetSealedMessage(m0), "frame");
    if (!std::holds_alternative<SealedMessage>(decodeSealedMessage(initial)) ||
        !std::holds_alternative<SealedMessage>(decodeSealedMessage(ratchet))) {
        fail("a framed vector does not decode");
    }
    add(s, "initial message (kind 0x02)", initial);
    add(s, "ratchet message (kind 0x01)", ratchet);
    return s;
}

// C3 §8.3: X3DH → first ratchet message → kind 0x02 → sealed envelope, all from the inputs
// listed, and checked the other way (Bob opens, decodes, checks the sender, decrypts).
Section endToEndSection()
{
    const Parties p;
    Section s{"C3 §8.3 — end to end: X3DH → ratchet → framing → envelope",
              "The C1 §5 X3DH with the one-time prekey; Alice's first ratchet key a0 and the "
              "envelope's ephemeral key e are fresh patterns (step 11); the ratchet's responder "
              "key is SPK_B.",
              {}};
    const auto initiation =
        take(x3dhInitiate(p.alice, p.verifiedBobBundle(true), p.aliceEphemeral), "x3dhInitiate");
    const std::vector<Byte> a0Private = pattern(kEndToEndRatchetFirst, kEndToEndRatchetStep);
    const RatchetKeyPair a0 = *RatchetKeyPair::fromPrivateKey(a0Private);
    const RatchetSession alice =
        take(RatchetSession::initAlice(initiation.sharedKey.view(),
                                       initiation.responderSignedPreKey, a0),
             "initAlice");
    const std::vector<Byte> plaintext = bytesOf(kEndToEndPlaintext);
    const std::vector<Byte> message =
        take(alice.encrypt(initiation.associatedData, plaintext), "encrypt").message;
    const std::vector<Byte> framed =
        take(encodeInitialSealedMessage(initiation.header, message), "frame");
    const std::vector<Byte> e = pattern(kEndToEndEphemeralFirst, kEndToEndEphemeralStep);
    const std::vector<Byte> envelope =
        take(sealEnvelope(p.alice, p.bob.identityKey().publicKey(), framed, x25519Key(e)),
             "sealEnvelope");

    // Bob's side.
    const auto opened = take(openEnvelope(p.bob, envelope), "openEnvelope");
    const auto decoded = take(decodeSealedMessage(opened.message), "decode");
    if (checkSenderIdentity(opened, decoded) || decoded.initialHeader != initiation.header) {
        fail("the end-to-end vector's sender or header does not check");
    }
    const auto spk = *RatchetKeyPair::fromPrivateKey(p.bobSignedPreKey.keyPair.privateKey());
    const RatchetSession bob =
        take(RatchetSession::initBob(initiation.sharedKey.view(), spk), "initBob");
    const auto decryption =
        take(bob.decrypt(initiation.associatedData, decoded.payload), "decrypt");
    if (!std::ranges::equal(decryption.plaintext.view(), plaintext)) {
        fail("the end-to-end vector does not decrypt to its plaintext");
    }

    add(s, "SK (C1 §5, with OPK)", initiation.sharedKey.view());
    add(s, "AD (C1 §5)", initiation.associatedData);
    add(s, "a0 private (Alice's first ratchet key) = pattern(0x69, 11)", a0Private);
    add(s, "a0 public", a0.publicKey());
    add(s, "SPK_B public (Bob's first ratchet key)", initiation.responderSignedPreKey);
    add(s, "plaintext", plaintext);
    add(s, "ratchet message header", ByteView(message).first(kRatchetHeaderBytes));
    add(s, "ratchet message ciphertext", ByteView(message).subspan(kRatchetHeaderBytes));
    add(s, "initial message header (C1 §5, with OPK)", initiation.header.serialize());
    add(s, "framed message, first 3 bytes (0x02 ‖ u16 n)", ByteView(framed).first(3));
    add(s, "ephemeral private e = pattern(0x74, 11)", e);
    add(s, "E", x25519Public(e));
    add(s, "envelope", envelope);
    return s;
}

Section senderKeySection()
{
    Section s{"C4 §7 — sender keys",
              "Sender `alice@relay.example/1`, group id a0…af, key id 0a0b0c0d, chain key "
              "10…2f, signing seed 40…5f, created 1700000000.",
              {}};
    GroupId groupId{};
    const std::vector<Byte> groupBytes = pattern(0xa0);
    std::copy_n(groupBytes.begin(), groupId.size(), groupId.begin());
    const DeviceAddress alice = device("alice@relay.example/1");
    SenderKeySender sender =
        *SenderKeySender::fromKeys(groupId, alice, kSenderKeyVectorKeyId, pattern(0x10),
                                   pattern(0x40), kSenderKeyVectorCreatedAt);
    add(s, "group id", groupId);
    add(s, "chain key CK_0", pattern(0x10));
    add(s, "signing seed", pattern(0x40));
    add(s, "signing public key", sender.signingPublicKey());
    const auto distribution = sender.distribution().serialize();
    add(s, "distribution message", distribution.view());
    const WipedBytes seed0 = detail::senderKeyMessageSeed(pattern(0x10));
    add(s, "seed_0", seed0.view());
    add(s, "CK_1", detail::senderKeyNextChainKey(pattern(0x10)).view());
    add(s, "key ‖ nonce (iteration 0)",
        hkdf({}, seed0.view(), bytesOf(kSenderKeyMessageKeysInfo), 56)->view());
    SenderKeyMessage header0;
    header0.groupId = groupId;
    header0.keyId = kSenderKeyVectorKeyId;
    add(s, "AD of iteration 0", detail::senderKeyAssociatedData(header0.header(), alice));
    const auto message0 = take(sender.encrypt(bytesOf(kSenderKeyPlaintexts[0])), "encrypt");
    const auto message1 = take(sender.encrypt(bytesOf(kSenderKeyPlaintexts[1])), "encrypt");
    add(s, "message 0", message0);
    add(s, "message 1", message1);
    add(s, "sender state after both messages", sender.serialize().view());
    auto receiver =
        take(SenderKeyReceiver::create(
                 take(SenderKeyDistribution::parse(distribution.view()), "parse"), alice),
             "receiver");
    if (take(receiver.decrypt(message1, alice), "decrypt").view().size() !=
        kSenderKeyPlaintexts[1].size()) {
        fail("message 1 does not decrypt");
    }
    add(s, "receiver state after message 1", receiver.serialize().view());
    return s;
}

Section attachmentSection()
{
    Section s{"C5 — attachment",
              "A fixed blob (the header is random in normal use): it must decrypt under the key "
              "to the plaintext, and its digest is SHA-256 of the whole blob.",
              {}};
    const std::vector<Byte> key = hexBytes(kAttachmentKey);
    std::vector<Byte> blob = hexBytes(kAttachmentBlobHeader);
    const std::vector<Byte> chunk = hexBytes(kAttachmentBlobChunk);
    blob.insert(blob.end(), chunk.begin(), chunk.end());
    AttachmentHasher hasher;
    hasher.push(blob);
    const AttachmentDigest digest = hasher.finish();
    AttachmentDecryptor decryptor(key, digest);
    std::vector<Byte> plaintext;
    if (decryptor.push(blob, plaintext) || decryptor.finish(plaintext) ||
        plaintext != bytesOf(kAttachmentPlaintext)) {
        fail("the attachment vector does not decrypt to its plaintext");
    }
    add(s, "key", key);
    add(s, "blob header", hexBytes(kAttachmentBlobHeader));
    add(s, "blob FINAL chunk", chunk);
    add(s, "digest", digest);
    return s;
}

Section vaultSection()
{
    Section s{"C7 §3 — key vault and at-rest value",
              "Vault with MIN parameters (opslimit 1, memlimit 8192); at-rest value of \"hello\" "
              "at messages/body/42.",
              {}};
    const SecureBytes profileKey(hexBytes(kVaultProfileKey));
    const std::vector<Byte> vault =
        take(wrapProfileKey(profileKey, bytesOf(kVaultPassphrase), VaultParameters::minimum(),
                            hexBytes(kVaultSalt), hexBytes(kVaultNonce)),
             "wrapProfileKey");
    if (!std::holds_alternative<SecureBytes>(openVault(vault, bytesOf(kVaultPassphrase)))) {
        fail("the vault vector does not open");
    }
    // The file's fields (C7 §1), as the document lists them.
    const ByteView file = vault;
    add(s, "profile key", profileKey.view());
    add(s, "salt", file.subspan(18, 16));
    add(s, "nonce", file.subspan(34, 24));
    add(s, "wrapped key (ciphertext)", file.subspan(58, 32));
    add(s, "tag", file.subspan(90, 16));
    add(s, "key check", file.subspan(106, 32));
    add(s, "checksum", file.subspan(138));
    std::vector<Byte> atRest{kAtRestFormatVersion};
    const std::vector<Byte> nonce = hexBytes(kAtRestNonce);
    const std::vector<Byte> ciphertext = hexBytes(kAtRestCiphertext);
    atRest.insert(atRest.end(), nonce.begin(), nonce.end());
    atRest.insert(atRest.end(), ciphertext.begin(), ciphertext.end());
    const WipedBytes opened =
        take(decryptAtRest(profileKey, atRest, AtRestLocation{"messages", "body", 42}), "at rest");
    if (!std::ranges::equal(opened.view(), bytesOf(kAtRestPlaintext))) {
        fail("the at-rest vector does not decrypt to its plaintext");
    }
    add(s, "at-rest key", hkdfExpand(profileKey.view(), bytesOf(kAtRestKeyLabel), 32)->view());
    add(s, "at-rest nonce", nonce);
    add(s, "at-rest ciphertext ‖ tag", ciphertext);
    return s;
}

std::vector<Section> allSections()
{
    return {x3dhSection(),         ratchetSection(),  sessionResetSection(), sealedMessageSection(),
            sealedSection(),       endToEndSection(), senderKeySection(),    attachmentSection(),
            safetyNumberSection(), vaultSection()};
}

void printMarkdown(const std::vector<Section> &sections)
{
    std::cout << "# Parley crypto test vectors\n\n"
              << "Generated by `parley-crypto-vectors` (tools/crypto-vectors) from the fixed "
                 "inputs in `tools/crypto-vectors/vectorinputs.h`. All values are hex unless "
                 "noted; long values are wrapped at 64 digits.\n";
    for (const Section &section : sections) {
        std::cout << "\n## " << section.title << "\n\n" << section.note << "\n";
        for (const Value &value : section.values) {
            std::cout << "\n" << value.label << ":\n\n```\n";
            for (std::size_t i = 0; i < value.hex.size(); i += 64) {
                std::cout << value.hex.substr(i, 64) << "\n";
            }
            std::cout << "```\n";
        }
    }
}

// The document with every whitespace character removed and letters lower-cased, so a value
// wrapped over several lines (or indented) is found as one run.
std::string normalisedDocument(const std::vector<std::string> &paths)
{
    std::string out;
    for (const std::string &path : paths) {
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            fail(("cannot read " + path).c_str());
        }
        std::stringstream buffer;
        buffer << file.rdbuf();
        for (const char c : buffer.str()) {
            if (!std::isspace(static_cast<unsigned char>(c))) {
                out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
            }
        }
        out.push_back('\n'); // no value spans two documents
    }
    return out;
}

int check(const std::vector<Section> &sections, const std::vector<std::string> &paths)
{
    const std::string document = normalisedDocument(paths);
    int missing = 0;
    std::size_t checked = 0;
    for (const Section &section : sections) {
        for (const Value &value : section.values) {
            ++checked;
            if (document.find(value.hex) == std::string::npos) {
                std::cerr << "missing from the document: " << section.title << ": " << value.label
                          << " = " << value.hex << "\n";
                ++missing;
            }
        }
    }
    if (missing) {
        std::cerr << missing << " of " << checked << " values are missing\n";
        return 1;
    }
    std::cout << "all " << checked << " values found\n";
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    ensureSodium();
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        printMarkdown(allSections());
        return 0;
    }
    if (args[0] == "--check" && args.size() >= 2) {
        return check(allSections(), {args.begin() + 1, args.end()});
    }
    std::cerr << "usage: parley-crypto-vectors [--check DOCUMENT.md ...]\n";
    return 2;
}
