#pragma once

#include <QStyledItemDelegate>

namespace parley::app {

// Paints one row of a ConversationListModel (paint only): an initials avatar in a colour
// derived from the address, the name, the time of the last message (today: the time; else
// the date), the last-message preview elided to the width, and the unread count in a badge.
class ConversationDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit ConversationDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // A stable, readable colour for an address (the same on every run and machine).
    static QColor avatarColor(const QString &address);
    // "10:42" for today, else the short date.
    static QString timeText(const QDateTime &when);
};

} // namespace parley::app
