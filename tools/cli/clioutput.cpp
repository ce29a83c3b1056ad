#include "clioutput.h"

#include <QJsonDocument>

#include <cstdio>

namespace parley::cli {

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
