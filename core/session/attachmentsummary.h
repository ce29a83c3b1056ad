#pragma once

#include <QByteArray>
#include <QString>

namespace parley::core {

// What a view shows of an attachment message (M1 kind 0x0B) before and after its file is
// downloaded. Plain data without the file's key or blob id, so it can travel to the GUI
// thread; the key stays in the store (AttachmentTable) and on the core thread.
struct AttachmentSummary
{
    QString fileName;
    QString mimeType;     // empty: unknown
    quint64 size = 0;     // plaintext bytes
    QByteArray thumbnail; // as the sender made it (at most kMaxThumbnailBytes), or empty
    QString caption;
    bool downloaded = false; // the verified ciphertext is in the profile: "save as" works
};

} // namespace parley::core
