#pragma once

#include <QObject>

class QAbstractItemView;
class QLineEdit;

namespace parley::app {

// The keyboard of a search popup (the Ctrl+K quick switcher, the Ctrl+F message search): the
// text field keeps the focus and the text while Up, Down, PageUp and PageDown move the current
// row of the list under it. Install once per field: the forwarder is the field's child and
// event filter, so it lives as long as the field. Every other key goes to the field.
class ListKeyForwarder : public QObject
{
    Q_OBJECT

public:
    ListKeyForwarder(QLineEdit *field, QAbstractItemView *list);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QAbstractItemView *m_list;
};

} // namespace parley::app
