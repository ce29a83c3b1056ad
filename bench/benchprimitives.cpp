#include "bench/benchprimitives.h"

#include "crypto/ratchetsession.h"
#include "crypto/x3dh.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <sodium.h>

namespace parley::bench {

using namespace parley::crypto;

namespace {

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
    }
};

PrimitiveInputs &inputs()
{
    static PrimitiveInputs instance;
    return instance;
}

} // namespace

void setCallerAssociatedDataBytes(std::size_t size)
{
    g_callerAdBytes = size;
}

std::size_t callerAssociatedDataBytes()
{
    return g_callerAdBytes;
}

// HKDF-SHA256 as the HMACs it consists of (RFC 5869), one-shot crypto_auth_hmacsha256 each:
// extract over `ikm` with a 32-byte salt, then ceil(length / 32) expand blocks.
void rawHkdf(const Byte *salt, const Byte *ikm, std::size_t ikmSize, std::string_view info,
             std::size_t length, Byte *out)
{
    Byte prk[32];
    crypto_auth_hmacsha256(prk, ikm, ikmSize, salt);
    Byte block[32 + 255 + 1];
    if (info.size() > 255) {
        fail("rawHkdf: info too long");
    }
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

std::vector<Item> ratchetMessagePrimitives()
{
    return {withCount(hmacChainStep(), 4), withCount(hkdfMessageKey(), 2),
            withCount(aeadEncrypt(), 1),   withCount(aeadDecrypt(), 1),
            withCount(pad(), 1),           withCount(unpad(), 1)};
}

// ---------------------------------------------------------------------------------------------
// The same primitives with the sizes given by the caller (taken from real objects).

namespace {

std::vector<Byte> randomBuffer(std::size_t size)
{
    std::vector<Byte> out(size);
    randombytes_buf(out.data(), out.size());
    return out;
}

} // namespace

Item hmacOf(std::string name, std::size_t messageBytes)
{
    auto message = std::make_shared<std::vector<Byte>>(randomBuffer(messageBytes));
    return {std::move(name), 0, [message] {
                Byte out[32];
                crypto_auth_hmacsha256(out, message->data(), message->size(), inputs().key.data());
                consume(out, sizeof out);
            }};
}

Item hkdfOf(std::string name, std::size_t ikmBytes, std::size_t infoBytes, std::size_t length)
{
    auto ikm = std::make_shared<std::vector<Byte>>(randomBuffer(ikmBytes));
    auto info = std::make_shared<std::string>(infoBytes, 'i');
    return {std::move(name), 0, [ikm, info, length] {
                Byte out[255];
                rawHkdf(inputs().key.data(), ikm->data(), ikm->size(), *info, length, out);
                consume(out, length);
            }};
}

namespace {

struct AeadInputs
{
    std::vector<Byte> plaintext;
    std::vector<Byte> ad;
    std::vector<Byte> ciphertext;
    std::vector<Byte> out;
};

std::shared_ptr<AeadInputs> aeadInputs(std::size_t plaintextBytes, std::size_t adBytes)
{
    auto in = std::make_shared<AeadInputs>();
    in->plaintext = randomBuffer(plaintextBytes);
    in->ad = randomBuffer(adBytes);
    in->ciphertext.resize(plaintextBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(in->ciphertext.data(), nullptr, in->plaintext.data(),
                                               in->plaintext.size(), in->ad.data(), in->ad.size(),
                                               nullptr, inputs().nonce.data(), inputs().key.data());
    in->out.resize(in->ciphertext.size());
    return in;
}

} // namespace

Item aeadEncryptOf(std::string name, std::size_t plaintextBytes, std::size_t adBytes)
{
    auto in = aeadInputs(plaintextBytes, adBytes);
    return {std::move(name), 0, [in] {
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    in->out.data(), nullptr, in->plaintext.data(), in->plaintext.size(),
                    in->ad.data(), in->ad.size(), nullptr, inputs().nonce.data(),
                    inputs().key.data());
                consume(in->out.data(), in->out.size());
            }};
}

Item aeadDecryptOf(std::string name, std::size_t plaintextBytes, std::size_t adBytes)
{
    auto in = aeadInputs(plaintextBytes, adBytes);
    return {std::move(name), 0, [in] {
                if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                        in->out.data(), nullptr, nullptr, in->ciphertext.data(),
                        in->ciphertext.size(), in->ad.data(), in->ad.size(), inputs().nonce.data(),
                        inputs().key.data()) != 0) {
                    fail("aead primitive");
                }
                consume(in->out.data(), in->out.size());
            }};
}

Item ed25519SignOf(std::string name, std::size_t messageBytes)
{
    auto message = std::make_shared<std::vector<Byte>>(randomBuffer(messageBytes));
    return {std::move(name), 0, [message] {
                Byte signature[crypto_sign_BYTES];
                crypto_sign_detached(signature, nullptr, message->data(), message->size(),
                                     inputs().edSecret.data());
                consume(signature, sizeof signature);
            }};
}

Item ed25519VerifyOf(std::string name, std::size_t messageBytes)
{
    struct Signed
    {
        std::vector<Byte> message;
        std::array<Byte, crypto_sign_BYTES> signature{};
    };
    auto in = std::make_shared<Signed>();
    in->message = randomBuffer(messageBytes);
    crypto_sign_detached(in->signature.data(), nullptr, in->message.data(), in->message.size(),
                         inputs().edSecret.data());
    return {std::move(name), 0, [in] {
                if (crypto_sign_verify_detached(in->signature.data(), in->message.data(),
                                                in->message.size(),
                                                inputs().edPublic.data()) != 0) {
                    fail("verify");
                }
            }};
}

Item sha256Of(std::string name, std::size_t bytes)
{
    auto data = std::make_shared<std::vector<Byte>>(randomBuffer(bytes));
    return {std::move(name), 0, [data] {
                Byte out[crypto_hash_sha256_BYTES];
                crypto_hash_sha256(out, data->data(), data->size());
                consume(out, sizeof out);
            }};
}

Item randomBytes32(std::string name)
{
    return {std::move(name), 0, [] {
                Byte out[32];
                randombytes_buf(out, sizeof out);
                consume(out, sizeof out);
            }};
}

} // namespace parley::bench
