// `parley-relay admin` as an operator runs it, against the data directory of a running relay
// binary: invites, account reset and online backup (docs/operations.md §Administration); and
// against a relay on PostgreSQL (a cluster's store) with --store.

#include "accountclient.h"
#include "support/postgresprocess.h"
#include "support/relayprocess.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

using namespace parley;
using parley::test::AccountClient;
using parley::test::RelayProcess;
using parley::test::TestAccount;

namespace {

const QStringList kRelayArguments = {QStringLiteral("--name"), QStringLiteral("relay.test")};

struct AdminResult
{
    int exitCode = -1;
    QString out;
    QString err;
};

// `environment`: PARLEY_RELAY_* variables set for this run (the others are cleared).
AdminResult admin(const QString &dataDir, const QStringList &command,
                  const QHash<QString, QString> &environment = {})
{
    QProcess process;
    QStringList arguments{QStringLiteral("admin")};
    if (!dataDir.isEmpty()) {
        arguments << QStringLiteral("--data-dir") << dataDir;
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &name : env.keys()) {
        if (name.startsWith(QStringLiteral("PARLEY_RELAY_"))) {
            env.remove(name);
        }
    }
    for (auto it = environment.cbegin(); it != environment.cend(); ++it) {
        env.insert(it.key(), it.value());
    }
    process.setProcessEnvironment(env);
    process.start(RelayProcess::binaryPath(), arguments + command);
    if (!process.waitForFinished(15'000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

} // namespace

class TestRelayAdminTool : public QObject
{
    Q_OBJECT

private slots:
    void helpAndUsageErrors();
    void inviteIsSingleUse();
    void resetFreesTheUsernameForANewKey();
    void backupOfARunningRelayServesTheSameAccount();
    void dataDirFromConfigAndEnvironment();
    void commandsOnPostgres();
};

void TestRelayAdminTool::helpAndUsageErrors()
{
    const AdminResult help = admin({}, {QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    for (const char *command : {"invite create", "invite list", "invite revoke", "account list",
                                "account reset", "account remove", "backup DEST"}) {
        QVERIFY2(help.out.contains(QLatin1String(command)), command);
    }

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QCOMPARE(admin(dir.path(), {}).exitCode, 64);
    QCOMPARE(admin(dir.path(), {QStringLiteral("frobnicate")}).exitCode, 64);
    QCOMPARE(admin(dir.path(), {QStringLiteral("invite"), QStringLiteral("create"),
                                QStringLiteral("--count"), QStringLiteral("zero")})
                 .exitCode,
             64);
    // No database there: one sentence, status 1, and nothing created.
    const AdminResult missing =
        admin(dir.path(), {QStringLiteral("account"), QStringLiteral("list")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains(QLatin1String("no relay database")), qPrintable(missing.err));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("relay.sqlite"))));
}

void TestRelayAdminTool::inviteIsSingleUse()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RelayProcess relay;
    QString error = relay.start(
        dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
        kRelayArguments + QStringList{QStringLiteral("--registration"), QStringLiteral("invite")});
    QVERIFY2(error.isEmpty(), qPrintable(error));

    const AdminResult created =
        admin(dir.path(), {QStringLiteral("invite"), QStringLiteral("create"),
                           QStringLiteral("--count"), QStringLiteral("3")});
    QCOMPARE(created.exitCode, 0);
    const QStringList codes = created.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(codes.size(), 3);
    QVERIFY(codes.at(0) != codes.at(1));
    // Only hashes are stored: the codes are nowhere in the database.
    {
        QFile database(dir.filePath(QStringLiteral("relay.sqlite")));
        QVERIFY(database.open(QIODevice::ReadOnly));
        QVERIFY(!database.readAll().contains(codes.at(0).toLatin1()));
    }
    const AdminResult listed =
        admin(dir.path(), {QStringLiteral("invite"), QStringLiteral("list")});
    QCOMPARE(listed.exitCode, 0);
    QVERIFY2(listed.out.startsWith(QLatin1String("3 unused")), qPrintable(listed.out));

    QCOMPARE(admin(dir.path(), {QStringLiteral("invite"), QStringLiteral("revoke"), codes.at(2)})
                 .exitCode,
             0);
    QCOMPARE(admin(dir.path(), {QStringLiteral("invite"), QStringLiteral("revoke"), codes.at(2)})
                 .exitCode,
             1);

    AccountClient client;
    QVERIFY(client.open(relay.port()));
    TestAccount alice = TestAccount::make("alice");
    QCOMPARE(client.code(client.registration(alice, codes.at(0).toStdString())), wire::Status::OK);
    AccountClient other;
    QVERIFY(other.open(relay.port()));
    TestAccount bob = TestAccount::make("bob");
    QCOMPARE(other.code(other.registration(bob, codes.at(0).toStdString())),
             wire::Status::INVALID_INVITE);
    QCOMPARE(other.code(other.registration(bob, codes.at(2).toStdString())),
             wire::Status::INVALID_INVITE);
    QCOMPARE(other.code(other.registration(bob, codes.at(1).toStdString())), wire::Status::OK);

    const AdminResult accounts =
        admin(dir.path(), {QStringLiteral("account"), QStringLiteral("list")});
    QCOMPARE(accounts.exitCode, 0);
    QVERIFY2(accounts.out.startsWith(QLatin1String("alice\t1 device\tcreated 20")),
             qPrintable(accounts.out));
    QVERIFY2(accounts.out.contains(QLatin1String("\nbob\t1 device")), qPrintable(accounts.out));
    QCOMPARE(relay.stop(), 0);
}

void TestRelayAdminTool::resetFreesTheUsernameForANewKey()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RelayProcess relay;
    QString error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, kRelayArguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    AccountClient client;
    QVERIFY(client.open(relay.port()));
    TestAccount alice = TestAccount::make("alice");
    QCOMPARE(client.code(client.registration(alice)), wire::Status::OK);

    AccountClient second;
    QVERIFY(second.open(relay.port()));
    TestAccount newAlice = TestAccount::make("alice");
    QCOMPARE(second.code(second.registration(newAlice)), wire::Status::USERNAME_TAKEN);

    QCOMPARE(admin(dir.path(),
                   {QStringLiteral("account"), QStringLiteral("reset"), QStringLiteral("nobody")})
                 .exitCode,
             1);
    const AdminResult reset = admin(
        dir.path(), {QStringLiteral("account"), QStringLiteral("reset"), QStringLiteral("Alice")});
    QVERIFY2(reset.exitCode == 0, qPrintable(reset.err));

    AccountClient third;
    QVERIFY(third.open(relay.port()));
    QCOMPARE(third.code(third.registration(newAlice)), wire::Status::OK);
    AccountClient fourth;
    QVERIFY(fourth.open(relay.port()));
    QCOMPARE(fourth.code(fourth.authentication(newAlice)), wire::Status::OK);
    AccountClient fifth;
    QVERIFY(fifth.open(relay.port()));
    QVERIFY(fifth.code(fifth.authentication(alice)) != wire::Status::OK);

    // remove keeps the name for its key only.
    QCOMPARE(admin(dir.path(),
                   {QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("alice")})
                 .exitCode,
             0);
    AccountClient sixth;
    QVERIFY(sixth.open(relay.port()));
    QCOMPARE(sixth.code(sixth.registration(alice)), wire::Status::USERNAME_TAKEN);
    QCOMPARE(relay.stop(), 0);
}

void TestRelayAdminTool::backupOfARunningRelayServesTheSameAccount()
{
    QTemporaryDir dir;
    QTemporaryDir restored;
    QVERIFY(dir.isValid() && restored.isValid());
    RelayProcess relay;
    QString error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000, kRelayArguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    AccountClient client;
    QVERIFY(client.open(relay.port()));
    TestAccount alice = TestAccount::make("alice");
    QCOMPARE(client.code(client.registration(alice)), wire::Status::OK);

    const QString destination = restored.filePath(QStringLiteral("relay.sqlite"));
    const AdminResult backup = admin(dir.path(), {QStringLiteral("backup"), destination});
    QVERIFY2(backup.exitCode == 0, qPrintable(backup.err));
    QCOMPARE(QFile::permissions(destination) & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
             QFileDevice::Permissions());
    // Never over an existing file.
    const AdminResult again = admin(dir.path(), {QStringLiteral("backup"), destination});
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains(QLatin1String("already exists")), qPrintable(again.err));
    QCOMPARE(relay.stop(), 0);

    RelayProcess restoredRelay;
    error = restoredRelay.start(restored.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                                kRelayArguments);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    AccountClient after;
    QVERIFY(after.open(restoredRelay.port()));
    QCOMPARE(after.code(after.authentication(alice)), wire::Status::OK);
    QCOMPARE(restoredRelay.stop(), 0);
}

void TestRelayAdminTool::dataDirFromConfigAndEnvironment()
{
    // A relay's data directory, and a config file naming it as the service's would.
    QTemporaryDir dir;
    QTemporaryDir elsewhere;
    QVERIFY(dir.isValid() && elsewhere.isValid());
    RelayProcess relay;
    const QString error = relay.start(
        dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
        kRelayArguments + QStringList{QStringLiteral("--registration"), QStringLiteral("invite")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString config = elsewhere.filePath(QStringLiteral("relay.conf"));
    {
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("# as installed\nlisten = 127.0.0.1:7683\ndata-dir = " + dir.path().toUtf8() +
                   "\nregistration = invite\n");
    }
    const QStringList list{QStringLiteral("invite"), QStringLiteral("list")};
    const auto unused = [](const AdminResult &result) { return result.out.split(u'\n').value(0); };

    // --config FILE: the file's data-dir.
    const AdminResult created = admin({}, {QStringLiteral("--config"), config,
                                           QStringLiteral("invite"), QStringLiteral("create")});
    QCOMPARE(created.exitCode, 0);
    const AdminResult viaFlag = admin({}, QStringList{QStringLiteral("--config"), config} + list);
    QCOMPARE(viaFlag.exitCode, 0);
    QVERIFY2(unused(viaFlag).startsWith(QLatin1String("1 ")), qPrintable(viaFlag.out));
    // PARLEY_RELAY_CONFIG, and PARLEY_RELAY_DATA_DIR, as a systemd unit would set them.
    const AdminResult viaConfigVariable =
        admin({}, list, {{QStringLiteral("PARLEY_RELAY_CONFIG"), config}});
    QCOMPARE(viaConfigVariable.exitCode, 0);
    QCOMPARE(viaConfigVariable.out, viaFlag.out);
    const AdminResult viaDataDirVariable =
        admin({}, list, {{QStringLiteral("PARLEY_RELAY_DATA_DIR"), dir.path()}});
    QCOMPARE(viaDataDirVariable.exitCode, 0);
    QCOMPARE(viaDataDirVariable.out, viaFlag.out);
    // Precedence as for the server: --data-dir over the environment over the file.
    const AdminResult flagWins =
        admin(elsewhere.path(), list, {{QStringLiteral("PARLEY_RELAY_DATA_DIR"), dir.path()}});
    QCOMPARE(flagWins.exitCode, 1);
    QVERIFY2(flagWins.err.contains(elsewhere.path()), qPrintable(flagWins.err));
    const AdminResult environmentWins =
        admin({}, QStringList{QStringLiteral("--config"), config} + list,
              {{QStringLiteral("PARLEY_RELAY_DATA_DIR"), elsewhere.path()}});
    QCOMPARE(environmentWins.exitCode, 1);
    QVERIFY2(environmentWins.err.contains(elsewhere.path()), qPrintable(environmentWins.err));
    // A config file the server would refuse is refused here too, naming the line.
    {
        QFile file(config);
        QVERIFY(file.open(QIODevice::Append));
        file.write("frobnicate = 1\n");
    }
    const AdminResult bad = admin({}, QStringList{QStringLiteral("--config"), config} + list);
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.contains(QStringLiteral("relay.conf:5")), qPrintable(bad.err));
    QCOMPARE(admin({}, {QStringLiteral("--config")}).exitCode, 64);
    QCOMPARE(relay.stop(), 0);
}

// A cluster's operator: the same commands on the relay's PostgreSQL store, named by --store or
// PARLEY_RELAY_STORE, while the relay runs; backup is refused with the way to do it instead.
void TestRelayAdminTool::commandsOnPostgres()
{
    test::PostgresProcess postgres;
    QString error = postgres.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString url = postgres.createDatabase(&error);
    QVERIFY2(!url.isEmpty(), qPrintable(error));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RelayProcess relay;
    error = relay.start(dir.path(), QStringLiteral("127.0.0.1:0"), 10'000,
                        kRelayArguments + QStringList{QStringLiteral("--registration"),
                                                      QStringLiteral("invite"),
                                                      QStringLiteral("--store"), url});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("relay.sqlite"))));
    const QStringList store{QStringLiteral("--store"), url};

    const AdminResult created =
        admin(dir.path(), store + QStringList{QStringLiteral("invite"), QStringLiteral("create"),
                                              QStringLiteral("--count"), QStringLiteral("2")});
    QVERIFY2(created.exitCode == 0, qPrintable(created.err));
    const QStringList codes = created.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(codes.size(), 2);
    const AdminResult listed = admin({}, {QStringLiteral("invite"), QStringLiteral("list")},
                                     {{QStringLiteral("PARLEY_RELAY_STORE"), url},
                                      {QStringLiteral("PARLEY_RELAY_DATA_DIR"), dir.path()}});
    QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
    QVERIFY2(listed.out.startsWith(QLatin1String("2 unused")), qPrintable(listed.out));
    QCOMPARE(admin(dir.path(), store + QStringList{QStringLiteral("invite"),
                                                   QStringLiteral("revoke"), codes.at(1)})
                 .exitCode,
             0);

    // The running relay takes the code the admin made; the revoked one is refused.
    AccountClient client;
    QVERIFY(client.open(relay.port()));
    TestAccount alice = TestAccount::make("alice");
    QCOMPARE(client.code(client.registration(alice, codes.at(1).toStdString())),
             wire::Status::INVALID_INVITE);
    QCOMPARE(client.code(client.registration(alice, codes.at(0).toStdString())), wire::Status::OK);
    const AdminResult accounts =
        admin(dir.path(), store + QStringList{QStringLiteral("account"), QStringLiteral("list")});
    QVERIFY2(accounts.exitCode == 0, qPrintable(accounts.err));
    QVERIFY2(accounts.out.startsWith(QLatin1String("alice\t1 device\tcreated 20")),
             qPrintable(accounts.out));

    // reset frees the name: a new key registers it (an invite still needed).
    const AdminResult reset =
        admin(dir.path(), store + QStringList{QStringLiteral("account"), QStringLiteral("reset"),
                                              QStringLiteral("alice")});
    QVERIFY2(reset.exitCode == 0, qPrintable(reset.err));
    const QString fresh =
        admin(dir.path(), store + QStringList{QStringLiteral("invite"), QStringLiteral("create")})
            .out.trimmed();
    QVERIFY(!fresh.isEmpty());
    AccountClient second;
    QVERIFY(second.open(relay.port()));
    TestAccount newAlice = TestAccount::make("alice");
    QCOMPARE(second.code(second.registration(newAlice, fresh.toStdString())), wire::Status::OK);

    const AdminResult backup =
        admin(dir.path(),
              store + QStringList{QStringLiteral("backup"), dir.filePath(QStringLiteral("b"))});
    QCOMPARE(backup.exitCode, 1);
    QVERIFY2(backup.err.contains(QLatin1String("pg_dump")), qPrintable(backup.err));
    QCOMPARE(relay.stop(), 0);
}

QTEST_MAIN(TestRelayAdminTool)
#include "tst_relayadmintool.moc"
