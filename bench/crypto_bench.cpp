// parley-crypto-bench: the crypto benchmark of issue 10 (bench/RESULTS.md has the figures and
// the command that reproduces them).
//
// Every operation is measured beside the raw libsodium primitives it necessarily uses, in the
// same run and interleaved repetition by repetition (op, primitive 1, primitive 2, ..., op,
// ...), so a noisy phase of the shared machine hits both sides of a ratio alike. Each sample
// is the mean over a batch of calls lasting about kBatchTarget; the figure is the median of
// the samples. The ratio "ours / Σ primitives" is what the goals are stated in:
//   (a) same-chain ratchet message ≤ 1.5×, (b) DH-step ratchet message ≤ 1.2×,
//   (c) sealed 1:1 message ≤ 1.2× (bench/sealedbench.cpp, with (d) and sender keys).
// The harness is bench/benchharness.h, the raw primitives bench/benchprimitives.h.
//
// Usage: parley-crypto-bench [--reps N] [--attachment-mib M] [--only GROUP]
//   --reps N            samples per item (default 31; attachments take a fifth, at least 3)
//   --attachment-mib M  attachment size (default 64)
//   --only GROUP        one group only, for profiling: a, a-full, b, b-full, c, d-seal,
//                       d-open, sk-send, sk-receive, x3dh, group-send, attachments; or
//                       x25519-million (only when named): RFC 7748 §5.2's 1 000 000-iteration
//                       X25519 known answer, timed, with exit status 1 if the result differs

#include "bench/benchharness.h"
#include "bench/benchprimitives.h"
#include "bench/groupsendbench.h"
#include "bench/sealedbench.h"
#include "crypto/attachmentcipher.h"
#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/prekeys.h"
#include "crypto/ratchetsession.h"
#include "crypto/replaycache.h"
#include "crypto/sodium.h"
#include "crypto/x3dh.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <sodium.h>
#include <string>
#include <string_view>
#include <time.h>
#include <utility>
#include <variant>
#include <vector>

using namespace parley::crypto;
using namespace parley::bench;

namespace {

int g_reps = 31;
std::size_t g_attachmentMiB = 64;
std::string g_only; // one group only (for profiling); empty = all
// (d): the "multi-recipient sealed message to 100 devices".
constexpr std::size_t kMultiRecipientDevices = 100;

bool selected(std::string_view name)
{
    return g_only.empty() || g_only == name;
}

// RFC 7748 §5.2: k = u = 9; 1 000 000 times (k, u) = (X25519(k, u), k). Too slow for the
// crypto test suite (about half a minute), so it is a benchmark item; the 1 and 1 000
// iteration vectors are in tests/crypto/tst_primitives.cpp.
constexpr std::string_view kX25519MillionResult =
    "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424";

int runX25519Million()
{
    std::array<Byte, 32> k{};
    k[0] = 9;
    std::array<Byte, 32> u = k;
    std::array<Byte, 32> next{};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1'000'000; ++i) {
        if (crypto_scalarmult(next.data(), k.data(), u.data()) != 0) {
            std::printf("x25519-million: all-zero output at iteration %d\n", i + 1);
            return 1;
        }
        u = k;
        k = next;
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (const Byte b : k) {
        hex.push_back(digits[b >> 4]);
        hex.push_back(digits[b & 0x0f]);
    }
    const bool ok = hex == kX25519MillionResult;
    std::printf("== RFC 7748 §5.2 X25519, 1 000 000 iterations (crypto_scalarmult)\n"
                "   result   %s\n   expected %s  %s\n   time %.2f s (%.2f us per X25519)\n",
                hex.c_str(), std::string(kX25519MillionResult).c_str(), ok ? "OK" : "MISMATCH",
                seconds.count(), seconds.count());
    return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Ratchet fixtures.

struct Pair
{
    RatchetSession alice;
    RatchetSession bob;
};

Pair makePair()
{
    std::array<Byte, 32> sk{};
    randombytes_buf(sk.data(), sk.size());
    const RatchetKeyPair bobKey = RatchetKeyPair::generate();
    return {take(RatchetSession::initAlice(sk, bobKey.publicKey()), "initAlice"),
            take(RatchetSession::initBob(sk, bobKey), "initBob")};
}

std::vector<Byte> g_associatedData;
std::vector<Byte> g_plaintext(kPlaintextBytes, 0x41);

// One message from `from` to `to`: encrypt, adopt the new sender state (persisting it is the
// caller's business and not part of the figure), decrypt, adopt the new receiver state.
void send(RatchetSession &from, RatchetSession &to)
{
    RatchetEncryption encryption = take(from.encrypt(g_associatedData, g_plaintext), "encrypt");
    from = std::move(encryption.session);
    RatchetDecryption decryption =
        take(to.decrypt(g_associatedData, encryption.message), "decrypt");
    to = std::move(decryption.session);
    consume(decryption.plaintext.data(), decryption.plaintext.size());
}

// `from` sends 1001 messages of which `to` receives only the last: 1000 keys skipped into
// `to`'s store.
void sendWithSkips(RatchetSession &from, RatchetSession &to)
{
    std::vector<Byte> last;
    for (std::uint32_t i = 0; i <= kMaxSkipPerChain; ++i) {
        RatchetEncryption encryption = take(from.encrypt(g_associatedData, g_plaintext), "encrypt");
        from = std::move(encryption.session);
        last = std::move(encryption.message);
    }
    RatchetDecryption decryption = take(to.decrypt(g_associatedData, last), "decrypt");
    to = std::move(decryption.session);
}

// Both sides hold a full store (kMaxSkippedKeys skipped keys) and Alice's current sending
// chain is already known to Bob, so the next alice→bob message stays on the same chain.
Pair makePairWithFullStores()
{
    Pair pair = makePair();
    sendWithSkips(pair.alice, pair.bob);
    sendWithSkips(pair.bob, pair.alice);
    sendWithSkips(pair.alice, pair.bob);
    sendWithSkips(pair.bob, pair.alice);
    send(pair.alice, pair.bob); // Bob's DH step onto Alice's new chain
    if (pair.alice.skippedKeyCount() != kMaxSkippedKeys ||
        pair.bob.skippedKeyCount() != kMaxSkippedKeys) {
        fail("full-store fixture");
    }
    return pair;
}

Group sameChainGroup(const char *title, Pair pair)
{
    auto state = std::make_shared<Pair>(std::move(pair));
    Group group{title, 1.5, {}, 0};
    group.items.push_back({"ratchet encrypt + decrypt, same chain, 256 B", 0,
                           [state] { send(state->alice, state->bob); }});
    for (Item &item : ratchetMessagePrimitives()) {
        group.items.push_back(std::move(item));
    }
    return group;
}

// `aliceFirst`: whose next message takes a DH step at the receiver (the side that did not send
// last).
Group dhStepGroup(const char *title, Pair pair, bool aliceFirst)
{
    auto state = std::make_shared<Pair>(std::move(pair));
    auto aliceTurn = std::make_shared<bool>(aliceFirst);
    Group group{title, 1.2, {}, 0};
    group.items.push_back({"ratchet encrypt + decrypt with DH step, 256 B", 0, [state, aliceTurn] {
                               if (*aliceTurn) {
                                   send(state->alice, state->bob);
                               } else {
                                   send(state->bob, state->alice);
                               }
                               *aliceTurn = !*aliceTurn;
                           }});
    for (Item &item : ratchetMessagePrimitives()) {
        group.items.push_back(std::move(item));
    }
    // The receiver's DH step (DR §3.4 DHRatchet): two X25519, a new key pair, two KDF_RK.
    group.items.push_back(withCount(x25519(), 2));
    group.items.push_back(withCount(x25519KeyGen(), 1));
    group.items.push_back(withCount(hkdfRootKey(), 2));
    return group;
}

// ---------------------------------------------------------------------------------------------
// X3DH fixtures.

AccountAddress accountAddress(std::string_view text)
{
    return take(AccountAddress::parse(text), "account address");
}

struct X3dhParties
{
    AccountIdentity aliceAccount = AccountIdentity::generate(accountAddress("alice@relay.example"));
    DeviceIdentity alice = aliceAccount.createDevice(DeviceId{1});
    AccountIdentity bobAccount = AccountIdentity::generate(accountAddress("bob@relay.example"));
    DeviceIdentity bob = bobAccount.createDevice(DeviceId{7});
    SignedPreKeyPair bobSignedPreKey = generateSignedPreKey(bob.signingKey(), 1, 1700000000);
    std::vector<OneTimePreKeyPair> bobOneTimePreKeys = generateOneTimePreKeys(1, 1);
    DeviceList bobDeviceList = *bobAccount.signDeviceList(1, {bob.listEntry()});
    std::vector<Byte> bundleBytes;
    MemoryReplayCache replayCache;

    X3dhParties()
    {
        PreKeyBundle bundle{bobDeviceList, bob.certificate(), bobSignedPreKey.preKey,
                            bobOneTimePreKeys.front().publicPart()};
        bundleBytes = bundle.serialize();
    }
};

class SinglePreKeys final : public PreKeyLookup
{
public:
    explicit SinglePreKeys(const X3dhParties &parties)
        : m_parties(parties)
    {}
    const SignedPreKeyPair *signedPreKey(std::uint32_t id) const override
    {
        return id == m_parties.bobSignedPreKey.preKey.id ? &m_parties.bobSignedPreKey : nullptr;
    }
    const OneTimePreKeyPair *oneTimePreKey(std::uint32_t id) const override
    {
        const OneTimePreKeyPair &key = m_parties.bobOneTimePreKeys.front();
        return id == key.id ? &key : nullptr;
    }

private:
    const X3dhParties &m_parties;
};

Group x3dhGroup()
{
    auto parties = std::make_shared<X3dhParties>();
    Group group{
        "(e) X3DH session setup with one-time prekey (initiator + responder)", std::nullopt, {}, 0};
    group.items.push_back(
        {"verify bundle + x3dhInitiate + initAlice; parse + x3dhRespond + initBob", 0, [parties] {
             const X3dhParties &p = *parties;
             // Initiator: verify the fetched bundle, agree, start the ratchet.
             const VerifiedPreKeyBundle bundle = take(
                 verifyPreKeyBundle(p.bundleBytes, p.bob.address(), std::nullopt, std::nullopt),
                 "verifyPreKeyBundle");
             const X3dhInitiation initiation = take(x3dhInitiate(p.alice, bundle), "x3dhInitiate");
             const RatchetSession alice =
                 take(RatchetSession::initAlice(initiation.sharedKey.view(),
                                                initiation.responderSignedPreKey),
                      "initAlice");
             const std::vector<Byte> headerBytes = initiation.header.serialize();
             // Responder: parse the header, agree, start the ratchet.
             const InitialMessageHeader header =
                 take(InitialMessageHeader::parse(headerBytes), "header parse");
             const SinglePreKeys preKeys(p);
             auto response = x3dhRespond(p.bob, header, preKeys, p.replayCache, std::nullopt);
             if (!std::holds_alternative<X3dhResponse>(response)) {
                 fail("x3dhRespond");
             }
             const X3dhResponse &agreed = std::get<X3dhResponse>(response);
             const auto bobRatchetKey =
                 RatchetKeyPair::fromPrivateKey(p.bobSignedPreKey.keyPair.privateKey());
             const RatchetSession bob =
                 take(RatchetSession::initBob(agreed.sharedKey.view(), *bobRatchetKey), "initBob");
             if (!(agreed.sharedKey == initiation.sharedKey)) {
                 fail("x3dh keys differ");
             }
             consume(&alice, 1);
             consume(&bob, 1);
         }});
    // Initiator: 3 Ed25519 verifications (certificate, device list, signed prekey), EK
    // generation, DH1..DH4, HKDF, the initial-message id; initAlice: a ratchet key pair, one
    // DH, KDF_RK. Responder: the certificate verification, the id, DH1..DH4, HKDF. initBob
    // needs no primitive (deriving the RatchetKeyPair's public key from the signed prekey's
    // private key is an API cost, counted against us).
    // Every size from the fixture's real objects: the signed bytes (label ‖ body) of the two
    // certificates, the device list and the signed prekey, and the id's hash input (C1 §4.5).
    const X3dhParties &p = *parties;
    const auto signedBytes = [](std::string_view label, std::size_t body) {
        return label.size() + body;
    };
    const std::size_t bobCertificate =
        signedBytes(kDeviceCertificateLabel, p.bob.certificate().body().size());
    const std::size_t aliceCertificate =
        signedBytes(kDeviceCertificateLabel, p.alice.certificate().body().size());
    const std::size_t deviceList = signedBytes(kDeviceListLabel, p.bobDeviceList.body().size());
    const std::size_t signedPreKey =
        signedBytes(kSignedPreKeyLabel, p.bobSignedPreKey.preKey.body().size());
    std::vector<Byte> aliceAddress;
    appendDeviceAddress(aliceAddress, p.alice.address());
    // label ‖ address(A) ‖ account key ‖ IK_A ‖ EK_A ‖ u32 SPK id ‖ u8 flag ‖ u32 OPK id
    const std::size_t idBytes =
        kInitialMessageIdLabel.size() + aliceAddress.size() + 4 * 32 + 4 + 1 + 4;
    const auto verify = [](const char *what, std::size_t bytes) {
        char name[96];
        std::snprintf(name, sizeof name, "Ed25519 verify %zu B: %s", bytes, what);
        return ed25519VerifyOf(name, bytes);
    };
    group.items.push_back(withCount(verify("Bob's certificate (initiator)", bobCertificate), 1));
    group.items.push_back(withCount(verify("device list (initiator)", deviceList), 1));
    group.items.push_back(withCount(verify("signed prekey (initiator)", signedPreKey), 1));
    group.items.push_back(
        withCount(verify("Alice's certificate (responder)", aliceCertificate), 1));
    group.items.push_back(withCount(x25519KeyGen(), 2));
    group.items.push_back(withCount(x25519(), 9));
    group.items.push_back(withCount(hkdfX3dh(), 2));
    group.items.push_back(withCount(hkdfRootKey(), 1));
    char idName[96];
    std::snprintf(idName, sizeof idName, "SHA-256 of %zu B: initial-message id", idBytes);
    group.items.push_back(withCount(sha256Of(idName, idBytes), 2));
    return group;
}

// ---------------------------------------------------------------------------------------------
// Attachments.

struct AttachmentData
{
    std::vector<Byte> plaintext;
    std::vector<Byte> blob;
    std::vector<Byte> key;
    AttachmentDigest digest{};
    std::vector<Byte> out;    // reused output buffer of our operations
    std::vector<Byte> rawOut; // the primitives' output, sized once (no zero-fill per call)
};

constexpr std::size_t kAttachmentPushBytes = 1024 * 1024; // the caller's read size

std::shared_ptr<AttachmentData> makeAttachment()
{
    auto data = std::make_shared<AttachmentData>();
    data->plaintext.resize(g_attachmentMiB * 1024 * 1024);
    randombytes_buf(data->plaintext.data(), data->plaintext.size());
    AttachmentEncryptor encryptor;
    data->key.assign(encryptor.key().begin(), encryptor.key().end());
    for (std::size_t offset = 0; offset < data->plaintext.size(); offset += kAttachmentPushBytes) {
        const std::size_t n = std::min(kAttachmentPushBytes, data->plaintext.size() - offset);
        if (encryptor.push(ByteView(data->plaintext).subspan(offset, n), data->blob)) {
            fail("attachment push");
        }
    }
    data->digest = take(encryptor.finish(data->blob), "attachment finish");
    data->out.reserve(data->blob.size());
    data->rawOut.resize(data->blob.size());
    return data;
}

Item rawSecretstreamPush(std::shared_ptr<AttachmentData> data)
{
    return {"secretstream push, 64 KiB chunks", 0, [data] {
                crypto_secretstream_xchacha20poly1305_state state;
                Byte *out = data->rawOut.data();
                crypto_secretstream_xchacha20poly1305_init_push(&state, out, data->key.data());
                out += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
                const std::size_t size = data->plaintext.size();
                for (std::size_t offset = 0; offset < size; offset += kAttachmentChunkBytes) {
                    const std::size_t n = std::min(kAttachmentChunkBytes, size - offset);
                    const Byte tag = offset + n == size
                                         ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                         : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
                    crypto_secretstream_xchacha20poly1305_push(
                        &state, out, nullptr, data->plaintext.data() + offset, n, nullptr, 0, tag);
                    out += n + kAttachmentChunkOverhead;
                }
                consume(data->rawOut.data(), 1);
            }};
}

Item rawSecretstreamPull(std::shared_ptr<AttachmentData> data)
{
    return {"secretstream pull, 64 KiB chunks", 0, [data] {
                crypto_secretstream_xchacha20poly1305_state state;
                Byte *out = data->rawOut.data();
                const Byte *in = data->blob.data();
                crypto_secretstream_xchacha20poly1305_init_pull(&state, in, data->key.data());
                in += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
                const Byte *end = data->blob.data() + data->blob.size();
                while (in < end) {
                    const std::size_t n = std::min<std::size_t>(kAttachmentCipherChunkBytes,
                                                                static_cast<std::size_t>(end - in));
                    unsigned long long produced = 0;
                    Byte tag = 0;
                    if (crypto_secretstream_xchacha20poly1305_pull(&state, out, &produced, &tag, in,
                                                                   n, nullptr, 0) != 0) {
                        fail("secretstream pull");
                    }
                    in += n;
                    out += produced;
                }
                consume(data->rawOut.data(), 1);
            }};
}

Item rawBlobDigest(std::shared_ptr<AttachmentData> data)
{
    return {"SHA-256 of the blob", 0, [data] {
                Byte digest[32];
                crypto_hash_sha256(digest, data->blob.data(), data->blob.size());
                consume(digest, sizeof digest);
            }};
}

std::vector<Group> attachmentGroups()
{
    const auto data = makeAttachment();
    const double bytes = static_cast<double>(data->plaintext.size());
    char title[128];
    std::snprintf(title, sizeof title, "attachment encrypt, %zu MiB (1 MiB pushes)",
                  g_attachmentMiB);
    Group encrypt{title, std::nullopt, {}, bytes};
    encrypt.items.push_back(
        {"AttachmentEncryptor push... + finish", 0, [data] {
             AttachmentEncryptor encryptor(data->key);
             data->out.clear();
             const std::size_t size = data->plaintext.size();
             for (std::size_t offset = 0; offset < size; offset += kAttachmentPushBytes) {
                 const std::size_t n = std::min(kAttachmentPushBytes, size - offset);
                 if (encryptor.push(ByteView(data->plaintext).subspan(offset, n), data->out)) {
                     fail("attachment push");
                 }
             }
             consume(take(encryptor.finish(data->out), "finish").data(), 1);
         }});
    encrypt.items.push_back(withCount(rawSecretstreamPush(data), 1));
    encrypt.items.push_back(withCount(rawBlobDigest(data), 1));

    std::snprintf(title, sizeof title, "attachment decrypt, %zu MiB (1 MiB pushes)",
                  g_attachmentMiB);
    Group decrypt{title, std::nullopt, {}, bytes};
    decrypt.items.push_back(
        {"AttachmentDecryptor push... + finish (digest checked)", 0, [data] {
             AttachmentDecryptor decryptor(data->key, data->digest);
             data->out.clear();
             const std::size_t size = data->blob.size();
             for (std::size_t offset = 0; offset < size; offset += kAttachmentPushBytes) {
                 const std::size_t n = std::min(kAttachmentPushBytes, size - offset);
                 if (decryptor.push(ByteView(data->blob).subspan(offset, n), data->out)) {
                     fail("attachment decrypt push");
                 }
             }
             if (decryptor.finish(data->out)) {
                 fail("attachment decrypt finish");
             }
             consume(data->out.data(), 1);
         }});
    decrypt.items.push_back(withCount(rawSecretstreamPull(data), 1));
    decrypt.items.push_back(withCount(rawBlobDigest(data), 1));
    return {std::move(encrypt), std::move(decrypt)};
}

void printEnvironment()
{
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    std::printf("parley-crypto-bench  %s\n", date);
    std::printf("libsodium %s, compiler %s, %s build\n", sodium_version_string(),
#if defined(__clang__)
                "clang " __clang_version__,
#elif defined(__GNUC__)
                "g++ " __VERSION__,
#else
                "unknown",
#endif
#ifdef NDEBUG
                "release"
#else
                "DEBUG (figures not meaningful)"
#endif
    );
    std::printf("reps %d per item, batches of ~%lld ms thread CPU time, figures are medians of "
                "per-call means\n",
                g_reps, static_cast<long long>(kBatchTarget.count()));
}

} // namespace

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--reps" && i + 1 < argc) {
            g_reps = std::max(3, std::atoi(argv[++i]));
        } else if (arg == "--attachment-mib" && i + 1 < argc) {
            g_attachmentMiB = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
        } else if (arg == "--only" && i + 1 < argc) {
            g_only = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: %s [--reps N] [--attachment-mib M]"
                         " [--only a|a-full|b|b-full|c|d-seal|d-open|sk-send|sk-receive|x3dh|"
                         "group-send|attachments|x25519-million]\n",
                         argv[0]);
            return 1;
        }
    }
    if (!ensureSodium()) {
        fail("sodium_init failed");
    }
    if (g_only == "x25519-million") {
        return runX25519Million();
    }
    {
        const X3dhParties parties;
        g_associatedData =
            x3dhAssociatedData(parties.alice.address(), parties.alice.identityKey().publicKey(),
                               parties.bob.address(), parties.bob.identityKey().publicKey());
        setCallerAssociatedDataBytes(g_associatedData.size());
    }
    printEnvironment();

    if (selected("a")) {
        Group a = sameChainGroup("(a) ratchet message on the same chain", makePair());
        run(a, g_reps);
        report(a);
    }
    if (selected("a-full")) {
        Group a2 =
            sameChainGroup("(a, full store) same chain, both sides holding 2000 skipped keys",
                           makePairWithFullStores());
        run(a2, g_reps);
        report(a2);
    }
    if (selected("b")) {
        Group b =
            dhStepGroup("(b) ratchet message taking a DH ratchet step (alternating direction)",
                        makePair(), true);
        run(b, g_reps);
        report(b);
    }
    if (selected("b-full")) {
        // Alice sent last in the fixture, so Bob's reply is the first DH step.
        Group b2 = dhStepGroup("(b, full store) DH step, both sides holding 2000 skipped keys",
                               makePairWithFullStores(), false);
        run(b2, g_reps);
        report(b2);
    }
    if (selected("c")) {
        Group c = sealedOneToOneGroup();
        run(c, g_reps);
        report(c);
    }
    if (selected("d-seal")) {
        Group d = multiRecipientSealGroup(kMultiRecipientDevices);
        run(d, g_reps);
        report(d);
    }
    if (selected("d-open")) {
        Group d = multiRecipientOpenGroup(kMultiRecipientDevices);
        run(d, g_reps);
        report(d);
    }
    if (selected("sk-send")) {
        Group send = senderKeySendGroup();
        run(send, g_reps);
        report(send);
    }
    if (selected("sk-receive")) {
        Group receive = senderKeyReceiveGroup();
        run(receive, g_reps);
        report(receive);
    }
    if (selected("x3dh")) {
        Group x3dh = x3dhGroup();
        run(x3dh, g_reps);
        report(x3dh);
    }
    if (selected("group-send")) {
        // Issue 13: one group text to 100 devices, group (sender key + multi-recipient) against
        // pairwise fan-out; the content size of the groups above, and 1 KiB.
        runGroupSend(kMultiRecipientDevices, kPlaintextBytes, g_reps);
        runGroupSend(kMultiRecipientDevices, 1024, g_reps);
    }
    if (selected("attachments")) {
        // Few, long samples (each call is tens of milliseconds or more).
        for (Group &group : attachmentGroups()) {
            run(group, std::max(3, g_reps / 5));
            report(group);
        }
    }
    return 0;
}
