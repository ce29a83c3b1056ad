#pragma once

// Helpers shared by the profile archive tests (tst_profilearchiver, tst_archivehistory,
// tst_archivegroups): an account as the profile that exports keeps it, archives written
// record by record (any format version, bad ones included), and imports into a new folder.

#include "core/account/archiverecords.h"
#include "core/account/profilearchiver.h"
#include "core/store/identitytable.h"
#include "crypto/identity.h"
#include "crypto/profilearchive.h"
#include "storetesthelpers.h"

#include <utility>
#include <vector>

namespace parley::core::test {

inline const QString kArchivePassphrase = QStringLiteral("archive passphrase");
using ArchiveRecords = std::vector<std::pair<quint8, crypto::WipedBytes>>;

inline QByteArray bytesOf(crypto::ByteView bytes)
{
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

inline crypto::ByteView viewOf(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()),
            static_cast<std::size_t>(bytes.size())};
}

// A new account `address` with its first device (1) under a device list at counter 5.
struct ArchiveAccount
{
    explicit ArchiveAccount(const QString &address)
        : account(crypto::AccountIdentity::generate(std::get<crypto::AccountAddress>(
              crypto::AccountAddress::parse(address.toStdString()))))
    {
        const crypto::DeviceIdentity device = account.createDevice(crypto::DeviceId{1});
        const auto list = account.signDeviceList(5, {device.listEntry()});
        identity.address = address;
        identity.deviceId = 1;
        identity.accountSeed = crypto::WipedBytes(account.key().seed());
        identity.deviceSigningSeed = crypto::WipedBytes(device.signingKey().seed());
        identity.deviceIdentityKey = crypto::WipedBytes(device.identityKey().privateKey());
        identity.deviceCertificate = bytesOf(device.certificate().serialize());
        identity.deviceListCounter = 5;
        identity.relayUrl = QStringLiteral("ws://127.0.0.1:7683");
        identity.deviceList = list ? bytesOf(list->serialize()) : QByteArray();
        identity.registered = true;
    }

    QByteArray publicKey() const { return bytesOf(account.publicKey()); }
    QByteArray seed() const { return bytesOf(account.key().seed()); }
    // The Account record its device 1 exports.
    archive::AccountRecord record() const
    {
        archive::AccountRecord record;
        record.address = identity.address;
        record.accountSeed = crypto::WipedBytes(account.key().seed());
        record.deviceId = 1;
        record.deviceList = identity.deviceList;
        return record;
    }

    crypto::AccountIdentity account;
    OwnIdentityRecord identity; // as IdentityTable keeps it
};

// `path`: an archive of format `version` holding `account`'s Account record and `records`.
inline QString writeArchive(const QString &path, const ArchiveAccount &account,
                            const ArchiveRecords &records,
                            crypto::Byte version = crypto::kArchiveFormatVersion)
{
    auto created = crypto::ArchiveWriter::create(viewOf(kArchivePassphrase.toUtf8()),
                                                 crypto::VaultParameters::minimum(), version);
    auto &writer = std::get<crypto::ArchiveWriter>(created);
    writer.add(archive::kAccount, archive::encodeAccount(account.record()).view());
    for (const auto &[type, body] : records) {
        writer.add(type, body.view());
    }
    writer.finish();
    const auto bytes = writer.takeOutput();
    QFile file(path);
    file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    file.write(reinterpret_cast<const char *>(bytes.data()), qint64(bytes.size()));
    return path;
}

// Imports `archive` into `directory` (a new profile under the tests' passphrase).
inline ArchiveOutcome importArchive(const QString &archive, const QString &directory,
                                    const QString &archivePassphrase = kArchivePassphrase)
{
    return take(ProfileArchiver::importProfile(
        archive, ProfileStore::passphraseBytes(archivePassphrase), directory, passphrase(),
        crypto::VaultParameters::minimum()));
}

// A refused import into `target` left nothing: no profile and no partial folder beside it.
inline bool leftNothing(const QString &target)
{
    const QFileInfo info(target);
    return !info.exists() && QDir(info.path())
                                 .entryList({info.fileName() + QLatin1Char('*')}, QDir::AllEntries)
                                 .isEmpty();
}

} // namespace parley::core::test
