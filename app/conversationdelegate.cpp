#include "app/conversationdelegate.h"

#include "app/displaytime.h"
#include "app/vectoricons.h"
#include "core/models/conversationlistmodel.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDateTime>
#include <QLocale>
#include <QPainter>

namespace parley::app {

using Conversations = core::ConversationListModel;

namespace {
constexpr int kPad = 8;
constexpr int kAvatar = 40;
} // namespace

ConversationDelegate::ConversationDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{}

QColor ConversationDelegate::avatarColor(const QString &address)
{
    // Not qHash: it is seeded per process. The hue comes from a digest of the address.
    const QByteArray digest =
        QCryptographicHash::hash(address.toUtf8(), QCryptographicHash::Sha256);
    const int hue = (quint8(digest.at(0)) << 8 | quint8(digest.at(1))) % 360;
    return QColor::fromHsl(hue, 140, 110);
}

QString ConversationDelegate::timeText(const QDateTime &when)
{
    if (!when.isValid()) {
        return {};
    }
    const QDateTime local = when.toLocalTime();
    if (local.date() == QDate::currentDate()) {
        return shortTime(local.time());
    }
    return QLocale().toString(local.date(), QLocale::ShortFormat);
}

QSize ConversationDelegate::sizeHint(const QStyleOptionViewItem &option,
                                     const QModelIndex & /*index*/) const
{
    const QFontMetrics metrics(option.font);
    return {200, std::max(kAvatar, metrics.height() * 2 + 6) + 2 * kPad};
}

void ConversationDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette &palette = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    if (selected) {
        painter->fillRect(option.rect, palette.color(QPalette::Highlight));
    } else if (option.state & QStyle::State_MouseOver) {
        painter->fillRect(option.rect, palette.color(QPalette::AlternateBase));
    }
    const QColor text = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QColor dim = text;
    dim.setAlphaF(0.65);

    const QRect row = option.rect.adjusted(kPad, kPad, -kPad, -kPad);
    const QRect avatar(row.left(), row.center().y() - kAvatar / 2, kAvatar, kAvatar);
    painter->setPen(Qt::NoPen);
    painter->setBrush(avatarColor(index.data(Conversations::AddressRole).toString()));
    painter->drawEllipse(avatar);
    QFont bold = option.font;
    bold.setWeight(QFont::DemiBold);
    painter->setFont(bold);
    painter->setPen(Qt::white);
    painter->drawText(avatar, Qt::AlignCenter, index.data(Conversations::InitialsRole).toString());

    const QFontMetrics metrics(option.font);
    const QFontMetrics boldMetrics(bold);
    const int left = avatar.right() + kPad + 2;
    const QRect top(left, row.top() + 2, row.right() - left, boldMetrics.height());
    const QRect bottom(left, top.bottom() + 4, row.right() - left, metrics.height());

    const QString time = timeText(index.data(Conversations::LastActivityRole).toDateTime());
    const int timeWidth = metrics.horizontalAdvance(time);
    painter->setFont(option.font);
    painter->setPen(dim);
    painter->drawText(top, Qt::AlignRight | Qt::AlignVCenter, time);

    const int unread = index.data(Conversations::UnreadCountRole).toInt();
    painter->setFont(bold);
    painter->setPen(text);
    const QString name =
        boldMetrics.elidedText(index.data(Conversations::DisplayNameRole).toString(),
                               Qt::ElideRight, top.width() - timeWidth - kPad);
    painter->drawText(top, Qt::AlignLeft | Qt::AlignVCenter, name);

    int badgeWidth = 0;
    if (unread > 0) {
        const QString count = unread > 999 ? QStringLiteral("999+") : QString::number(unread);
        badgeWidth = std::max(metrics.height(), boldMetrics.horizontalAdvance(count) + 10);
        const QRect badge(bottom.right() - badgeWidth + 1, bottom.top(), badgeWidth,
                          metrics.height());
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0x1f, 0x6f, 0xeb));
        painter->drawRoundedRect(badge, badge.height() / 2.0, badge.height() / 2.0);
        painter->setPen(Qt::white);
        painter->drawText(badge, Qt::AlignCenter, count);
    }
    painter->setFont(option.font);
    painter->setPen(dim);
    QString preview = index.data(Conversations::PreviewRole).toString();
    QRect previewRect = bottom.adjusted(0, 0, -(badgeWidth + (badgeWidth ? kPad : 0)), 0);
    // A photo or a file is marked with an icon after the author ("You: ", "Bob: "), where
    // there is room for it and a little of the text.
    const int kind = index.data(Conversations::PreviewKindRole).toInt();
    const int side = metrics.height();
    QString prefix = index.data(Conversations::PreviewPrefixRole).toString();
    if (!preview.startsWith(prefix)) {
        prefix.clear();
    }
    const int prefixWidth = metrics.horizontalAdvance(prefix);
    if (kind != Conversations::TextPreview && !preview.isEmpty() &&
        prefixWidth + 3 * side <= previewRect.width()) {
        painter->drawText(previewRect, Qt::AlignLeft | Qt::AlignVCenter, prefix);
        const QRectF icon(previewRect.left() + prefixWidth,
                          previewRect.center().y() - side / 2.0 + 0.5, side, side);
        paintVectorIcon(painter,
                        kind == Conversations::PhotoPreview ? VectorIcon::Photo : VectorIcon::File,
                        icon, dim);
        previewRect.setLeft(previewRect.left() + prefixWidth + side + kPad / 2);
        preview = preview.mid(prefix.size());
    }
    painter->drawText(previewRect, Qt::AlignLeft | Qt::AlignVCenter,
                      metrics.elidedText(preview, Qt::ElideRight, previewRect.width()));
    painter->restore();
}

} // namespace parley::app
