// Attachments: a 200 MiB stream round trip in constant memory, chunk-boundary sizes, a frozen
// small vector (docs/protocol.md C5), truncation, reordering, tampering, wrong key,
// digest mismatch and misuse.

#include "crypto/attachmentcipher.h"

#include <QElapsedTimer>
#include <QTemporaryFile>
#include <QTest>

#include <cstring>
#include <sodium.h>

using namespace parley::crypto;

Q_DECLARE_METATYPE(parley::crypto::AttachmentError)

namespace {

ByteView view(const QByteArray &bytes)
{
    return {reinterpret_cast<const Byte *>(bytes.constData()), static_cast<size_t>(bytes.size())};
}

QByteArray hex(ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()),
                      static_cast<qsizetype>(bytes.size()))
        .toHex();
}

std::vector<Byte> pattern(std::size_t size, unsigned seed = 1)
{
    std::vector<Byte> bytes(size);
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<Byte>((i * 131 + seed * 7 + (i >> 16)) & 0xff);
    }
    return bytes;
}

struct Encrypted
{
    std::vector<Byte> blob;
    std::vector<Byte> key;
    AttachmentDigest digest{};
};

Encrypted encrypt(const std::vector<Byte> &plaintext, std::size_t pushSize)
{
    AttachmentEncryptor encryptor;
    Encrypted result;
    result.key.assign(encryptor.key().begin(), encryptor.key().end());
    for (std::size_t offset = 0; offset < plaintext.size(); offset += pushSize) {
        const std::size_t n = std::min(pushSize, plaintext.size() - offset);
        if (encryptor.push(ByteView(plaintext).subspan(offset, n), result.blob)) {
            qFatal("push failed");
        }
    }
    auto digest = encryptor.finish(result.blob);
    result.digest = std::get<AttachmentDigest>(digest);
    return result;
}

AttachmentDigest digestOf(ByteView blob)
{
    AttachmentHasher hasher;
    hasher.push(blob);
    return hasher.finish();
}

// Decrypts `blob` in pieces of `pushSize`; returns the first error, if any.
std::optional<AttachmentError> decrypt(ByteView blob, ByteView key, ByteView digest,
                                       std::vector<Byte> &plaintext, std::size_t pushSize = 4096)
{
    AttachmentDecryptor decryptor(key, digest);
    for (std::size_t offset = 0; offset < blob.size(); offset += pushSize) {
        const std::size_t n = std::min(pushSize, blob.size() - offset);
        if (auto error = decryptor.push(blob.subspan(offset, n), plaintext)) {
            return error;
        }
    }
    return decryptor.finish(plaintext);
}

// Decrypts with a digest recomputed over the (modified) blob, so the secretstream layer alone
// must catch the modification.
std::optional<AttachmentError> decryptBypassingDigest(const Encrypted &e,
                                                      const std::vector<Byte> &blob)
{
    std::vector<Byte> plaintext;
    return decrypt(blob, e.key, digestOf(blob), plaintext);
}

std::size_t blobSize(std::size_t plaintextSize)
{
    const std::size_t chunks = std::max<std::size_t>(
        1, (plaintextSize + kAttachmentChunkBytes - 1) / kAttachmentChunkBytes);
    return kAttachmentHeaderBytes + plaintextSize + chunks * kAttachmentChunkOverhead;
}

// Frozen vector (docs/protocol.md C5): key 00..1f, plaintext "Parley attachment".
const QByteArray kFrozenKey =
    QByteArray::fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const QByteArray kFrozenPlaintext("Parley attachment");
const QByteArray kFrozenBlob =
    QByteArray::fromHex("f61b07a34c64f67e51c7db11f4399d8a910e20d31d0b0458"
                        "67855df121267db0d8e165c66628da687a43ae4cb167b44df3a0aca4a64aca039deb");
const QByteArray kFrozenDigest =
    QByteArray::fromHex("a6186ad0057c5dca495e41c2f30dd3d1869e8fb11d4caf4878c04eefec78ef89");

} // namespace

class TestAttachmentCipher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void largeStreamRoundTrip();
    void frozenVector();
    void verifyBeforeDecrypt();
    void truncated();
    void reordered();
    void droppedAndDuplicatedChunk();
    void tampered_data();
    void tampered();
    void wrongKey();
    void digestMismatch();
    void emptyFinalAfterFullChunksRejected();
    void misuse();
};

void TestAttachmentCipher::initTestCase()
{
    QVERIFY(sodium_init() >= 0);
}

void TestAttachmentCipher::roundTrip_data()
{
    QTest::addColumn<qulonglong>("size");
    QTest::addColumn<qulonglong>("pushSize");
    QTest::newRow("empty") << 0ull << 1ull;
    QTest::newRow("1 byte") << 1ull << 1ull;
    QTest::newRow("64 KiB - 1") << qulonglong(kAttachmentChunkBytes - 1) << 1000ull;
    QTest::newRow("64 KiB exactly") << qulonglong(kAttachmentChunkBytes) << 4096ull;
    QTest::newRow("64 KiB + 1") << qulonglong(kAttachmentChunkBytes + 1) << 65537ull;
    QTest::newRow("3 x 64 KiB, one push")
        << qulonglong(3 * kAttachmentChunkBytes) << qulonglong(3 * kAttachmentChunkBytes);
    QTest::newRow("3 x 64 KiB, odd pushes") << qulonglong(3 * kAttachmentChunkBytes) << 12345ull;
    QTest::newRow("5 x 64 KiB + 17") << qulonglong(5 * kAttachmentChunkBytes + 17) << 100000ull;
}

void TestAttachmentCipher::roundTrip()
{
    QFETCH(qulonglong, size);
    QFETCH(qulonglong, pushSize);
    const std::vector<Byte> plaintext = pattern(size);
    const Encrypted e = encrypt(plaintext, pushSize);
    QCOMPARE(e.blob.size(), blobSize(size));
    QVERIFY(attachmentDigestMatches(digestOf(e.blob), e.digest));

    for (std::size_t decryptPush :
         {std::size_t(1), std::size_t(7), std::size_t(65553), std::size_t(1 << 20)}) {
        if (decryptPush == 1 && size > 200000) {
            continue; // byte-at-a-time on large inputs only costs time
        }
        std::vector<Byte> decrypted;
        const auto error = decrypt(e.blob, e.key, e.digest, decrypted, decryptPush);
        QVERIFY2(!error, error ? describe(*error).data() : "");
        QVERIFY(decrypted == plaintext);
    }
}

void TestAttachmentCipher::largeStreamRoundTrip()
{
    // 200 MiB generated on the fly, encrypted in 1 MiB pushes into a temporary file (as a
    // download would land on disk), the file's digest checked BEFORE decryption, then decrypted
    // in 1 MiB reads. Plaintext is compared by hash, so memory stays at a few MiB.
    constexpr std::size_t kTotal = 200u * 1024 * 1024;
    constexpr std::size_t kPush = 1u << 20;
    QTemporaryFile file;
    QVERIFY(file.open());
    QElapsedTimer timer;
    timer.start();

    std::vector<Byte> block = pattern(kPush, 3);
    std::vector<Byte> out;
    out.reserve(kPush + 64 * kAttachmentChunkOverhead + kAttachmentCipherChunkBytes);
    crypto_generichash_state sent;
    crypto_generichash_init(&sent, nullptr, 0, 32);
    AttachmentEncryptor encryptor;
    for (std::size_t done = 0; done < kTotal; done += kPush) {
        std::memcpy(block.data(), &done, sizeof done); // every block differs
        crypto_generichash_update(&sent, block.data(), block.size());
        out.clear();
        QVERIFY(!encryptor.push(block, out));
        QCOMPARE(file.write(reinterpret_cast<const char *>(out.data()), qint64(out.size())),
                 qint64(out.size()));
    }
    out.clear();
    const auto finished = encryptor.finish(out);
    QVERIFY(std::holds_alternative<AttachmentDigest>(finished));
    const AttachmentDigest digest = std::get<AttachmentDigest>(finished);
    QCOMPARE(file.write(reinterpret_cast<const char *>(out.data()), qint64(out.size())),
             qint64(out.size()));
    QVERIFY(file.flush());
    QCOMPARE(std::uint64_t(file.size()), std::uint64_t(blobSize(kTotal)));
    const qint64 encryptMs = timer.restart();

    // Verify before decrypting.
    QByteArray piece;
    QVERIFY(file.seek(0));
    AttachmentHasher hasher;
    while (!(piece = file.read(qint64(kPush))).isEmpty()) {
        hasher.push(view(piece));
    }
    QVERIFY(attachmentDigestMatches(hasher.finish(), digest));
    const qint64 verifyMs = timer.restart();

    QVERIFY(file.seek(0));
    AttachmentDecryptor decryptor(encryptor.key(), digest);
    crypto_generichash_state received;
    crypto_generichash_init(&received, nullptr, 0, 32);
    std::uint64_t receivedBytes = 0;
    std::vector<Byte> plaintext;
    plaintext.reserve(2 * kPush + kAttachmentChunkBytes);
    while (!(piece = file.read(qint64(kPush))).isEmpty()) {
        plaintext.clear();
        QVERIFY(!decryptor.push(view(piece), plaintext));
        crypto_generichash_update(&received, plaintext.data(), plaintext.size());
        receivedBytes += plaintext.size();
    }
    plaintext.clear();
    QVERIFY(!decryptor.finish(plaintext));
    crypto_generichash_update(&received, plaintext.data(), plaintext.size());
    receivedBytes += plaintext.size();
    QCOMPARE(receivedBytes, std::uint64_t(kTotal));

    std::array<Byte, 32> sentHash{};
    std::array<Byte, 32> receivedHash{};
    crypto_generichash_final(&sent, sentHash.data(), sentHash.size());
    crypto_generichash_final(&received, receivedHash.data(), receivedHash.size());
    QVERIFY(sentHash == receivedHash);
    qInfo("200 MiB: encrypt+write %lld ms, verify %lld ms, decrypt %lld ms", encryptMs, verifyMs,
          timer.elapsed());
}

void TestAttachmentCipher::frozenVector()
{
    // Decrypting the published blob must keep working in every later version.
    std::vector<Byte> plaintext;
    const auto error = decrypt(view(kFrozenBlob), view(kFrozenKey), view(kFrozenDigest), plaintext);
    QVERIFY(!error);
    QCOMPARE(hex(plaintext), kFrozenPlaintext.toHex());
    QCOMPARE(kFrozenBlob.size(), qsizetype(blobSize(size_t(kFrozenPlaintext.size()))));
    QCOMPARE(hex(digestOf(view(kFrozenBlob))), kFrozenDigest.toHex());
}

void TestAttachmentCipher::verifyBeforeDecrypt()
{
    const Encrypted e = encrypt(pattern(200000), 65536);
    QVERIFY(attachmentDigestMatches(digestOf(e.blob), e.digest));
    std::vector<Byte> changed = e.blob;
    changed[100] ^= 1;
    QVERIFY(!attachmentDigestMatches(digestOf(changed), e.digest));
    QVERIFY(!attachmentDigestMatches(digestOf(e.blob), ByteView(e.digest).first(31)));
}

void TestAttachmentCipher::truncated()
{
    const std::size_t size = 3 * kAttachmentChunkBytes + 500;
    const Encrypted e = encrypt(pattern(size), 65536);

    // Cut at each chunk boundary (the FINAL chunk is missing), inside a chunk, inside the header.
    const std::size_t c = kAttachmentCipherChunkBytes;
    const std::size_t h = kAttachmentHeaderBytes;
    for (std::size_t cut : {h + 3 * c, h + 2 * c, h + c}) {
        const std::vector<Byte> blob(e.blob.begin(), e.blob.begin() + std::ptrdiff_t(cut));
        QCOMPARE(decryptBypassingDigest(e, blob), std::optional(AttachmentError::Truncated));
    }
    for (std::size_t cut : {h + 3 * c + 100, h + 100, h + 16, h, std::size_t(10), std::size_t(0)}) {
        const std::vector<Byte> blob(e.blob.begin(), e.blob.begin() + std::ptrdiff_t(cut));
        const auto error = decryptBypassingDigest(e, blob);
        QVERIFY(error == AttachmentError::Truncated || error == AttachmentError::Corrupt);
    }
    // With the real digest, any truncation is a digest mismatch first.
    std::vector<Byte> plaintext;
    const std::vector<Byte> cut(e.blob.begin(), e.blob.end() - 517);
    QCOMPARE(decrypt(cut, e.key, e.digest, plaintext),
             std::optional(AttachmentError::DigestMismatch));
}

void TestAttachmentCipher::reordered()
{
    const Encrypted e = encrypt(pattern(4 * kAttachmentChunkBytes + 10), 65536);
    const std::size_t c = kAttachmentCipherChunkBytes;
    const std::size_t h = kAttachmentHeaderBytes;
    std::vector<Byte> blob = e.blob;
    std::swap_ranges(blob.begin() + std::ptrdiff_t(h + c), blob.begin() + std::ptrdiff_t(h + 2 * c),
                     blob.begin() + std::ptrdiff_t(h + 2 * c));
    QCOMPARE(decryptBypassingDigest(e, blob), std::optional(AttachmentError::Corrupt));
}

void TestAttachmentCipher::droppedAndDuplicatedChunk()
{
    const Encrypted e = encrypt(pattern(3 * kAttachmentChunkBytes + 10), 65536);
    const auto c = std::ptrdiff_t(kAttachmentCipherChunkBytes);
    const auto h = std::ptrdiff_t(kAttachmentHeaderBytes);
    std::vector<Byte> dropped = e.blob;
    dropped.erase(dropped.begin() + h + c, dropped.begin() + h + 2 * c);
    QCOMPARE(decryptBypassingDigest(e, dropped), std::optional(AttachmentError::Corrupt));

    std::vector<Byte> duplicated = e.blob;
    duplicated.insert(duplicated.begin() + h + c, e.blob.begin() + h, e.blob.begin() + h + c);
    QCOMPARE(decryptBypassingDigest(e, duplicated), std::optional(AttachmentError::Corrupt));
}

void TestAttachmentCipher::tampered_data()
{
    QTest::addColumn<qulonglong>("offset");
    const std::size_t c = kAttachmentCipherChunkBytes;
    const std::size_t h = kAttachmentHeaderBytes;
    QTest::newRow("header") << 0ull;
    QTest::newRow("header end") << qulonglong(h - 1);
    QTest::newRow("first chunk tag byte") << qulonglong(h);
    QTest::newRow("first chunk body") << qulonglong(h + 1000);
    QTest::newRow("first chunk MAC") << qulonglong(h + c - 1);
    QTest::newRow("second chunk") << qulonglong(h + c + 5);
    QTest::newRow("final chunk tag byte") << qulonglong(h + 2 * c);
    QTest::newRow("final chunk MAC") << qulonglong(h + 2 * c + 16 + 99);
}

void TestAttachmentCipher::tampered()
{
    QFETCH(qulonglong, offset);
    const Encrypted e = encrypt(pattern(2 * kAttachmentChunkBytes + 100), 65536);
    QCOMPARE(e.blob.size(),
             std::size_t(kAttachmentHeaderBytes + 2 * kAttachmentCipherChunkBytes + 117));
    std::vector<Byte> blob = e.blob;
    blob[offset] ^= 0x20;
    QCOMPARE(decryptBypassingDigest(e, blob), std::optional(AttachmentError::Corrupt));
    // With the digest the message carried, the download is refused before decryption.
    QVERIFY(!attachmentDigestMatches(digestOf(blob), e.digest));
}

void TestAttachmentCipher::wrongKey()
{
    const Encrypted e = encrypt(pattern(1000), 1000);
    std::vector<Byte> key = e.key;
    key[0] ^= 1;
    std::vector<Byte> plaintext;
    QCOMPARE(decrypt(e.blob, key, e.digest, plaintext), std::optional(AttachmentError::Corrupt));
    QVERIFY(plaintext.empty());
}

void TestAttachmentCipher::digestMismatch()
{
    const Encrypted e = encrypt(pattern(70000), 70000);
    AttachmentDigest wrong = e.digest;
    wrong[31] ^= 1;
    std::vector<Byte> plaintext;
    QCOMPARE(decrypt(e.blob, e.key, wrong, plaintext),
             std::optional(AttachmentError::DigestMismatch));
}

void TestAttachmentCipher::emptyFinalAfterFullChunksRejected()
{
    // Hand-built non-canonical stream: one full MESSAGE chunk followed by an empty FINAL chunk.
    // It authenticates, but Parley never writes it, so a second implementation that does is
    // caught by our decoder.
    std::vector<Byte> key(kAttachmentKeyBytes, 0x42);
    crypto_secretstream_xchacha20poly1305_state state;
    std::vector<Byte> blob(kAttachmentHeaderBytes);
    crypto_secretstream_xchacha20poly1305_init_push(&state, blob.data(), key.data());
    const std::vector<Byte> chunk = pattern(kAttachmentChunkBytes);
    std::size_t offset = blob.size();
    blob.resize(offset + kAttachmentCipherChunkBytes + kAttachmentChunkOverhead);
    crypto_secretstream_xchacha20poly1305_push(&state, blob.data() + offset, nullptr, chunk.data(),
                                               chunk.size(), nullptr, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    offset += kAttachmentCipherChunkBytes;
    crypto_secretstream_xchacha20poly1305_push(&state, blob.data() + offset, nullptr, nullptr, 0,
                                               nullptr, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    std::vector<Byte> plaintext;
    QCOMPARE(decrypt(blob, key, digestOf(blob), plaintext),
             std::optional(AttachmentError::BadStructure));

    // FINAL in the middle (data after the end of the stream).
    std::vector<Byte> early(kAttachmentHeaderBytes);
    crypto_secretstream_xchacha20poly1305_init_push(&state, early.data(), key.data());
    early.resize(kAttachmentHeaderBytes + 2 * kAttachmentCipherChunkBytes);
    crypto_secretstream_xchacha20poly1305_push(&state, early.data() + kAttachmentHeaderBytes,
                                               nullptr, chunk.data(), chunk.size(), nullptr, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    crypto_secretstream_xchacha20poly1305_push(
        &state, early.data() + kAttachmentHeaderBytes + kAttachmentCipherChunkBytes, nullptr,
        chunk.data(), chunk.size(), nullptr, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    plaintext.clear();
    QCOMPARE(decrypt(early, key, digestOf(early), plaintext),
             std::optional(AttachmentError::BadStructure));
}

void TestAttachmentCipher::misuse()
{
    AttachmentEncryptor badKey(ByteView(std::vector<Byte>(31)));
    std::vector<Byte> out;
    QVERIFY(!badKey.isValid());
    QCOMPARE(badKey.push(std::vector<Byte>(3), out), std::optional(AttachmentError::InvalidKey));

    AttachmentEncryptor encryptor;
    QVERIFY(!encryptor.push(std::vector<Byte>(3), out));
    QVERIFY(std::holds_alternative<AttachmentDigest>(encryptor.finish(out)));
    QCOMPARE(encryptor.push(std::vector<Byte>(3), out), std::optional(AttachmentError::Finished));
    QVERIFY(std::holds_alternative<AttachmentError>(encryptor.finish(out)));

    AttachmentDecryptor badDigest(encryptor.key(), std::vector<Byte>(31));
    QCOMPARE(badDigest.push(out, out), std::optional(AttachmentError::InvalidKey));

    // After an error every call fails.
    std::vector<Byte> key(32, 1);
    AttachmentDecryptor decryptor(key, std::vector<Byte>(32));
    std::vector<Byte> plaintext;
    std::vector<Byte> garbage(200000, 0x55);
    QCOMPARE(decryptor.push(garbage, plaintext), std::optional(AttachmentError::Corrupt));
    QCOMPARE(decryptor.push(garbage, plaintext), std::optional(AttachmentError::Finished));
    QCOMPARE(decryptor.finish(plaintext), std::optional(AttachmentError::Finished));
    QVERIFY(!describe(AttachmentError::Corrupt).empty());
}

QTEST_GUILESS_MAIN(TestAttachmentCipher)
#include "tst_attachmentcipher.moc"
