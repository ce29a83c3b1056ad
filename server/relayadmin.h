#pragma once

#include <QStringList>

namespace parley::relay {

// `parley-relay admin --data-dir DIR <command>`: the operator's commands on a relay's data
// directory, running or not (docs/operations.md §Administration). They go through
// SqliteStore, whose busy timeout lets them wait for the running relay's writes.
// `arguments` are those after "admin". Returns the exit status: 0, 1 for a failure (one
// sentence on stderr), 64 for a usage error.
int runAdmin(const QStringList &arguments);

} // namespace parley::relay
