#pragma once

#include <QPlainTextEdit>

namespace parley::app {

// The message field: multi-line plain text. Enter (or Return) asks to send (submitted());
// Shift+Enter breaks the line. Typing reports edits through QPlainTextEdit::textChanged.
class Composer : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit Composer(QWidget *parent = nullptr);

    QSize sizeHint() const override;

signals:
    void submitted();

protected:
    void keyPressEvent(QKeyEvent *event) override;
};

} // namespace parley::app
