#include "app/listkeyforwarder.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QKeyEvent>
#include <QLineEdit>

namespace parley::app {

ListKeyForwarder::ListKeyForwarder(QLineEdit *field, QAbstractItemView *list)
    : QObject(field)
    , m_list(list)
{
    field->installEventFilter(this);
}

bool ListKeyForwarder::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        switch (key->key()) {
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_PageUp:
        case Qt::Key_PageDown: {
            // A copy: the list moves its current row, the field never sees the key.
            QKeyEvent copy(key->type(), key->key(), key->modifiers(), key->text());
            QApplication::sendEvent(m_list, &copy);
            return true;
        }
        default:
            break;
        }
    }
    return QObject::eventFilter(watched, event);
}

} // namespace parley::app
