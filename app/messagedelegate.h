#pragma once

#include <QCache>
#include <QDate>
#include <QFontMetrics>
#include <QHash>
#include <QPixmap>
#include <QStyledItemDelegate>

#include <memory>

class QTextDocument;

namespace parley::app {

class ThumbnailCache;

// Paints one message row of a MessageListModel: never a widget per message (STYLE.md, Views).
// A row is, top to bottom: a date separator on the first row of a day, the "new messages"
// line above the row of unreadMarkerId, and a bubble (own messages right, the contact's
// left) holding, for a reply, the quoted message (a bar, its author and one line of it), the
// text and a line with the time and, for own messages, the status tick; under the bubble, its
// reactions as one pill ("👍 2  ❤️ 1"), tinted when one of them is ours. An attachment's
// bubble starts with its thumbnail, when the sender sent one (an image: at most
// kThumbnailBox, decoded off the GUI thread by a ThumbnailCache; a placeholder until then),
// and its file line (a sheet icon, then "report.pdf · 2.1 MB", with " · downloaded" once
// downloaded) above the caption. In a group conversation, the first bubble of each run of
// consecutive messages from one member (a new day starts a new run) names its author
// (AuthorNameRole) on its first line, in bold. A system row (a timer change, a group event) is
// centred small text wrapped over as many lines as it needs, no bubble. Consecutive messages of one
// side within kGroupSeconds are grouped (a smaller gap).
//
// The text is an InertTextDocument (Markdown without HTML, no resource ever loaded, links
// followed by their real target). Text sizes are cached per message id and available width,
// and so are whole rows' size hints: a row's size depends only on its own data (a change of
// it comes as dataChanged, and the view calls forget()), the width, the row above it (date
// separator, grouping, a group's author line) and whether the unread line is above it; a
// cached size is used only while the last two are what they were. So a relayout of the
// window (every page of history prepended relays out all of its rows) shapes no text and
// reads no time again. The document laid out for a text's size is kept for painting it.
// The caches are bounded (two generations of kCachedSizes: the window's rows, used again on
// every relayout, stay; rows scrolled far away go).
class MessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    static constexpr int kGroupSeconds = 5 * 60;
    static constexpr int kThumbnailBox = 240; // a thumbnail's largest shown edge

    // Where the parts of one row go, in the coordinates of option.rect.
    struct Geometry
    {
        QRect separator; // empty unless the first row of a day
        QRect marker;    // empty unless the unread line is above this row
        QRect bubble;
        QRect author;    // empty unless the first of a run of a group member's messages
        QRect quote;     // empty unless the message is a reply
        QRect thumbnail; // empty unless an attachment with a thumbnail we can show
        QRect file;      // empty unless the message is an attachment
        QRect text;
        QRect meta;
        QRect reactions; // empty unless someone reacted
    };

    explicit MessageDelegate(QObject *parent = nullptr);
    ~MessageDelegate() override;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The row's parts for `option.rect` (its width decides the wrapping).
    Geometry geometry(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    // The link target at `position` (view coordinates) in the row at option.rect, or empty.
    QString linkAt(const QStyleOptionViewItem &option, const QModelIndex &index,
                   const QPoint &position) const;
    // The text the row shows, as laid out (links with their targets, images as text).
    QString renderedText(const QModelIndex &index) const;

    void setUnreadMarkerId(qint64 id) { m_unreadMarkerId = id; }
    qint64 unreadMarkerId() const { return m_unreadMarkerId; }
    // Forgets cached sizes (e.g. the font changed).
    void clearCache();
    // Forgets one message's layouts (its text changed: an edit, a deletion).
    void forget(qint64 id);
    // Decodes thumbnails for painting; its ready() asks the view to paint again.
    ThumbnailCache *thumbnails() const { return m_thumbnails; }

private:
    struct Parts
    {
        bool separator = false;
        bool marker = false;
        bool grouped = false;
        bool outgoing = false;
        bool author = false; // names the author (a group's incoming run starts here)
    };
    Parts partsOf(const QModelIndex &index) const;
    // When a message was sent, in local time, worked out once per message: every layout asks
    // for every row and its neighbour, and each local-time conversion reads the time zone.
    struct RowTime
    {
        QDate day;
        qint64 secsSinceEpoch = 0;
        QString time; // "10:42"
    };
    RowTime timeOf(const QModelIndex &index) const;
    // The width of a line of small text (the time and status under a bubble), by text: a
    // few hundred distinct strings, shaped once each.
    int smallAdvance(const QFontMetrics &small, const QString &text) const;
    int availableWidth(const QStyleOptionViewItem &option) const;
    int maxTextWidth(int rowWidth) const;
    std::unique_ptr<QTextDocument> documentFor(const QModelIndex &index, const QFont &font,
                                               int textWidth) const;
    // A laid-out document for painting, from a small cache (the rows on screen are painted
    // again on every scroll step). Valid until the next call.
    QTextDocument *cachedDocument(const QModelIndex &index, const QFont &font, int textWidth) const;
    QSize textSize(const QModelIndex &index, const QFont &font, int textWidth) const;
    QString metaText(const QModelIndex &index) const;
    static QString fileLine(const QModelIndex &index);
    void paintBubble(QPainter *painter, const QRect &rect, const QColor &fill,
                     const QColor &border) const;
    void paintQuote(QPainter *painter, const QRect &rect, const QModelIndex &index,
                    const QStyleOptionViewItem &option) const;
    void paintReactions(QPainter *painter, const QRect &rect, const QModelIndex &index,
                        const QStyleOptionViewItem &option) const;
    void paintTick(QPainter *painter, const QRect &rect, const QString &state,
                   const QPalette &palette) const;

    QSize thumbnailSize(const QModelIndex &index) const;

    // (message id, width) → a size.
    using SizeKey = QPair<qint64, int>;
    // A row's size hint and what it was worked out with, besides the row's own data.
    struct RowSize
    {
        QSize size;
        qint64 previousId = 0; // the row above (0: none)
        bool marker = false;   // the unread line above it
    };
    // A bounded cache in two generations: entries go to the current one; when it holds
    // kCachedSizes, it becomes the old one (the previous old one is dropped), and an entry
    // found in the old one moves back to the current one.
    template<typename Value>
    struct SizeCache
    {
        QHash<SizeKey, Value> current;
        QHash<SizeKey, Value> old;
        const Value *find(const SizeKey &key);
        void insert(const SizeKey &key, const Value &value);
        void forget(qint64 id);
        void clear()
        {
            current.clear();
            old.clear();
        }
    };

    ThumbnailCache *m_thumbnails;
    qint64 m_unreadMarkerId = 0;
    // Far more than a window of rows (MessageListModel::kDefaultWindowCap).
    static constexpr int kCachedSizes = 4096;
    // (message id, text width) → laid-out text size.
    mutable SizeCache<QSize> m_textSizes;
    // (message id, available width) → the row's size hint.
    mutable SizeCache<RowSize> m_rowSizes;
    // (message id, text width) → document, for the rows being painted.
    static constexpr int kCachedDocuments = 150;
    static constexpr int kCachedTimes = 8192;
    mutable QHash<qint64, RowTime> m_times;
    mutable QHash<QString, int> m_smallAdvances;
    mutable QCache<QPair<qint64, int>, QTextDocument> m_documents{kCachedDocuments};
    // (fill, border, device pixel ratio) → a bubble's corners and edges (paintBubble).
    struct BubbleKey
    {
        QRgb fill;
        QRgb border;
        qreal ratio;
        bool operator==(const BubbleKey &other) const
        {
            return fill == other.fill && border == other.border && ratio == other.ratio;
        }
        friend size_t qHash(const BubbleKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.fill, key.border, key.ratio);
        }
    };
    static constexpr int kCachedBubbles = 16;
    mutable QHash<BubbleKey, QPixmap> m_bubbles;
};

} // namespace parley::app
