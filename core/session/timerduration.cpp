#include "core/session/timerduration.h"

#include <QCoreApplication>

#include <array>
#include <limits>

namespace parley::core {

namespace {

// The unit names below are marked with QT_TRANSLATE_NOOP; they are looked up here.
QString translated(const char *text)
{
    return QCoreApplication::translate("parley::core::TimerDuration", text);
}

struct Unit
{
    quint32 seconds;
    const char *one;  // "1 week"
    const char *many; // "%1 weeks"
};

const std::array<Unit, 5> kUnits = {{
    {7 * 24 * 3600, QT_TRANSLATE_NOOP("parley::core::TimerDuration", "1 week"),
     QT_TRANSLATE_NOOP("parley::core::TimerDuration", "%1 weeks")},
    {24 * 3600, QT_TRANSLATE_NOOP("parley::core::TimerDuration", "1 day"),
     QT_TRANSLATE_NOOP("parley::core::TimerDuration", "%1 days")},
    {3600, QT_TRANSLATE_NOOP("parley::core::TimerDuration", "1 hour"),
     QT_TRANSLATE_NOOP("parley::core::TimerDuration", "%1 hours")},
    {60, QT_TRANSLATE_NOOP("parley::core::TimerDuration", "1 minute"),
     QT_TRANSLATE_NOOP("parley::core::TimerDuration", "%1 minutes")},
    {1, QT_TRANSLATE_NOOP("parley::core::TimerDuration", "1 second"),
     QT_TRANSLATE_NOOP("parley::core::TimerDuration", "%1 seconds")},
}};

} // namespace

std::optional<quint32> TimerDuration::parse(const QString &input)
{
    const QString text = input.trimmed().toLower();
    if (text == QLatin1String("off") || text == QLatin1String("0")) {
        return 0u;
    }
    qsizetype digits = 0;
    while (digits < text.size() && text[digits].isDigit() && digits < 10) {
        ++digits;
    }
    if (digits == 0) {
        return std::nullopt;
    }
    bool ok = false;
    const qulonglong count = text.left(digits).toULongLong(&ok);
    const QString unit = text.mid(digits).trimmed();
    quint64 scale = 0;
    if (unit.isEmpty() || unit == QLatin1String("s") || unit == QLatin1String("sec") ||
        unit == QLatin1String("second") || unit == QLatin1String("seconds")) {
        scale = 1;
    } else if (unit == QLatin1String("m") || unit == QLatin1String("min") ||
               unit == QLatin1String("minute") || unit == QLatin1String("minutes")) {
        scale = 60;
    } else if (unit == QLatin1String("h") || unit == QLatin1String("hour") ||
               unit == QLatin1String("hours")) {
        scale = 3600;
    } else if (unit == QLatin1String("d") || unit == QLatin1String("day") ||
               unit == QLatin1String("days")) {
        scale = 24 * 3600;
    } else if (unit == QLatin1String("w") || unit == QLatin1String("week") ||
               unit == QLatin1String("weeks")) {
        scale = 7 * 24 * 3600;
    }
    if (!ok || scale == 0) {
        return std::nullopt;
    }
    const quint64 seconds = quint64(count) * scale; // count < 10^10: no overflow
    if (seconds == 0 || seconds > std::numeric_limits<quint32>::max()) {
        return std::nullopt;
    }
    return quint32(seconds);
}

QString TimerDuration::describe(quint32 seconds)
{
    if (seconds == 0) {
        return QCoreApplication::translate("parley::core::TimerDuration", "off");
    }
    QStringList parts;
    quint32 left = seconds;
    for (const Unit &unit : kUnits) {
        if (left >= unit.seconds && parts.size() < 2) {
            const quint32 count = left / unit.seconds;
            parts.append(count == 1 ? translated(unit.one) : translated(unit.many).arg(count));
            left %= unit.seconds;
        } else if (!parts.isEmpty()) {
            break; // the largest two adjacent units at most: "1 hour 30 minutes"
        }
    }
    return parts.join(QLatin1Char(' '));
}

QString TimerDuration::describeChange(bool own, const QString &who, quint32 seconds)
{
    if (seconds == 0) {
        return own ? QCoreApplication::translate("parley::core::TimerDuration",
                                                 "You turned off disappearing messages.")
                   : QCoreApplication::translate("parley::core::TimerDuration",
                                                 "%1 turned off disappearing messages.")
                         .arg(who);
    }
    return own ? QCoreApplication::translate("parley::core::TimerDuration",
                                             "You set disappearing messages to %1.")
                     .arg(describe(seconds))
               : QCoreApplication::translate("parley::core::TimerDuration",
                                             "%1 set disappearing messages to %2.")
                     .arg(who, describe(seconds));
}

} // namespace parley::core
