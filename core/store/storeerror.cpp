#include "core/store/storeerror.h"

#include <QCoreApplication>

namespace parley::core {

QString StoreError::message() const
{
    switch (code) {
    case Code::NoProfile:
        return QCoreApplication::translate("StoreError",
                                           "There is no Parley profile in this folder.");
    case Code::ProfileExists:
        return QCoreApplication::translate(
            "StoreError",
            "This folder already holds a Parley profile (or part of one); choose another folder.");
    case Code::WrongPassphrase:
        return QCoreApplication::translate("StoreError",
                                           "That passphrase is not right for this profile.");
    case Code::WrongProfileKey:
        return QCoreApplication::translate(
            "StoreError", "The key remembered on this computer does not belong to this "
                          "profile; unlock it with your passphrase.");
    case Code::CorruptVault:
        return QCoreApplication::translate(
            "StoreError", "The profile's key file (profile.vault) is damaged, so the "
                          "profile cannot be opened. Restore it from a backup.");
    case Code::OutOfMemory:
        return QCoreApplication::translate(
            "StoreError", "There was not enough memory to check the passphrase; close "
                          "other programs and try again.");
    case Code::UnsupportedVault:
        return QCoreApplication::translate(
            "StoreError", "The profile's key file was written by a newer Parley; update "
                          "Parley to open it.");
    case Code::DatabaseMissing:
        return QCoreApplication::translate(
            "StoreError", "The profile's database (profile.sqlite) is missing, so its "
                          "messages and contacts cannot be opened.");
    case Code::DatabaseNewer:
        return QCoreApplication::translate(
            "StoreError", "This profile was last used by a newer version of Parley; update "
                          "Parley to open it. Nothing was changed.");
    case Code::DatabaseFailed:
        return QCoreApplication::translate(
            "StoreError", "Parley could not read or write the profile's database.");
    case Code::Locked:
        return QCoreApplication::translate("StoreError",
                                           "The profile is locked; unlock it to continue.");
    case Code::NotFound:
        return QCoreApplication::translate("StoreError",
                                           "That item does not exist in this profile.");
    case Code::Undecryptable:
        return QCoreApplication::translate(
            "StoreError", "This item could not be decrypted. It has been kept, not deleted.");
    }
    return QCoreApplication::translate("StoreError", "Unknown profile store error.");
}

} // namespace parley::core
