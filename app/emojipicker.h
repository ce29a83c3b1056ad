#pragma once

#include <QFrame>

namespace parley::app {

// A small popup grid of common emoji. Clicking one emits picked(emoji) and closes the popup.
class EmojiPicker : public QFrame
{
    Q_OBJECT

public:
    explicit EmojiPicker(QWidget *parent = nullptr);

    // Shows the popup above `anchor` (a widget in the window).
    void popup(QWidget *anchor);

    static QStringList emoji();

signals:
    void picked(const QString &emoji);
};

} // namespace parley::app
