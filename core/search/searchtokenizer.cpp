#include "core/search/searchtokenizer.h"

#include <QSet>

namespace parley::core {

namespace {

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c.isMark();
}

QStringList split(const QString &text, int maxWords)
{
    const QString folded = text.normalized(QString::NormalizationForm_KC).toCaseFolded();
    QStringList words;
    QSet<QString> seen;
    const qsizetype size = folded.size();
    qsizetype i = 0;
    while (i < size && words.size() < maxWords) {
        while (i < size && !isWordChar(folded.at(i))) {
            ++i;
        }
        const qsizetype start = i;
        while (i < size && isWordChar(folded.at(i))) {
            // A surrogate pair is one character: QChar::isLetterOrNumber() sees halves.
            ++i;
        }
        // Surrogate halves are not letters to QChar: take astral characters (emoji apart)
        // as part of a word when they are letters.
        while (i + 1 < size && folded.at(i).isHighSurrogate() &&
               folded.at(i + 1).isLowSurrogate() &&
               QChar::isLetterOrNumber(QChar::surrogateToUcs4(folded.at(i), folded.at(i + 1)))) {
            i += 2;
            while (i < size && isWordChar(folded.at(i))) {
                ++i;
            }
        }
        if (i == start) {
            ++i; // a separator the first loop did not skip (an astral non-letter)
            continue;
        }
        QString word =
            folded.mid(start, std::min<qsizetype>(i - start, SearchTokenizer::kMaxWordLength));
        if (word.size() == SearchTokenizer::kMaxWordLength && word.back().isHighSurrogate()) {
            word.chop(1); // never keep half a character
        }
        if (!seen.contains(word)) {
            seen.insert(word);
            words.append(word);
        }
    }
    return words;
}

} // namespace

QStringList SearchTokenizer::words(const QString &text)
{
    return split(text, kMaxWordsPerText);
}

QStringList SearchTokenizer::queryWords(const QString &query, bool *lastIsPrefix)
{
    const QStringList words = split(query, kMaxWordsPerText);
    if (lastIsPrefix) {
        const QString trimmed = query.normalized(QString::NormalizationForm_KC);
        *lastIsPrefix = !words.isEmpty() && !trimmed.isEmpty() && isWordChar(trimmed.back());
    }
    return words;
}

} // namespace parley::core
