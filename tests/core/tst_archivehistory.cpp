// The whole 1:1 history through a profile archive (docs/protocol.md B2): edited texts with
// their versions, reactions, tombstones, timer rows and the conversation's timer (an expired
// row left behind, the others keeping their expiry), attachments with their keys and — when
// downloaded — their blobs, which arrive as the same ciphertext under the new profile and
// still decrypt. B1 archives (written with the old record writer) still import. Bad B2
// records (a blob that does not match its digest, a blob cut short, a reaction with no
// message, groups' authored rows) are refused with nothing left behind.

#include "archivetesthelpers.h"
#include "core/session/attachmentfiles.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/reactiontable.h"

#include <QBuffer>
#include <QDateTime>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;

namespace {

const QString kAddress = QStringLiteral("alice@127.0.0.1:7683");
const QString kCarol = QStringLiteral("carol@127.0.0.1:7683");
constexpr qint64 kDay = 24 * 3600 * 1000;

QByteArray id16(char c, int i)
{
    return QByteArray(12, c) + QByteArray::number(i).rightJustified(4, '0');
}

QByteArray randomBytes(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

} // namespace

class TestArchiveHistory : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void wholeHistoryTravels();
    void b1ArchivesStillImport();
    void badRecordsLeaveNothing_data();
    void badRecordsLeaveNothing();
    void recordCodecsRefuseBadBodies();

private:
    // An archive of `records` after the account record and carol's contact record.
    QString writeArchive(const QString &name, ArchiveRecords records,
                         crypto::Byte version = crypto::kArchiveFormatVersion);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ProfileStore> m_store;
    QByteArray m_plainFile; // the downloaded attachment's plaintext
    QByteArray m_blob;      // its blob (ciphertext), as kept under attachments/
    AttachmentRef m_ref;    // its descriptor
    std::unique_ptr<ArchiveAccount> m_account;
    qint64 m_now = 0;
};

void TestArchiveHistory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    const QString original = m_dir->filePath(QStringLiteral("original"));
    m_store = std::make_shared<ProfileStore>(original);
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    m_account = std::make_unique<ArchiveAccount>(kAddress);
    const OwnIdentityRecord identity = m_account->identity;

    // A real blob of three archive pieces and more, as a download leaves it.
    const QString attachments = QDir(original).filePath(QStringLiteral("attachments"));
    QVERIFY(QDir().mkpath(attachments));
    m_plainFile = randomBytes(200 * 1024 + 12);
    const QString blobName = QStringLiteral("0123456789abcdef0123456789abcdef.blob");
    const auto encrypted = attachmentfiles::encryptToFile(
                               [plain = m_plainFile]() -> std::unique_ptr<QIODevice> {
                                   auto buffer = std::make_unique<QBuffer>();
                                   buffer->setData(plain);
                                   buffer->open(QIODevice::ReadOnly);
                                   return buffer;
                               },
                               QDir(attachments).filePath(blobName), 1 << 30)
                               .result();
    QVERIFY(std::holds_alternative<attachmentfiles::Encrypted>(encrypted));
    const auto &keys = std::get<attachmentfiles::Encrypted>(encrypted);
    m_blob = readFile(QDir(attachments).filePath(blobName));
    m_ref.blobId = QByteArray(32, 'B');
    m_ref.key = keys.key;
    m_ref.digest = keys.digest;
    m_ref.size = keys.size;
    m_ref.fileName = QStringLiteral("report ✓.pdf");
    m_ref.mimeType = QStringLiteral("application/pdf");
    m_ref.thumbnail = QByteArray(100, 't');
    QCOMPARE(quint64(m_blob.size()), m_ref.blobSize());
    AttachmentRef remote = m_ref;
    remote.blobId = QByteArray(32, 'R');
    remote.fileName = QStringLiteral("later.png");
    remote.thumbnail.clear();

    m_now = QDateTime::currentMSecsSinceEpoch();
    const qint64 now = m_now;
    const AttachmentRef ref = m_ref;
    auto stored = take(m_store->run([=](StoreContext &context) -> StoreStatus {
        return context.transaction([&]() -> StoreStatus {
            if (auto saved = IdentityTable(context).save(identity);
                std::holds_alternative<StoreError>(saved)) {
                return saved;
            }
            ContactRecord carol;
            carol.address = kCarol;
            carol.accountKey = QByteArray(32, 'c');
            carol.createdAt = 1000;
            const ContactId carolId = valueOf(ContactTable(context).put(carol));
            const ConversationId conversation =
                valueOf(ConversationTable(context).forContact(carolId, 1000));
            MessageTable messages(context);
            const auto row = [&](int i, MessageRecord::Direction direction) {
                MessageRecord message;
                message.conversation = conversation;
                message.direction = direction;
                message.clientMessageId = id16('c', i);
                message.sentAt = 10'000 + i;
                message.storedAt = 20'000 + i;
                message.state = direction == MessageRecord::Direction::Outgoing
                                    ? MessageRecord::State::Delivered
                                    : MessageRecord::State::Seen;
                message.body = QStringLiteral("text %1").arg(i);
                return message;
            };
            constexpr auto out = MessageRecord::Direction::Outgoing;
            constexpr auto in = MessageRecord::Direction::Incoming;
            // 0: edited (two versions); 1: two reactions; 2: a tombstone; 3: a timer row;
            // 4: expired; 5: expires tomorrow; 6: a downloaded file; 7: a file not fetched.
            MessageRecord edited = row(0, out);
            edited.body = QStringLiteral("helo");
            const MessageId m0 = valueOf(messages.append(edited));
            MessageVersionTable versions(context);
            valueOf(
                versions.add(m0, edited.clientMessageId, edited.sentAt, QStringLiteral("helo")));
            valueOf(versions.add(m0, id16('e', 0), 30'000, QStringLiteral("hello ✎")));
            if (auto set = messages.setEdited(m0, QStringLiteral("hello ✎"), id16('e', 0), 30'000);
                std::holds_alternative<StoreError>(set)) {
                return set;
            }
            const MessageId m1 = valueOf(messages.append(row(1, in)));
            ReactionTable reactions(context);
            for (const ReactionRecord &reaction :
                 {ReactionRecord{0, m1, ReactionTable::kSelf, QString(), id16('r', 0), 31'000,
                                 QStringLiteral("👍")},
                  ReactionRecord{0, m1, carolId.value, QString(), id16('r', 1), 32'000,
                                 QStringLiteral("❤️")}}) {
                if (auto put = reactions.put(reaction); std::holds_alternative<StoreError>(put)) {
                    return put;
                }
            }
            const MessageId m2 = valueOf(messages.append(row(2, in)));
            if (auto deleted = messages.setDeleted(m2);
                std::holds_alternative<StoreError>(deleted)) {
                return deleted;
            }
            MessageRecord timer = row(3, out);
            timer.body = QString();
            timer.timerChange = 3600;
            valueOf(messages.append(timer));
            MessageRecord expired = row(4, in);
            expired.expiresAt = now - 1000;
            expired.body = QStringLiteral("secret expired text");
            valueOf(messages.append(expired));
            MessageRecord expiring = row(5, in);
            expiring.expiresAt = now + kDay;
            valueOf(messages.append(expiring));
            MessageRecord file = row(6, out);
            file.body = QString();
            const MessageId m6 = valueOf(messages.append(file));
            AttachmentTable files(context);
            if (auto inserted =
                    files.insert({m6, ref, QStringLiteral("the report"), blobName}, now);
                std::holds_alternative<StoreError>(inserted)) {
                return inserted;
            }
            MessageRecord later = row(7, in);
            later.body = QString();
            const MessageId m7 = valueOf(messages.append(later));
            if (auto inserted = files.insert({m7, remote, QString(), QString()}, now);
                std::holds_alternative<StoreError>(inserted)) {
                return inserted;
            }
            return ConversationTable(context).setTimer(conversation, {3600, 10'003, id16('c', 3)});
        });
    }));
    QVERIFY(succeeded(stored));
}

void TestArchiveHistory::wholeHistoryTravels()
{
    const QString archive = m_dir->filePath(QStringLiteral("alice.archive"));
    const ArchiveOutcome exported = valueOf(take(ProfileArchiver::exportProfile(
        m_store, archive, ProfileStore::passphraseBytes(kArchivePassphrase),
        crypto::VaultParameters::minimum())));
    if (const auto *failure = std::get_if<ArchiveFailure>(&exported)) {
        QFAIL(qPrintable(failure->sentence));
    }
    const auto &sent = std::get<ArchiveSummary>(exported);
    QCOMPARE(sent.messages, qint64(7)); // the expired row stayed behind
    QCOMPARE(sent.attachments, qint64(2));
    QCOMPARE(sent.files, qint64(1));
    const QByteArray sealed = readFile(archive);
    QVERIFY(!sealed.contains("hello") && !sealed.contains("report") &&
            !sealed.contains(m_blob.mid(1000, 64)) && !sealed.contains(m_ref.key));
    QCOMPARE(quint8(sealed[8]), quint8(0x03)); // B3

    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(archive, target);
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        QFAIL(qPrintable(failure->sentence));
    }
    QCOMPARE(std::get<ArchiveSummary>(outcome).messages, qint64(7));
    QCOMPARE(std::get<ArchiveSummary>(outcome).files, qint64(1));

    ProfileStore imported(target);
    QVERIFY(succeeded(take(imported.unlock(passphrase()))));
    struct Seen
    {
        std::vector<MessageRecord> rows;
        std::vector<MessageVersion> versions;
        std::vector<ReactionRecord> reactions;
        std::vector<AttachmentRecord> files;
        ConversationTimer timer;
        qint64 carol = 0;
    };
    const Seen seen = valueOf(take(imported.run([](StoreContext &context) -> StoreResult<Seen> {
        Seen seen;
        const auto conversation =
            valueOf(ConversationTable(context).findByAddress(kCarol)).value_or(ConversationId{});
        seen.rows = valueOf(MessageTable(context).pageAfter(conversation, MessageId{}, 100));
        if (seen.rows.size() != 7) {
            return seen;
        }
        seen.versions = valueOf(
            MessageVersionTable(context).forMessage(seen.rows[0].id, seen.rows[0].clientMessageId));
        seen.reactions = valueOf(ReactionTable(context).forMessage(seen.rows[1].id));
        seen.files =
            valueOf(AttachmentTable(context).forMessages(seen.rows[0].id, seen.rows[6].id));
        seen.timer = valueOf(ConversationTable(context).timer(conversation));
        seen.carol = valueOf(ConversationTable(context).contactOf(conversation)).value;
        return seen;
    })));
    QCOMPARE(seen.rows.size(), std::size_t(7));
    // The edited text, its state and both versions.
    QCOMPARE(std::get<QString>(seen.rows[0].body), QStringLiteral("hello ✎"));
    QCOMPARE(seen.rows[0].editId, id16('e', 0));
    QCOMPARE(seen.rows[0].editedAt, qint64(30'000));
    QCOMPARE(seen.versions.size(), std::size_t(2));
    QCOMPARE(seen.versions[0].body, QStringLiteral("helo"));
    QCOMPARE(seen.versions[1].versionId, id16('e', 0));
    // Reactions with their authors.
    QCOMPARE(seen.reactions.size(), std::size_t(2));
    QCOMPARE(seen.reactions[0].author, ReactionTable::kSelf);
    QCOMPARE(seen.reactions[0].emoji, QStringLiteral("👍"));
    QCOMPARE(seen.reactions[1].author, seen.carol);
    QCOMPARE(seen.reactions[1].opId, id16('r', 1));
    // The tombstone, the timer row, the expiry kept; the expired row gone.
    QVERIFY(seen.rows[2].deleted);
    QCOMPARE(seen.rows[3].timerChange.value_or(0), 3600u);
    QCOMPARE(seen.rows[4].clientMessageId, id16('c', 5));
    QCOMPARE(seen.rows[4].expiresAt, m_now + kDay);
    QCOMPARE(seen.rows[0].expiresAt, qint64(0)); // stored before the timer: never expires
    QCOMPARE(seen.timer.seconds, 3600u);
    QCOMPARE(seen.timer.changeId, id16('c', 3));
    QCOMPARE(seen.rows[1].state, MessageRecord::State::Seen);
    // The files: the downloaded blob byte for byte under a new name; the other one fetchable.
    QCOMPARE(seen.files.size(), std::size_t(2));
    const AttachmentRecord &local = seen.files[0];
    QCOMPARE(local.message, seen.rows[5].id);
    QCOMPARE(local.ref.key, m_ref.key);
    QCOMPARE(local.ref.thumbnail, m_ref.thumbnail);
    QCOMPARE(local.caption, QStringLiteral("the report"));
    QVERIFY(!local.localFile.isEmpty());
    const QString blobPath =
        QDir(target).filePath(QStringLiteral("attachments/") + local.localFile);
    QCOMPARE(readFile(blobPath), m_blob);
    const auto opened =
        attachmentfiles::decryptToMemory(blobPath, local.ref.key, local.ref.digest, 1 << 30)
            .result();
    QVERIFY(std::holds_alternative<QByteArray>(opened));
    QCOMPARE(std::get<QByteArray>(opened), m_plainFile);
    QCOMPARE(seen.files[1].ref.blobId, QByteArray(32, 'R'));
    QVERIFY(seen.files[1].localFile.isEmpty());
    QCOMPARE(QDir(QDir(target).filePath(QStringLiteral("attachments"))).entryList(QDir::Files),
             QStringList{local.localFile});
}

QString TestArchiveHistory::writeArchive(const QString &name, ArchiveRecords records,
                                         crypto::Byte version)
{
    ContactRecord carol;
    carol.address = kCarol;
    carol.accountKey = QByteArray(32, 'c');
    records.emplace(records.begin(), archive::kContact, archive::encodeContact(carol));
    return test::writeArchive(m_dir->filePath(name), *m_account, records, version);
}

void TestArchiveHistory::b1ArchivesStillImport()
{
    // Written with B1's record writer: an edited text and a tombstone, as B1 §4.3 has them.
    MessageRecord edited;
    edited.direction = MessageRecord::Direction::Outgoing;
    edited.state = MessageRecord::State::Read;
    edited.clientMessageId = id16('o', 1);
    edited.body = QStringLiteral("old archive ✓");
    edited.editId = id16('e', 1);
    edited.editedAt = 5000;
    MessageRecord tombstone;
    tombstone.clientMessageId = id16('o', 2);
    tombstone.deleted = true;
    tombstone.body = QString();
    ArchiveRecords records;
    records.emplace_back(archive::kMessage, archive::encodeMessage(kCarol, edited));
    records.emplace_back(archive::kMessage, archive::encodeMessage(kCarol, tombstone));
    records.emplace_back(archive::kEnd, archive::encodeEnd({1, 2}, 1));
    const QString b1 = writeArchive(QStringLiteral("b1"), records, 0x01);
    QCOMPARE(quint8(readFile(b1)[8]), quint8(0x01));
    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(b1, target);
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        QFAIL(qPrintable(failure->sentence));
    }
    QCOMPARE(std::get<ArchiveSummary>(outcome).messages, qint64(2));
    ProfileStore imported(target);
    QVERIFY(succeeded(take(imported.unlock(passphrase()))));
    const auto rows = valueOf(take(imported.run([](StoreContext &context) {
        const auto conversation =
            valueOf(ConversationTable(context).findByAddress(kCarol)).value_or(ConversationId{});
        return MessageTable(context).pageAfter(conversation, MessageId{}, 10);
    })));
    QCOMPARE(rows.size(), std::size_t(2));
    QCOMPARE(std::get<QString>(rows[0].body), QStringLiteral("old archive ✓"));
    QCOMPARE(rows[0].editId, id16('e', 1));
    QVERIFY(rows[1].deleted);

    // B2's records are not B1's, and B1's Message is not B2's.
    const QString mixed = writeArchive(QStringLiteral("mixed"), [&] {
        ArchiveRecords list;
        list.emplace_back(archive::kMessage, archive::encodeMessage(kCarol, edited));
        list.emplace_back(archive::kEnd, archive::encodeEnd({1, 1, 0, 0, 0, 0, 0}));
        return list;
    }());
    const ArchiveOutcome refused = importArchive(mixed, m_dir->filePath(QStringLiteral("again")));
    QVERIFY(std::holds_alternative<ArchiveFailure>(refused));
    QVERIFY(std::get<ArchiveFailure>(refused).archive == crypto::ArchiveError::Malformed);
}

void TestArchiveHistory::badRecordsLeaveNothing_data()
{
    QTest::addColumn<int>("fault");
    QTest::newRow("well formed (imports)") << -1;
    QTest::newRow("blob does not match its digest") << 0;
    QTest::newRow("blob cut short") << 1;
    QTest::newRow("blob longer than announced") << 2;
    QTest::newRow("reaction before any message") << 3;
    QTest::newRow("a group member's row") << 4;
    QTest::newRow("attachment on a text") << 5;
    QTest::newRow("counts do not match") << 6;
    QTest::newRow("a reaction by someone else") << 7;
}

void TestArchiveHistory::badRecordsLeaveNothing()
{
    QFETCH(int, fault);
    ArchiveRecords records;
    archive::ConversationEntry conversation;
    conversation.contact = kCarol;
    records.emplace_back(archive::kConversation, archive::encodeConversation(conversation));
    archive::EndRecord end{1, 1, 1, 0, 0, 1, 1};
    if (fault == 3) {
        records.emplace_back(archive::kReaction,
                             archive::encodeReaction({{}, id16('r', 0), 1, QStringLiteral("👍")}));
    }
    MessageRecord file;
    file.clientMessageId = id16('f', 0);
    file.body = fault == 5 ? QStringLiteral("a text") : QString();
    if (fault == 4) {
        file.author = kCarol;
        file.authorDevice = 1;
    }
    records.emplace_back(archive::kMessage2, archive::encodeMessage2(file));
    if (fault == 7) {
        records.emplace_back(archive::kReaction,
                             archive::encodeReaction({QStringLiteral("dave@127.0.0.1:7683"),
                                                      id16('r', 0), 1, QStringLiteral("👍")}));
    }
    records.emplace_back(archive::kAttachment, archive::encodeAttachment({m_ref, {}, true}));
    QByteArray blob = m_blob;
    if (fault == 0) {
        blob[70'000] = char(blob[70'000] ^ 1);
    } else if (fault == 1) {
        blob.chop(1);
    } else if (fault == 2) {
        blob.append('x');
    }
    for (qsizetype at = 0; at < blob.size(); at += 65'536) {
        records.emplace_back(archive::kAttachmentData,
                             crypto::WipedBytes(viewOf(blob.mid(at, 65'536))));
    }
    if (fault == 6) {
        end.files = 0;
    }
    records.emplace_back(archive::kEnd, archive::encodeEnd(end));
    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome =
        importArchive(writeArchive(QStringLiteral("bad"), records), target);
    if (fault < 0) {
        QVERIFY(std::holds_alternative<ArchiveSummary>(outcome));
        QCOMPARE(std::get<ArchiveSummary>(outcome).files, qint64(1));
        return;
    }
    QVERIFY(std::holds_alternative<ArchiveFailure>(outcome));
    QVERIFY(std::get<ArchiveFailure>(outcome).archive == crypto::ArchiveError::Malformed);
    QVERIFY(leftNothing(target));
}

void TestArchiveHistory::recordCodecsRefuseBadBodies()
{
    MessageRecord message;
    message.clientMessageId = id16('m', 1);
    message.body = QStringLiteral("text");
    message.expiresAt = 99;
    std::vector<std::pair<crypto::WipedBytes, bool (*)(crypto::ByteView)>> bodies;
    bodies.emplace_back(archive::encodeMessage2(message), [](crypto::ByteView body) {
        return archive::decodeMessage2(body).has_value();
    });
    bodies.emplace_back(
        archive::encodeConversation({kCarol, {60, 5, id16('t', 1)}}),
        [](crypto::ByteView body) { return archive::decodeConversation(body).has_value(); });
    bodies.emplace_back(
        archive::encodeVersion({id16('v', 1), 7, QStringLiteral("v")}),
        [](crypto::ByteView body) { return archive::decodeVersion(body).has_value(); });
    bodies.emplace_back(
        archive::encodeReaction({kCarol, id16('r', 1), 7, QStringLiteral("🎉")}),
        [](crypto::ByteView body) { return archive::decodeReaction(body).has_value(); });
    bodies.emplace_back(
        archive::encodeAttachment({m_ref, QStringLiteral("c"), true}),
        [](crypto::ByteView body) { return archive::decodeAttachment(body).has_value(); });
    bodies.emplace_back(archive::encodeEnd({1, 2, 3, 4, 5, 6, 7}),
                        [](crypto::ByteView body) { return archive::decodeEnd(body).has_value(); });
    for (const auto &[body, decodes] : bodies) {
        QVERIFY(decodes(body.view()));
        // Every strict prefix, and one byte more, is refused.
        for (std::size_t size = 0; size < body.size(); ++size) {
            QVERIFY(!decodes(body.view().first(size)));
        }
        std::vector<crypto::Byte> longer(body.view().begin(), body.view().end());
        longer.push_back(0);
        QVERIFY(!decodes(longer));
    }
    const auto round = archive::decodeMessage2(archive::encodeMessage2(message).view());
    QVERIFY(round);
    QCOMPARE(std::get<QString>(round->message.body), QStringLiteral("text"));
    QCOMPARE(round->message.expiresAt, qint64(99));
    // Contradictions: a tombstone with a text, a timer row that expires, a bad state.
    const crypto::WipedBytes good = archive::encodeMessage2(message);
    std::vector<crypto::Byte> bad(good.view().begin(), good.view().end());
    bad[3] = 0x03; // deleted and text
    QVERIFY(!archive::decodeMessage2(bad));
    bad[3] = 0x04; // a timer row with a text and an expiry
    QVERIFY(!archive::decodeMessage2(bad));
    bad[3] = 0x02;
    bad[1] = 9; // state
    QVERIFY(!archive::decodeMessage2(bad));
    // A reaction longer than M1 allows, an empty one.
    QVERIFY(archive::encodeReaction({{}, id16('r', 1), 7, QString(40, QLatin1Char('x'))}).size() ==
            archive::encodeReaction({{}, id16('r', 1), 7, QString()}).size());
    QVERIFY(
        !archive::decodeReaction(archive::encodeReaction({{}, id16('r', 1), 7, QString()}).view()));
}

QTEST_GUILESS_MAIN(TestArchiveHistory)
#include "tst_archivehistory.moc"
