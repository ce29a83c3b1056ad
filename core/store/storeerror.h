#pragma once

#include <QString>

#include <variant>

namespace parley::core {

// A failure of the profile store that a caller must handle. `code` is for logic, message()
// is the sentence a user reads, `detail` is technical context for logs and tooltips (never
// a secret, a plaintext or a key).
struct StoreError
{
    enum class Code {
        NoProfile,        // no profile.vault in the directory
        ProfileExists,    // create() where a profile (or leftovers of one) already is
        WrongPassphrase,  // the vault refused the passphrase; nothing was changed
        WrongProfileKey,  // a remembered key that does not belong to this profile
        CorruptVault,     // profile.vault is damaged or not a vault
        OutOfMemory,      // Argon2id could not get its memory
        UnsupportedVault, // a vault format or KDF this version does not know
        DatabaseMissing,  // the vault is there but profile.sqlite is not
        DatabaseNewer,    // profile.sqlite comes from a newer Parley; left untouched
        DatabaseFailed,   // SQLite or file I/O failed
        Locked,           // the store is locked (never unlocked, or auto-locked)
        NotFound,         // the record asked for does not exist
        Undecryptable,    // a stored value failed to decrypt; the row is kept
    };

    Code code = Code::DatabaseFailed;
    QString detail;

    // One sentence for the user.
    QString message() const;
};

template<typename T>
using StoreResult = std::variant<T, StoreError>;

// For operations that return nothing but may fail.
struct Done
{
};
using StoreStatus = StoreResult<Done>;

} // namespace parley::core
