#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

namespace parley::relay {

// `parley-relay admin [--config FILE] [--data-dir DIR] <command>`: the operator's commands on
// a relay's data directory, running or not (docs/operations.md §Administration). The data
// directory is resolved as the server resolves it (parseCommandLine: --data-dir >
// PARLEY_RELAY_DATA_DIR > the config file's data-dir, the file named by --config or
// PARLEY_RELAY_CONFIG > the default), so an admin command run in the service's environment
// finds the service's data. They go through SqliteStore, whose busy timeout lets them wait
// for the running relay's writes. `arguments` are those after "admin"; `environment` the
// PARLEY_RELAY_* variables. Returns the exit status: 0, 1 for a failure (one sentence on
// stderr; an invalid config file included), 64 for a usage error.
int runAdmin(const QStringList &arguments, const QHash<QString, QString> &environment = {});

} // namespace parley::relay
