#include "archivecommands.h"

#include "clioutput.h"
#include "core/account/profilearchiver.h"
#include "core/store/profilestore.h"

#include <QDir>
#include <QFileInfo>

#include <memory>

namespace parley::cli {

namespace {

QJsonObject counts(const core::ArchiveSummary &summary)
{
    return {{QStringLiteral("account"), summary.accountAddress},
            {QStringLiteral("device_address"), summary.deviceAddress},
            {QStringLiteral("contacts"), summary.contacts},
            {QStringLiteral("messages"), summary.messages},
            {QStringLiteral("attachments"), summary.attachments},
            {QStringLiteral("files"), summary.files},
            {QStringLiteral("groups"), summary.groups}};
}

} // namespace

int runExport(const ProfileSettings &settings, const QString &file,
              const QString &archivePassphrase)
{
    const QString path = QFileInfo(file).absoluteFilePath();
    auto store = std::make_shared<core::ProfileStore>(settings.directory);
    if (!QFileInfo::exists(store->vaultPath())) {
        fail(QStringLiteral("There is no Parley profile in %1; create one with init.")
                 .arg(settings.directory));
        return kExitProfile;
    }
    // parley-cli has no GUI thread to keep responsive: it waits for the database thread.
    const core::StoreStatus unlocked =
        store->unlock(core::ProfileStore::passphraseBytes(settings.passphrase)).result();
    if (const auto *error = std::get_if<core::StoreError>(&unlocked)) {
        fail(error->message());
        return kExitProfile;
    }
    const auto exported =
        core::ProfileArchiver::exportProfile(
            store, path, core::ProfileStore::passphraseBytes(archivePassphrase), settings.vault)
            .result();
    if (const auto *error = std::get_if<core::StoreError>(&exported)) {
        fail(error->message());
        return kExitProfile;
    }
    const auto &outcome = std::get<core::ArchiveOutcome>(exported);
    if (const auto *failure = std::get_if<core::ArchiveFailure>(&outcome)) {
        fail(failure->sentence);
        return kExitProfile;
    }
    const auto &summary = std::get<core::ArchiveSummary>(outcome);
    QJsonObject object = counts(summary);
    object.insert(QStringLiteral("file"), path);
    Output(settings.json)
        .print(QStringLiteral("exported"), object,
               QStringLiteral("exported %1 contacts %2 messages %3")
                   .arg(path)
                   .arg(summary.contacts)
                   .arg(summary.messages));
    return kExitOk;
}

int runImport(const ProfileSettings &settings, const QString &file,
              const QString &archivePassphrase)
{
    const bool existed = QFileInfo::exists(settings.directory);
    const auto outcome =
        core::ProfileArchiver::importProfile(
            QFileInfo(file).absoluteFilePath(),
            core::ProfileStore::passphraseBytes(archivePassphrase), settings.directory,
            core::ProfileStore::passphraseBytes(settings.passphrase), settings.vault)
            .result();
    if (const auto *failure = std::get_if<core::ArchiveFailure>(&outcome)) {
        fail(failure->sentence);
        return kExitProfile;
    }
    const auto &summary = std::get<core::ArchiveSummary>(outcome);
    Output(settings.json)
        .print(QStringLiteral("imported"), counts(summary),
               QStringLiteral("imported %1 device %2 contacts %3 messages %4")
                   .arg(settings.directory, summary.deviceAddress)
                   .arg(summary.contacts)
                   .arg(summary.messages));
    // The first sign-in registers the new device list (R1 §4.1): the exporting device is
    // retired. If it fails, the next command that connects registers again.
    CliCommand status;
    status.name = CliCommand::Name::Status;
    const int exitCode = runOnProfile(settings, status);
    if (exitCode == kExitRefused) {
        // The relay will never take this device list (a newer one is registered: the archive
        // was imported already, or the account's devices changed since the export). The new
        // profile could never sign in: it goes again (B1 §6).
        QDir(settings.directory).removeRecursively();
        if (existed) {
            QDir().mkpath(settings.directory);
        }
        fail(QStringLiteral("The relay refused the new device, so the imported profile was "
                            "removed again. Export a new archive from a current device."));
    }
    return exitCode;
}

} // namespace parley::cli
