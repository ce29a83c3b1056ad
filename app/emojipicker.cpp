#include "app/emojipicker.h"

#include <QGridLayout>
#include <QToolButton>

namespace parley::app {

namespace {
constexpr int kColumns = 8;
}

QStringList EmojiPicker::emoji()
{
    return QString::fromUtf8(
               "😀 😂 🙂 😉 😍 😘 😎 🤔 😅 😢 😭 😡 😮 😴 🙄 🙏 "
               "👍 👎 👏 🙌 👋 💪 🤝 ✌️ ❤️ 💔 🔥 ✨ 🎉 🎂 ☕ 🍕 "
               "✅ ❌ ⚠️ ❓ 💡 📎 📅 ⏰")
        .split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

EmojiPicker::EmojiPicker(QWidget *parent)
    : QFrame(parent, Qt::Popup)
{
    setObjectName(QStringLiteral("emojiPicker"));
    setAccessibleName(tr("Emoji"));
    setFrameShape(QFrame::StyledPanel);
    auto *grid = new QGridLayout(this);
    grid->setSpacing(2);
    grid->setContentsMargins(4, 4, 4, 4);
    const QStringList all = emoji();
    for (int i = 0; i < all.size(); ++i) {
        auto *button = new QToolButton(this);
        const QString text = all.at(i);
        button->setText(text);
        button->setAutoRaise(true);
        button->setAccessibleName(tr("Insert %1").arg(text));
        QFont font = button->font();
        font.setPointSizeF(font.pointSizeF() * 1.4);
        button->setFont(font);
        connect(button, &QToolButton::clicked, this, [this, text] {
            emit picked(text);
            close();
        });
        grid->addWidget(button, i / kColumns, i % kColumns);
    }
}

void EmojiPicker::popup(QWidget *anchor)
{
    adjustSize();
    const QPoint corner = anchor->mapToGlobal(QPoint(0, 0));
    move(corner.x(), corner.y() - height());
    show();
}

} // namespace parley::app
