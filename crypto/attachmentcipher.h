#pragma once

#include "crypto/bytes.h"
#include "crypto/wipedbytes.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

// Attachment encryption (docs/protocol.md C5): libsodium's
// crypto_secretstream_xchacha20poly1305 with a fresh random 32-byte key per file, plaintext cut
// into 64 KiB chunks. The ciphertext ("blob") is
//
//   header (24) ‖ chunk_1 ‖ … ‖ chunk_n          n = max(1, ceil(size / 65536))
//
// where every chunk is secretstream_push of exactly 65536 plaintext bytes with TAG_MESSAGE,
// except the last, which holds the remaining 1..65536 bytes (0 only for an empty file) and is
// tagged TAG_FINAL. Each chunk adds 17 bytes, so the blob size is 24 + size + 17 n and the
// layout is canonical: a decoder cuts the blob at 65553-byte boundaries.
//
// Secretstream's per-chunk nonce counter and tag make truncation (no FINAL), reordering,
// dropping, duplicating and tampering fail authentication. A SHA-256 digest of the whole blob
// (header included) is computed while encrypting; it travels inside the (end-to-end encrypted)
// message with the key, so a downloaded blob can be checked before any decryption
// (AttachmentHasher) and the decryptor checks it again at finish().
//
// Both classes are incremental and do no I/O: the caller feeds bytes in pieces of any size and
// receives output appended to a vector, so memory stays constant (one 64 KiB chunk buffered)
// whatever the file size. They are move-only; a failure is sticky (every later call fails).

inline constexpr std::size_t kAttachmentKeyBytes = 32;
inline constexpr std::size_t kAttachmentDigestBytes = 32;
inline constexpr std::size_t kAttachmentChunkBytes = 64 * 1024; // plaintext
inline constexpr std::size_t kAttachmentHeaderBytes = 24;       // secretstream
inline constexpr std::size_t kAttachmentChunkOverhead = 17;     // tag + MAC
inline constexpr std::size_t kAttachmentCipherChunkBytes =
    kAttachmentChunkBytes + kAttachmentChunkOverhead; // 65553
// The crypto layer's own limit: 1 TiB of plaintext (2^24 chunks). The relay's blob size cap is
// configured separately and is far lower.
inline constexpr std::uint64_t kAttachmentMaxPlaintextBytes = std::uint64_t(1) << 40;

using AttachmentDigest = std::array<Byte, kAttachmentDigestBytes>;

enum class AttachmentError {
    InvalidKey,     // key or digest of the wrong size
    TooLarge,       // over kAttachmentMaxPlaintextBytes (or its ciphertext equivalent)
    Finished,       // push/finish after finish() or after an error
    Truncated,      // the stream ended before its FINAL chunk (or inside the header)
    Corrupt,        // a chunk failed authentication: tampered, reordered, wrong key, cut short
    BadStructure,   // authenticated but not canonical: FINAL before the end, unknown tag, an
                    // empty FINAL chunk after full chunks
    DigestMismatch, // the blob's SHA-256 differs from the one the message carries
};
std::string_view describe(AttachmentError error);

// Incremental SHA-256 of a blob, for checking a download before decrypting it.
class AttachmentHasher
{
public:
    AttachmentHasher();
    ~AttachmentHasher();
    AttachmentHasher(AttachmentHasher &&) noexcept;
    AttachmentHasher &operator=(AttachmentHasher &&) noexcept;
    AttachmentHasher(const AttachmentHasher &) = delete;
    AttachmentHasher &operator=(const AttachmentHasher &) = delete;

    void push(ByteView bytes);
    AttachmentDigest finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

// Constant-time; false when `expected` is not kAttachmentDigestBytes long.
bool attachmentDigestMatches(const AttachmentDigest &computed, ByteView expected);

class AttachmentEncryptor
{
public:
    // A fresh random key: the normal way to encrypt a file.
    AttachmentEncryptor();
    // An explicit key (tests, or re-encrypting with a key chosen elsewhere). Never reuse a key
    // for a second file. Check isValid(): a key of the wrong size makes every call fail.
    explicit AttachmentEncryptor(ByteView key);
    ~AttachmentEncryptor();
    AttachmentEncryptor(AttachmentEncryptor &&) noexcept;
    AttachmentEncryptor &operator=(AttachmentEncryptor &&) noexcept;
    AttachmentEncryptor(const AttachmentEncryptor &) = delete;
    AttachmentEncryptor &operator=(const AttachmentEncryptor &) = delete;

    bool isValid() const;
    // The key to send inside the message (with the digest from finish()).
    ByteView key() const;

    // Appends ciphertext for complete chunks (and the header on the first call) to `out`.
    std::optional<AttachmentError> push(ByteView plaintext, std::vector<Byte> &out);
    // Appends the last chunk (TAG_FINAL) and returns the SHA-256 of the whole blob.
    std::variant<AttachmentDigest, AttachmentError> finish(std::vector<Byte> &out);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

class AttachmentDecryptor
{
public:
    // `key` and `expectedDigest` are the ones the message carried.
    AttachmentDecryptor(ByteView key, ByteView expectedDigest);
    ~AttachmentDecryptor();
    AttachmentDecryptor(AttachmentDecryptor &&) noexcept;
    AttachmentDecryptor &operator=(AttachmentDecryptor &&) noexcept;
    AttachmentDecryptor(const AttachmentDecryptor &) = delete;
    AttachmentDecryptor &operator=(const AttachmentDecryptor &) = delete;

    // Appends the plaintext of every complete, authenticated non-final chunk to `out`. The
    // last 65553 bytes seen are held back until finish(), since only the end of the stream
    // shows which chunk is final.
    std::optional<AttachmentError> push(ByteView ciphertext, std::vector<Byte> &out);
    // Decrypts the final chunk, checks it is tagged FINAL and checks the blob digest.
    // The file is good only if this returns no error: on any error the caller discards every
    // plaintext byte it received (write to a temporary file, rename on success).
    std::optional<AttachmentError> finish(std::vector<Byte> &out);

private:
    std::optional<AttachmentError> fail(AttachmentError error);
    std::optional<AttachmentError> decryptChunk(bool last, std::vector<Byte> &out);

    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace parley::crypto
