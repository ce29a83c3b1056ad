#pragma once

// What parley-cli prints: one line per event on stdout, as text or (with --json) as one JSON
// object with the field names documented in docs/cli.md; errors as one sentence on stderr.

#include "core/session/attachmentsummary.h"

#include <QJsonObject>
#include <QString>

namespace parley::cli {

// Exit codes (docs/cli.md; also in --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitProfile = 1; // the profile cannot be used
inline constexpr int kExitRelay = 2;   // the relay could not be reached, or the connection failed
inline constexpr int kExitRefused = 3; // the relay refused the account
inline constexpr int kExitContact = 4; // the contact or the message was refused
inline constexpr int kExitUsage = 64;  // EX_USAGE

// An attachment's fields (docs/cli.md: file_name, mime_type, size, caption, thumbnail_bytes,
// downloaded), and "[file NAME, SIZE bytes, TYPE] caption" as history and recv print it.
QJsonObject attachmentObject(const core::AttachmentSummary &file);
QString attachmentText(const core::AttachmentSummary &file);

// "parley-cli: SENTENCE" on stderr.
void fail(const QString &sentence);

class Output
{
public:
    explicit Output(bool json)
        : m_json(json)
    {}

    bool isJson() const { return m_json; }
    // Prints `text`, or `object` with "event": `event` added, and flushes (a script reading a
    // pipe sees each line as it happens).
    void print(const QString &event, QJsonObject object, const QString &text) const;

private:
    bool m_json;
};

} // namespace parley::cli
