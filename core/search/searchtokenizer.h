#pragma once

#include <QString>
#include <QStringList>

namespace parley::core {

// How message text and search queries are cut into words (docs/architecture.md, "Search").
//
// A word is a maximal run of letters, digits and combining marks after NFKC normalisation and
// Unicode case folding (QString::toCaseFolded), so "Straße", "STRASSE" and "straße" differ only
// as Unicode says they do, and "Ｐａｒｌｅｙ" (full width) equals "parley". Every other character
// separates words. Words are cut to kMaxWordLength UTF-16 units, so a pasted blob cannot make
// one huge token. Scripts written without spaces (CJK) come out as one word per run: such text is
// found by its runs, not by single characters (a known limit, see the docs).
class SearchTokenizer
{
public:
    static constexpr int kMaxWordLength = 64;
    // At most this many distinct words of one text are indexed (bounds the rows per message).
    static constexpr int kMaxWordsPerText = 512;

    // The distinct words of `text`, in order of first appearance.
    static QStringList words(const QString &text);
    // The words of a query, in order (duplicates removed). `lastIsPrefix` is set when the
    // query does not end in a separator, i.e. the user may still be typing its last word.
    static QStringList queryWords(const QString &query, bool *lastIsPrefix);
};

} // namespace parley::core
