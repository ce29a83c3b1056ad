#include "crypto/profilearchive.h"

#include "crypto/codec.h"
#include "crypto/kdf.h"
#include "crypto/sodium.h"

#include <algorithm>
#include <cstring>
#include <sodium.h>

namespace parley::crypto {

namespace {

using State = crypto_secretstream_xchacha20poly1305_state;

static_assert(kArchiveSaltBytes == crypto_pwhash_SALTBYTES);
static_assert(kArchiveStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kArchiveChunkOverhead == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(kArchiveHeaderBytes == 8 + 1 + 1 + 8 + 8 + kArchiveSaltBytes + kArchiveKeyCheckBytes);

constexpr std::size_t kOffsetOps = 10;
constexpr std::size_t kOffsetMem = 18;
constexpr std::size_t kOffsetSalt = 26;
constexpr std::size_t kOffsetKeyCheck = 42;

ByteView asBytes(std::string_view text)
{
    return {reinterpret_cast<const Byte *>(text.data()), text.size()};
}

std::uint64_t readU64(const Byte *bytes)
{
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value = (value << 8) | bytes[i];
    }
    return value;
}

bool inBounds(const VaultParameters &parameters)
{
    return parameters.opsLimit >= kVaultMinOpsLimit && parameters.opsLimit <= kVaultMaxOpsLimit &&
           parameters.memLimit >= kVaultMinMemLimit && parameters.memLimit <= kVaultMaxMemLimit &&
           parameters.memLimit % 1024 == 0;
}

// M = Argon2id(passphrase, salt); returns the stream key and the key check.
std::optional<std::pair<WipedBytes, WipedBytes>> deriveKeys(ByteView passphrase, ByteView salt,
                                                            const VaultParameters &parameters)
{
    WipedBytes master(32);
    if (crypto_pwhash(
            master.data(), master.size(), reinterpret_cast<const char *>(passphrase.data()),
            passphrase.size(), salt.data(), parameters.opsLimit,
            static_cast<std::size_t>(parameters.memLimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return std::nullopt;
    }
    auto stream = hkdfExpand(master.view(), asBytes(kArchiveStreamLabel), 32);
    auto check = hkdfExpand(master.view(), asBytes(kArchiveKeyCheckLabel), kArchiveKeyCheckBytes);
    return std::make_pair(std::move(*stream), std::move(*check));
}

State *stateOf(SecureBytes &bytes)
{
    return reinterpret_cast<State *>(bytes.data());
}

} // namespace

std::string_view describe(ArchiveError error)
{
    switch (error) {
    case ArchiveError::NotAnArchive:
        return "The file is not a Parley profile archive.";
    case ArchiveError::UnsupportedVersion:
        return "The archive was written by a newer version of Parley.";
    case ArchiveError::UnsupportedAlgorithm:
        return "The archive uses a key-derivation method this version of Parley does not know.";
    case ArchiveError::ParametersOutOfBounds:
        return "The archive asks for key-derivation settings outside the accepted limits.";
    case ArchiveError::KeyDerivationFailed:
        return "There was not enough memory to derive the key from the passphrase.";
    case ArchiveError::WrongPassphrase:
        return "The archive's passphrase is wrong.";
    case ArchiveError::Truncated:
        return "The archive is incomplete: it ends too early.";
    case ArchiveError::Tampered:
        return "The archive is damaged or was altered.";
    case ArchiveError::OversizedChunk:
        return "The archive is damaged: a part of it is larger than allowed.";
    case ArchiveError::OversizedRecord:
        return "The archive is damaged: an entry in it is larger than allowed.";
    case ArchiveError::Malformed:
        return "The archive's contents cannot be read.";
    }
    return "Unknown archive error.";
}

// --- ArchiveSealer ---------------------------------------------------------------------------

std::variant<ArchiveSealer, ArchiveError>
ArchiveSealer::create(ByteView passphrase, VaultParameters parameters, Byte version)
{
    ensureSodium();
    if (version < kArchiveOldestVersion || version > kArchiveFormatVersion) {
        return ArchiveError::UnsupportedVersion;
    }
    if (!inBounds(parameters)) {
        return ArchiveError::ParametersOutOfBounds;
    }
    std::array<Byte, kArchiveSaltBytes> salt{};
    randombytes_buf(salt.data(), salt.size());
    auto keys = deriveKeys(passphrase, salt, parameters);
    if (!keys) {
        return ArchiveError::KeyDerivationFailed;
    }
    detail::ByteWriter header;
    header.bytes(kArchiveMagic);
    header.u8(version);
    header.u8(kArchiveKdfArgon2id13);
    header.u64(parameters.opsLimit);
    header.u64(parameters.memLimit);
    header.bytes(salt);
    header.bytes(keys->second.view());
    ArchiveSealer sealer;
    sealer.m_preamble = header.take();
    sealer.m_state = SecureBytes(sizeof(State));
    std::array<Byte, kArchiveStreamHeaderBytes> streamHeader{};
    crypto_secretstream_xchacha20poly1305_init_push(stateOf(sealer.m_state), streamHeader.data(),
                                                    keys->first.data());
    sealer.m_preamble.insert(sealer.m_preamble.end(), streamHeader.begin(), streamHeader.end());
    return sealer;
}

std::vector<Byte> ArchiveSealer::seal(ByteView plaintext, bool last)
{
    if (m_finished || plaintext.size() > kArchiveMaxChunkBytes) {
        return {};
    }
    const std::size_t length = plaintext.size() + kArchiveChunkOverhead;
    std::vector<Byte> out(4 + length);
    for (int i = 0; i < 4; ++i) {
        out[std::size_t(i)] = static_cast<Byte>(length >> (24 - 8 * i));
    }
    crypto_secretstream_xchacha20poly1305_push(
        stateOf(m_state), out.data() + 4, nullptr, plaintext.data(), plaintext.size(),
        m_preamble.data(), kArchiveHeaderBytes,
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
             : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    m_finished = last;
    return out;
}

// --- ArchiveOpener ---------------------------------------------------------------------------

std::optional<ArchiveError> ArchiveOpener::checkHeader(ByteView preamble,
                                                       VaultParameters *parameters)
{
    if (preamble.size() < kArchiveMagic.size() ||
        !std::equal(kArchiveMagic.begin(), kArchiveMagic.end(), preamble.begin())) {
        return ArchiveError::NotAnArchive;
    }
    if (preamble.size() < kArchivePreambleBytes) {
        return ArchiveError::Truncated;
    }
    if (preamble[8] < kArchiveOldestVersion || preamble[8] > kArchiveFormatVersion) {
        return ArchiveError::UnsupportedVersion;
    }
    if (preamble[9] != kArchiveKdfArgon2id13) {
        return ArchiveError::UnsupportedAlgorithm;
    }
    const VaultParameters read{readU64(preamble.data() + kOffsetOps),
                               readU64(preamble.data() + kOffsetMem)};
    if (!inBounds(read)) {
        return ArchiveError::ParametersOutOfBounds;
    }
    if (parameters != nullptr) {
        *parameters = read;
    }
    return std::nullopt;
}

std::variant<ArchiveOpener, ArchiveError> ArchiveOpener::open(ByteView preamble,
                                                              ByteView passphrase)
{
    ensureSodium();
    VaultParameters parameters;
    if (auto error = checkHeader(preamble, &parameters)) {
        return *error;
    }
    auto keys =
        deriveKeys(passphrase, preamble.subspan(kOffsetSalt, kArchiveSaltBytes), parameters);
    if (!keys) {
        return ArchiveError::KeyDerivationFailed;
    }
    if (sodium_memcmp(keys->second.data(), preamble.data() + kOffsetKeyCheck,
                      kArchiveKeyCheckBytes) != 0) {
        return ArchiveError::WrongPassphrase;
    }
    ArchiveOpener opener;
    std::copy_n(preamble.begin(), kArchiveHeaderBytes, opener.m_header.begin());
    opener.m_state = SecureBytes(sizeof(State));
    if (crypto_secretstream_xchacha20poly1305_init_pull(stateOf(opener.m_state),
                                                        preamble.data() + kArchiveHeaderBytes,
                                                        keys->first.data()) != 0) {
        return ArchiveError::Tampered;
    }
    return opener;
}

std::variant<std::size_t, ArchiveError> ArchiveOpener::chunkLength(ByteView prefix)
{
    if (prefix.size() != 4) {
        return ArchiveError::Truncated;
    }
    std::uint32_t length = 0;
    for (Byte byte : prefix) {
        length = (length << 8) | byte;
    }
    if (length < kArchiveChunkOverhead || length > kArchiveMaxChunkBytes + kArchiveChunkOverhead) {
        return ArchiveError::OversizedChunk;
    }
    return std::size_t(length);
}

std::variant<WipedBytes, ArchiveError> ArchiveOpener::openChunk(ByteView ciphertext)
{
    if (m_finished || ciphertext.size() < kArchiveChunkOverhead ||
        ciphertext.size() > kArchiveMaxChunkBytes + kArchiveChunkOverhead) {
        return ArchiveError::Tampered;
    }
    WipedBytes plain(ciphertext.size() - kArchiveChunkOverhead);
    unsigned long long plainLength = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(stateOf(m_state), plain.data(), &plainLength,
                                                   &tag, ciphertext.data(), ciphertext.size(),
                                                   m_header.data(), m_header.size()) != 0 ||
        (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
         tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)) {
        return ArchiveError::Tampered;
    }
    m_finished = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    return plain;
}

// --- ArchiveRecordReader ---------------------------------------------------------------------

ArchiveRecordReader::~ArchiveRecordReader()
{
    sodium_memzero(m_buffer.data(), m_buffer.size());
}

std::optional<ArchiveError> ArchiveRecordReader::feed(ByteView plaintext)
{
    // Compact first, wiping what is dropped, so the buffer stays one record plus one chunk.
    if (m_offset > 0) {
        std::vector<Byte> rest(m_buffer.begin() + std::ptrdiff_t(m_offset), m_buffer.end());
        sodium_memzero(m_buffer.data(), m_buffer.size());
        m_buffer = std::move(rest);
        m_offset = 0;
    }
    std::vector<Byte> grown;
    grown.reserve(m_buffer.size() + plaintext.size());
    grown.insert(grown.end(), m_buffer.begin(), m_buffer.end());
    grown.insert(grown.end(), plaintext.begin(), plaintext.end());
    sodium_memzero(m_buffer.data(), m_buffer.size());
    m_buffer = std::move(grown);
    if (pending() >= kArchiveRecordHeaderBytes) {
        const Byte *head = m_buffer.data() + m_offset + 1;
        const std::uint32_t length = (std::uint32_t(head[0]) << 24) |
                                     (std::uint32_t(head[1]) << 16) |
                                     (std::uint32_t(head[2]) << 8) | std::uint32_t(head[3]);
        if (length > kArchiveMaxRecordBytes) {
            return ArchiveError::OversizedRecord;
        }
    }
    return std::nullopt;
}

std::optional<ArchiveRecordReader::Record> ArchiveRecordReader::next()
{
    if (pending() < kArchiveRecordHeaderBytes) {
        return std::nullopt;
    }
    const Byte *head = m_buffer.data() + m_offset;
    const std::size_t length = (std::size_t(head[1]) << 24) | (std::size_t(head[2]) << 16) |
                               (std::size_t(head[3]) << 8) | std::size_t(head[4]);
    if (length > kArchiveMaxRecordBytes || pending() < kArchiveRecordHeaderBytes + length) {
        return std::nullopt;
    }
    Record record;
    record.type = head[0];
    record.body = WipedBytes(ByteView(head + kArchiveRecordHeaderBytes, length));
    sodium_memzero(m_buffer.data() + m_offset, kArchiveRecordHeaderBytes + length);
    m_offset += kArchiveRecordHeaderBytes + length;
    return record;
}

// --- ArchiveWriter ---------------------------------------------------------------------------

std::variant<ArchiveWriter, ArchiveError>
ArchiveWriter::create(ByteView passphrase, VaultParameters parameters, Byte version)
{
    auto sealer = ArchiveSealer::create(passphrase, parameters, version);
    if (const auto *error = std::get_if<ArchiveError>(&sealer)) {
        return *error;
    }
    return ArchiveWriter(std::move(std::get<ArchiveSealer>(sealer)));
}

ArchiveWriter::ArchiveWriter(ArchiveSealer sealer)
    : m_sealer(std::move(sealer))
{
    m_plain.reserve(kArchiveMaxChunkBytes);
    m_output = m_sealer.preamble();
}

ArchiveWriter::~ArchiveWriter()
{
    sodium_memzero(m_plain.data(), m_plain.capacity());
}

std::optional<ArchiveError> ArchiveWriter::add(Byte type, ByteView body)
{
    if (body.size() > kArchiveMaxRecordBytes) {
        return ArchiveError::OversizedRecord;
    }
    std::array<Byte, kArchiveRecordHeaderBytes> head{type, Byte(body.size() >> 24),
                                                     Byte(body.size() >> 16),
                                                     Byte(body.size() >> 8), Byte(body.size())};
    // Appended piecewise into the fixed buffer (capacity kArchiveMaxChunkBytes, never
    // reallocated), sealing each full chunk.
    for (ByteView part : {ByteView(head.data(), head.size()), body}) {
        while (!part.empty()) {
            const std::size_t room = kArchiveMaxChunkBytes - m_plain.size();
            const std::size_t take = std::min(room, part.size());
            m_plain.insert(m_plain.end(), part.begin(), part.begin() + std::ptrdiff_t(take));
            part = part.subspan(take);
            if (m_plain.size() == kArchiveMaxChunkBytes) {
                sealFull(false);
            }
        }
    }
    return std::nullopt;
}

void ArchiveWriter::sealFull(bool last)
{
    std::vector<Byte> chunk = m_sealer.seal(ByteView(m_plain.data(), m_plain.size()), last);
    m_output.insert(m_output.end(), chunk.begin(), chunk.end());
    sodium_memzero(m_plain.data(), m_plain.size());
    m_plain.clear();
}

void ArchiveWriter::finish()
{
    sealFull(true);
}

} // namespace parley::crypto
