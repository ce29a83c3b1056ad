#include "crypto/attachmentcipher.h"

#include "crypto/sodium.h"

#include <algorithm>
#include <cstring>
#include <sodium.h>

namespace parley::crypto {

namespace {

static_assert(kAttachmentHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kAttachmentKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kAttachmentChunkOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(kAttachmentDigestBytes == crypto_hash_sha256_BYTES);

constexpr std::uint64_t kMaxChunks = kAttachmentMaxPlaintextBytes / kAttachmentChunkBytes;
constexpr std::uint64_t kMaxCiphertextBytes =
    kAttachmentHeaderBytes + kAttachmentMaxPlaintextBytes + kMaxChunks * kAttachmentChunkOverhead;

} // namespace

std::string_view describe(AttachmentError error)
{
    switch (error) {
    case AttachmentError::InvalidKey:
        return "The attachment key or digest has the wrong size.";
    case AttachmentError::TooLarge:
        return "The attachment is larger than the largest supported size.";
    case AttachmentError::Finished:
        return "The attachment stream was already finished or has failed.";
    case AttachmentError::Truncated:
        return "The attachment is incomplete: its end is missing.";
    case AttachmentError::Corrupt:
        return "The attachment could not be decrypted: it is damaged or the key is wrong.";
    case AttachmentError::BadStructure:
        return "The attachment is not laid out as Parley writes attachments.";
    case AttachmentError::DigestMismatch:
        return "The attachment does not match the digest its message announced.";
    }
    return "Unknown attachment error.";
}

// --- AttachmentHasher ---------------------------------------------------------------------

struct AttachmentHasher::State
{
    crypto_hash_sha256_state sha;
};

AttachmentHasher::AttachmentHasher()
    : m_state(std::make_unique<State>())
{
    ensureSodium();
    crypto_hash_sha256_init(&m_state->sha);
}

AttachmentHasher::~AttachmentHasher() = default;
AttachmentHasher::AttachmentHasher(AttachmentHasher &&) noexcept = default;
AttachmentHasher &AttachmentHasher::operator=(AttachmentHasher &&) noexcept = default;

void AttachmentHasher::push(ByteView bytes)
{
    crypto_hash_sha256_update(&m_state->sha, bytes.data(), bytes.size());
}

AttachmentDigest AttachmentHasher::finish()
{
    AttachmentDigest digest{};
    crypto_hash_sha256_final(&m_state->sha, digest.data());
    return digest;
}

bool attachmentDigestMatches(const AttachmentDigest &computed, ByteView expected)
{
    return constantTimeEqual(computed, expected);
}

// --- AttachmentEncryptor ------------------------------------------------------------------

struct AttachmentEncryptor::State
{
    State()
        : key(kAttachmentKeyBytes)
        , buffer(kAttachmentChunkBytes)
    {}
    ~State() { sodium_memzero(&stream, sizeof stream); }

    WipedBytes key;
    WipedBytes buffer; // plaintext of the chunk being filled
    std::size_t filled = 0;
    crypto_secretstream_xchacha20poly1305_state stream{};
    std::array<Byte, kAttachmentHeaderBytes> header{};
    crypto_hash_sha256_state sha{};
    std::uint64_t total = 0;
    bool valid = false;
    bool headerWritten = false;
    bool done = false;

    void init()
    {
        crypto_secretstream_xchacha20poly1305_init_push(&stream, header.data(), key.data());
        crypto_hash_sha256_init(&sha);
        valid = true;
    }

    void writeHeader(std::vector<Byte> &out)
    {
        if (!headerWritten) {
            out.insert(out.end(), header.begin(), header.end());
            crypto_hash_sha256_update(&sha, header.data(), header.size());
            headerWritten = true;
        }
    }

    void seal(const Byte *plaintext, std::size_t size, Byte tag, std::vector<Byte> &out)
    {
        const std::size_t offset = out.size();
        out.resize(offset + size + kAttachmentChunkOverhead);
        unsigned long long written = 0;
        crypto_secretstream_xchacha20poly1305_push(&stream, out.data() + offset, &written,
                                                   plaintext, size, nullptr, 0, tag);
        crypto_hash_sha256_update(&sha, out.data() + offset, static_cast<std::size_t>(written));
    }
};

AttachmentEncryptor::AttachmentEncryptor()
    : m_state(std::make_unique<State>())
{
    ensureSodium();
    crypto_secretstream_xchacha20poly1305_keygen(m_state->key.data());
    m_state->init();
}

AttachmentEncryptor::AttachmentEncryptor(ByteView key)
    : m_state(std::make_unique<State>())
{
    ensureSodium();
    if (key.size() == kAttachmentKeyBytes) {
        std::memcpy(m_state->key.data(), key.data(), key.size());
        m_state->init();
    }
}

AttachmentEncryptor::~AttachmentEncryptor() = default;
AttachmentEncryptor::AttachmentEncryptor(AttachmentEncryptor &&) noexcept = default;
AttachmentEncryptor &AttachmentEncryptor::operator=(AttachmentEncryptor &&) noexcept = default;

bool AttachmentEncryptor::isValid() const
{
    return m_state && m_state->valid;
}

ByteView AttachmentEncryptor::key() const
{
    return isValid() ? m_state->key.view() : ByteView{};
}

std::optional<AttachmentError> AttachmentEncryptor::push(ByteView plaintext, std::vector<Byte> &out)
{
    if (!isValid()) {
        return AttachmentError::InvalidKey;
    }
    State &s = *m_state;
    if (s.done) {
        return AttachmentError::Finished;
    }
    if (plaintext.size() > kAttachmentMaxPlaintextBytes - s.total) {
        s.done = true;
        return AttachmentError::TooLarge;
    }
    s.total += plaintext.size();
    s.writeHeader(out);

    const Byte *data = plaintext.data();
    std::size_t left = plaintext.size();
    while (left > 0) {
        // A full buffer is sealed only once more input exists: the last chunk must be the one
        // tagged FINAL, and only finish() knows which one that is.
        if (s.filled == kAttachmentChunkBytes) {
            s.seal(s.buffer.data(), s.filled, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
                   out);
            s.filled = 0;
        }
        if (s.filled == 0 && left > kAttachmentChunkBytes) {
            // Whole chunks straight from the caller's buffer, no copy.
            s.seal(data, kAttachmentChunkBytes, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
                   out);
            data += kAttachmentChunkBytes;
            left -= kAttachmentChunkBytes;
            continue;
        }
        const std::size_t n = std::min(left, kAttachmentChunkBytes - s.filled);
        std::memcpy(s.buffer.data() + s.filled, data, n);
        s.filled += n;
        data += n;
        left -= n;
    }
    return std::nullopt;
}

std::variant<AttachmentDigest, AttachmentError> AttachmentEncryptor::finish(std::vector<Byte> &out)
{
    if (!isValid()) {
        return AttachmentError::InvalidKey;
    }
    State &s = *m_state;
    if (s.done) {
        return AttachmentError::Finished;
    }
    s.done = true;
    s.writeHeader(out);
    s.seal(s.buffer.data(), s.filled, crypto_secretstream_xchacha20poly1305_TAG_FINAL, out);
    sodium_memzero(s.buffer.data(), s.buffer.size());
    s.filled = 0;
    AttachmentDigest digest{};
    crypto_hash_sha256_final(&s.sha, digest.data());
    return digest;
}

// --- AttachmentDecryptor ------------------------------------------------------------------

struct AttachmentDecryptor::State
{
    State()
        : key(kAttachmentKeyBytes)
    {
        buffer.resize(kAttachmentCipherChunkBytes);
    }
    ~State() { sodium_memzero(&stream, sizeof stream); }

    WipedBytes key;
    AttachmentDigest expected{};
    crypto_secretstream_xchacha20poly1305_state stream{};
    std::array<Byte, kAttachmentHeaderBytes> header{};
    std::size_t headerFilled = 0;
    std::vector<Byte> buffer; // ciphertext of the chunk held back (possibly the final one)
    std::size_t filled = 0;
    crypto_hash_sha256_state sha{};
    std::uint64_t total = 0;
    std::uint64_t chunks = 0;
    bool valid = false;
    bool done = false;
};

AttachmentDecryptor::AttachmentDecryptor(ByteView key, ByteView expectedDigest)
    : m_state(std::make_unique<State>())
{
    ensureSodium();
    if (key.size() == kAttachmentKeyBytes && expectedDigest.size() == kAttachmentDigestBytes) {
        std::memcpy(m_state->key.data(), key.data(), key.size());
        std::copy(expectedDigest.begin(), expectedDigest.end(), m_state->expected.begin());
        crypto_hash_sha256_init(&m_state->sha);
        m_state->valid = true;
    }
}

AttachmentDecryptor::~AttachmentDecryptor() = default;
AttachmentDecryptor::AttachmentDecryptor(AttachmentDecryptor &&) noexcept = default;
AttachmentDecryptor &AttachmentDecryptor::operator=(AttachmentDecryptor &&) noexcept = default;

std::optional<AttachmentError> AttachmentDecryptor::fail(AttachmentError error)
{
    m_state->done = true;
    return error;
}

std::optional<AttachmentError> AttachmentDecryptor::decryptChunk(bool last, std::vector<Byte> &out)
{
    State &s = *m_state;
    const std::size_t offset = out.size();
    out.resize(offset + s.filled - kAttachmentChunkOverhead);
    unsigned long long written = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&s.stream, out.data() + offset, &written, &tag,
                                                   s.buffer.data(), s.filled, nullptr, 0) != 0) {
        out.resize(offset);
        return fail(AttachmentError::Corrupt);
    }
    const bool emptyFinalAfterChunks = last && written == 0 && s.chunks > 0;
    ++s.chunks;
    s.filled = 0;
    if (last) {
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
            // Authentic, but the sender's FINAL chunk never arrived: cut at a chunk boundary.
            return fail(AttachmentError::Truncated);
        }
        if (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL || emptyFinalAfterChunks) {
            return fail(AttachmentError::BadStructure);
        }
        return std::nullopt;
    }
    if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
        // FINAL before the end means bytes follow the end of the stream; PUSH and REKEY are
        // never written by Parley.
        return fail(AttachmentError::BadStructure);
    }
    return std::nullopt;
}

std::optional<AttachmentError> AttachmentDecryptor::push(ByteView ciphertext,
                                                         std::vector<Byte> &out)
{
    State &s = *m_state;
    if (!s.valid) {
        return AttachmentError::InvalidKey;
    }
    if (s.done) {
        return AttachmentError::Finished;
    }
    if (ciphertext.size() > kMaxCiphertextBytes - s.total) {
        return fail(AttachmentError::TooLarge);
    }
    s.total += ciphertext.size();
    crypto_hash_sha256_update(&s.sha, ciphertext.data(), ciphertext.size());

    const Byte *data = ciphertext.data();
    std::size_t left = ciphertext.size();
    if (s.headerFilled < kAttachmentHeaderBytes) {
        const std::size_t n = std::min(left, kAttachmentHeaderBytes - s.headerFilled);
        std::memcpy(s.header.data() + s.headerFilled, data, n);
        s.headerFilled += n;
        data += n;
        left -= n;
        if (s.headerFilled == kAttachmentHeaderBytes &&
            crypto_secretstream_xchacha20poly1305_init_pull(&s.stream, s.header.data(),
                                                            s.key.data()) != 0) {
            return fail(AttachmentError::Corrupt);
        }
    }
    while (left > 0) {
        // The held-back chunk is not the last one once more bytes follow it.
        if (s.filled == kAttachmentCipherChunkBytes) {
            if (auto error = decryptChunk(false, out)) {
                return error;
            }
        }
        const std::size_t n = std::min(left, kAttachmentCipherChunkBytes - s.filled);
        std::memcpy(s.buffer.data() + s.filled, data, n);
        s.filled += n;
        data += n;
        left -= n;
    }
    return std::nullopt;
}

std::optional<AttachmentError> AttachmentDecryptor::finish(std::vector<Byte> &out)
{
    State &s = *m_state;
    if (!s.valid) {
        return AttachmentError::InvalidKey;
    }
    if (s.done) {
        return AttachmentError::Finished;
    }
    AttachmentDigest digest{};
    crypto_hash_sha256_final(&s.sha, digest.data());
    if (!attachmentDigestMatches(digest, s.expected)) {
        return fail(AttachmentError::DigestMismatch);
    }
    if (s.headerFilled < kAttachmentHeaderBytes || s.filled < kAttachmentChunkOverhead) {
        return fail(AttachmentError::Truncated);
    }
    if (auto error = decryptChunk(true, out)) {
        return error;
    }
    s.done = true;
    return std::nullopt;
}

} // namespace parley::crypto
