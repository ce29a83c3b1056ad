// Moving a profile to a new computer (docs/protocol.md B1, docs/cli.md export/import): the
// real parley-relay and parley-cli binaries, real profiles. Alice and bob talk, bob verifies
// alice; alice exports and imports into a fresh profile folder — a new device of the same
// account. The history is there, the old device is retired on the relay, the next messages
// both ways decrypt, and bob's contact for alice keeps its verification and safety number
// (a device change, not a key change). A wrong passphrase or a damaged archive leaves no
// profile behind. Files travel too (B2): a downloaded one inside the archive, one not
// downloaded still fetched from the relay by the new device with the key that travelled.

#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using parley::test::CliResult;
using parley::test::RelayProcess;

namespace {

const QString kPassphrase = QStringLiteral("correct horse battery staple");
const QString kArchivePassphrase = QStringLiteral("a different archive passphrase");

QList<QJsonObject> jsonLines(const QString &out)
{
    QList<QJsonObject> objects;
    for (const QString &line : out.split(u'\n', Qt::SkipEmptyParts)) {
        const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8());
        objects.append(document.isObject() ? document.object() : QJsonObject());
    }
    return objects;
}

QJsonObject lastEvent(const CliResult &result)
{
    const QList<QJsonObject> events = jsonLines(result.out);
    return events.isEmpty() ? QJsonObject() : events.last();
}

} // namespace

class TestE2eArchive : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void moveToANewDevice();
    void newDeviceWritesFirst();
    void badArchivesLeaveNoProfile();
    void filesTravel();

private:
    CliResult run(const QStringList &arguments, const QString &archivePassphrase = {}) const;
    void createProfile(const QString &name);
    // alice and bob talk, bob verifies alice, alice exports and imports into "alice-new".
    // Returns bob's safety number with alice.
    QString talkAndMove();
    void checkStillVerified(const QString &digits);
    QString profile(const QString &name) const { return m_dir->filePath(name); }
    QString address(const QString &name) const
    {
        return QStringLiteral("%1@127.0.0.1:%2").arg(name).arg(m_relay->port());
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RelayProcess> m_relay;
};

void TestE2eArchive::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_relay = std::make_unique<RelayProcess>();
    const QString error = m_relay->start(m_dir->filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eArchive::cleanup()
{
    m_relay.reset();
    m_dir.reset();
}

CliResult TestE2eArchive::run(const QStringList &arguments, const QString &archivePassphrase) const
{
    QStringList all{QStringLiteral("--json"), QStringLiteral("--relay"), m_relay->url().toString(),
                    QStringLiteral("--kdf"), QStringLiteral("interactive")};
    if (!archivePassphrase.isEmpty()) {
        // Like the profile's passphrase, never on the command line.
        QFile file(m_dir->filePath(QStringLiteral("archive-passphrase")));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(archivePassphrase.toUtf8() + '\n') < 0) {
            return {};
        }
        all << QStringLiteral("--archive-passphrase-file") << file.fileName();
    }
    return parley::test::runCli(all + arguments, kPassphrase);
}

void TestE2eArchive::createProfile(const QString &name)
{
    const CliResult result =
        run({QStringLiteral("--profile"), profile(name), QStringLiteral("init"), name});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
}

QString TestE2eArchive::talkAndMove()
{
    createProfile(QStringLiteral("alice"));
    createProfile(QStringLiteral("bob"));
    const QString alice = profile(QStringLiteral("alice"));
    const QString bob = profile(QStringLiteral("bob"));
    const QString aliceAddress = address(QStringLiteral("alice"));

    // They talk; bob verifies alice.
    if (run({"--profile", alice, "send", "bob", "hello bob"}).exitCode != 0) {
        return {};
    }
    CliResult result = run({"--profile", bob, "recv", "--wait", "20"});
    if (!result.out.contains(u"hello bob") ||
        run({"--profile", bob, "accept", "alice"}).exitCode != 0 || // a message request first
        run({"--profile", bob, "send", "alice", "hello alice"}).exitCode != 0) {
        qWarning("bob: %s", qPrintable(result.out + result.err));
        return {};
    }
    result = run({"--profile", alice, "recv", "--wait", "20"});
    if (!result.out.contains(u"hello alice") ||
        run({"--profile", bob, "verify", "alice"}).exitCode != 0) {
        qWarning("alice: %s", qPrintable(result.out + result.err));
        return {};
    }
    result = run({"--profile", bob, "safety-number", "alice"});
    const QString digits = lastEvent(result).value(u"digits").toString();

    // Alice exports (no relay needed) and imports on a "new computer".
    const QString archive = m_dir->filePath(QStringLiteral("alice.parley-archive"));
    result = run({"--profile", alice, "export", archive}, kArchivePassphrase);
    QJsonObject event = lastEvent(result);
    if (result.exitCode != 0 || event.value(u"event").toString() != u"exported" ||
        event.value(u"contacts").toInt() != 1 || event.value(u"messages").toInt() != 2) {
        qWarning("export: %s", qPrintable(result.out + result.err));
        return {};
    }
    const QByteArray sealed = [&] {
        QFile file(archive);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    if (!sealed.startsWith("PRLYARC1") || sealed.contains("hello bob") ||
        sealed.contains("alice@")) {
        qWarning("the archive is not sealed");
        return {};
    }
    result = run({"--profile", profile(QStringLiteral("alice-new")), "import", archive},
                 kArchivePassphrase);
    const QList<QJsonObject> events = jsonLines(result.out);
    if (result.exitCode != 0 || events.size() != 2 ||
        events[0].value(u"event").toString() != u"imported" ||
        events[0].value(u"device_address").toString() != aliceAddress + QStringLiteral("/2") ||
        events[1].value(u"event").toString() != u"signed-in" ||
        events[1].value(u"device_address").toString() != aliceAddress + QStringLiteral("/2")) {
        qWarning("import: %s", qPrintable(result.out + result.err));
        return {};
    }
    return digits;
}

void TestE2eArchive::checkStillVerified(const QString &digits)
{
    // A device change is not a key change: bob's alice is still verified, same number.
    const QString bob = profile(QStringLiteral("bob"));
    CliResult result = run({"--profile", bob, "contacts"});
    const QJsonObject event = lastEvent(result);
    QCOMPARE(event.value(u"address").toString(), address(QStringLiteral("alice")));
    QCOMPARE(event.value(u"verified").toBool(), true);
    QCOMPARE(event.value(u"key_changed").toBool(), false);
    result = run({"--profile", bob, "safety-number", "alice"});
    QCOMPARE(lastEvent(result).value(u"digits").toString(), digits);
    // Every message of bob's once, none failed.
    result = run({"--profile", bob, "history", "alice"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    for (const QJsonObject &message : jsonLines(result.out)) {
        QVERIFY2(message.value(u"state").toString() != u"failed",
                 qPrintable(QJsonDocument(message).toJson()));
    }
}

void TestE2eArchive::moveToANewDevice()
{
    QElapsedTimer timer;
    timer.start();
    const QString digits = talkAndMove();
    QCOMPARE(digits.size(), 60);
    const QString alice = profile(QStringLiteral("alice"));
    const QString moved = profile(QStringLiteral("alice-new"));
    const QString bob = profile(QStringLiteral("bob"));
    // Nothing of the import is left beside it.
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("*.importing-*")}, QDir::AllEntries),
             QStringList());

    // The history travelled.
    CliResult result = run({"--profile", moved, "history", "bob"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QVERIFY2(result.out.contains(u"hello bob") && result.out.contains(u"hello alice"),
             qPrintable(result.out));
    // The old device is retired: the relay refuses it (device removed).
    result = run({"--profile", alice, "status"});
    QCOMPARE(result.exitCode, 3);
    // The same archive again, on a third computer: its device list is no longer the newest,
    // the relay refuses it, and the profile made for it is removed again.
    const QString third = profile(QStringLiteral("alice-third"));
    result =
        run({"--profile", third, "import", m_dir->filePath(QStringLiteral("alice.parley-archive"))},
            kArchivePassphrase);
    QCOMPARE(result.exitCode, 3);
    QVERIFY2(result.err.contains(u"removed again"), qPrintable(result.err));
    QVERIFY(!QFileInfo::exists(third));
    QCOMPARE(run({"--profile", moved, "status"}).exitCode, 0); // the second device is unharmed

    // Bob writes first: his session was with the retired device. The relay refuses that
    // device; bob's client fetches alice's new list, retires the device and sends to the new one.
    result = run({"--profile", bob, "send", "alice", "welcome to the new computer"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    result = run({"--profile", moved, "recv", "--wait", "20"});
    QVERIFY2(result.out.contains(u"welcome to the new computer"),
             qPrintable(result.out + result.err));
    QCOMPARE(run({"--profile", moved, "send", "bob", "all moved"}).exitCode, 0);
    result = run({"--profile", bob, "recv", "--wait", "20"});
    QVERIFY2(result.out.contains(u"all moved"), qPrintable(result.out + result.err));
    // And once more each way, on the established sessions.
    QCOMPARE(run({"--profile", bob, "send", "alice", "second"}).exitCode, 0);
    result = run({"--profile", moved, "recv", "--wait", "20"});
    QVERIFY2(result.out.contains(u"second"), qPrintable(result.out + result.err));
    QCOMPARE(run({"--profile", moved, "send", "bob", "second back"}).exitCode, 0);
    result = run({"--profile", bob, "recv", "--wait", "20"});
    QVERIFY2(result.out.contains(u"second back"), qPrintable(result.out + result.err));

    checkStillVerified(digits);
    result = run({"--profile", bob, "history", "alice"});
    QCOMPARE(result.out.count(u"welcome to the new computer"), 1);
    qInfo("moveToANewDevice: %lld ms", timer.elapsed());
}

void TestE2eArchive::newDeviceWritesFirst()
{
    const QString digits = talkAndMove();
    QCOMPARE(digits.size(), 60);
    const QString moved = profile(QStringLiteral("alice-new"));
    const QString bob = profile(QStringLiteral("bob"));
    // The new device writes first: bob's client takes its initial message under the pinned
    // account key (no key change) ...
    QCOMPARE(run({"--profile", moved, "send", "bob", "hello from the new computer"}).exitCode, 0);
    CliResult result = run({"--profile", bob, "recv", "--wait", "20"});
    QVERIFY2(result.out.contains(u"hello from the new computer"),
             qPrintable(result.out + result.err));
    // ... and its answer goes to both devices it has sessions with: the retired one is
    // refused and dropped, the message is sent, not failed.
    result = run({"--profile", bob, "send", "alice", "got it"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    result = run({"--profile", moved, "recv", "--wait", "20"});
    QVERIFY2(result.out.contains(u"got it"), qPrintable(result.out + result.err));
    checkStillVerified(digits);
}

void TestE2eArchive::badArchivesLeaveNoProfile()
{
    createProfile(QStringLiteral("carol"));
    const QString carol = profile(QStringLiteral("carol"));
    const QString archive = m_dir->filePath(QStringLiteral("carol.archive"));
    QCOMPARE(run({"--profile", carol, "export", archive}, kArchivePassphrase).exitCode, 0);
    QFile file(archive);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray sealed = file.readAll();
    file.close();

    const QString target = profile(QStringLiteral("carol-new"));
    // Wrong passphrase.
    CliResult result = run({"--profile", target, "import", archive}, QStringLiteral("wrong"));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(u"passphrase is wrong"), qPrintable(result.err));
    QVERIFY(!QFileInfo::exists(target));
    // Truncated, and tampered (one byte of the last chunk).
    const QString damaged = m_dir->filePath(QStringLiteral("damaged.archive"));
    const auto writeDamaged = [&](const QByteArray &bytes) {
        QFile out(damaged);
        return out.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
               out.write(bytes) == bytes.size();
    };
    QVERIFY(writeDamaged(sealed.left(sealed.size() - 10)));
    result = run({"--profile", target, "import", damaged}, kArchivePassphrase);
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(u"incomplete"), qPrintable(result.err));
    QVERIFY(!QFileInfo::exists(target));
    QByteArray tampered = sealed;
    tampered[tampered.size() - 3] = char(tampered[tampered.size() - 3] ^ 0x20);
    QVERIFY(writeDamaged(tampered));
    result = run({"--profile", target, "import", damaged}, kArchivePassphrase);
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(u"damaged or was altered"), qPrintable(result.err));
    QVERIFY(!QFileInfo::exists(target));
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("*.importing-*")}, QDir::AllEntries),
             QStringList());
    // An existing profile is never overwritten.
    result = run({"--profile", carol, "import", archive}, kArchivePassphrase);
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.err.contains(u"not empty"), qPrintable(result.err));
}

void TestE2eArchive::filesTravel()
{
    createProfile(QStringLiteral("dana"));
    createProfile(QStringLiteral("erin"));
    const QString dana = profile(QStringLiteral("dana"));
    const QString erin = profile(QStringLiteral("erin"));
    const auto writeFile = [](const QString &path, const QByteArray &bytes) {
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    const auto readFile = [](const QString &path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    // Two files of more than one archive piece (64 KiB) each, not images.
    QByteArray mine(150'000, Qt::Uninitialized);
    QByteArray theirs(90'000, Qt::Uninitialized);
    for (qsizetype i = 0; i < mine.size(); ++i) {
        mine[i] = char((i * 7919) >> 3);
    }
    for (qsizetype i = 0; i < theirs.size(); ++i) {
        theirs[i] = char((i * 104729) >> 5);
    }
    const QString minePath = m_dir->filePath(QStringLiteral("mine.dat"));
    const QString theirsPath = m_dir->filePath(QStringLiteral("theirs.dat"));
    QVERIFY(writeFile(minePath, mine) && writeFile(theirsPath, theirs));

    // Dana sends a file (her blob is local); erin answers with one dana does not download.
    CliResult result = run({"--profile", dana, "send-file", "erin", minePath});
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    const QString mineId = lastEvent(result).value(u"client_message_id").toString();
    QVERIFY(!mineId.isEmpty());
    QVERIFY(run({"--profile", erin, "recv", "--wait", "20"}).out.contains(u"mine.dat"));
    QCOMPARE(run({"--profile", erin, "accept", "dana"}).exitCode, 0);
    result = run({"--profile", erin, "send-file", "dana", theirsPath});
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    const QString theirsId = lastEvent(result).value(u"client_message_id").toString();
    QVERIFY(run({"--profile", dana, "recv", "--wait", "20"}).out.contains(u"theirs.dat"));

    const QString archive = m_dir->filePath(QStringLiteral("dana.parley-archive"));
    result = run({"--profile", dana, "export", archive}, kArchivePassphrase);
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    QCOMPARE(lastEvent(result).value(u"attachments").toInt(), 2);
    QCOMPARE(lastEvent(result).value(u"files").toInt(), 1); // hers; erin's is not downloaded
    QVERIFY(!readFile(archive).contains(readFile(QDir(dana + QStringLiteral("/attachments"))
                                                     .entryInfoList(QDir::Files)
                                                     .value(0)
                                                     .filePath())
                                            .mid(4096, 64))); // the blob is sealed in it too
    const QString moved = profile(QStringLiteral("dana-new"));
    result = run({"--profile", moved, "import", archive}, kArchivePassphrase);
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    QCOMPARE(QDir(moved + QStringLiteral("/attachments")).entryList(QDir::Files).size(), 1);

    // Her own file opens from the archive's copy; erin's comes from the relay.
    const QString mineOut = m_dir->filePath(QStringLiteral("mine-out.dat"));
    result = run({"--profile", moved, "fetch-file", "erin", mineId, mineOut});
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    QCOMPARE(readFile(mineOut), mine);
    const QString theirsOut = m_dir->filePath(QStringLiteral("theirs-out.dat"));
    result = run({"--profile", moved, "fetch-file", "erin", theirsId, theirsOut});
    QVERIFY2(result.exitCode == 0, qPrintable(result.out + result.err));
    QCOMPARE(readFile(theirsOut), theirs);
    QCOMPARE(QDir(moved + QStringLiteral("/attachments")).entryList(QDir::Files).size(), 2);
}

QTEST_GUILESS_MAIN(TestE2eArchive)
#include "tst_e2e_archive.moc"
