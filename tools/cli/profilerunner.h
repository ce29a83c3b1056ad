#pragma once

// Runs parley-cli commands on a profile directory: creates the profile (init) or unlocks it
// and signs in, then runs one command — or, for batch, every command of a batch file on the
// one unlock, in order, stopping at the first that fails (docs/cli.md).

#include "clicommand.h"
#include "clioutput.h"
#include "crypto/keyvault.h"

#include <QString>
#include <QUrl>

namespace parley::cli {

struct ProfileSettings
{
    QString directory;
    QUrl relayUrl;
    bool relayGiven = false; // --relay was given: replaces the stored URL on unlock
    QString relayName;       // init: the relay's published name, if not the URL's host:port
    QString passphrase;
    crypto::VaultParameters vault = crypto::VaultParameters::moderate();
    int timeoutMs = 30'000; // for signing in, and for each command
    bool json = false;
};

// Returns the process exit code. Runs the event loop until done.
int runOnProfile(const ProfileSettings &settings, const CliCommand &command);

} // namespace parley::cli
