// Profile archives in core (docs/protocol.md B1, core/account/profilearchiver.h): export from
// a real profile, import into a fresh folder as a new device of the same account — the
// identity, device list, contacts with their verification and the history — and every bad
// archive (wrong passphrase, truncated, tampered, records out of order, trailing bytes)
// refused with a sentence and no profile or leftover folder behind.

#include "archivetesthelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/messagetable.h"
#include "crypto/devicelist.h"

#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;

namespace {

const QString kAddress = QStringLiteral("alice@127.0.0.1:7683");
ArchiveOutcome takeOutcome(QFuture<StoreResult<ArchiveOutcome>> future)
{
    return valueOf(take(std::move(future)));
}

} // namespace

class TestProfileArchiver : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void roundTripMakesANewDevice();
    void exportReportsProgress();
    void badArchivesLeaveNothing_data();
    void badArchivesLeaveNothing();
    void recordsOutOfOrderAreRefused();
    void recordCodecsRefuseBadBodies();

private:
    QString exportOriginal();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ProfileStore> m_store;
    std::unique_ptr<ArchiveAccount> m_account;
};

void TestProfileArchiver::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_shared<ProfileStore>(m_dir->filePath(QStringLiteral("original")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    m_account = std::make_unique<ArchiveAccount>(kAddress);
    const OwnIdentityRecord identity = m_account->identity;
    auto stored = take(m_store->run([identity](StoreContext &context) -> StoreStatus {
        return context.transaction([&]() -> StoreStatus {
            if (auto saved = IdentityTable(context).save(identity);
                std::holds_alternative<StoreError>(saved)) {
                return saved;
            }
            ContactTable contacts(context);
            ContactRecord bob;
            bob.address = QStringLiteral("bob@127.0.0.1:7683");
            bob.accountKey = QByteArray(32, 'b');
            bob.verified = true;
            bob.displayName = QStringLiteral("Bob ✓");
            bob.deviceListCounter = 3;
            bob.createdAt = 1000;
            ContactRecord mallory;
            mallory.address = QStringLiteral("mallory@127.0.0.1:7683");
            mallory.blocked = true;
            mallory.accepted = false;
            mallory.createdAt = 2000;
            const ContactId bobId = std::get<ContactId>(contacts.put(bob));
            std::get<ContactId>(contacts.put(mallory));
            const ConversationId conversation =
                std::get<ConversationId>(ConversationTable(context).forContact(bobId, 1000));
            MessageTable messages(context);
            for (int i = 0; i < 1200; ++i) { // more than one export page
                MessageRecord message;
                message.conversation = conversation;
                message.direction = i % 2 == 0 ? MessageRecord::Direction::Outgoing
                                               : MessageRecord::Direction::Incoming;
                message.clientMessageId =
                    QByteArray(12, 'm') + QByteArray::number(i).rightJustified(4, '0');
                message.sentAt = 10'000 + i;
                message.storedAt = 20'000 + i;
                message.state = i == 1199    ? MessageRecord::State::Queued
                                : i % 2 == 0 ? MessageRecord::State::Read
                                             : MessageRecord::State::Seen;
                message.body = QStringLiteral("message %1 ✉").arg(i);
                if (i == 3) {
                    message.replyTo = QByteArray(12, 'm') + "0002";
                }
                if (auto appended = messages.append(message);
                    std::holds_alternative<StoreError>(appended)) {
                    return std::get<StoreError>(appended);
                }
            }
            return Done{};
        });
    }));
    QVERIFY(succeeded(stored));
}

QString TestProfileArchiver::exportOriginal()
{
    const QString path = m_dir->filePath(QStringLiteral("alice.archive"));
    const ArchiveOutcome outcome = takeOutcome(ProfileArchiver::exportProfile(
        m_store, path, ProfileStore::passphraseBytes(kArchivePassphrase),
        crypto::VaultParameters::minimum()));
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        qWarning("export failed: %s", qPrintable(failure->sentence));
        return {};
    }
    const auto &summary = std::get<ArchiveSummary>(outcome);
    if (summary.contacts != 2 || summary.messages != 1200 || summary.attachments != 0) {
        qWarning("export counted %d contacts, %lld messages", summary.contacts, summary.messages);
        return {};
    }
    return path;
}

void TestProfileArchiver::roundTripMakesANewDevice()
{
    const QString archive = exportOriginal();
    QVERIFY(!archive.isEmpty());
    const QByteArray sealed = readFile(archive);
    QVERIFY(!sealed.contains("message 1") && !sealed.contains("bob@")); // sealed, not plain

    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(archive, target);
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        QFAIL(qPrintable(failure->sentence));
    }
    const auto &summary = std::get<ArchiveSummary>(outcome);
    QCOMPARE(summary.contacts, 2);
    QCOMPARE(summary.messages, qint64(1200));
    QCOMPARE(summary.deviceAddress, kAddress + QStringLiteral("/2"));

    ProfileStore imported(target);
    QVERIFY(succeeded(take(imported.unlock(passphrase()))));
    // The identity: same account key, device 2, a list with counter 6 naming device 2 only.
    const OwnIdentityRecord identity = valueOf(
        take(imported.run([](StoreContext &context) { return IdentityTable(context).load(); })));
    QCOMPARE(identity.address, kAddress);
    QCOMPARE(identity.deviceId, 2u);
    QCOMPARE(bytesOf(identity.accountSeed.view()), m_account->seed());
    QVERIFY(!identity.registered);
    QCOMPARE(identity.deviceListCounter, quint64(6));
    auto list = crypto::DeviceList::parse(viewOf(identity.deviceList));
    QVERIFY(std::holds_alternative<crypto::DeviceList>(list));
    const auto &devices = std::get<crypto::DeviceList>(list);
    crypto::Ed25519PublicKey key{};
    std::copy_n(m_account->publicKey().constData(), 32, reinterpret_cast<char *>(key.data()));
    QVERIFY(!crypto::verifyDeviceList(devices, key, 5));
    QCOMPARE(devices.counter, quint64(6));
    QCOMPARE(devices.devices.size(), std::size_t(1));
    QCOMPARE(devices.devices[0].device.value, 2u);

    // Contacts with their standing; the history in order, a queued text now failed.
    const auto contacts = valueOf(
        take(imported.run([](StoreContext &context) { return ContactTable(context).all(); })));
    QCOMPARE(contacts.size(), std::size_t(2));
    QCOMPARE(contacts[0].address, QStringLiteral("bob@127.0.0.1:7683"));
    QCOMPARE(contacts[0].accountKey, QByteArray(32, 'b'));
    QVERIFY(contacts[0].verified);
    QCOMPARE(contacts[0].displayName.value_or(QString()), QStringLiteral("Bob ✓"));
    QCOMPARE(contacts[0].deviceListCounter, quint64(3));
    QVERIFY(contacts[1].blocked && !contacts[1].accepted && !contacts[1].verified);
    const auto messages = valueOf(take(imported.run([](StoreContext &context) {
        auto conversation =
            ConversationTable(context).findByAddress(QStringLiteral("bob@127.0.0.1:7683"));
        return MessageTable(context).pageAfter(
            *std::get<std::optional<ConversationId>>(conversation), MessageId{}, 5000);
    })));
    QCOMPARE(messages.size(), std::size_t(1200));
    for (int i = 0; i < 1200; ++i) {
        const MessageRecord &message = messages[std::size_t(i)];
        QCOMPARE(std::get<QString>(message.body), QStringLiteral("message %1 ✉").arg(i));
        QCOMPARE(message.sentAt, qint64(10'000 + i));
    }
    QCOMPARE(messages[3].replyTo, QByteArray(12, 'm') + "0002");
    QCOMPARE(messages[0].state, MessageRecord::State::Read);
    QCOMPARE(messages[1199].state, MessageRecord::State::Failed);
    // No sessions and no prekeys travelled: the new device makes its own.
    const auto counts = valueOf(take(imported.run([](StoreContext &context) -> StoreResult<int> {
        QSqlQuery query(context.database());
        query.exec(QStringLiteral("SELECT (SELECT count(*) FROM sessions) + "
                                  "(SELECT count(*) FROM prekeys)"));
        return query.next() ? query.value(0).toInt() : -1;
    })));
    QCOMPARE(counts, 0);
}

// The progress callback: the total first, then each page of 500 messages read, then the end.
void TestProfileArchiver::exportReportsProgress()
{
    QList<QPair<qint64, qint64>> calls; // (done, total), on the database thread
    const QString path = m_dir->filePath(QStringLiteral("progress.archive"));
    const ArchiveOutcome outcome = takeOutcome(ProfileArchiver::exportProfile(
        m_store, path, ProfileStore::passphraseBytes(kArchivePassphrase),
        crypto::VaultParameters::minimum(), [&calls](qint64 done, qint64 total) {
            calls.append({done, total});
        }));
    QVERIFY(std::holds_alternative<ArchiveSummary>(outcome));
    QCOMPARE(std::get<ArchiveSummary>(outcome).messages, 1200);
    const QList<QPair<qint64, qint64>> expected = {
        {0, 1200}, {500, 1200}, {1000, 1200}, {1200, 1200}, {1200, 1200}};
    QCOMPARE(calls, expected);
}

void TestProfileArchiver::badArchivesLeaveNothing_data()
{
    QTest::addColumn<int>("cut");  // bytes removed from the end (0: none)
    QTest::addColumn<int>("flip"); // offset from the end of a byte to flip (0: none)
    QTest::addColumn<QByteArray>("append");
    QTest::addColumn<QString>("passphrase");
    QTest::addColumn<int>("expected"); // crypto::ArchiveError
    QTest::newRow("wrong passphrase") << 0 << 0 << QByteArray() << QStringLiteral("nope")
                                      << int(crypto::ArchiveError::WrongPassphrase);
    QTest::newRow("truncated") << 1000 << 0 << QByteArray() << kArchivePassphrase
                               << int(crypto::ArchiveError::Truncated);
    QTest::newRow("tampered") << 0 << 5 << QByteArray() << kArchivePassphrase
                              << int(crypto::ArchiveError::Tampered);
    QTest::newRow("trailing bytes")
        << 0 << 0 << QByteArray("x") << kArchivePassphrase << int(crypto::ArchiveError::Tampered);
}

void TestProfileArchiver::badArchivesLeaveNothing()
{
    QFETCH(int, cut);
    QFETCH(int, flip);
    QFETCH(QByteArray, append);
    QFETCH(QString, passphrase);
    QFETCH(int, expected);
    const QString archive = exportOriginal();
    QVERIFY(!archive.isEmpty());
    QByteArray bytes = readFile(archive);
    bytes.chop(cut);
    if (flip > 0) {
        bytes[bytes.size() - flip] = char(bytes[bytes.size() - flip] ^ 0x01);
    }
    bytes += append;
    QFile file(archive);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
    file.close();

    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(archive, target, passphrase);
    QVERIFY(std::holds_alternative<ArchiveFailure>(outcome));
    const auto &failure = std::get<ArchiveFailure>(outcome);
    QCOMPARE(int(failure.archive.value_or(crypto::ArchiveError::Malformed)), expected);
    QVERIFY(!failure.sentence.isEmpty());
    QVERIFY(!QFileInfo::exists(target));
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("imported*")}, QDir::AllEntries),
             QStringList());
}

void TestProfileArchiver::recordsOutOfOrderAreRefused()
{
    // Well sealed, badly formed: a message before its contact, and no end record.
    const auto write = [&](const QString &name, bool withEnd, bool messageFirst) {
        // B1's records (its Message names the contact), so a B1 archive.
        ContactRecord bob;
        bob.address = QStringLiteral("bob@127.0.0.1:7683");
        MessageRecord message;
        message.clientMessageId = QByteArray(16, 'x');
        message.body = QStringLiteral("hi");
        ArchiveRecords records;
        if (!messageFirst) {
            records.emplace_back(archive::kContact, archive::encodeContact(bob));
        }
        records.emplace_back(archive::kMessage, archive::encodeMessage(bob.address, message));
        if (withEnd) {
            records.emplace_back(archive::kEnd, archive::encodeEnd({1, 1}, 1));
        }
        return writeArchive(m_dir->filePath(name), *m_account, records, 0x01);
    };
    const QString target = m_dir->filePath(QStringLiteral("imported"));
    for (const QString &archive :
         {write(QStringLiteral("a"), true, true), write(QStringLiteral("b"), false, false)}) {
        const ArchiveOutcome outcome = importArchive(archive, target);
        QVERIFY(std::holds_alternative<ArchiveFailure>(outcome));
        QVERIFY(std::get<ArchiveFailure>(outcome).archive == crypto::ArchiveError::Malformed);
        QVERIFY(!QFileInfo::exists(target));
    }
    // The well-formed one imports.
    const ArchiveOutcome outcome = importArchive(write(QStringLiteral("c"), true, false), target);
    QVERIFY(std::holds_alternative<ArchiveSummary>(outcome));
    QVERIFY(QFileInfo::exists(target + QStringLiteral("/profile.vault")));
}

void TestProfileArchiver::recordCodecsRefuseBadBodies()
{
    ContactRecord contact;
    contact.address = QStringLiteral("bob@127.0.0.1:7683");
    contact.accountKey = QByteArray(32, 'k');
    const crypto::WipedBytes body = archive::encodeContact(contact);
    QVERIFY(archive::decodeContact(body.view()));
    // Every strict prefix, and one byte more, is refused.
    for (std::size_t size = 0; size < body.size(); ++size) {
        QVERIFY(!archive::decodeContact(body.view().first(size)));
    }
    std::vector<crypto::Byte> longer(body.view().begin(), body.view().end());
    longer.push_back(0);
    QVERIFY(!archive::decodeContact(longer));
    MessageRecord message;
    message.clientMessageId = QByteArray(16, 'c');
    message.body = QStringLiteral("text");
    const crypto::WipedBytes encoded = archive::encodeMessage(contact.address, message);
    QVERIFY(archive::decodeMessage(encoded.view()));
    std::vector<crypto::Byte> badState(encoded.view().begin(), encoded.view().end());
    badState[2 + std::size_t(contact.address.toUtf8().size()) + 1] = 99; // state
    QVERIFY(!archive::decodeMessage(badState));
    for (std::size_t size = 0; size < encoded.size(); ++size) {
        QVERIFY(!archive::decodeMessage(encoded.view().first(size)));
    }
}

QTEST_GUILESS_MAIN(TestProfileArchiver)
#include "tst_profilearchiver.moc"
