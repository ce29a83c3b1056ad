#include "core/store/storeerror.h"

namespace parley::core {

QString StoreError::message() const
{
    switch (code) {
    case Code::NoProfile:
        return QStringLiteral("There is no Parley profile in this folder.");
    case Code::ProfileExists:
        return QStringLiteral(
            "This folder already holds a Parley profile (or part of one); choose another folder.");
    case Code::WrongPassphrase:
        return QStringLiteral("That passphrase is not right for this profile.");
    case Code::WrongProfileKey:
        return QStringLiteral("The key remembered on this computer does not belong to this "
                              "profile; unlock it with your passphrase.");
    case Code::CorruptVault:
        return QStringLiteral("The profile's key file (profile.vault) is damaged, so the "
                              "profile cannot be opened. Restore it from a backup.");
    case Code::OutOfMemory:
        return QStringLiteral("There was not enough memory to check the passphrase; close "
                              "other programs and try again.");
    case Code::UnsupportedVault:
        return QStringLiteral("The profile's key file was written by a newer Parley; update "
                              "Parley to open it.");
    case Code::DatabaseMissing:
        return QStringLiteral("The profile's database (profile.sqlite) is missing, so its "
                              "messages and contacts cannot be opened.");
    case Code::DatabaseNewer:
        return QStringLiteral("This profile was last used by a newer version of Parley; update "
                              "Parley to open it. Nothing was changed.");
    case Code::DatabaseFailed:
        return QStringLiteral("Parley could not read or write the profile's database.");
    case Code::Locked:
        return QStringLiteral("The profile is locked; unlock it to continue.");
    case Code::NotFound:
        return QStringLiteral("That item does not exist in this profile.");
    case Code::Undecryptable:
        return QStringLiteral("This item could not be decrypted. It has been kept, not deleted.");
    }
    return QStringLiteral("Unknown profile store error.");
}

} // namespace parley::core
