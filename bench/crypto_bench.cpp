// parley-crypto-bench: the crypto benchmark of issue 10 (bench/RESULTS.md has the figures and
// the command that reproduces them).
//
// Every operation is measured beside the raw libsodium primitives it necessarily uses, in the
// same run and interleaved repetition by repetition (op, primitive 1, primitive 2, ..., op,
// ...), so a noisy phase of the shared machine hits both sides of a ratio alike. Each sample
// is the mean over a batch of calls lasting about kBatchTarget; the figure is the median of
// the samples. The ratio "ours / Σ primitives" is what the goals are stated in:
//   (a) same-chain ratchet message ≤ 1.5×, (b) DH-step ratchet message ≤ 1.2×,
//   (c) sealed 1:1 message ≤ 1.2× (not measured yet, see the placeholders below).
//
// Usage: parley-crypto-bench [--reps N] [--attachment-mib M] [--only GROUP]
//   --reps N            samples per item (default 31; attachments take a fifth, at least 3)
//   --attachment-mib M  attachment size (default 64)
//   --only GROUP        one group only, for profiling: a, a-full, b, b-full, x3dh,
//                       attachments

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

namespace {

// The machine is shared: another process can take the core in the middle of a batch. The
// harness therefore measures this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which does not
// advance while the thread is preempted; cache and memory-bandwidth interference from the
// neighbours remains, which is what the interleaving and the medians are for.
struct Clock
{
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<Clock, duration>;
    static time_point now()
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return time_point(duration(std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec));
    }
};
constexpr auto kBatchTarget = std::chrono::milliseconds(3);

int g_reps = 31;
std::size_t g_attachmentMiB = 64;
std::string g_only; // one group only (for profiling); empty = all

bool selected(std::string_view name)
{
    return g_only.empty() || g_only == name;
}

[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "parley-crypto-bench: %s\n", what);
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

// Keeps the optimiser from discarding a primitive's output.
void consume(const void *data, std::size_t size)
{
    static volatile Byte sink = 0;
    if (size > 0) {
        sink = sink ^ static_cast<const volatile Byte *>(data)[0];
    }
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    const std::size_t index = std::min(
        values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())));
    return values[index];
}

// One measured thing: an operation of ours or a primitive, counted `count` times in the sum.
struct Item
{
    Item(std::string itemName, double itemCount, std::function<void()> itemOp)
        : name(std::move(itemName))
        , count(itemCount)
        , op(std::move(itemOp))
    {}

    std::string name;
    double count = 1; // multiplicity in the primitive sum (0 for our operation itself)
    std::function<void()> op;
    long batch = 1;
    std::vector<double> samples; // ns per call
    double medianNs = 0;
};

// A group: our operation (items[0]) and the primitives it uses.
struct Group
{
    std::string title;
    std::optional<double> goal; // maximum ratio, if the issue sets one
    std::vector<Item> items;
    double bytesPerOp = 0; // > 0: also report throughput (attachments)
};

long calibrate(const std::function<void()> &op)
{
    op(); // warm-up: caches, lazy allocations, first-call effects
    long batch = 1;
    for (;;) {
        const auto start = Clock::now();
        for (long i = 0; i < batch; ++i) {
            op();
        }
        const auto elapsed = Clock::now() - start;
        if (elapsed >= kBatchTarget || batch >= (1L << 24)) {
            return batch;
        }
        const double factor =
            elapsed.count() <= 0
                ? 16.0
                : std::min(16.0,
                           1.2 *
                               static_cast<double>(std::chrono::nanoseconds(kBatchTarget).count()) /
                               static_cast<double>(std::chrono::nanoseconds(elapsed).count()));
        batch = std::max(batch + 1, static_cast<long>(static_cast<double>(batch) * factor));
    }
}

void run(Group &group, int reps)
{
    for (Item &item : group.items) {
        item.batch = calibrate(item.op);
        item.samples.clear();
    }
    for (int rep = 0; rep < reps; ++rep) {
        for (Item &item : group.items) {
            const auto start = Clock::now();
            for (long i = 0; i < item.batch; ++i) {
                item.op();
            }
            const auto elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start);
            item.samples.push_back(elapsed.count() / static_cast<double>(item.batch));
        }
    }
    for (Item &item : group.items) {
        item.medianNs = median(item.samples);
    }
}

std::string formatNs(double ns)
{
    char buffer[32];
    if (ns >= 1e6) {
        std::snprintf(buffer, sizeof buffer, "%.2f ms", ns / 1e6);
    } else if (ns >= 1e3) {
        std::snprintf(buffer, sizeof buffer, "%.2f us", ns / 1e3);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.0f ns", ns);
    }
    return buffer;
}

double mibPerSecond(double bytes, double ns)
{
    return bytes / (1024.0 * 1024.0) / (ns / 1e9);
}

void report(const Group &group)
{
    std::printf("\n== %s\n", group.title.c_str());
    std::printf("   %-58s %6s %12s %8s %12s\n", "item", "count", "median", "IQR%", "contrib");
    double sum = 0;
    for (std::size_t i = 0; i < group.items.size(); ++i) {
        const Item &item = group.items[i];
        const double iqr = (percentile(item.samples, 0.75) - percentile(item.samples, 0.25)) /
                           item.medianNs * 100.0;
        if (i == 0) {
            std::printf("   %-58s %6s %12s %7.1f%% %12s\n", item.name.c_str(), "ours",
                        formatNs(item.medianNs).c_str(), iqr, "");
            continue;
        }
        const double contribution = item.count * item.medianNs;
        sum += contribution;
        std::printf("   %-58s %6g %12s %7.1f%% %12s\n", item.name.c_str(), item.count,
                    formatNs(item.medianNs).c_str(), iqr, formatNs(contribution).c_str());
    }
    const double ours = group.items[0].medianNs;
    const double ratio = ours / sum;
    std::printf("   ours %s, sum of primitives %s, ratio %.3f", formatNs(ours).c_str(),
                formatNs(sum).c_str(), ratio);
    if (group.goal) {
        std::printf("  (goal <= %.2f: %s)", *group.goal, ratio <= *group.goal ? "MET" : "MISSED");
    } else {
        std::printf("  (no goal set)");
    }
    std::printf("\n");
    if (group.bytesPerOp > 0) {
        std::printf("   throughput: ours %.0f MiB/s, primitives alone %.0f MiB/s\n",
                    mibPerSecond(group.bytesPerOp, ours), mibPerSecond(group.bytesPerOp, sum));
    }
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// Raw primitives, called exactly as the operations call them (sizes, key lengths).

constexpr std::size_t kPlaintextBytes = 256;
constexpr std::size_t kPaddedBytes = 320; // sodium_pad(256, 64) → 320
// The size of a real X3DH associated data (0x01 ‖ two device addresses ‖ two keys), measured
// from x3dhAssociatedData in main(); the AEAD's AD is that plus the 41 header bytes.
std::size_t g_callerAdBytes = 0;

struct PrimitiveInputs
{
    std::array<Byte, 32> key{};
    std::array<Byte, 32> key2{};
    std::array<Byte, 24> nonce{};
    std::vector<Byte> ad;
    std::array<Byte, kPaddedBytes> padded{};
    std::array<Byte, kPaddedBytes + 16> ciphertext{};
    std::array<Byte, 32> scalar{};
    std::array<Byte, 32> point{};
    std::array<Byte, 160> x3dhIkm{};
    std::array<Byte, 64> edSecret{};
    std::array<Byte, 32> edPublic{};
    std::array<Byte, 64> signature{};
    std::array<Byte, 160> signedMessage{};
    std::array<Byte, 80> idInput{};

    PrimitiveInputs()
    {
        randombytes_buf(key.data(), key.size());
        randombytes_buf(key2.data(), key2.size());
        randombytes_buf(nonce.data(), nonce.size());
        ad.resize(g_callerAdBytes + 41);
        randombytes_buf(ad.data(), ad.size());
        randombytes_buf(padded.data(), padded.size());
        crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext.data(), nullptr, padded.data(),
                                                   padded.size(), ad.data(), ad.size(), nullptr,
                                                   nonce.data(), key.data());
        randombytes_buf(scalar.data(), scalar.size());
        Byte peerScalar[32];
        randombytes_buf(peerScalar, sizeof peerScalar);
        crypto_scalarmult_base(point.data(), peerScalar);
        randombytes_buf(x3dhIkm.data(), x3dhIkm.size());
        crypto_sign_keypair(edPublic.data(), edSecret.data());
        randombytes_buf(signedMessage.data(), signedMessage.size());
        crypto_sign_detached(signature.data(), nullptr, signedMessage.data(), signedMessage.size(),
                             edSecret.data());
        randombytes_buf(idInput.data(), idInput.size());
    }
};

PrimitiveInputs &inputs()
{
    static PrimitiveInputs instance;
    return instance;
}

// HKDF-SHA256 as the HMACs it consists of (RFC 5869), one-shot crypto_auth_hmacsha256 each:
// extract over `ikm` with a 32-byte salt, then ceil(length / 32) expand blocks.
void rawHkdf(const Byte *salt, const Byte *ikm, std::size_t ikmSize, std::string_view info,
             std::size_t length, Byte *out)
{
    Byte prk[32];
    crypto_auth_hmacsha256(prk, ikm, ikmSize, salt);
    Byte block[32 + 64 + 1];
    std::size_t produced = 0;
    std::size_t previous = 0;
    for (Byte counter = 1; produced < length; ++counter) {
        std::memcpy(block + previous, info.data(), info.size());
        block[previous + info.size()] = counter;
        Byte t[32];
        crypto_auth_hmacsha256(t, block, previous + info.size() + 1, prk);
        const std::size_t n = std::min<std::size_t>(32, length - produced);
        std::memcpy(out + produced, t, n);
        std::memcpy(block, t, 32);
        previous = 32;
        produced += n;
    }
}

Item hmacChainStep()
{
    return {"HMAC-SHA256 (32-byte key, 1-byte msg): KDF_CK half", 0, [] {
                static constexpr Byte constant = 0x01;
                Byte out[32];
                crypto_auth_hmacsha256(out, &constant, 1, inputs().key.data());
                consume(out, sizeof out);
            }};
}

Item hkdfMessageKey()
{
    return {"HKDF L=56 (3 HMACs): message key -> AEAD key+nonce", 0, [] {
                static constexpr std::array<Byte, 32> zeroSalt{};
                Byte out[56];
                rawHkdf(zeroSalt.data(), inputs().key.data(), 32, kRatchetMessageInfo, 56, out);
                consume(out, sizeof out);
            }};
}

Item hkdfRootKey()
{
    return {"HKDF L=64 (3 HMACs): KDF_RK", 0, [] {
                Byte out[64];
                rawHkdf(inputs().key.data(), inputs().key2.data(), 32, kRatchetRootInfo, 64, out);
                consume(out, sizeof out);
            }};
}

Item hkdfX3dh()
{
    return {"HKDF L=32, 160-byte IKM (2 HMACs): X3DH SK", 0, [] {
                static constexpr std::array<Byte, 32> zeroSalt{};
                Byte out[32];
                rawHkdf(zeroSalt.data(), inputs().x3dhIkm.data(), inputs().x3dhIkm.size(),
                        kX3dhInfo, 32, out);
                consume(out, sizeof out);
            }};
}

Item aeadEncrypt()
{
    return {"XChaCha20-Poly1305 encrypt 320 B (AD = X3DH AD + header)", 0, [] {
                PrimitiveInputs &in = inputs();
                Byte out[kPaddedBytes + 16];
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    out, nullptr, in.padded.data(), in.padded.size(), in.ad.data(), in.ad.size(),
                    nullptr, in.nonce.data(), in.key.data());
                consume(out, sizeof out);
            }};
}

Item aeadDecrypt()
{
    return {"XChaCha20-Poly1305 decrypt 320 B", 0, [] {
                PrimitiveInputs &in = inputs();
                Byte out[kPaddedBytes];
                if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out, nullptr, nullptr, in.ciphertext.data(), in.ciphertext.size(),
                        in.ad.data(), in.ad.size(), in.nonce.data(), in.key.data()) != 0) {
                    fail("aead primitive");
                }
                consume(out, sizeof out);
            }};
}

Item pad()
{
    return {"sodium_pad 256 -> 320", 0, [] {
                Byte buffer[kPaddedBytes];
                std::memset(buffer, 0x41, kPlaintextBytes);
                std::size_t padded = 0;
                sodium_pad(&padded, buffer, kPlaintextBytes, 64, sizeof buffer);
                consume(buffer + kPlaintextBytes, 1);
            }};
}

Item unpad()
{
    return {"sodium_unpad 320", 0, [] {
                static const std::array<Byte, kPaddedBytes> padded = [] {
                    std::array<Byte, kPaddedBytes> buffer{};
                    std::size_t size = 0;
                    sodium_pad(&size, buffer.data(), kPlaintextBytes, 64, buffer.size());
                    return buffer;
                }();
                std::size_t size = 0;
                sodium_unpad(&size, padded.data(), padded.size(), 64);
                consume(&size, 1);
            }};
}

Item x25519()
{
    return {"X25519 crypto_scalarmult", 0, [] {
                Byte out[32];
                if (crypto_scalarmult(out, inputs().scalar.data(), inputs().point.data()) != 0) {
                    fail("scalarmult");
                }
                consume(out, sizeof out);
            }};
}

Item x25519KeyGen()
{
    return {"X25519 key generation (randombytes 32 + scalarmult_base)", 0, [] {
                Byte scalar[32];
                Byte out[32];
                randombytes_buf(scalar, sizeof scalar);
                crypto_scalarmult_base(out, scalar);
                consume(out, sizeof out);
            }};
}

Item ed25519Verify()
{
    return {"Ed25519 verify (160-byte message)", 0, [] {
                PrimitiveInputs &in = inputs();
                if (crypto_sign_verify_detached(in.signature.data(), in.signedMessage.data(),
                                                in.signedMessage.size(), in.edPublic.data()) != 0) {
                    fail("verify");
                }
            }};
}

Item sha256Id()
{
    return {"SHA-256 of 80 bytes: initial-message id", 0, [] {
                Byte out[32];
                crypto_hash_sha256(out, inputs().idInput.data(), inputs().idInput.size());
                consume(out, sizeof out);
            }};
}

Item withCount(Item item, double count)
{
    item.count = count;
    return item;
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

std::vector<Item> ratchetMessagePrimitives()
{
    // Per message: KDF_CK on each side (2 HMACs each), the message-key expansion on each side,
    // one AEAD encryption and one decryption of the padded size, pad and unpad.
    return {withCount(hmacChainStep(), 4), withCount(hkdfMessageKey(), 2),
            withCount(aeadEncrypt(), 1),   withCount(aeadDecrypt(), 1),
            withCount(pad(), 1),           withCount(unpad(), 1)};
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
    group.items.push_back(withCount(ed25519Verify(), 4));
    group.items.push_back(withCount(x25519KeyGen(), 2));
    group.items.push_back(withCount(x25519(), 9));
    group.items.push_back(withCount(hkdfX3dh(), 2));
    group.items.push_back(withCount(hkdfRootKey(), 1));
    group.items.push_back(withCount(sha256Id(), 2));
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

// ---------------------------------------------------------------------------------------------
// PLACEHOLDERS — not measured yet, no numbers are reported for them.
//
// (c) sealed 1:1 message end to end (goal ≤ 1.2×): sealed sender is being written on another
//     branch. When it lands, add a Group here: seal (ratchet encrypt + ephemeral layer + static
//     layer) and open, beside ratchetMessagePrimitives() plus the sealing primitives (X25519
//     with the recipient identity key ×2 per side, their KDFs as HMACs, the two AEAD layers of
//     the envelope's size, and the certificate's Ed25519 verification if open() checks it).
// (d) multi-recipient sealed message to 100 devices (no goal): the body encrypted once, the
//     key sealed per device; primitives: one AEAD of the body + 100 × the per-device sealing.
// Sender keys (send and receive; no goal): chain step (HMACs), AEAD, Ed25519 sign on send and
//     verify on receive.
void reportPlaceholders()
{
    std::printf(
        "\n== (c) sealed 1:1 message end to end: NOT MEASURED (sealed sender not merged)\n");
    std::printf(
        "== (d) multi-recipient sealed message to 100 devices: NOT MEASURED (not merged)\n");
    std::printf("== sender-key send and receive: NOT MEASURED (sender keys not merged)\n");
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
                         " [--only a|a-full|b|b-full|x3dh|attachments]\n",
                         argv[0]);
            return 1;
        }
    }
    if (!ensureSodium()) {
        fail("sodium_init failed");
    }
    {
        const X3dhParties parties;
        g_associatedData =
            x3dhAssociatedData(parties.alice.address(), parties.alice.identityKey().publicKey(),
                               parties.bob.address(), parties.bob.identityKey().publicKey());
        g_callerAdBytes = g_associatedData.size();
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
    if (g_only.empty()) {
        reportPlaceholders();
    }
    if (selected("x3dh")) {
        Group x3dh = x3dhGroup();
        run(x3dh, g_reps);
        report(x3dh);
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
