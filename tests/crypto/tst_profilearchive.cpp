// Profile archive container (docs/protocol.md B1): round trip across chunk boundaries, wrong
// passphrase, header checks before any key derivation, truncation, tampering (a flipped
// byte, a dropped, swapped or appended chunk), and the size bounds of chunks and records.

#include "crypto/profilearchive.h"

#include <QTest>

#include <optional>
#include <string_view>

using namespace parley::crypto;

Q_DECLARE_METATYPE(parley::crypto::ArchiveError)

namespace {

ByteView view(std::string_view text)
{
    return {reinterpret_cast<const Byte *>(text.data()), text.size()};
}

constexpr std::string_view kPassphrase = "correct horse battery staple";

struct Record
{
    Byte type = 0;
    std::vector<Byte> body;
};

std::vector<Byte> makeArchive(const std::vector<Record> &records,
                              std::string_view passphrase = kPassphrase)
{
    auto created = ArchiveWriter::create(view(passphrase), VaultParameters::minimum());
    if (!std::holds_alternative<ArchiveWriter>(created)) {
        qFatal("ArchiveWriter::create failed");
    }
    auto &writer = std::get<ArchiveWriter>(created);
    std::vector<Byte> out = writer.takeOutput();
    for (const Record &record : records) {
        if (writer.add(record.type, record.body)) {
            qFatal("ArchiveWriter::add failed");
        }
        auto part = writer.takeOutput();
        out.insert(out.end(), part.begin(), part.end());
    }
    writer.finish();
    auto last = writer.takeOutput();
    out.insert(out.end(), last.begin(), last.end());
    return out;
}

// Reads an archive the way an importer must (B1 §3): every chunk until the final one, then
// nothing more. Returns the records or the first error.
std::variant<std::vector<Record>, ArchiveError>
readArchive(ByteView archive, std::string_view passphrase = kPassphrase)
{
    const std::size_t head = std::min(archive.size(), kArchivePreambleBytes);
    auto opened = ArchiveOpener::open(archive.first(head), view(passphrase));
    if (const auto *error = std::get_if<ArchiveError>(&opened)) {
        return *error;
    }
    auto &opener = std::get<ArchiveOpener>(opened);
    ArchiveRecordReader reader;
    std::vector<Record> records;
    std::size_t at = kArchivePreambleBytes;
    while (!opener.finished()) {
        if (archive.size() - at < 4) {
            return ArchiveError::Truncated;
        }
        auto length = ArchiveOpener::chunkLength(archive.subspan(at, 4));
        if (const auto *error = std::get_if<ArchiveError>(&length)) {
            return *error;
        }
        at += 4;
        const std::size_t size = std::get<std::size_t>(length);
        if (archive.size() - at < size) {
            return ArchiveError::Truncated;
        }
        auto plain = opener.openChunk(archive.subspan(at, size));
        at += size;
        if (const auto *error = std::get_if<ArchiveError>(&plain)) {
            return *error;
        }
        if (auto error = reader.feed(std::get<WipedBytes>(plain).view())) {
            return *error;
        }
        while (auto record = reader.next()) {
            records.push_back({record->type, std::vector<Byte>(record->body.view().begin(),
                                                               record->body.view().end())});
        }
    }
    if (at != archive.size()) {
        return ArchiveError::Tampered;
    }
    if (reader.pending() != 0) {
        return ArchiveError::Malformed;
    }
    return records;
}

std::vector<Byte> filled(std::size_t size, Byte seed)
{
    std::vector<Byte> bytes(size);
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = Byte(seed + i * 7);
    }
    return bytes;
}

ArchiveError errorOf(const std::variant<std::vector<Record>, ArchiveError> &result)
{
    if (!std::holds_alternative<ArchiveError>(result)) {
        qWarning("expected an error, the archive was read");
        return ArchiveError::Malformed;
    }
    return std::get<ArchiveError>(result);
}

// Offsets of each chunk's 4-byte length prefix in `archive`.
std::vector<std::size_t> chunkOffsets(const std::vector<Byte> &archive)
{
    std::vector<std::size_t> offsets;
    std::size_t at = kArchivePreambleBytes;
    while (at + 4 <= archive.size()) {
        offsets.push_back(at);
        const std::size_t length = (std::size_t(archive[at]) << 24) |
                                   (std::size_t(archive[at + 1]) << 16) |
                                   (std::size_t(archive[at + 2]) << 8) | archive[at + 3];
        at += 4 + length;
    }
    return offsets;
}

} // namespace

class TestProfileArchive : public QObject
{
    Q_OBJECT

private:
    // Three chunks or more: a 200 KiB record spans them.
    std::vector<Record> m_records{
        {0x01, filled(100, 1)}, {0x02, {}}, {0x03, filled(200 * 1024, 3)}, {0x04, filled(12, 4)}};
    std::vector<Byte> m_archive;

private slots:
    void initTestCase() { m_archive = makeArchive(m_records); }

    void roundTrip()
    {
        QVERIFY(std::equal(kArchiveMagic.begin(), kArchiveMagic.end(), m_archive.begin()));
        QVERIFY(chunkOffsets(m_archive).size() >= 4);
        auto read = readArchive(m_archive);
        QVERIFY(std::holds_alternative<std::vector<Record>>(read));
        const auto &records = std::get<std::vector<Record>>(read);
        QCOMPARE(records.size(), m_records.size());
        for (std::size_t i = 0; i < records.size(); ++i) {
            QCOMPARE(records[i].type, m_records[i].type);
            QVERIFY(records[i].body == m_records[i].body);
        }
        // A fresh salt each time: the same records never give the same bytes.
        QVERIFY(makeArchive(m_records) != m_archive);
    }

    void emptyArchive()
    {
        auto read = readArchive(makeArchive({}));
        QVERIFY(std::holds_alternative<std::vector<Record>>(read));
        QVERIFY(std::get<std::vector<Record>>(read).empty());
    }

    void wrongPassphrase()
    {
        QCOMPARE(errorOf(readArchive(m_archive, "correct horse battery stapler")),
                 ArchiveError::WrongPassphrase);
    }

    void headerChecks_data()
    {
        QTest::addColumn<int>("offset");
        QTest::addColumn<int>("value");
        QTest::addColumn<ArchiveError>("expected");
        QTest::newRow("magic") << 0 << int('X') << ArchiveError::NotAnArchive;
        // The value is XORed into the byte: version 3 becomes 0, 4, or 2 and 1 — known, but
        // the header is every chunk's AD, so a B3 archive cannot pass for B2 or B1.
        QTest::newRow("version 0") << 8 << 3 << ArchiveError::UnsupportedVersion;
        QTest::newRow("version 4") << 8 << 7 << ArchiveError::UnsupportedVersion;
        QTest::newRow("version 3 made 2") << 8 << 1 << ArchiveError::Tampered;
        QTest::newRow("version 3 made 1") << 8 << 2 << ArchiveError::Tampered;
        QTest::newRow("kdf 2") << 9 << 2 << ArchiveError::UnsupportedAlgorithm;
        // opslimit's high byte: 2^56 passes, refused before any Argon2id run.
        QTest::newRow("opslimit") << 10 << 1 << ArchiveError::ParametersOutOfBounds;
        // memlimit's high byte: far above 1 GiB.
        QTest::newRow("memlimit") << 18 << 1 << ArchiveError::ParametersOutOfBounds;
        QTest::newRow("salt") << 26 << 0xFF << ArchiveError::WrongPassphrase;
        QTest::newRow("key check") << 42 << 0xFF << ArchiveError::WrongPassphrase;
        QTest::newRow("stream header") << 80 << 0xFF << ArchiveError::Tampered;
    }

    void headerChecks()
    {
        QFETCH(int, offset);
        QFETCH(int, value);
        QFETCH(ArchiveError, expected);
        std::vector<Byte> archive = m_archive;
        archive[std::size_t(offset)] ^= Byte(value);
        QCOMPARE(errorOf(readArchive(archive)), expected);
    }

    void truncated_data()
    {
        QTest::addColumn<int>("keep");
        QTest::addColumn<ArchiveError>("expected");
        const auto offsets = chunkOffsets(m_archive);
        QTest::newRow("empty") << 0 << ArchiveError::NotAnArchive;
        QTest::newRow("inside the preamble") << 50 << ArchiveError::Truncated;
        QTest::newRow("preamble only") << int(kArchivePreambleBytes) << ArchiveError::Truncated;
        QTest::newRow("inside a length") << int(offsets[1] + 2) << ArchiveError::Truncated;
        QTest::newRow("inside a chunk") << int(offsets[1] + 100) << ArchiveError::Truncated;
        QTest::newRow("without the final chunk") << int(offsets.back()) << ArchiveError::Truncated;
        QTest::newRow("one byte short") << int(m_archive.size() - 1) << ArchiveError::Truncated;
    }

    void truncated()
    {
        QFETCH(int, keep);
        QFETCH(ArchiveError, expected);
        const std::vector<Byte> archive(m_archive.begin(), m_archive.begin() + keep);
        QCOMPARE(errorOf(readArchive(archive)), expected);
    }

    void tampered()
    {
        const auto offsets = chunkOffsets(m_archive);
        // A byte of ciphertext, a length's low byte, a chunk's tag, the final chunk's tag.
        for (std::size_t at :
             {offsets[0] + 10, offsets[1] + 3, offsets[2] - 1, m_archive.size() - 1}) {
            std::vector<Byte> archive = m_archive;
            archive[at] ^= 0x01;
            const ArchiveError error = errorOf(readArchive(archive));
            QVERIFY2(error == ArchiveError::Tampered || error == ArchiveError::Truncated ||
                         error == ArchiveError::OversizedChunk,
                     describe(error).data());
        }
        // A middle chunk dropped, or two chunks swapped: the stream's chaining refuses both.
        std::vector<Byte> dropped(m_archive.begin(),
                                  m_archive.begin() + std::ptrdiff_t(offsets[1]));
        dropped.insert(dropped.end(), m_archive.begin() + std::ptrdiff_t(offsets[2]),
                       m_archive.end());
        QCOMPARE(errorOf(readArchive(dropped)), ArchiveError::Tampered);
        std::vector<Byte> swapped(m_archive.begin(),
                                  m_archive.begin() + std::ptrdiff_t(offsets[1]));
        swapped.insert(swapped.end(), m_archive.begin() + std::ptrdiff_t(offsets[2]),
                       m_archive.begin() + std::ptrdiff_t(offsets[3]));
        swapped.insert(swapped.end(), m_archive.begin() + std::ptrdiff_t(offsets[1]),
                       m_archive.begin() + std::ptrdiff_t(offsets[2]));
        swapped.insert(swapped.end(), m_archive.begin() + std::ptrdiff_t(offsets[3]),
                       m_archive.end());
        QCOMPARE(errorOf(readArchive(swapped)), ArchiveError::Tampered);
        // Anything after the final chunk: a whole chunk again, or one stray byte.
        std::vector<Byte> appended = m_archive;
        appended.insert(appended.end(), m_archive.begin() + std::ptrdiff_t(offsets.back()),
                        m_archive.end());
        QCOMPARE(errorOf(readArchive(appended)), ArchiveError::Tampered);
        appended = m_archive;
        appended.push_back(0);
        QCOMPARE(errorOf(readArchive(appended)), ArchiveError::Tampered);
    }

    void oversize()
    {
        const std::array<Byte, 4> huge{0xFF, 0xFF, 0xFF, 0xFF};
        QCOMPARE(std::get<ArchiveError>(ArchiveOpener::chunkLength(huge)),
                 ArchiveError::OversizedChunk);
        const std::array<Byte, 4> tiny{0, 0, 0, 16};
        QCOMPARE(std::get<ArchiveError>(ArchiveOpener::chunkLength(tiny)),
                 ArchiveError::OversizedChunk);
        const std::array<Byte, 4> largest{0, 1, 0, 17};
        QCOMPARE(std::get<std::size_t>(ArchiveOpener::chunkLength(largest)),
                 kArchiveMaxChunkBytes + kArchiveChunkOverhead);
        // A length prefix announcing a chunk over the bound, in a real archive.
        std::vector<Byte> archive = m_archive;
        archive[kArchivePreambleBytes] = 0x7F;
        QCOMPARE(errorOf(readArchive(archive)), ArchiveError::OversizedChunk);

        // Records: refused when written, and when a header inside announces too much.
        auto created = ArchiveWriter::create(view(kPassphrase), VaultParameters::minimum());
        auto &writer = std::get<ArchiveWriter>(created);
        const std::vector<Byte> tooLarge(kArchiveMaxRecordBytes + 1);
        QVERIFY(writer.add(0x03, tooLarge) == ArchiveError::OversizedRecord);
        QVERIFY(!writer.add(0x03, std::vector<Byte>(kArchiveMaxRecordBytes)));
        ArchiveRecordReader reader;
        const std::array<Byte, 5> header{0x03, 0x00, 0x10, 0x00, 0x01}; // 1 MiB + 1
        QVERIFY(reader.feed(header) == ArchiveError::OversizedRecord);
        ArchiveRecordReader partial;
        const std::array<Byte, 7> incomplete{0x02, 0, 0, 0, 5, 'a', 'b'};
        QVERIFY(!partial.feed(incomplete));
        QVERIFY(!partial.next());
        QCOMPARE(partial.pending(), std::size_t(7));
    }

    void parametersRefusedWhenWriting()
    {
        QCOMPARE(std::get<ArchiveError>(ArchiveWriter::create(view(kPassphrase), {0, 8192})),
                 ArchiveError::ParametersOutOfBounds);
        QCOMPARE(std::get<ArchiveError>(ArchiveWriter::create(view(kPassphrase), {1, 1000})),
                 ArchiveError::ParametersOutOfBounds);
    }

    void versionsWrittenAndRead()
    {
        // B3 is written by default; B1 and B2 can still be written (the tests' old writers)
        // and are opened with their version; no other version is written.
        for (const Byte version : {Byte(0x01), Byte(0x02), Byte(0x03)}) {
            auto created =
                ArchiveWriter::create(view(kPassphrase), VaultParameters::minimum(), version);
            auto &writer = std::get<ArchiveWriter>(created);
            writer.finish();
            const std::vector<Byte> bytes = writer.takeOutput();
            QCOMPARE(bytes[8], version);
            auto opened = ArchiveOpener::open(ByteView(bytes).first(kArchivePreambleBytes),
                                              view(kPassphrase));
            QCOMPARE(std::get<ArchiveOpener>(opened).version(), version);
        }
        QCOMPARE(m_archive[8], kArchiveFormatVersion);
        QCOMPARE(kArchiveFormatVersion, Byte(0x03));
        QCOMPARE(std::get<ArchiveError>(
                     ArchiveWriter::create(view(kPassphrase), VaultParameters::minimum(), 4)),
                 ArchiveError::UnsupportedVersion);
    }
};

QTEST_APPLESS_MAIN(TestProfileArchive)
#include "tst_profilearchive.moc"
