#pragma once

#include "crypto/bytes.h"
#include "crypto/keyvault.h"
#include "crypto/securebytes.h"
#include "crypto/wipedbytes.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::crypto {

// The profile archive container (docs/protocol.md B1, B2, B3): a passphrase-encrypted stream for
// backups and moving a profile to a new computer. No I/O here: the sealer hands out the bytes
// to write, the opener takes the bytes read, so the caller streams the file and nothing of it
// is ever plaintext on disk.
//
//   preamble (kArchivePreambleBytes = 98):
//     off len
//       0   8  magic "PRLYARC1"
//       8   1  format version: 0x01 (B1), 0x02 (B2) or 0x03 (B3, what this build writes)
//       9   1  KDF id = 0x01 (Argon2id v1.3, crypto_pwhash)
//      10   8  opslimit (big-endian)
//      18   8  memlimit in bytes (big-endian)
//      26  16  salt
//      42  32  key check = HKDF-Expand(M, "parley-archive-keycheck-v1", 32)
//      74  24  secretstream header (crypto_secretstream_xchacha20poly1305_init_push)
//   then chunks, each u32 BE length L ‖ L bytes of secretstream ciphertext
//     (17 ≤ L ≤ kArchiveMaxChunkBytes + 17); every chunk's AD is bytes 0..73; the last chunk
//     carries TAG_FINAL and nothing may follow it.
//   M = Argon2id(passphrase, salt, opslimit, memlimit), 32 bytes; the stream key is
//   HKDF-Expand(M, "parley-archive-stream-v1", 32).
//
// Inside the stream: records, each u8 type ‖ u32 BE length ‖ body (length ≤
// kArchiveMaxRecordBytes); a record may span chunks. ArchiveRecordReader splits them; their
// bodies are core's (core/account/archiverecords.h).

inline constexpr std::array<Byte, 8> kArchiveMagic = {'P', 'R', 'L', 'Y', 'A', 'R', 'C', '1'};
// The version written; readers accept kArchiveOldestVersion … kArchiveFormatVersion. The
// container is the same for all: the version names the record set inside (B2 §1).
inline constexpr Byte kArchiveFormatVersion = 0x03;
inline constexpr Byte kArchiveOldestVersion = 0x01;
inline constexpr Byte kArchiveKdfArgon2id13 = 0x01;
inline constexpr std::size_t kArchiveSaltBytes = 16;
inline constexpr std::size_t kArchiveKeyCheckBytes = 32;
inline constexpr std::size_t kArchiveHeaderBytes = 74; // the AD of every chunk
inline constexpr std::size_t kArchiveStreamHeaderBytes = 24;
inline constexpr std::size_t kArchivePreambleBytes =
    kArchiveHeaderBytes + kArchiveStreamHeaderBytes;     // 98
inline constexpr std::size_t kArchiveChunkOverhead = 17; // secretstream ABYTES
inline constexpr std::size_t kArchiveMaxChunkBytes = 64 * 1024;
inline constexpr std::size_t kArchiveMaxRecordBytes = 1024 * 1024;
inline constexpr std::size_t kArchiveRecordHeaderBytes = 5;
inline constexpr std::string_view kArchiveKeyCheckLabel = "parley-archive-keycheck-v1";
inline constexpr std::string_view kArchiveStreamLabel = "parley-archive-stream-v1";

enum class ArchiveError {
    NotAnArchive,          // the magic is missing: not a Parley archive
    UnsupportedVersion,    // a format version this build does not know
    UnsupportedAlgorithm,  // a KDF id this build does not know
    ParametersOutOfBounds, // opslimit/memlimit outside the vault's bounds (C7 §1)
    KeyDerivationFailed,   // Argon2id failed (out of memory)
    WrongPassphrase,       // the key check does not match
    Truncated,             // the file ends before the final chunk (or inside a chunk)
    Tampered,              // a chunk fails to authenticate, or data follows the final chunk
    OversizedChunk,        // a chunk length outside 17 … kArchiveMaxChunkBytes + 17
    OversizedRecord,       // a record longer than kArchiveMaxRecordBytes
    Malformed,             // the records inside do not parse (core's record layouts)
};
std::string_view describe(ArchiveError error);

// Writes an archive: preamble() first, then the framed chunks seal() returns.
class ArchiveSealer
{
public:
    // Derives the key (Argon2id: slow by design; call it off the GUI thread). Bounds as the
    // vault's (ParametersOutOfBounds).
    // `version` is the format version written into the header (tests write B1 with 0x01).
    static std::variant<ArchiveSealer, ArchiveError>
    create(ByteView passphrase, VaultParameters parameters, Byte version = kArchiveFormatVersion);

    const std::vector<Byte> &preamble() const { return m_preamble; }
    // One chunk of at most kArchiveMaxChunkBytes of plaintext (larger input is a programming
    // error: an empty result). `last` tags it final; nothing may be sealed after it.
    std::vector<Byte> seal(ByteView plaintext, bool last);

private:
    ArchiveSealer() = default;
    std::vector<Byte> m_preamble;
    SecureBytes m_state; // crypto_secretstream_xchacha20poly1305_state
    bool m_finished = false;
};

// Reads an archive: open() with the preamble, then chunkLength() on each 4-byte prefix and
// openChunk() on the chunk it announces, until finished().
class ArchiveOpener
{
public:
    // Checks magic, version, algorithm and bounds before any key derivation, then derives
    // and compares the key check (WrongPassphrase).
    static std::variant<ArchiveOpener, ArchiveError> open(ByteView preamble, ByteView passphrase);
    // Parses the fixed header only (no key derivation): what the fuzzer and tests drive.
    static std::optional<ArchiveError> checkHeader(ByteView preamble,
                                                   VaultParameters *parameters = nullptr);

    static std::variant<std::size_t, ArchiveError> chunkLength(ByteView prefix);
    // Tampered when it fails to authenticate or after the final chunk.
    std::variant<WipedBytes, ArchiveError> openChunk(ByteView ciphertext);
    bool finished() const { return m_finished; }
    // The archive's format version (kArchiveOldestVersion … kArchiveFormatVersion).
    Byte version() const { return m_header[8]; }

private:
    ArchiveOpener() = default;
    std::array<Byte, kArchiveHeaderBytes> m_header{};
    SecureBytes m_state;
    bool m_finished = false;
};

// Splits the decrypted stream into records (u8 type ‖ u32 length ‖ body), bounding each.
class ArchiveRecordReader
{
public:
    struct Record
    {
        Byte type = 0;
        WipedBytes body;
    };
    // Appends decrypted bytes; OversizedRecord once a header announces too much.
    std::optional<ArchiveError> feed(ByteView plaintext);
    // The next complete record, if one is buffered.
    std::optional<Record> next();
    // Bytes buffered that are not a complete record (non-zero at the end: Malformed).
    std::size_t pending() const { return m_buffer.size() - m_offset; }

private:
    std::vector<Byte> m_buffer; // wiped as it is consumed and on destruction
    std::size_t m_offset = 0;

public:
    ArchiveRecordReader() = default;
    ~ArchiveRecordReader();
    ArchiveRecordReader(const ArchiveRecordReader &) = delete;
    ArchiveRecordReader &operator=(const ArchiveRecordReader &) = delete;
};

// Records in, sealed chunks out: buffers the plaintext (wiped) and seals each full
// kArchiveMaxChunkBytes; finish() seals the rest as the final chunk.
class ArchiveWriter
{
public:
    static std::variant<ArchiveWriter, ArchiveError>
    create(ByteView passphrase, VaultParameters parameters, Byte version = kArchiveFormatVersion);
    // u8 type ‖ u32 BE length ‖ body; OversizedRecord for a body over kArchiveMaxRecordBytes.
    std::optional<ArchiveError> add(Byte type, ByteView body);
    void finish();
    // The ciphertext produced so far (the preamble first), handed over once.
    std::vector<Byte> takeOutput() { return std::move(m_output); }

    ArchiveWriter(ArchiveWriter &&) noexcept = default;
    ArchiveWriter &operator=(ArchiveWriter &&) noexcept = default;
    ~ArchiveWriter();

private:
    explicit ArchiveWriter(ArchiveSealer sealer);
    void sealFull(bool last);
    ArchiveSealer m_sealer;
    std::vector<Byte> m_plain; // reserved once, never reallocated; wiped
    std::vector<Byte> m_output;
};

} // namespace parley::crypto
