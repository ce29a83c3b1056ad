// The account's records in the profile store (schema v2): the identity's account columns,
// prekey id reservation, and PreKeyTable (signed and one-time prekeys, rotation marks).

#include "core/store/identitytable.h"
#include "core/store/prekeytable.h"
#include "storetesthelpers.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;
using Kind = PreKeyRecord::Kind;

namespace {

PreKeyRecord prekey(Kind kind, quint32 id, qint64 createdAt = 1000)
{
    PreKeyRecord record;
    record.kind = kind;
    record.preKeyId = id;
    record.publicKey = QByteArray(32, char(id));
    crypto::WipedBytes secret(32);
    std::fill(secret.data(), secret.data() + 32, crypto::Byte(0xa0 + id));
    record.privateKey = secret;
    record.createdAt = createdAt;
    if (kind == Kind::Signed) {
        record.signedRecord = QByteArray(109, 's');
    }
    return record;
}

} // namespace

class TestAccountStore : public QObject
{
    Q_OBJECT

private slots:
    void identityRoundTripsAccountColumns();
    void prekeysRoundTripAndRotate();
};

void TestAccountStore::identityRoundTripsAccountColumns()
{
    QTemporaryDir dir;
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.create(passphrase(), crypto::VaultParameters::minimum()))));
    auto result = take(store.run([](StoreContext &context) -> StoreResult<QList<qint64>> {
        OwnIdentityRecord identity;
        identity.address = QStringLiteral("alice@127.0.0.1:7683");
        identity.deviceId = 1;
        identity.accountSeed = crypto::WipedBytes(32);
        identity.deviceSigningSeed = crypto::WipedBytes(32);
        identity.deviceIdentityKey = crypto::WipedBytes(32);
        identity.deviceCertificate = QByteArrayLiteral("certificate");
        identity.relayUrl = QStringLiteral("ws://127.0.0.1:7683");
        identity.deviceList = QByteArrayLiteral("device list");
        identity.nextOneTimePreKeyId = 4294967290u;
        IdentityTable identities(context);
        if (auto saved = identities.save(identity); std::holds_alternative<StoreError>(saved)) {
            return std::get<StoreError>(saved);
        }
        // Ids wrap modulo 2^32 (C1 §3.3).
        auto first = identities.reservePreKeyIds(IdentityTable::PreKeyKind::OneTime, 10);
        auto second = identities.reservePreKeyIds(IdentityTable::PreKeyKind::OneTime, 1);
        auto signedId = identities.reservePreKeyIds(IdentityTable::PreKeyKind::Signed, 1);
        auto loaded = identities.load();
        if (std::holds_alternative<StoreError>(loaded)) {
            return std::get<StoreError>(loaded);
        }
        const auto &record = std::get<OwnIdentityRecord>(loaded);
        // Secret and personal columns are not in the file in plaintext.
        QSqlQuery raw(context.database());
        raw.exec(QStringLiteral("SELECT relay_url FROM own_identity"));
        raw.next();
        const bool urlHidden = !raw.value(0).toByteArray().contains("127.0.0.1");
        return QList<qint64>{std::get<quint32>(first),
                             std::get<quint32>(second),
                             std::get<quint32>(signedId),
                             record.nextOneTimePreKeyId,
                             record.relayUrl == QStringLiteral("ws://127.0.0.1:7683"),
                             record.deviceList == QByteArrayLiteral("device list"),
                             urlHidden};
    }));
    QCOMPARE(valueOf(result), (QList<qint64>{4294967290LL, 4, 1, 5, 1, 1, 1}));
}

void TestAccountStore::prekeysRoundTripAndRotate()
{
    QTemporaryDir dir;
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.create(passphrase(), crypto::VaultParameters::minimum()))));
    auto result = take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        PreKeyTable prekeys(context);
        QStringList seen;
        auto inserted = prekeys.insert(
            {prekey(Kind::Signed, 1), prekey(Kind::OneTime, 1), prekey(Kind::OneTime, 2)});
        if (std::holds_alternative<StoreError>(inserted)) {
            return std::get<StoreError>(inserted);
        }
        const auto ids = std::get<std::vector<PreKeyRowId>>(inserted);
        // The same (kind, id) twice is refused.
        seen << QString::number(
            std::holds_alternative<StoreError>(prekeys.insert({prekey(Kind::OneTime, 2)})));
        auto pending = std::get<std::vector<PreKeyRecord>>(prekeys.notUploaded(Kind::OneTime));
        seen << QString::number(pending.size());
        seen << QString::number(pending.front().privateKey.data()[0]);
        (void)prekeys.markUploaded({ids[1]});
        seen << QString::number(
            std::get<std::vector<PreKeyRecord>>(prekeys.notUploaded(Kind::OneTime)).size());
        // Rotation: a new signed prekey; the old one is marked replaced, not deleted.
        auto newer =
            std::get<std::vector<PreKeyRowId>>(prekeys.insert({prekey(Kind::Signed, 2, 2000)}));
        (void)prekeys.markSignedReplaced(newer.front(), 2000);
        seen << QString::number(std::get<PreKeyRecord>(prekeys.currentSigned()).preKeyId);
        auto replaced = std::get<std::vector<PreKeyRecord>>(prekeys.replacedSigned());
        seen << QString::number(replaced.size()) << QString::number(*replaced.front().replacedAt);
        (void)prekeys.remove(replaced.front().id);
        seen << QString::number(std::holds_alternative<StoreError>(prekeys.find(Kind::Signed, 1)));
        seen << QString::number(std::get<qint64>(prekeys.countOneTime()));
        return seen;
    }));
    QCOMPARE(valueOf(result),
             (QStringList{QStringLiteral("1"), QStringLiteral("2"), QString::number(0xa1),
                          QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("1"),
                          QStringLiteral("2000"), QStringLiteral("1"), QStringLiteral("2")}));
}

QTEST_GUILESS_MAIN(TestAccountStore)
#include "tst_accountstore.moc"
