#include "core/search/searchtokenizer.h"

#include <QSet>

#include <vector>

namespace parley::core {

namespace {

// The code point at `at` (a surrogate pair as one), and where the next one starts.
char32_t codePointAt(const QString &text, qsizetype at, qsizetype *next)
{
    const QChar c = text.at(at);
    if (c.isHighSurrogate() && at + 1 < text.size() && text.at(at + 1).isLowSurrogate()) {
        *next = at + 2;
        return QChar::surrogateToUcs4(c, text.at(at + 1));
    }
    *next = at + 1;
    return c.unicode();
}

bool isWordCodePoint(char32_t c)
{
    if (c < 0x80) { // most text: no Unicode tables
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9');
    }
    return QChar::isLetterOrNumber(c) || QChar::isMark(c);
}

bool isMarkCodePoint(char32_t c)
{
    return c >= 0x300 && QChar::isMark(c); // U+0300 is the first combining mark
}

// One character of folded text: a code point with the combining marks after it.
struct Unit
{
    qsizetype start = 0;
    qsizetype end = 0;
    bool word = false;      // a letter, digit or mark
    bool spaceless = false; // of a script written without spaces between words
};

std::vector<Unit> unitsOf(const QString &folded)
{
    std::vector<Unit> units;
    const qsizetype size = folded.size();
    units.reserve(std::size_t(size));
    qsizetype at = 0;
    while (at < size) {
        Unit unit;
        unit.start = at;
        const char32_t c = codePointAt(folded, at, &at);
        unit.word = isWordCodePoint(c);
        while (at < size) { // a vowel sign or an accent belongs to its letter
            qsizetype next = at;
            if (!isMarkCodePoint(codePointAt(folded, at, &next))) {
                break;
            }
            at = next;
        }
        unit.end = at;
        unit.spaceless = unit.word && SearchTokenizer::isSpacelessScript(c);
        // A length mark of no script of its own (the prolonged sound mark ー) stays in its run;
        // digits do not ("2024年" is "2024" and "年").
        if (unit.word && !unit.spaceless && !units.empty() && units.back().spaceless) {
            unit.spaceless = SearchTokenizer::joinsSpacelessRun(c);
        }
        units.push_back(unit);
    }
    return units;
}

// Cuts a word to kMaxWordLength UTF-16 units, never in the middle of a surrogate pair.
QString capped(QString word)
{
    if (word.size() > SearchTokenizer::kMaxWordLength) {
        word.truncate(SearchTokenizer::kMaxWordLength);
        if (word.back().isHighSurrogate()) {
            word.chop(1);
        }
    }
    return word;
}

// `wholeRuns`: a run of a spaceless script is one word (a query's, found as a substring);
// otherwise it gives its characters and its pairs of neighbouring characters (the index's),
// which count against their own bound, so a long Chinese paragraph does not push out the
// words after it.
QStringList split(const QString &text, int maxWords, bool wholeRuns)
{
    const QString folded = text.normalized(QString::NormalizationForm_KC).toCaseFolded();
    const std::vector<Unit> units = unitsOf(folded);
    QStringList words;
    QSet<QString> seen;
    int wordCount = 0;
    int pieceCount = 0;
    const auto add = [&](const QString &word, bool piece = false) {
        int &count = piece ? pieceCount : wordCount;
        const int bound = piece ? SearchTokenizer::kMaxSpacelessPiecesPerText : maxWords;
        if (count < bound && !seen.contains(word)) {
            seen.insert(word);
            words.append(word);
            ++count;
        }
    };
    const auto piece = [&](std::size_t first, std::size_t last) {
        return folded.mid(units[first].start, units[last].end - units[first].start);
    };
    std::size_t i = 0;
    while (i < units.size() &&
           (wordCount < maxWords || pieceCount < SearchTokenizer::kMaxSpacelessPiecesPerText)) {
        if (!units[i].word) {
            ++i;
            continue;
        }
        const bool spaceless = units[i].spaceless;
        std::size_t end = i;
        while (end < units.size() && units[end].word && units[end].spaceless == spaceless) {
            ++end;
        }
        if (!spaceless || wholeRuns) {
            add(capped(piece(i, end - 1)));
        } else {
            for (std::size_t k = i; k < end; ++k) {
                add(capped(piece(k, k)), true);
                if (k + 1 < end) {
                    add(capped(piece(k, k + 1)), true);
                }
            }
        }
        i = end;
    }
    return words;
}

} // namespace

bool SearchTokenizer::isSpacelessScript(char32_t c)
{
    if (c < 0x0E00) { // before Thai, the first of them: no lookup for most text
        return false;
    }
    switch (QChar::script(c)) {
    case QChar::Script_Han:
    case QChar::Script_Hiragana:
    case QChar::Script_Katakana:
    case QChar::Script_Bopomofo:
    case QChar::Script_Hangul:
    case QChar::Script_Yi:
    case QChar::Script_Thai:
    case QChar::Script_Lao:
    case QChar::Script_Khmer:
    case QChar::Script_Myanmar:
        return true;
    default:
        return false;
    }
}

bool SearchTokenizer::joinsSpacelessRun(char32_t c)
{
    return c >= 0x0E00 && QChar::category(c) == QChar::Letter_Modifier &&
           QChar::script(c) == QChar::Script_Common;
}

bool SearchTokenizer::isSpaceless(const QString &word)
{
    // Decided by its first character of a script of its own ("ーヒ" is katakana's).
    for (qsizetype at = 0; at < word.size();) {
        const char32_t c = codePointAt(word, at, &at);
        if (c < 0x0E00) {
            return false;
        }
        const QChar::Script script = QChar::script(c);
        if (script != QChar::Script_Common && script != QChar::Script_Inherited) {
            return isSpacelessScript(c);
        }
    }
    return false;
}

QStringList SearchTokenizer::words(const QString &text)
{
    return split(text, kMaxWordsPerText, false);
}

QStringList SearchTokenizer::queryWords(const QString &query, bool *lastIsPrefix)
{
    const QStringList words = split(query, kMaxWordsPerText, true);
    if (lastIsPrefix) {
        const QString normalized = query.normalized(QString::NormalizationForm_KC);
        qsizetype next = 0;
        *lastIsPrefix =
            !words.isEmpty() && !normalized.isEmpty() &&
            isWordCodePoint(codePointAt(
                normalized, normalized.size() - (normalized.back().isLowSurrogate() ? 2 : 1),
                &next));
    }
    return words;
}

QStringList SearchTokenizer::termsOf(const QString &spacelessWord)
{
    const std::vector<Unit> units = unitsOf(spacelessWord);
    QStringList terms;
    const auto piece = [&](std::size_t first, std::size_t last) {
        return spacelessWord.mid(units[first].start, units[last].end - units[first].start);
    };
    if (units.size() == 1) {
        terms << piece(0, 0);
    }
    for (std::size_t k = 0; k + 1 < units.size(); ++k) {
        if (const QString pair = piece(k, k + 1); !terms.contains(pair)) {
            terms << pair;
        }
    }
    return terms;
}

} // namespace parley::core
