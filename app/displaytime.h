#pragma once

#include <QLocale>
#include <QRegularExpression>
#include <QTime>

namespace parley::app {

// A time of day as the views show it: the locale's short format without seconds
// ("10:42", "10:42 AM").
inline QString shortTime(const QTime &time)
{
    QString format = QLocale().timeFormat(QLocale::ShortFormat);
    format.remove(QRegularExpression(QStringLiteral("[:.]?s+")));
    return QLocale().toString(time, format.trimmed());
}

} // namespace parley::app
