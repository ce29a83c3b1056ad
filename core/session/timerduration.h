#pragma once

// Disappearing-messages timers as people write and read them (protocol M1 §6): parsing
// "30s", "5min", "1h", "1d", "1w" or "off" (parley-cli), and the sentences views show for a
// timer and for a change of it. Plain functions; the strings are translatable.

#include <QString>

#include <optional>

namespace parley::core {

struct TimerDuration
{
    // "off" → 0; a number with a unit — s, sec, m, min, h, hour(s), d, day(s), w, week(s);
    // a bare number is seconds — → seconds. nullopt for anything else, or for a value outside
    // kMinTimerSeconds … kMaxTimerSeconds (checked by the caller with a sentence: this only
    // bounds the arithmetic).
    static std::optional<quint32> parse(const QString &text);
    // "off", "30 seconds", "5 minutes", "1 hour", "1 day", "1 week", or a mix of the largest
    // two units ("1 hour 30 minutes").
    static QString describe(quint32 seconds);
    // The system row of a change: "You set disappearing messages to 1 hour.", "alice turned
    // off disappearing messages." (`who` is the contact's name; ignored when `own`).
    static QString describeChange(bool own, const QString &who, quint32 seconds);
};

} // namespace parley::core
