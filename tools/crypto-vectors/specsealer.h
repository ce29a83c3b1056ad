#pragma once

// A second, deliberately naive implementation of the sealing layers written from
// docs/protocol.md C3 §3–§4 and §7 on raw libsodium. Used
//  - by the sealed-sender tests: it must reproduce the library's bytes exactly (an independent
//    check of the spec), and it can build envelopes an honest sealer never would (an attacker
//    who claims one identity key in the ephemeral layer but keys the static layer with another
//    private key, a low-order sender key, malformed content), to test that opening refuses
//    them;
//  - by parley-crypto-vectors, for the intermediate values published in C3 §8.
// No Qt.

#include "crypto/kdf.h"
#include "crypto/multirecipient.h"
#include "crypto/sealedsender.h"
#include "tools/crypto-vectors/vectorinputs.h"

#include <cstdint>
#include <sodium.h>
#include <string_view>
#include <vector>

namespace parley::crypto::vectors {

inline std::vector<Byte> concat(std::initializer_list<ByteView> parts)
{
    std::vector<Byte> out;
    for (const ByteView part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

inline ByteView text(std::string_view value)
{
    return {reinterpret_cast<const Byte *>(value.data()), value.size()};
}

inline std::vector<Byte> specAead(ByteView key, ByteView nonce, ByteView ad, ByteView plaintext)
{
    std::vector<Byte> out(plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &written, plaintext.data(),
                                               plaintext.size(), ad.data(), ad.size(), nullptr,
                                               nonce.data(), key.data());
    return out;
}

inline std::vector<Byte> specDh(ByteView privateKey, ByteView publicKey)
{
    std::vector<Byte> out(32);
    // The result of a low-order key is all zero; callers that want that case use it as is.
    [[maybe_unused]] const int rc =
        crypto_scalarmult(out.data(), privateKey.data(), publicKey.data());
    return out;
}

struct SpecSealInputs
{
    std::string_view ephemeralInfo = kSealedEnvelopeEphemeralInfo;
    std::string_view staticInfo = kSealedEnvelopeStaticInfo;
    Byte version = kSealedEnvelopeVersion;
    std::vector<Byte> ephemeralPrivate; // e
    X25519PublicKey claimedSender{};    // what the ephemeral layer says IK_S is
    std::vector<Byte> staticPrivate;    // whose DH with IK_R keys the static layer
    X25519PublicKey recipient{};        // IK_R
    std::vector<Byte> plaintext;
};

struct SpecSealed
{
    std::vector<Byte> sealed;
    std::vector<Byte> ephemeralPublic, dhE, ephemeralOkm, dhS, staticOkm;
};

// §3 and §4, step by step.
inline SpecSealed specSeal(const SpecSealInputs &in)
{
    SpecSealed out;
    out.ephemeralPublic.resize(32);
    crypto_scalarmult_base(out.ephemeralPublic.data(), in.ephemeralPrivate.data());
    out.dhE = specDh(in.ephemeralPrivate, in.recipient);
    const auto ephemeralOkm =
        hkdf({}, out.dhE, concat({text(in.ephemeralInfo), out.ephemeralPublic, in.recipient}), 88);
    out.ephemeralOkm.assign(ephemeralOkm->view().begin(), ephemeralOkm->view().end());
    const ByteView okmE = out.ephemeralOkm;
    const std::vector<Byte> prefix = concat({ByteView(&in.version, 1), out.ephemeralPublic});
    const auto ce = specAead(okmE.subspan(32, 32), okmE.subspan(64, 24), prefix, in.claimedSender);

    out.dhS = specDh(in.staticPrivate, in.recipient);
    const auto staticOkm = hkdf(
        okmE.first(32), out.dhS,
        concat({text(in.staticInfo), out.ephemeralPublic, in.claimedSender, in.recipient, ce}), 56);
    out.staticOkm.assign(staticOkm->view().begin(), staticOkm->view().end());
    const ByteView okmS = out.staticOkm;
    const std::vector<Byte> staticPrefix = concat({prefix, ce});
    const auto cs = specAead(okmS.first(32), okmS.subspan(32, 24), staticPrefix, in.plaintext);
    out.sealed = concat({staticPrefix, cs});
    return out;
}

// §2: u16 length ‖ certificate ‖ zero padding to 454 ‖ message.
inline std::vector<Byte> specContent(ByteView certificate, ByteView message,
                                     std::size_t certificateLength = SIZE_MAX)
{
    const std::size_t length =
        certificateLength == SIZE_MAX ? certificate.size() : certificateLength;
    std::vector<Byte> out{static_cast<Byte>(length >> 8), static_cast<Byte>(length)};
    out.insert(out.end(), certificate.begin(), certificate.end());
    out.resize(2 + kMaxDeviceCertificateBytes, 0);
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

// §7.1: the body for body key K_b (with an optional wrong commitment).
inline std::vector<Byte> specBody(ByteView bodyKey, ByteView content,
                                  bool corruptCommitment = false)
{
    const auto okm = hkdf({}, bodyKey, text(kSealedBodyInfo), 88);
    std::vector<Byte> commitment(okm->view().begin(), okm->view().begin() + 32);
    if (corruptCommitment) {
        commitment[0] ^= 0x01;
    }
    const Byte version = kSealedBodyVersion;
    const std::vector<Byte> prefix = concat({ByteView(&version, 1), commitment});
    return concat({prefix, specAead(okm->view().subspan(32, 32), okm->view().subspan(64, 24),
                                    prefix, content)});
}

inline std::vector<Byte> sha256(ByteView bytes)
{
    std::vector<Byte> out(crypto_hash_sha256_BYTES);
    crypto_hash_sha256(out.data(), bytes.data(), bytes.size());
    return out;
}

inline SpecSealInputs specSealedKeyInputs()
{
    SpecSealInputs in;
    in.ephemeralInfo = kSealedKeyEphemeralInfo;
    in.staticInfo = kSealedKeyStaticInfo;
    in.version = kSealedKeyVersion;
    return in;
}

inline std::vector<Byte> privateOf(const X25519KeyPair &pair)
{
    return {pair.privateKey().begin(), pair.privateKey().end()};
}

} // namespace parley::crypto::vectors
