// PgStore: accounts, devices, prekeys and invites (docs/protocol.md R1; schema version 1 in
// pgstore.cpp). Several nodes run these at once: each read-then-write step locks what it
// decides on (the account row, the device row, the prekey taken), so the outcome is the one
// a single node would give.

#include "server/store/pgstore.h"
#include "server/store/pgutil.h"

#include <QDateTime>

#include <algorithm>

namespace parley::relay {

using namespace pg;

namespace {

std::optional<qint64> accountId(QSqlDatabase db, const QString &username, QString *error)
{
    QSqlQuery query(db);
    if (!run(query, QStringLiteral("SELECT account_id FROM accounts WHERE username = ?"),
             {username}, error)) {
        return std::nullopt;
    }
    if (!query.next()) {
        readFailed(query, error);
        return std::nullopt;
    }
    return query.value(0).toLongLong();
}

bool insertDevice(QSqlDatabase db, qint64 account, const DeviceRecord &device, QString *error)
{
    QSqlQuery query(db);
    // An upsert: the device's prekeys and queue (which reference it) stay.
    return run(
        query,
        QStringLiteral("INSERT INTO devices (account_id, device_id, signing_key, identity_key, "
                       "certificate) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, device_id) "
                       "DO UPDATE SET signing_key = excluded.signing_key, identity_key = "
                       "excluded.identity_key, certificate = excluded.certificate"),
        {account, u32(device.deviceId), device.signingKey, device.identityKey, device.certificate},
        error);
}

int countOneTimePreKeys(QSqlDatabase db, qint64 account, quint32 deviceId, QString *error)
{
    QSqlQuery query(db);
    if (!run(query,
             QStringLiteral("SELECT count(*) FROM one_time_prekeys WHERE account_id = ? AND "
                            "device_id = ?"),
             {account, u32(deviceId)}, error) ||
        !query.next()) {
        if (error->isEmpty()) {
            *error = QStringLiteral("count failed");
        }
        return -1;
    }
    return query.value(0).toInt();
}

} // namespace

// --- accounts and devices ----------------------------------------------------------------

StoreResult<std::optional<AccountRecord>> PgStore::findAccount(const QString &username)
{
    return guarded<std::optional<AccountRecord>>(
        [&]() -> StoreResult<std::optional<AccountRecord>> {
            QString error;
            QSqlQuery *query = statement(QStringLiteral("SELECT account_key, device_list, "
                                                        "list_counter FROM accounts WHERE "
                                                        "username = ?"),
                                         &error);
            if (!query || !rerun(*query, {username}, &error)) {
                return StoreError{error};
            }
            if (!query->next()) {
                if (readFailed(*query, &error)) {
                    return StoreError{error};
                }
                return std::optional<AccountRecord>();
            }
            AccountRecord record{username, query->value(0).toByteArray(),
                                 query->value(1).toByteArray(),
                                 static_cast<quint64>(query->value(2).toLongLong())};
            query->finish();
            return std::optional<AccountRecord>(std::move(record));
        });
}

StoreResult<std::optional<DeviceRecord>> PgStore::findDevice(const QString &username,
                                                             quint32 deviceId)
{
    return guarded<std::optional<DeviceRecord>>([&]() -> StoreResult<std::optional<DeviceRecord>> {
        QString error;
        QSqlQuery *query = statement(
            QStringLiteral("SELECT d.signing_key, d.identity_key, d.certificate FROM devices d "
                           "JOIN accounts a ON a.account_id = d.account_id WHERE a.username = ? "
                           "AND d.device_id = ?"),
            &error);
        if (!query || !rerun(*query, {username, u32(deviceId)}, &error)) {
            return StoreError{error};
        }
        if (!query->next()) {
            if (readFailed(*query, &error)) {
                return StoreError{error};
            }
            return std::optional<DeviceRecord>();
        }
        DeviceRecord record{deviceId, query->value(0).toByteArray(), query->value(1).toByteArray(),
                            query->value(2).toByteArray()};
        query->finish();
        return std::optional<DeviceRecord>(std::move(record));
    });
}

StoreResult<CreateAccountResult> PgStore::createAccount(const AccountRecord &account,
                                                        const DeviceRecord &device,
                                                        const std::optional<QByteArray> &inviteHash)
{
    return guarded<CreateAccountResult>([&]() -> StoreResult<CreateAccountResult> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        if (inviteHash) {
            // Single use: the invite goes in the transaction that creates the account; a
            // concurrent use on another node waits for this one and then finds it gone.
            if (!run(query, QStringLiteral("DELETE FROM invites WHERE code_hash = ?"),
                     {*inviteHash}, &error)) {
                return StoreError{error};
            }
            if (query.numRowsAffected() != 1) {
                return CreateAccountResult::InvalidInvite;
            }
        }
        // ON CONFLICT: two nodes registering the same name at once — the second waits for
        // the first and then gets no row, i.e. UsernameTaken rather than an error.
        if (!run(query,
                 QStringLiteral("INSERT INTO accounts (username, account_key, device_list, "
                                "list_counter, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                                "(username) DO NOTHING RETURNING account_id"),
                 {account.username, account.accountKey, account.deviceList, u64(account.counter),
                  QDateTime::currentSecsSinceEpoch()},
                 &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            return CreateAccountResult::UsernameTaken;
        }
        const qint64 id = query.value(0).toLongLong();
        query.finish();
        // The tombstone after the insert: a deletion of the name on another node that had not
        // committed its tombstone when we started has committed by now (our insert waited for
        // its account row), so this statement sees it. Another key's tombstone: the name
        // stays retired (the transaction, insert included, rolls back).
        if (!run(query,
                 QStringLiteral("DELETE FROM retired_usernames WHERE username = ? "
                                "RETURNING account_key"),
                 {account.username}, &error)) {
            return StoreError{error};
        }
        const bool retiredForAnother =
            query.next() && query.value(0).toByteArray() != account.accountKey;
        if (query.lastError().isValid()) {
            return StoreError{errorText(query.lastError())};
        }
        if (retiredForAnother) {
            return CreateAccountResult::UsernameTaken;
        }
        query.finish();
        if (!insertDevice(db, id, device, &error)) {
            return StoreError{error};
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return CreateAccountResult::Created;
    });
}

StoreResult<UpdateDeviceListResult>
PgStore::replaceDeviceList(const AccountRecord &account, const QList<ListedDevice> &listed,
                           const std::optional<DeviceRecord> &device, QList<quint32> *removed)
{
    return guarded<UpdateDeviceListResult>([&]() -> StoreResult<UpdateDeviceListResult> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        // The account row is locked: two new lists for one account apply one after the
        // other, each checking the counter the previous one wrote.
        if (!run(query,
                 QStringLiteral("SELECT account_id, account_key, list_counter FROM accounts "
                                "WHERE username = ? FOR NO KEY UPDATE"),
                 {account.username}, &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            return UpdateDeviceListResult::NotFound;
        }
        const qint64 id = query.value(0).toLongLong();
        if (query.value(1).toByteArray() != account.accountKey) {
            return UpdateDeviceListResult::KeyMismatch;
        }
        if (static_cast<quint64>(query.value(2).toLongLong()) >= account.counter) {
            return UpdateDeviceListResult::StaleCounter;
        }
        query.finish();
        if (!run(query,
                 QStringLiteral("UPDATE accounts SET device_list = ?, list_counter = ? WHERE "
                                "account_id = ?"),
                 {account.deviceList, u64(account.counter), id}, &error)) {
            return StoreError{error};
        }
        // A device survives only if the new list names it with the keys it registered
        // with. Device ids in ascending order: the lock order commitWrites uses too.
        if (!run(query,
                 QStringLiteral("SELECT device_id, signing_key, identity_key FROM devices WHERE "
                                "account_id = ? ORDER BY device_id"),
                 {id}, &error)) {
            return StoreError{error};
        }
        QList<quint32> gone;
        while (query.next()) {
            const auto deviceId = static_cast<quint32>(query.value(0).toLongLong());
            const QByteArray signingKey = query.value(1).toByteArray();
            const QByteArray identityKey = query.value(2).toByteArray();
            const bool kept = std::any_of(listed.begin(), listed.end(), [&](const ListedDevice &d) {
                return d.deviceId == deviceId && d.signingKey == signingKey &&
                       d.identityKey == identityKey;
            });
            if (!kept) {
                gone.append(deviceId);
            }
        }
        if (readFailed(query, &error)) {
            return StoreError{error};
        }
        query.finish();
        for (quint32 deviceId : std::as_const(gone)) {
            // Prekeys go with the device (ON DELETE CASCADE), its queue rows right after: the
            // device's deletion waited for any batch holding its lock, and this statement
            // sees what such a batch committed (schema version 2 in pgstore.cpp). Bodies they
            // named are collected by the sweep.
            if (!run(query,
                     QStringLiteral("DELETE FROM devices WHERE account_id = ? AND device_id = ?"),
                     {id, u32(deviceId)}, &error) ||
                !run(query,
                     QStringLiteral("DELETE FROM queue WHERE account_id = ? AND device_id = ?"),
                     {id, u32(deviceId)}, &error)) {
                return StoreError{error};
            }
        }
        if (device && !insertDevice(db, id, *device, &error)) {
            return StoreError{error};
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        if (removed) {
            *removed = gone;
        }
        return UpdateDeviceListResult::Updated;
    });
}

StoreResult<UpdateDeviceListResult> PgStore::putDevice(const QString &username,
                                                       const QByteArray &accountKey,
                                                       const QByteArray &deviceList,
                                                       const DeviceRecord &device)
{
    return guarded<UpdateDeviceListResult>([&]() -> StoreResult<UpdateDeviceListResult> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        // FOR SHARE: the list cannot change under us before the device is stored.
        if (!run(query,
                 QStringLiteral("SELECT account_id, account_key, device_list FROM accounts "
                                "WHERE username = ? FOR SHARE"),
                 {username}, &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            return UpdateDeviceListResult::NotFound;
        }
        const qint64 id = query.value(0).toLongLong();
        if (query.value(1).toByteArray() != accountKey) {
            return UpdateDeviceListResult::KeyMismatch;
        }
        if (query.value(2).toByteArray() != deviceList) {
            return UpdateDeviceListResult::ListChanged;
        }
        query.finish();
        if (!insertDevice(db, id, device, &error)) {
            return StoreError{error};
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return UpdateDeviceListResult::Updated;
    });
}

StoreResult<bool> PgStore::removeAccount(QSqlQuery &query, const QString &username)
{
    // The account row first: its cascade to the devices waits for any batch holding a
    // device's lock, so the queue delete after it sees every row such a batch committed,
    // and a later batch finds the devices gone (schema version 2 in pgstore.cpp).
    QString error;
    if (!run(query, QStringLiteral("DELETE FROM accounts WHERE username = ? RETURNING account_id"),
             {username}, &error)) {
        return StoreError{error};
    }
    if (!query.next()) {
        if (readFailed(query, &error)) {
            return StoreError{error};
        }
        return false;
    }
    const qint64 accountId = query.value(0).toLongLong();
    query.finish();
    if (!run(query, QStringLiteral("DELETE FROM queue WHERE account_id = ?"), {accountId},
             &error)) {
        return StoreError{error};
    }
    return true;
}

StoreResult<bool> PgStore::deleteAccount(const QString &username)
{
    return guarded<bool>([&]() -> StoreResult<bool> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        // The tombstone first (it needs the key), then the account; devices and prekeys go
        // with it (ON DELETE CASCADE), blobs die (ON DELETE SET NULL), queue rows after it.
        if (!run(query,
                 QStringLiteral("INSERT INTO retired_usernames (username, account_key) SELECT "
                                "username, account_key FROM accounts WHERE username = ? ON "
                                "CONFLICT (username) DO UPDATE SET account_key = "
                                "excluded.account_key"),
                 {username}, &error)) {
            return StoreError{error};
        }
        const StoreResult<bool> deleted = removeAccount(query, username);
        if (std::holds_alternative<StoreError>(deleted)) {
            return deleted;
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return std::get<bool>(deleted);
    });
}

StoreResult<bool> PgStore::resetAccount(const QString &username)
{
    return guarded<bool>([&]() -> StoreResult<bool> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        const StoreResult<bool> deleted = removeAccount(query, username);
        if (std::holds_alternative<StoreError>(deleted)) {
            return deleted;
        }
        bool removed = std::get<bool>(deleted);
        if (!run(query, QStringLiteral("DELETE FROM retired_usernames WHERE username = ?"),
                 {username}, &error)) {
            return StoreError{error};
        }
        removed = removed || query.numRowsAffected() > 0;
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return removed;
    });
}

// --- prekeys -------------------------------------------------------------------------------

StoreResult<std::optional<int>>
PgStore::storePreKeys(const QString &username, quint32 deviceId,
                      const std::optional<QByteArray> &signedPreKey,
                      const QList<OneTimePreKeyRecord> &oneTimePreKeys, int maxStored)
{
    return guarded<std::optional<int>>([&]() -> StoreResult<std::optional<int>> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        // The device row is locked: uploads from two nodes count against the cap one after
        // the other.
        if (!run(query,
                 QStringLiteral("SELECT d.account_id FROM devices d JOIN accounts a ON "
                                "a.account_id = d.account_id WHERE a.username = ? AND "
                                "d.device_id = ? FOR NO KEY UPDATE OF d"),
                 {username, u32(deviceId)}, &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            return StoreError{QStringLiteral("no such device")};
        }
        const qint64 id = query.value(0).toLongLong();
        query.finish();
        if (signedPreKey &&
            !run(query,
                 QStringLiteral("INSERT INTO signed_prekeys (account_id, device_id, prekey) "
                                "VALUES (?, ?, ?) ON CONFLICT (account_id, device_id) DO UPDATE "
                                "SET prekey = excluded.prekey"),
                 {id, u32(deviceId), *signedPreKey}, &error)) {
            return StoreError{error};
        }
        for (const OneTimePreKeyRecord &preKey : oneTimePreKeys) {
            if (!run(query,
                     QStringLiteral("INSERT INTO one_time_prekeys (account_id, device_id, "
                                    "prekey_id, public_key) VALUES (?, ?, ?, ?) ON CONFLICT "
                                    "(account_id, device_id, prekey_id) DO UPDATE SET "
                                    "public_key = excluded.public_key"),
                     {id, u32(deviceId), u32(preKey.id), preKey.publicKey}, &error)) {
                return StoreError{error};
            }
        }
        const int count = countOneTimePreKeys(db, id, deviceId, &error);
        if (count < 0) {
            return StoreError{error};
        }
        if (count > maxStored) {
            return std::optional<int>(); // the transaction rolls back
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return std::optional<int>(count);
    });
}

StoreResult<std::optional<BundleRecord>> PgStore::takeBundle(const QString &username,
                                                             quint32 deviceId)
{
    return guarded<std::optional<BundleRecord>>([&]() -> StoreResult<std::optional<BundleRecord>> {
        QSqlDatabase db = database();
        Transaction transaction(db);
        if (!transaction.isOpen()) {
            return StoreError{transaction.error()};
        }
        QString error;
        QSqlQuery query(db);
        if (!run(query,
                 QStringLiteral("SELECT a.account_id, a.device_list, d.certificate, s.prekey "
                                "FROM accounts a JOIN devices d ON d.account_id = a.account_id "
                                "JOIN signed_prekeys s ON s.account_id = d.account_id AND "
                                "s.device_id = d.device_id WHERE a.username = ? AND d.device_id "
                                "= ?"),
                 {username, u32(deviceId)}, &error)) {
            return StoreError{error};
        }
        if (!query.next()) {
            if (readFailed(query, &error)) {
                return StoreError{error};
            }
            return std::optional<BundleRecord>();
        }
        const qint64 id = query.value(0).toLongLong();
        BundleRecord bundle;
        bundle.deviceList = query.value(1).toByteArray();
        bundle.certificate = query.value(2).toByteArray();
        bundle.signedPreKey = query.value(3).toByteArray();
        query.finish();
        // Handed out at most once, even to two nodes asking at the same moment: the
        // lowest key nobody else holds is locked (SKIP LOCKED) and deleted in this
        // transaction.
        if (!run(query,
                 QStringLiteral("DELETE FROM one_time_prekeys WHERE (account_id, device_id, "
                                "prekey_id) = (SELECT account_id, device_id, prekey_id FROM "
                                "one_time_prekeys WHERE account_id = ? AND device_id = ? ORDER "
                                "BY prekey_id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING "
                                "prekey_id, public_key"),
                 {id, u32(deviceId)}, &error)) {
            return StoreError{error};
        }
        if (query.next()) {
            bundle.oneTimePreKey = OneTimePreKeyRecord{
                static_cast<quint32>(query.value(0).toLongLong()), query.value(1).toByteArray()};
        }
        if (readFailed(query, &error)) {
            return StoreError{error};
        }
        query.finish();
        bundle.remainingOneTimePreKeys = countOneTimePreKeys(db, id, deviceId, &error);
        if (bundle.remainingOneTimePreKeys < 0) {
            return StoreError{error};
        }
        if (!transaction.commit()) {
            return StoreError{transaction.error()};
        }
        return std::optional<BundleRecord>(std::move(bundle));
    });
}

StoreResult<int> PgStore::oneTimePreKeyCount(const QString &username, quint32 deviceId)
{
    return guarded<int>([&]() -> StoreResult<int> {
        QString error;
        const std::optional<qint64> id = accountId(database(), username, &error);
        if (!id) {
            return error.isEmpty() ? StoreResult<int>(0) : StoreResult<int>(StoreError{error});
        }
        const int count = countOneTimePreKeys(database(), *id, deviceId, &error);
        if (count < 0) {
            return StoreError{error};
        }
        return count;
    });
}

StoreResult<bool> PgStore::addInvite(const QByteArray &codeHash)
{
    return guarded<bool>([&]() -> StoreResult<bool> {
        QSqlQuery query(database());
        QString error;
        if (!run(query,
                 QStringLiteral("INSERT INTO invites (code_hash, created) VALUES (?, ?) ON "
                                "CONFLICT DO NOTHING"),
                 {codeHash, QDateTime::currentSecsSinceEpoch()}, &error)) {
            return StoreError{error};
        }
        return query.numRowsAffected() > 0;
    });
}

StoreResult<bool> PgStore::revokeInvite(const QByteArray &codeHash)
{
    return guarded<bool>([&]() -> StoreResult<bool> {
        QSqlQuery query(database());
        QString error;
        if (!run(query, QStringLiteral("DELETE FROM invites WHERE code_hash = ?"), {codeHash},
                 &error)) {
            return StoreError{error};
        }
        return query.numRowsAffected() > 0;
    });
}

StoreResult<QList<qint64>> PgStore::listInvites()
{
    return guarded<QList<qint64>>([&]() -> StoreResult<QList<qint64>> {
        QSqlQuery query(database());
        QString error;
        if (!run(query, QStringLiteral("SELECT created FROM invites ORDER BY created"), {},
                 &error)) {
            return StoreError{error};
        }
        QList<qint64> created;
        while (query.next()) {
            created.append(query.value(0).toLongLong());
        }
        return created;
    });
}

StoreResult<QList<AccountSummary>> PgStore::listAccounts()
{
    return guarded<QList<AccountSummary>>([&]() -> StoreResult<QList<AccountSummary>> {
        QSqlQuery query(database());
        QString error;
        if (!run(query,
                 QStringLiteral("SELECT a.username, a.created, (SELECT count(*) FROM devices d "
                                "WHERE d.account_id = a.account_id) FROM accounts a "
                                "ORDER BY a.username"),
                 {}, &error)) {
            return StoreError{error};
        }
        QList<AccountSummary> accounts;
        while (query.next()) {
            accounts.append(AccountSummary{query.value(0).toString(), query.value(2).toInt(),
                                           query.value(1).toLongLong()});
        }
        return accounts;
    });
}

} // namespace parley::relay
