#pragma once

// Durability of the profile's files beside its database (attachments): SQLite syncs its own
// commits, but a file a row names must be on disk before that row commits.

#include <QString>

class QFileDevice;

namespace parley::core {

// The file's data on disk (fsync; _commit on Windows). `file` must be open.
bool syncFile(QFileDevice &file);

// The entries of `directory` on disk, such as a file just renamed into it (fsync of the
// directory on POSIX; nothing to do on Windows).
bool syncDirectory(const QString &directory);

} // namespace parley::core
