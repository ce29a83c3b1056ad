// parley-cli as a script uses it (docs/cli.md): batch files on one unlock, --json output,
// contacts, exit codes, and deleting an account. The real parley-relay and parley-cli
// binaries, real profiles.

#include "support/cliprocess.h"
#include "support/relayprocess.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using parley::test::CliResult;
using parley::test::RelayProcess;

namespace {

const QString kPassphrase = QStringLiteral("correct horse battery staple");

CliResult runCli(const QStringList &arguments)
{
    return parley::test::runCli(arguments, kPassphrase);
}

QList<QJsonObject> jsonLines(const QString &out)
{
    QList<QJsonObject> objects;
    for (const QString &line : out.split(u'\n', Qt::SkipEmptyParts)) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
        objects.append(error.error == QJsonParseError::NoError && document.isObject()
                           ? document.object()
                           : QJsonObject{{QStringLiteral("event"), QStringLiteral("not json")},
                                         {QStringLiteral("line"), line}});
    }
    return objects;
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QString &text)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0) {
        return {};
    }
    return file.fileName();
}

} // namespace

class TestE2eCli : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void batchRunsEverythingOnOneUnlock();
    void batchStopsAtTheFirstFailure();
    void deleteAccount();
    void verifyAndAcceptAKeyChange();

private:
    void createProfile(const QString &name);
    QString profile(const QString &name) const { return m_dir->filePath(name); }
    QString address(const QString &name) const
    {
        return QStringLiteral("%1@127.0.0.1:%2").arg(name).arg(m_relay->port());
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RelayProcess> m_relay;
};

void TestE2eCli::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_relay = std::make_unique<RelayProcess>();
    const QString error = m_relay->start(m_dir->filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestE2eCli::cleanup()
{
    m_relay.reset();
    m_dir.reset();
}

void TestE2eCli::createProfile(const QString &name)
{
    const CliResult result =
        runCli({QStringLiteral("--profile"), profile(name), QStringLiteral("--relay"),
                m_relay->url().toString(), QStringLiteral("--kdf"), QStringLiteral("interactive"),
                QStringLiteral("init"), name});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QVERIFY2(result.out.startsWith(QStringLiteral("registered %1/").arg(address(name))),
             qPrintable(result.out));
}

void TestE2eCli::batchRunsEverythingOnOneUnlock()
{
    createProfile(QStringLiteral("carol"));
    createProfile(QStringLiteral("dave"));
    const QString batch = writeFile(*m_dir, QStringLiteral("carol.batch"),
                                    QStringLiteral("# carol's script\n"
                                                   "add dave\n"
                                                   "\n"
                                                   "send dave \"first message\"\n"
                                                   "send dave 'second \"quoted\"'\n"
                                                   "send -- dave --not-an-option\n"
                                                   "contacts\n"
                                                   "status\n"));
    QVERIFY(!batch.isEmpty());
    CliResult result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("carol")),
                               QStringLiteral("--json"), QStringLiteral("batch"), batch});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QList<QJsonObject> events = jsonLines(result.out);
    QCOMPARE(events.size(), 6);
    QCOMPARE(events[0].value(u"event").toString(), QStringLiteral("added"));
    QCOMPARE(events[0].value(u"address").toString(), address(QStringLiteral("dave")));
    QStringList ids;
    for (int i = 1; i <= 3; ++i) {
        QCOMPARE(events[i].value(u"event").toString(), QStringLiteral("sent"));
        QCOMPARE(events[i].value(u"conversation").toString(), address(QStringLiteral("dave")));
        ids.append(events[i].value(u"client_message_id").toString());
        QCOMPARE(ids.last().size(), 32);
    }
    ids.removeDuplicates();
    QCOMPARE(ids.size(), 3);
    QCOMPARE(events[4].value(u"event").toString(), QStringLiteral("contact"));
    QCOMPARE(events[4].value(u"address").toString(), address(QStringLiteral("dave")));
    QCOMPARE(events[4].value(u"verified").toBool(true), false);
    QCOMPARE(events[4].value(u"key_changed").toBool(true), false);
    QCOMPARE(events[5].value(u"event").toString(), QStringLiteral("signed-in"));
    QVERIFY(events[5]
                .value(u"device_address")
                .toString()
                .startsWith(address(QStringLiteral("carol")) + u'/'));

    // Dave reads with a batch too; text output this time, then nothing new on a second recv.
    // Carol is a stranger to him: a message request (protocol M1 §8) until he accepts it.
    const QString daveBatch =
        writeFile(*m_dir, QStringLiteral("dave.batch"),
                  QStringLiteral("recv --wait 20\nrecv\naccept carol\ncontacts\n"));
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("dave")),
                     QStringLiteral("batch"), daveBatch});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QString carol = address(QStringLiteral("carol"));
    QStringList lines = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines[0], QStringLiteral("[request] ") + carol + QStringLiteral(": first message"));
    QCOMPARE(lines[1],
             QStringLiteral("[request] ") + carol + QStringLiteral(": second \"quoted\""));
    QCOMPARE(lines[2], QStringLiteral("[request] ") + carol + QStringLiteral(": --not-an-option"));
    QCOMPARE(lines[3], QStringLiteral("accepted ") + carol);
    QCOMPARE(lines[4], carol); // the contact, neither verified nor changed
}

void TestE2eCli::batchStopsAtTheFirstFailure()
{
    createProfile(QStringLiteral("erin"));
    createProfile(QStringLiteral("frank"));
    // A usage error on line 3: lines 1 and 2 ran, line 4 did not.
    QString batch = writeFile(*m_dir, QStringLiteral("usage.batch"),
                              QStringLiteral("add frank\nsend frank hello\nsend frank\n"
                                             "send frank never\n"));
    CliResult result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("erin")),
                               QStringLiteral("batch"), batch});
    QCOMPARE(result.exitCode, 64);
    QVERIFY2(result.err.contains(QStringLiteral("line 3: usage: send CONTACT TEXT")),
             qPrintable(result.err));
    QStringList lines = result.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines[0], QStringLiteral("added %1").arg(address(QStringLiteral("frank"))));
    QVERIFY(lines[1].startsWith(QStringLiteral("sent ")));

    // A refused contact on line 2 stops with the command's own exit code.
    batch = writeFile(*m_dir, QStringLiteral("refused.batch"),
                      QStringLiteral("status\nadd nobody\nsend frank never\n"));
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("erin")),
                     QStringLiteral("batch"), batch});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(QStringLiteral("stopped at line 2")), qPrintable(result.err));
    QCOMPARE(result.out.split(u'\n', Qt::SkipEmptyParts).size(), 1);

    // A username the relay would refuse is refused before anything is created, and the
    // process exits (it used to wait forever: the failure came before the event loop ran).
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("x")),
                     QStringLiteral("--relay"), m_relay->url().toString(), QStringLiteral("--kdf"),
                     QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("x")});
    QCOMPARE(result.exitCode, 1); // the profile cannot be created (docs/cli.md)
    QVERIFY2(result.err.contains(u"3 to 32 characters"), qPrintable(result.err));
    QVERIFY(!QFile::exists(QDir(profile(QStringLiteral("x"))).filePath("profile.vault")));

    // Help for one command, without a profile or a relay.
    result = runCli({QStringLiteral("send"), QStringLiteral("--help")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.out.startsWith(QStringLiteral("Usage: parley-cli [options] send CONTACT TEXT")));

    // What cannot run inside a batch, and a missing batch file.
    batch = writeFile(*m_dir, QStringLiteral("init.batch"), QStringLiteral("init someone\n"));
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("erin")),
                     QStringLiteral("batch"), batch});
    QCOMPARE(result.exitCode, 64);
    QVERIFY(result.err.contains(QStringLiteral("cannot run inside a batch")));
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("erin")),
                     QStringLiteral("batch"), m_dir->filePath(QStringLiteral("missing"))});
    QCOMPARE(result.exitCode, 64);
    QVERIFY(result.err.contains(QStringLiteral("cannot read the batch")));

    // Frank got exactly the one message sent before the failures.
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("frank")),
                     QStringLiteral("recv"), QStringLiteral("--wait"), QStringLiteral("20")});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.endsWith(QStringLiteral(": hello\n")), qPrintable(result.out));
    QCOMPARE(result.out.count(u'\n'), 1);
}

void TestE2eCli::deleteAccount()
{
    createProfile(QStringLiteral("gina"));
    createProfile(QStringLiteral("hank"));
    const QString gina = profile(QStringLiteral("gina"));
    CliResult result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("hank")),
                               QStringLiteral("add"), QStringLiteral("gina")});
    QCOMPARE(result.exitCode, 0);

    // The username must be repeated: a wrong one deletes nothing.
    result = runCli({QStringLiteral("--profile"), gina, QStringLiteral("delete-account"),
                     QStringLiteral("hank")});
    QCOMPARE(result.exitCode, 64);
    QVERIFY(result.err.contains(QStringLiteral("nothing was deleted")));
    QVERIFY(QFile::exists(QDir(gina).filePath(QStringLiteral("profile.vault"))));

    result = runCli({QStringLiteral("--profile"), gina, QStringLiteral("--json"),
                     QStringLiteral("delete-account"), QStringLiteral("gina")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QList<QJsonObject> events = jsonLines(result.out);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].value(u"event").toString(), QStringLiteral("deleted"));
    QCOMPARE(events[0].value(u"address").toString(), address(QStringLiteral("gina")));
    // The profile's files are gone, the directory is left.
    QVERIFY(QDir(gina).exists());
    QCOMPARE(QDir(gina).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList());
    result = runCli({QStringLiteral("--profile"), gina, QStringLiteral("status")});
    QCOMPARE(result.exitCode, 1);

    // The relay forgot the account: a message to it is refused, and the name stays bound to
    // the old key, so a new profile cannot take it over (R1 §6).
    result = runCli({QStringLiteral("--profile"), profile(QStringLiteral("hank")),
                     QStringLiteral("send"), QStringLiteral("gina"), QStringLiteral("anyone?")});
    QCOMPARE(result.exitCode, 4);
    result =
        runCli({QStringLiteral("--profile"), profile(QStringLiteral("gina2")),
                QStringLiteral("--relay"), m_relay->url().toString(), QStringLiteral("--kdf"),
                QStringLiteral("interactive"), QStringLiteral("init"), QStringLiteral("gina")});
    QCOMPARE(result.exitCode, 3);
}

// Safety numbers, verification and a key change, all through parley-cli: both sides print
// the same 60 digits; verify checks the peer's code; after the operator resets dave and he
// registers a new identity, carol (who verified him) cannot send until accept-key.
void TestE2eCli::verifyAndAcceptAKeyChange()
{
    createProfile(QStringLiteral("carol"));
    createProfile(QStringLiteral("dave"));
    const QString carol = profile(QStringLiteral("carol"));
    const QString dave = profile(QStringLiteral("dave"));
    const auto run = [](const QStringList &arguments) {
        return runCli(QStringList{QStringLiteral("--json")} + arguments);
    };
    const auto event = [](const CliResult &result) {
        const QList<QJsonObject> events = jsonLines(result.out);
        return events.isEmpty() ? QJsonObject() : events.last();
    };
    QCOMPARE(run({"--profile", carol, "send", "dave", "hello dave"}).exitCode, 0);
    QCOMPARE(run({"--profile", dave, "recv", "--wait", "20"}).exitCode, 0);

    CliResult result = run({"--profile", carol, "safety-number", "dave"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QJsonObject carolsNumber = event(result);
    QCOMPARE(carolsNumber.value(u"event").toString(), QStringLiteral("safety-number"));
    QCOMPARE(carolsNumber.value(u"address").toString(), address(QStringLiteral("dave")));
    const QString digits = carolsNumber.value(u"digits").toString();
    QCOMPARE(digits.size(), 60);
    result = run({"--profile", dave, "safety-number", "carol"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    const QJsonObject davesNumber = event(result);
    QCOMPARE(davesNumber.value(u"digits").toString(), digits); // the same number on both sides
    // Text output: 12 groups of 5.
    result = runCli({"--profile", carol, "safety-number", "dave"});
    QCOMPARE(result.out.count(u' '), 11 + 2);

    // Carol's own code is not dave's: refused, nothing marked. Dave's code matches.
    result = run({"--profile", carol, "verify", "dave", carolsNumber.value(u"payload").toString()});
    QCOMPARE(result.exitCode, 4);
    result = run({"--profile", carol, "verify", "dave", davesNumber.value(u"payload").toString()});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(event(result).value(u"event").toString(), QStringLiteral("verified"));
    result = run({"--profile", carol, "contacts"});
    QCOMPARE(event(result).value(u"verified").toBool(), true);

    // The operator resets dave; a new profile registers "dave" with a new identity and writes.
    QProcess admin;
    admin.start(RelayProcess::binaryPath(),
                {QStringLiteral("admin"), QStringLiteral("--data-dir"),
                 m_dir->filePath(QStringLiteral("relay")), QStringLiteral("account"),
                 QStringLiteral("reset"), QStringLiteral("dave")});
    QVERIFY(admin.waitForFinished(30'000));
    QCOMPARE(admin.exitCode(), 0);
    createProfile(QStringLiteral("dave2"));
    const QString newDave = profile(QStringLiteral("dave2"));
    QDir(newDave).removeRecursively();
    result =
        runCli({QStringLiteral("--profile"), newDave, QStringLiteral("--relay"),
                m_relay->url().toString(), QStringLiteral("--kdf"), QStringLiteral("interactive"),
                QStringLiteral("init"), QStringLiteral("dave")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(run({"--profile", newDave, "send", "carol", "new phone, same dave"}).exitCode, 0);

    // Carol notices; her verified contact's change is held, and sending waits for her.
    result = run({"--profile", carol, "recv", "--wait", "5"});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(!result.out.contains(u"new phone"), qPrintable(result.out)); // held until accepted
    result = run({"--profile", carol, "contacts"});
    QCOMPARE(event(result).value(u"key_changed").toBool(), true);
    result = run({"--profile", carol, "send", "dave", "are you there?"});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.err.contains(u"safety number"), qPrintable(result.err));
    result = run({"--profile", carol, "verify", "dave"});
    QCOMPARE(result.exitCode, 4); // accept first
    result = run({"--profile", carol, "safety-number", "dave"});
    QCOMPARE(event(result).value(u"key_changed").toBool(), true);
    QVERIFY(event(result).value(u"digits").toString() != digits); // the new key's number

    result = run({"--profile", carol, "accept-key", "dave"});
    QVERIFY2(result.exitCode == 0, qPrintable(result.err));
    QCOMPARE(event(result).value(u"event").toString(), QStringLiteral("key-accepted"));
    result = run({"--profile", carol, "accept-key", "dave"});
    QCOMPARE(result.exitCode, 4); // nothing left to accept
    result = run({"--profile", carol, "contacts"});
    QCOMPARE(event(result).value(u"key_changed").toBool(), false);
    QCOMPARE(event(result).value(u"verified").toBool(), false); // compare the new number again
    // The held message arrives once, and sending works both ways again.
    result = run({"--profile", carol, "recv", "--wait", "20"});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.count(u"new phone, same dave"), 1);
    QCOMPARE(run({"--profile", carol, "send", "dave", "welcome back"}).exitCode, 0);
    result = runCli({"--profile", newDave, "recv", "--wait", "20"});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.contains(u": welcome back"), qPrintable(result.out));
}

QTEST_GUILESS_MAIN(TestE2eCli)
#include "tst_e2e_cli.moc"
