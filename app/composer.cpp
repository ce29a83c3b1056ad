#include "app/composer.h"

#include <QKeyEvent>

namespace parley::app {

Composer::Composer(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("composer"));
    setAccessibleName(tr("Message"));
    setPlaceholderText(tr("Write a message… (Enter sends, Shift+Enter breaks the line)"));
    setTabChangesFocus(true);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
}

QSize Composer::sizeHint() const
{
    const QFontMetrics metrics(font());
    return {QPlainTextEdit::sizeHint().width(), metrics.lineSpacing() * 3 + 12};
}

void Composer::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && (event->modifiers() & Qt::ShiftModifier)) {
        // A paragraph break (QPlainTextEdit would insert U+2028 for Shift+Enter).
        textCursor().insertText(QStringLiteral("\n"));
        ensureCursorVisible();
        event->accept();
        return;
    }
    if (enter && !(event->modifiers() & (Qt::ControlModifier | Qt::AltModifier))) {
        event->accept();
        emit submitted();
        return;
    }
    if (event->key() == Qt::Key_Escape && event->modifiers() == Qt::NoModifier && m_cancellable) {
        event->accept();
        emit cancelled();
        return;
    }
    if (event->key() == Qt::Key_Up && event->modifiers() == Qt::NoModifier &&
        document()->isEmpty()) {
        event->accept();
        emit editLastRequested();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace parley::app
