#include "clioutput.h"

#include <QJsonDocument>

#include <cstdio>

namespace parley::cli {

QJsonObject attachmentObject(const core::AttachmentSummary &file)
{
    return QJsonObject{
        {QStringLiteral("file_name"), file.fileName},
        {QStringLiteral("mime_type"), file.mimeType},
        {QStringLiteral("size"), qint64(file.size)},
        {QStringLiteral("caption"), file.caption},
        {QStringLiteral("thumbnail_bytes"), qint64(file.thumbnail.size())},
        {QStringLiteral("downloaded"), file.downloaded},
    };
}

// "[file NAME, SIZE bytes, TYPE] caption" as history and recv print an attachment.
QString attachmentText(const core::AttachmentSummary &file)
{
    QString text =
        QStringLiteral("[file %1, %2 bytes%3]")
            .arg(file.fileName)
            .arg(file.size)
            .arg(file.mimeType.isEmpty() ? QString() : QStringLiteral(", ") + file.mimeType);
    if (!file.caption.isEmpty()) {
        text += QLatin1Char(' ') + file.caption;
    }
    return text;
}

void fail(const QString &sentence)
{
    std::fprintf(stderr, "parley-cli: %s\n", qUtf8Printable(sentence));
    std::fflush(stderr);
}

void Output::print(const QString &event, QJsonObject object, const QString &text) const
{
    if (m_json) {
        object.insert(QStringLiteral("event"), event);
        std::printf("%s\n", QJsonDocument(object).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%s\n", qUtf8Printable(text));
    }
    std::fflush(stdout);
}

} // namespace parley::cli
