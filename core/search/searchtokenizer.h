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
// one huge token.
//
// Scripts written without spaces between words (Chinese, Japanese, Korean, Thai, Lao, Khmer,
// Myanmar, Yi: isSpacelessScript) have no words to cut. Their runs are indexed by each
// character and each pair of neighbouring characters (a character with its combining marks),
// and a query's run is looked up by its pairs (or its one character) and checked as a
// substring, so "東京" finds "東京都に行きます". A change of script ends a run: "iphone用" is
// "iphone" and "用".
class SearchTokenizer
{
public:
    static constexpr int kMaxWordLength = 64;
    // At most this many distinct words of one text are indexed (bounds the rows per message),
    // and at most this many distinct characters and pairs of spaceless runs besides.
    static constexpr int kMaxWordsPerText = 512;
    static constexpr int kMaxSpacelessPiecesPerText = 1024;

    // The distinct words of `text` to index, in order of first appearance: a spaceless run's
    // characters and pairs.
    static QStringList words(const QString &text);
    // The words of a query, in order (duplicates removed); a spaceless run is one word.
    // `lastIsPrefix` is set when the query does not end in a separator, i.e. the user may
    // still be typing its last word.
    static QStringList queryWords(const QString &query, bool *lastIsPrefix);
    static bool isSpacelessScript(char32_t codePoint);
    // A letter of no script of its own that continues a spaceless run (ー).
    static bool joinsSpacelessRun(char32_t codePoint);
    // Whether a word of words() or queryWords() is of a spaceless script.
    static bool isSpaceless(const QString &word);
    // The indexed words a spaceless query word is looked up by: its pairs of neighbouring
    // characters, or its one character.
    static QStringList termsOf(const QString &spacelessWord);
};

} // namespace parley::core
