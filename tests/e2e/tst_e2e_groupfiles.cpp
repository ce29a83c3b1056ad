// Files in groups (protocol M1 §9.10), end to end with the real parley-relay and parley-cli:
// a member uploads a file once and sends it to every member like a group text; each member
// downloads the same blob, checks it against the digest the sender sealed to it and decrypts
// it; a blob changed on the relay is refused; the file is a message like any other (receipts,
// replies, reactions), and its author's delete for everyone takes it from every member. An
// upload cut off by a crash goes on from the relay's offset and then reaches the group.

#include "support/cliprofiles.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using parley::test::CliResult;
using parley::test::jsonLines;

namespace {

// The relay's blob files under `relayDir`.
QStringList blobFiles(const QString &relayDir)
{
    return parley::test::blobsOnRelay(relayDir).keys();
}

// Flips one bit of the file at `path`, at `offset`.
bool flipBit(const QString &path, qint64 offset)
{
    QFile file(path);
    char byte = 0;
    return file.open(QIODevice::ReadWrite) && file.seek(offset) && file.getChar(&byte) &&
           file.seek(offset) && file.putChar(char(byte ^ 0x01));
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestE2eGroupFiles : public QObject, protected parley::test::CliProfilesTest
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aFileReachesEveryMemberFromOneBlob();
    void anUploadCutOffGoesOnToTheGroup();

private:
    // `name`'s row of group `id` with client_message_id `messageId`, after fetching.
    QJsonObject row(const QString &name, const QString &id, const QString &messageId)
    {
        const CliResult fetched = cli(name, {QStringLiteral("recv")});
        if (fetched.exitCode != 0) {
            qWarning("recv: %s", qPrintable(fetched.err));
        }
        const CliResult listed =
            cli(name, {QStringLiteral("history"), QStringLiteral("group:") + id});
        for (const QJsonObject &line : jsonLines(listed.out)) {
            if (line.value(u"client_message_id").toString() == messageId) {
                return line;
            }
        }
        return {};
    }
    // The files in `name`'s attachments folder (its downloads and sent files, all ciphertext;
    // a download cut short would be a .part).
    QStringList profileBlobs(const QString &name) const
    {
        return QDir(m_profiles->path(name) + QStringLiteral("/attachments")).entryList(QDir::Files);
    }
};

void TestE2eGroupFiles::initTestCase()
{
    QString error = m_profiles->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = m_profiles->create({QStringLiteral("alice"), QStringLiteral("bob"),
                                QStringLiteral("carol"), QStringLiteral("dave")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eGroupFiles::cleanupTestCase()
{
    m_profiles.reset();
}

void TestE2eGroupFiles::aFileReachesEveryMemberFromOneBlob()
{
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    const QString carol = QStringLiteral("carol");
    CliResult result = cli(alice, {QStringLiteral("group"), QStringLiteral("create"),
                                   QStringLiteral("Files"), bob, carol});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    QCOMPARE(id.size(), 32);
    const QString key = QStringLiteral("group:") + id;

    // 3 MiB of noise: several upload chunks, nothing a compressor could shrink.
    QByteArray original(3 * 1024 * 1024 + 17, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(original.data()),
                                          original.size() / 4);
    const QString source = m_profiles->path(QStringLiteral("plan.bin"));
    {
        QFile file(source);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(original), original.size());
    }
    const QString relayDir = m_profiles->path(QStringLiteral("relay"));
    QVERIFY(blobFiles(relayDir).isEmpty());

    result = cli(alice, {QStringLiteral("send-file"), QStringLiteral("--caption"),
                         QStringLiteral("the plan"), key, source});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    const QJsonObject sent = jsonLines(result.out).value(0);
    QCOMPARE(sent.value(u"conversation").toString(), key);
    const QString fileId = sent.value(u"client_message_id").toString();
    QCOMPARE(fileId.size(), 32);
    // Uploaded once for the whole group: one blob on the relay, whatever the member count.
    const QStringList blobs = blobFiles(relayDir);
    QCOMPARE(blobs.size(), 1);
    QVERIFY(QFileInfo(blobs.first()).size() > original.size()); // ciphertext with its tags

    // Every member has the message, with the file's name, size and caption, not downloaded.
    for (const QString &member : {bob, carol}) {
        const QJsonObject line = row(member, id, fileId);
        QVERIFY2(!line.isEmpty(), qPrintable(member));
        QCOMPARE(line.value(u"from").toString(), address(alice));
        const QJsonObject file = line.value(u"attachment").toObject();
        QCOMPARE(file.value(u"file_name").toString(), QStringLiteral("plan.bin"));
        QCOMPARE(file.value(u"size").toInteger(), original.size());
        QCOMPARE(file.value(u"caption").toString(), QStringLiteral("the plan"));
        QVERIFY(!file.value(u"downloaded").toBool());
    }
    // Alice's copy: read once both members have (`recv` shows it, so it is read), with each
    // member's receipt (M1 §9.8).
    const QJsonObject receipts = row(alice, id, fileId).value(u"receipts").toObject();
    QCOMPARE(receipts.value(address(bob)).toString(), QStringLiteral("read"));
    QCOMPARE(receipts.value(address(carol)).toString(), QStringLiteral("read"));

    // Bob downloads it: the same bytes, and his profile keeps only ciphertext.
    const QString bobOut = m_profiles->path(QStringLiteral("bob-plan.bin"));
    result = cli(bob, {QStringLiteral("fetch-file"), key, fileId, bobOut});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    QCOMPARE(readAll(bobOut), original);
    QCOMPARE(profileBlobs(bob).size(), 1);
    QVERIFY(!readAll(m_profiles->path(bob) + QStringLiteral("/attachments/") +
                     profileBlobs(bob).first())
                 .contains(original.left(4096)));
    QVERIFY(row(bob, id, fileId).value(u"attachment").toObject().value(u"downloaded").toBool());

    // The relay (or its disk) changes one bit: carol's download is refused against the digest
    // alice sealed to her, and nothing of it is kept; put back, it downloads.
    QVERIFY(flipBit(blobs.first(), 100'000));
    const QString carolOut = m_profiles->path(QStringLiteral("carol-plan.bin"));
    result = cli(carol, {QStringLiteral("fetch-file"), key, fileId, carolOut});
    QCOMPARE(result.exitCode, 4); // the message was refused (docs/cli.md)
    QVERIFY2(result.err.contains(QStringLiteral("does not match")), qPrintable(result.err));
    QVERIFY(!QFile::exists(carolOut));
    QVERIFY(profileBlobs(carol).isEmpty());
    QVERIFY(flipBit(blobs.first(), 100'000));
    result = cli(carol, {QStringLiteral("fetch-file"), QStringLiteral("--author"), alice, key,
                         fileId, carolOut});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    QCOMPARE(readAll(carolOut), original);

    // A reply and a reaction name it like any message.
    result = cli(carol, {QStringLiteral("reply"), key, fileId, QStringLiteral("got it")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    result = cli(bob, {QStringLiteral("react"), key, fileId, QStringLiteral("👍")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    const QJsonObject onAlice = row(alice, id, fileId);
    QCOMPARE(onAlice.value(u"state").toString(), QStringLiteral("read"));
    QCOMPARE(onAlice.value(u"reactions").toArray().size(), 1);
    const QStringList aliceTexts = history(alice, id);
    QVERIFY2(aliceTexts.contains(address(carol) + QStringLiteral(": got it")),
             qPrintable(aliceTexts.join(u'\n')));

    // Alice edits its caption: a member's group history shows the file with the new one.
    result = cli(alice, {QStringLiteral("edit"), key, fileId, QStringLiteral("the final plan")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    result = cli(bob, {QStringLiteral("group"), QStringLiteral("history"), id});
    QJsonObject edited;
    for (const QJsonObject &line : jsonLines(result.out)) {
        if (line.value(u"client_message_id").toString() == fileId) {
            edited = line;
        }
    }
    QCOMPARE(edited.value(u"text").toString(), QStringLiteral("the final plan"));
    QCOMPARE(edited.value(u"attachment").toObject().value(u"caption").toString(),
             QStringLiteral("the final plan"));
    QCOMPARE(edited.value(u"attachment").toObject().value(u"file_name").toString(),
             QStringLiteral("plan.bin"));

    // Only its author deletes it for everyone; then every member's copy and key are gone.
    result = cli(bob, {QStringLiteral("delete"), key, fileId});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(QStringLiteral("Only the author")), qPrintable(result.err));
    QCOMPARE(profileBlobs(alice).size(), 1); // her own ciphertext, kept for her sent file
    result = cli(alice, {QStringLiteral("delete"), key, fileId});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    QVERIFY(profileBlobs(alice).isEmpty());
    for (const QString &member : {bob, carol}) {
        const QJsonObject line = row(member, id, fileId);
        QVERIFY(line.value(u"deleted").toBool());
        QVERIFY(!line.contains(u"attachment"));
        QVERIFY2(profileBlobs(member).isEmpty(), qPrintable(member));
        result = cli(member, {QStringLiteral("fetch-file"), key, fileId,
                              m_profiles->path(member + QStringLiteral("-again.bin"))});
        QVERIFY(result.exitCode != 0);
    }

    // Someone outside the group cannot send it a file: nothing is uploaded.
    result = cli(QStringLiteral("dave"), {QStringLiteral("send-file"), key, source});
    QVERIFY(result.exitCode != 0);
    QCOMPARE(blobFiles(relayDir).size(), 1);
}

void TestE2eGroupFiles::anUploadCutOffGoesOnToTheGroup()
{
    const QString alice = QStringLiteral("alice");
    const QString bob = QStringLiteral("bob");
    CliResult result = cli(alice, {QStringLiteral("group"), QStringLiteral("create"),
                                   QStringLiteral("Archive"), bob, QStringLiteral("carol")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString id = jsonLines(result.out).value(0).value(u"group_id").toString();
    const QString key = QStringLiteral("group:") + id;

    // 16 MiB: many chunks, so there is time to crash in the middle of the upload.
    QByteArray original(16 * 1024 * 1024 + 5, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(original.data()),
                                          original.size() / 4);
    const QString source = m_profiles->path(QStringLiteral("archive.bin"));
    {
        QFile file(source);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(original), original.size());
    }
    const QString relayDir = m_profiles->path(QStringLiteral("relay"));
    const int blobsBefore = int(blobFiles(relayDir).size());
    const qint64 held = parley::test::sendFileAndCrash(m_profiles->path(alice), relayDir, key,
                                                       source, parley::test::kCliPassphrase);
    QVERIFY2(held > 0 && held < original.size(), qPrintable(QString::number(held)));

    // The next command goes on with it (`flush` waits for the upload and its message): the
    // same blob, completed, not a second one.
    result = cli(alice, {QStringLiteral("flush")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    QCOMPARE(blobFiles(relayDir).size(), blobsBefore + 1);
    result = cli(bob, {QStringLiteral("recv")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QString fileId;
    result = cli(bob, {QStringLiteral("history"), key});
    for (const QJsonObject &line : jsonLines(result.out)) {
        if (line.value(u"attachment").toObject().value(u"file_name").toString() == u"archive.bin") {
            fileId = line.value(u"client_message_id").toString();
        }
    }
    QCOMPARE(fileId.size(), 32);
    const QString out = m_profiles->path(QStringLiteral("bob-archive.bin"));
    result = cli(bob, {QStringLiteral("fetch-file"), key, fileId, out});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err + result.out));
    QVERIFY(readAll(out) == original);
}

QTEST_GUILESS_MAIN(TestE2eGroupFiles)
#include "tst_e2e_groupfiles.moc"
