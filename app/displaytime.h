#pragma once

#include <QLocale>
#include <QRegularExpression>
#include <QTime>

namespace parley::app {

// A time of day as the views show it: the locale's short format without seconds
// ("10:42", "10:42 AM").
inline QString shortTime(const QTime &time)
{
    // The format is worked out once per locale: a delegate asks for every row it lays out,
    // and compiling the expression each time cost more than the rest of the layout.
    struct Cached
    {
        QString locale;
        QString format;
    };
    static thread_local Cached cached;
    const QLocale locale;
    if (cached.format.isEmpty() || cached.locale != locale.name()) {
        QString format = locale.timeFormat(QLocale::ShortFormat);
        format.remove(QRegularExpression(QStringLiteral("[:.]?s+")));
        cached = {locale.name(), format.trimmed()};
    }
    return locale.toString(time, cached.format);
}

} // namespace parley::app
