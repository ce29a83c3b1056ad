#pragma once

// parley-cli export and import (docs/cli.md): a profile as an encrypted archive
// (docs/protocol.md B1, core/account/profilearchiver.h). Neither needs a signed-in session;
// import registers the new device afterwards like `status` does.

#include "profilerunner.h"

#include <QString>

namespace parley::cli {

// Unlocks the profile in settings.directory and writes the archive to `file` under
// `archivePassphrase` (Argon2id strength settings.vault). Returns the exit code.
int runExport(const ProfileSettings &settings, const QString &file,
              const QString &archivePassphrase);
// Creates the profile in settings.directory from the archive `file` (a new device of the
// archived account, under settings.passphrase), then signs in, which registers the device and
// retires the one that exported. Returns the exit code.
int runImport(const ProfileSettings &settings, const QString &file,
              const QString &archivePassphrase);

} // namespace parley::cli
