#include "app/messagedelegate.h"

#include "app/displaytime.h"
#include "app/inerttextdocument.h"
#include "app/thumbnailcache.h"
#include "app/vectoricons.h"
#include "core/models/messagelistmodel.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QTextLayout>
#include <QTextOption>

#include <cmath>

namespace parley::app {

using Messages = core::MessageListModel;

namespace {

constexpr int kSideMargin = 12;
constexpr int kPadX = 10;
constexpr int kPadY = 6;
constexpr int kGroupGap = 2;
constexpr int kGap = 8;
constexpr int kBottomGap = 2;
constexpr int kTickWidth = 16;
constexpr int kMaxBubbleText = 560;
constexpr int kQuoteBar = 3;
constexpr int kQuotePad = 6;
constexpr int kPillPad = 6;
constexpr int kPillOverlap = 4; // the reactions pill overlaps the bubble's lower edge

QDateTime sentAt(const QModelIndex &index)
{
    return index.data(Messages::SentAtRole).toDateTime().toLocalTime();
}

// A file line's sheet icon, a line high, and the space after it.
int fileIconWidth(const QFontMetrics &metrics)
{
    return metrics.height() + metrics.height() / 4;
}

QFont smallFont(const QFont &font)
{
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    return small;
}

// A system row's sentence ("Alice added Bob, Carol and Dave."): centred lines, broken at
// words, or anywhere for a word wider than a line (a long group name).
QTextOption systemTextOption()
{
    QTextOption option(Qt::AlignHCenter);
    option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    return option;
}

// Lays that sentence out in lines of at most `width`, one under the other, and returns the
// size it takes. Measured and painted with the same layout, so the lines fill the rectangle
// the size hint made room for.
QSize layOutSystemText(QTextLayout &layout, int width)
{
    layout.setTextOption(systemTextOption());
    layout.beginLayout();
    qreal height = 0;
    qreal widest = 0;
    for (QTextLine line = layout.createLine(); line.isValid(); line = layout.createLine()) {
        line.setLineWidth(width);
        line.setPosition(QPointF(0, height));
        height += line.height();
        widest = std::max(widest, line.naturalTextWidth());
    }
    layout.endLayout();
    // + 1: a width a fraction too narrow would break the line again when painted.
    return {std::min(width, int(std::ceil(widest)) + 1), int(std::ceil(height))};
}

// `a` over `b` with opacity t.
QColor mixed(const QColor &a, const QColor &b, float t)
{
    return QColor::fromRgbF(a.redF() * t + b.redF() * (1 - t),
                            a.greenF() * t + b.greenF() * (1 - t),
                            a.blueF() * t + b.blueF() * (1 - t));
}

bool isReply(const QModelIndex &index)
{
    return !index.data(Messages::ReplyToRole).toString().isEmpty() &&
           !index.data(Messages::DeletedRole).toBool();
}

QString quoteAuthor(const QModelIndex &index)
{
    const QString author = index.data(Messages::QuotedAuthorRole).toString();
    return author.isEmpty() ? MessageDelegate::tr("Reply") : author;
}

// A group member's name over their run of messages (AuthorNameRole falls back to the user
// part of the address).
QString authorName(const QModelIndex &index)
{
    const QString name = index.data(Messages::AuthorNameRole).toString();
    return name.isEmpty() ? index.data(Messages::AuthorRole).toString() : name;
}

QString dayText(const QDate &date)
{
    const QDate today = QDate::currentDate();
    if (date == today) {
        return MessageDelegate::tr("Today");
    }
    if (date == today.addDays(-1)) {
        return MessageDelegate::tr("Yesterday");
    }
    return QLocale().toString(date, QLocale::LongFormat);
}

} // namespace

MessageDelegate::MessageDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
    , m_thumbnails(new ThumbnailCache(this))
{}

QSize MessageDelegate::thumbnailSize(const QModelIndex &index) const
{
    if (index.data(Messages::DeletedRole).toBool()) {
        return {};
    }
    const QVariantMap file = index.data(Messages::AttachmentRole).toMap();
    const QByteArray bytes = file.value(QStringLiteral("thumbnail")).toByteArray();
    if (bytes.isEmpty()) {
        return {};
    }
    const auto size = m_thumbnails->size(index.data(Messages::IdRole).toLongLong(), bytes);
    return size ? *size : QSize();
}

MessageDelegate::~MessageDelegate() = default;

template<typename Value>
const Value *MessageDelegate::SizeCache<Value>::find(const SizeKey &key)
{
    const auto found = current.constFind(key);
    if (found != current.constEnd()) {
        return &*found;
    }
    const auto kept = old.constFind(key);
    if (kept == old.constEnd()) {
        return nullptr;
    }
    const Value value = *kept;
    old.erase(kept);
    insert(key, value);
    return &*current.constFind(key);
}

template<typename Value>
void MessageDelegate::SizeCache<Value>::insert(const SizeKey &key, const Value &value)
{
    if (current.size() >= kCachedSizes) {
        old = std::exchange(current, {});
    }
    current.insert(key, value);
}

template<typename Value>
void MessageDelegate::SizeCache<Value>::forget(qint64 id)
{
    for (QHash<SizeKey, Value> *hash : {&current, &old}) {
        hash->removeIf([id](const auto &entry) { return entry.key().first == id; });
    }
}

void MessageDelegate::clearCache()
{
    m_textSizes.clear();
    m_rowSizes.clear();
    m_documents.clear();
    m_smallAdvances.clear();
}

MessageDelegate::Parts MessageDelegate::partsOf(const QModelIndex &index) const
{
    Parts parts;
    parts.outgoing = index.data(Messages::IsOutgoingRole).toBool();
    const RowTime at = timeOf(index);
    const QModelIndex previous =
        index.row() > 0 ? index.sibling(index.row() - 1, 0) : QModelIndex();
    const RowTime before = previous.isValid() ? timeOf(previous) : RowTime();
    parts.separator = !previous.isValid() || before.day != at.day;
    parts.marker =
        m_unreadMarkerId != 0 && index.data(Messages::IdRole).toLongLong() == m_unreadMarkerId;
    parts.grouped = previous.isValid() && !parts.separator && !parts.marker &&
                    previous.data(Messages::IsOutgoingRole).toBool() == parts.outgoing &&
                    std::abs(at.secsSinceEpoch - before.secsSinceEpoch) <= kGroupSeconds;
    // A group member's message (only those carry an author) starts a run unless the row
    // above, on the same day, is by the same author.
    const QString author = index.data(Messages::AuthorRole).toString();
    parts.author =
        !parts.outgoing && !author.isEmpty() &&
        (!previous.isValid() || parts.separator || previous.data(Messages::IsSystemRole).toBool() ||
         previous.data(Messages::AuthorRole).toString() != author);
    return parts;
}

MessageDelegate::RowTime MessageDelegate::timeOf(const QModelIndex &index) const
{
    const qint64 id = index.data(Messages::IdRole).toLongLong();
    const auto found = m_times.constFind(id);
    if (found != m_times.constEnd()) {
        return *found;
    }
    if (m_times.size() >= kCachedTimes) {
        m_times.clear(); // far more than a window of rows: start again
    }
    const QDateTime local = sentAt(index);
    return *m_times.insert(id, {local.date(), local.toSecsSinceEpoch(), shortTime(local.time())});
}

int MessageDelegate::smallAdvance(const QFontMetrics &small, const QString &text) const
{
    const auto found = m_smallAdvances.constFind(text);
    if (found != m_smallAdvances.constEnd()) {
        return *found;
    }
    if (m_smallAdvances.size() >= kCachedTimes) {
        m_smallAdvances.clear();
    }
    return *m_smallAdvances.insert(text, small.horizontalAdvance(text));
}

int MessageDelegate::availableWidth(const QStyleOptionViewItem &option) const
{
    if (const auto *view = qobject_cast<const QAbstractItemView *>(option.widget)) {
        return std::max(120, view->viewport()->width());
    }
    return std::max(120, option.rect.width());
}

int MessageDelegate::maxTextWidth(int rowWidth) const
{
    const int bubble = std::max(80, rowWidth * 3 / 4 - kSideMargin);
    return std::min(kMaxBubbleText, bubble - 2 * kPadX);
}

std::unique_ptr<QTextDocument> MessageDelegate::documentFor(const QModelIndex &index,
                                                            const QFont &font, int textWidth) const
{
    auto document = std::make_unique<InertTextDocument>();
    // A tombstone or an undecryptable row says so, in italics (DisplayRole has the sentence).
    if (index.data(Messages::UndecryptableRole).toBool() ||
        index.data(Messages::DeletedRole).toBool()) {
        QFont italic = font;
        italic.setItalic(true);
        document->setDefaultFont(italic);
        document->setPlainText(index.data(Qt::DisplayRole).toString());
    } else {
        document->setDefaultFont(font);
        document->setMessageText(index.data(Messages::TextRole).toString());
    }
    document->setTextWidth(textWidth);
    return document;
}

void MessageDelegate::forget(qint64 id)
{
    m_textSizes.forget(id);
    m_rowSizes.forget(id);
    const auto keys = m_documents.keys();
    for (const auto &key : keys) {
        if (key.first == id) {
            m_documents.remove(key);
        }
    }
}

QTextDocument *MessageDelegate::cachedDocument(const QModelIndex &index, const QFont &font,
                                               int textWidth) const
{
    const QPair<qint64, int> key(index.data(Messages::IdRole).toLongLong(), textWidth);
    if (QTextDocument *document = m_documents.object(key)) {
        return document;
    }
    QTextDocument *document = documentFor(index, font, textWidth).release();
    m_documents.insert(key, document);
    return document;
}

QSize MessageDelegate::textSize(const QModelIndex &index, const QFont &font, int textWidth) const
{
    const qint64 id = index.data(Messages::IdRole).toLongLong();
    const SizeKey key(id, textWidth);
    if (const QSize *cached = m_textSizes.find(key)) {
        return *cached;
    }
    auto document = documentFor(index, font, textWidth);
    const int width = std::min(textWidth, int(std::ceil(document->idealWidth())) + 1);
    document->setTextWidth(width);
    const QSize size(width, int(std::ceil(document->size().height())));
    m_textSizes.insert(key, size);
    // Painting wants this very document (laid out at the text's width): keep it rather than
    // lay the text out a second time when the row shows.
    m_documents.insert(SizeKey(id, width), document.release());
    return size;
}

QString MessageDelegate::fileLine(const QModelIndex &index)
{
    const QVariantMap file = index.data(Messages::AttachmentRole).toMap();
    if (file.isEmpty() || index.data(Messages::DeletedRole).toBool()) {
        return {};
    }
    // The name is the sender's (M1 §7): shown, never used as a path.
    QString line = QStringLiteral("%1 · %2").arg(
        file.value(QStringLiteral("fileName")).toString(),
        QLocale().formattedDataSize(file.value(QStringLiteral("size")).toLongLong()));
    if (file.value(QStringLiteral("downloaded")).toBool()) {
        line += tr(" · downloaded");
    }
    return line;
}

QString MessageDelegate::metaText(const QModelIndex &index) const
{
    QString text = timeOf(index).time;
    if (index.data(Messages::EditedRole).toBool() && !index.data(Messages::DeletedRole).toBool()) {
        text = tr("edited · %1").arg(text);
    }
    const QString state = index.data(Messages::StateNameRole).toString();
    if (state == QLatin1String("failed")) {
        text = tr("%1 · not sent").arg(text);
    }
    return text;
}

MessageDelegate::Geometry MessageDelegate::geometry(const QStyleOptionViewItem &option,
                                                    const QModelIndex &index) const
{
    Geometry geometry;
    const Parts parts = partsOf(index);
    const QFontMetrics metrics(option.font);
    const QFontMetrics small(smallFont(option.font));
    // The row is as wide as the view's viewport (option.rect of a list item may be wider).
    const QRect row(option.rect.left(), option.rect.top(), availableWidth(option),
                    option.rect.height());
    int y = row.top();
    if (parts.separator) {
        geometry.separator = QRect(row.left(), y, row.width(), metrics.height() + 2 * kGap);
        y += geometry.separator.height();
    }
    if (parts.marker) {
        geometry.marker = QRect(row.left(), y, row.width(), metrics.height() + kGap);
        y += geometry.marker.height();
    }
    y += parts.grouped ? kGroupGap : kGap;

    if (index.data(Messages::IsSystemRole).toBool()) {
        // Centred, as many lines as it needs: "alice set disappearing messages to 1 hour."
        QTextLayout layout(index.data(Qt::DisplayRole).toString(), smallFont(option.font));
        const QSize text =
            layOutSystemText(layout, std::max(1, row.width() - 2 * kSideMargin - 2 * kPadX));
        const int width = text.width() + 2 * kPadX;
        geometry.bubble =
            QRect(row.left() + (row.width() - width) / 2, y, width, text.height() + 2 * kPadY);
        geometry.text = geometry.bubble.adjusted(kPadX, kPadY, -kPadX, -kPadY);
        return geometry;
    }

    const int maxText = maxTextWidth(row.width());
    const QSize text = textSize(index, option.font, maxText);
    const int metaWidth =
        smallAdvance(small, metaText(index)) + (parts.outgoing ? kTickWidth + 4 : 0);
    int inner = std::max(text.width(), metaWidth);
    int authorHeight = 0;
    if (parts.author) {
        QFont bold = smallFont(option.font);
        bold.setWeight(QFont::DemiBold);
        const QFontMetrics boldMetrics(bold);
        // As wide as the name (elided when painted if wider than the text may be).
        inner = std::max(inner,
                         std::min(maxText, boldMetrics.horizontalAdvance(authorName(index)) + 1));
        authorHeight = boldMetrics.height() + 2;
    }
    // A reply's quote: author and one line of the quoted text, as wide as they need (up to
    // the text's maximum: a longer quote is elided when painted).
    int quoteHeight = 0;
    if (isReply(index)) {
        QFont bold = smallFont(option.font);
        bold.setWeight(QFont::DemiBold);
        const int quoteWidth =
            std::max(QFontMetrics(bold).horizontalAdvance(quoteAuthor(index)),
                     small.horizontalAdvance(index.data(Messages::QuotedTextRole).toString())) +
            kQuoteBar + 2 * kQuotePad;
        inner = std::max(inner, std::min(maxText, quoteWidth));
        quoteHeight = 2 * small.height() + 2 * kQuotePad;
    }
    // A thumbnail as large as it is, or shrunk into kThumbnailBox and the text's width.
    QSize thumbnail = thumbnailSize(index);
    const QSize box(std::min(kThumbnailBox, maxText), kThumbnailBox);
    if (thumbnail.width() > box.width() || thumbnail.height() > box.height()) {
        thumbnail.scale(box, Qt::KeepAspectRatio);
    }
    const int thumbnailHeight = thumbnail.isEmpty() ? 0 : thumbnail.height() + kPadY;
    inner = std::max(inner, thumbnail.width());
    const QString file = fileLine(index);
    const int fileHeight = file.isEmpty() ? 0 : metrics.height() + 2;
    if (!file.isEmpty()) {
        // Measured in the bold it is painted in (elided only when wider than the text may be).
        QFont bold = option.font;
        bold.setWeight(QFont::DemiBold);
        inner =
            std::max(inner, std::min(maxText, fileIconWidth(metrics) +
                                                  QFontMetrics(bold).horizontalAdvance(file) + 1));
    }
    const int textTop = kPadY + authorHeight + (quoteHeight > 0 ? quoteHeight + kPadY : 0) +
                        thumbnailHeight + fileHeight;
    const QSize bubble(inner + 2 * kPadX, textTop + text.height() + 2 + small.height() + kPadY);
    const int x =
        parts.outgoing ? row.right() - kSideMargin - bubble.width() + 1 : row.left() + kSideMargin;
    geometry.bubble = QRect(QPoint(x, y), bubble);
    if (authorHeight > 0) {
        geometry.author = QRect(x + kPadX, y + kPadY, inner, authorHeight - 2);
    }
    if (quoteHeight > 0) {
        geometry.quote = QRect(x + kPadX, y + kPadY + authorHeight, inner, quoteHeight);
    }
    if (thumbnailHeight > 0) {
        geometry.thumbnail =
            QRect(QPoint(x + kPadX, y + textTop - fileHeight - thumbnailHeight), thumbnail);
    }
    if (fileHeight > 0) {
        geometry.file = QRect(x + kPadX, y + textTop - fileHeight, inner, metrics.height());
    }
    geometry.text = QRect(QPoint(x + kPadX, y + textTop), text);
    geometry.meta = QRect(x + kPadX, geometry.text.bottom() + 3, inner, small.height());
    const QString reactions = index.data(Messages::ReactionsTextRole).toString();
    if (!reactions.isEmpty() && !index.data(Messages::DeletedRole).toBool()) {
        const QSize pill(small.horizontalAdvance(reactions) + 2 * kPillPad,
                         small.height() + kPillPad);
        const int pillX = parts.outgoing ? geometry.bubble.right() - kPadX - pill.width() + 1
                                         : geometry.bubble.left() + kPadX;
        geometry.reactions =
            QRect(QPoint(pillX, geometry.bubble.bottom() + 1 - kPillOverlap), pill);
    }
    return geometry;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const int width = availableWidth(option);
    const qint64 id = index.data(Messages::IdRole).toLongLong();
    const qint64 previousId =
        index.row() > 0 ? index.sibling(index.row() - 1, 0).data(Messages::IdRole).toLongLong() : 0;
    const bool marker = m_unreadMarkerId != 0 && id == m_unreadMarkerId;
    const SizeKey key(id, width);
    if (const RowSize *cached = m_rowSizes.find(key);
        cached != nullptr && cached->previousId == previousId && cached->marker == marker) {
        return cached->size;
    }
    QStyleOptionViewItem sized = option;
    sized.rect = QRect(0, 0, width, 0);
    const Geometry parts = geometry(sized, index);
    const int bottom = std::max(parts.bubble.bottom(), parts.reactions.bottom());
    const QSize size(width, bottom + 1 + kBottomGap);
    m_rowSizes.insert(key, {size, previousId, marker});
    return size;
}

QString MessageDelegate::linkAt(const QStyleOptionViewItem &option, const QModelIndex &index,
                                const QPoint &position) const
{
    const Geometry parts = geometry(option, index);
    if (!parts.text.contains(position)) {
        return {};
    }
    return cachedDocument(index, option.font, parts.text.width())
        ->documentLayout()
        ->anchorAt(position - parts.text.topLeft());
}

QString MessageDelegate::renderedText(const QModelIndex &index) const
{
    return documentFor(index, QFont(), maxTextWidth(600))->toPlainText();
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const Geometry parts = geometry(option, index);
    const QPalette &palette = option.palette;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);

    if (option.state & QStyle::State_Selected) {
        QColor selection = palette.color(QPalette::Highlight);
        selection.setAlpha(50);
        painter->fillRect(option.rect, selection);
    }
    if (!parts.separator.isEmpty()) {
        const QString day = dayText(timeOf(index).day);
        painter->setPen(palette.color(QPalette::PlaceholderText));
        const QRect textRect = painter->fontMetrics().boundingRect(day).adjusted(-8, 0, 8, 0);
        QRect centered = textRect;
        centered.moveCenter(parts.separator.center());
        const int middle = parts.separator.center().y();
        painter->drawLine(parts.separator.left() + kSideMargin, middle, centered.left(), middle);
        painter->drawLine(centered.right(), middle, parts.separator.right() - kSideMargin, middle);
        painter->drawText(centered, Qt::AlignCenter, day);
    }
    if (!parts.marker.isEmpty()) {
        const QColor red(0xcf, 0x22, 0x2e);
        painter->setPen(red);
        const int middle = parts.marker.center().y();
        const QString text = tr("New messages");
        const int textWidth = painter->fontMetrics().horizontalAdvance(text) + 16;
        painter->drawLine(parts.marker.left() + kSideMargin, middle,
                          parts.marker.right() - kSideMargin - textWidth, middle);
        painter->drawText(parts.marker.adjusted(0, 0, -kSideMargin, 0),
                          Qt::AlignRight | Qt::AlignVCenter, text);
    }

    if (index.data(Messages::IsSystemRole).toBool()) {
        painter->setFont(smallFont(option.font));
        painter->setPen(palette.color(QPalette::PlaceholderText));
        QTextLayout layout(index.data(Qt::DisplayRole).toString(), painter->font());
        layOutSystemText(layout, parts.text.width());
        layout.draw(painter, parts.text.topLeft());
        painter->restore();
        return;
    }
    const bool outgoing = index.data(Messages::IsOutgoingRole).toBool();
    QColor bubble =
        outgoing ? palette.color(QPalette::Highlight) : palette.color(QPalette::AlternateBase);
    if (outgoing) {
        bubble.setAlpha(45);
    }
    paintBubble(painter, parts.bubble, bubble, palette.color(QPalette::Mid));

    if (!parts.author.isEmpty()) {
        QFont bold = smallFont(option.font);
        bold.setWeight(QFont::DemiBold);
        painter->setFont(bold);
        painter->setPen(palette.color(QPalette::Link));
        painter->drawText(
            parts.author, Qt::AlignLeft | Qt::AlignVCenter,
            QFontMetrics(bold).elidedText(authorName(index), Qt::ElideRight, parts.author.width()));
        painter->setFont(option.font);
    }
    if (!parts.quote.isEmpty()) {
        paintQuote(painter, parts.quote, index, option);
    }
    if (!parts.thumbnail.isEmpty()) {
        const QByteArray bytes = index.data(Messages::AttachmentRole)
                                     .toMap()
                                     .value(QStringLiteral("thumbnail"))
                                     .toByteArray();
        const QImage image = m_thumbnails->image(index.data(Messages::IdRole).toLongLong(), bytes);
        if (image.isNull()) {
            // Being decoded (or undecodable): a quiet placeholder of the same size.
            QColor placeholder = palette.color(QPalette::Mid);
            placeholder.setAlpha(60);
            painter->fillRect(parts.thumbnail, placeholder);
        } else {
            painter->setRenderHint(QPainter::SmoothPixmapTransform);
            painter->drawImage(parts.thumbnail, image);
        }
    }
    if (!parts.file.isEmpty()) {
        QFont bold = option.font;
        bold.setWeight(QFont::DemiBold);
        painter->setFont(bold);
        painter->setPen(palette.color(QPalette::Text));
        // The sheet icon, not "📎": an emoji is a missing-glyph box without an emoji font.
        const int side = parts.file.height();
        paintVectorIcon(painter, VectorIcon::File, QRectF(parts.file.topLeft(), QSizeF(side, side)),
                        palette.color(QPalette::Text));
        const QRect name = parts.file.adjusted(fileIconWidth(QFontMetrics(option.font)), 0, 0, 0);
        painter->drawText(
            name, Qt::AlignLeft | Qt::AlignVCenter,
            QFontMetrics(bold).elidedText(fileLine(index), Qt::ElideMiddle, name.width()));
        painter->setFont(option.font);
    }
    QTextDocument *document = cachedDocument(index, option.font, parts.text.width());
    painter->translate(parts.text.topLeft());
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette = palette;
    context.palette.setColor(QPalette::Text, palette.color(QPalette::Text));
    context.clip = QRectF(0, 0, parts.text.width(), parts.text.height());
    document->documentLayout()->draw(painter, context);
    painter->translate(-parts.text.topLeft());

    painter->setFont(smallFont(option.font));
    const QString state = index.data(Messages::StateNameRole).toString();
    painter->setPen(state == QLatin1String("failed") ? QColor(0xcf, 0x22, 0x2e)
                                                     : palette.color(QPalette::PlaceholderText));
    QRect meta = parts.meta;
    if (outgoing) {
        const QRect tick(meta.right() - kTickWidth + 1, meta.top(), kTickWidth, meta.height());
        paintTick(painter, tick, state, palette);
        meta.setRight(tick.left() - 4);
    }
    painter->drawText(meta, Qt::AlignRight | Qt::AlignVCenter, metaText(index));
    if (!parts.reactions.isEmpty()) {
        paintReactions(painter, parts.reactions, index, option);
    }
    painter->restore();
}

// An antialiased rounded rectangle with a hairline border is the costliest thing in a row
// (the border is stroked as a path): its corners and edges are drawn once into a small
// pixmap per colour pair and device pixel ratio, and every bubble is nine pieces of it
// (corners as they are, edges stretched along their length, the inside filled).
void MessageDelegate::paintBubble(QPainter *painter, const QRect &rect, const QColor &fill,
                                  const QColor &border) const
{
    constexpr int kRadius = 8;
    constexpr int kMargin = kRadius + 1; // the corner and the border's half pixel
    constexpr int kSide = 2 * kMargin + 1;
    if (rect.width() < kSide || rect.height() < kSide) {
        painter->setPen(QPen(border, 0.5));
        painter->setBrush(fill);
        painter->drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);
        return;
    }
    const qreal ratio = painter->device()->devicePixelRatioF();
    const BubbleKey key{fill.rgba(), border.rgba(), ratio};
    auto found = m_bubbles.constFind(key);
    if (found == m_bubbles.constEnd()) {
        if (m_bubbles.size() >= kCachedBubbles) {
            m_bubbles.clear(); // a theme change: the old colours are not painted any more
        }
        QPixmap pixmap(QSize(kSide, kSide) * ratio);
        pixmap.setDevicePixelRatio(ratio);
        pixmap.fill(Qt::transparent);
        QPainter corner(&pixmap);
        corner.setRenderHint(QPainter::Antialiasing);
        corner.setPen(QPen(border, 0.5));
        corner.setBrush(fill);
        corner.drawRoundedRect(QRectF(0, 0, kSide, kSide).adjusted(0.5, 0.5, -0.5, -0.5), kRadius,
                               kRadius);
        corner.end();
        found = m_bubbles.insert(key, pixmap);
    }
    const QPixmap &pixmap = *found;
    // Columns and rows of the target and of the pixmap (in its device pixels).
    const int innerWidth = rect.width() - 2 * kMargin;
    const int innerHeight = rect.height() - 2 * kMargin;
    const int xs[3] = {rect.left(), rect.left() + kMargin, rect.right() + 1 - kMargin};
    const int ws[3] = {kMargin, innerWidth, kMargin};
    const int ys[3] = {rect.top(), rect.top() + kMargin, rect.bottom() + 1 - kMargin};
    const int hs[3] = {kMargin, innerHeight, kMargin};
    const int from[3] = {0, kMargin, kMargin + 1};
    const int fromSize[3] = {kMargin, 1, kMargin};
    for (int row = 0; row < 3; ++row) {
        for (int column = 0; column < 3; ++column) {
            if (row == 1 && column == 1) {
                continue;
            }
            painter->drawPixmap(QRectF(xs[column], ys[row], ws[column], hs[row]), pixmap,
                                QRectF(from[column] * ratio, from[row] * ratio,
                                       fromSize[column] * ratio, fromSize[row] * ratio));
        }
    }
    painter->fillRect(QRect(xs[1], ys[1], innerWidth, innerHeight), fill);
}

void MessageDelegate::paintQuote(QPainter *painter, const QRect &rect, const QModelIndex &index,
                                 const QStyleOptionViewItem &option) const
{
    const QPalette &palette = option.palette;
    painter->save();
    QColor shade = palette.color(QPalette::Text);
    shade.setAlpha(18);
    painter->setPen(Qt::NoPen);
    painter->setBrush(shade);
    painter->drawRoundedRect(rect, 4, 4);
    painter->setBrush(palette.color(QPalette::Highlight));
    painter->drawRect(QRect(rect.left(), rect.top(), kQuoteBar, rect.height()));

    const QFont small = smallFont(option.font);
    QFont bold = small;
    bold.setWeight(QFont::DemiBold);
    const QFontMetrics metrics(small);
    const QRect lines = rect.adjusted(kQuoteBar + kQuotePad, kQuotePad, -kQuotePad, -kQuotePad);
    painter->setFont(bold);
    painter->setPen(palette.color(QPalette::Highlight));
    painter->drawText(
        QRect(lines.left(), lines.top(), lines.width(), metrics.height()),
        Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetrics(bold).elidedText(quoteAuthor(index), Qt::ElideRight, lines.width()));
    painter->setFont(small);
    painter->setPen(palette.color(QPalette::PlaceholderText));
    // Plain text, one line: the quote is a pointer to the message, not a second rendering.
    const QString quoted = index.data(Messages::QuotedTextRole).toString().simplified();
    painter->drawText(
        QRect(lines.left(), lines.top() + metrics.height(), lines.width(), metrics.height()),
        Qt::AlignLeft | Qt::AlignVCenter,
        metrics.elidedText(quoted, Qt::ElideRight, lines.width()));
    painter->restore();
}

void MessageDelegate::paintReactions(QPainter *painter, const QRect &rect, const QModelIndex &index,
                                     const QStyleOptionViewItem &option) const
{
    const QPalette &palette = option.palette;
    bool mine = false;
    for (const QVariant &reaction : index.data(Messages::ReactionsRole).toList()) {
        mine = mine || reaction.toMap().value(QStringLiteral("mine")).toBool();
    }
    painter->save();
    // Opaque: the pill covers the bubble's edge.
    const QColor base = palette.color(QPalette::Base);
    const QColor fill = mine ? mixed(palette.color(QPalette::Highlight), base, 0.28) : base;
    painter->setPen(QPen(palette.color(QPalette::Mid), 0.8));
    painter->setBrush(fill);
    const qreal radius = rect.height() / 2.0;
    painter->drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius);
    painter->setFont(smallFont(option.font));
    painter->setPen(palette.color(QPalette::Text));
    painter->drawText(rect, Qt::AlignCenter, index.data(Messages::ReactionsTextRole).toString());
    painter->restore();
}

// queued: a small clock; sent: one check; delivered: two; read: two in the accent colour;
// failed: an exclamation mark.
void MessageDelegate::paintTick(QPainter *painter, const QRect &rect, const QString &state,
                                const QPalette &palette) const
{
    painter->save();
    const QPointF c = QRectF(rect).center();
    QColor color = palette.color(QPalette::PlaceholderText);
    if (state == QLatin1String("read")) {
        color = QColor(0x1f, 0x6f, 0xeb);
    } else if (state == QLatin1String("failed")) {
        color = QColor(0xcf, 0x22, 0x2e);
    }
    painter->setPen(QPen(color, 1.4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    const auto check = [&](qreal dx) {
        QPainterPath path;
        path.moveTo(c.x() - 5 + dx, c.y());
        path.lineTo(c.x() - 2 + dx, c.y() + 3);
        path.lineTo(c.x() + 3 + dx, c.y() - 3);
        painter->drawPath(path);
    };
    if (state == QLatin1String("queued")) {
        painter->drawEllipse(c, 4, 4);
        painter->drawLine(c, c + QPointF(0, -3));
        painter->drawLine(c, c + QPointF(2, 0));
    } else if (state == QLatin1String("sent")) {
        check(0);
    } else if (state == QLatin1String("delivered") || state == QLatin1String("read")) {
        check(-2);
        check(2);
    } else if (state == QLatin1String("failed")) {
        painter->drawLine(c + QPointF(0, -4), c + QPointF(0, 1));
        painter->drawPoint(c + QPointF(0, 4));
    }
    painter->restore();
}

} // namespace parley::app
