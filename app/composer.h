#pragma once

#include <QPlainTextEdit>

namespace parley::app {

// The message field: multi-line plain text. Enter (or Return) asks to send (submitted());
// Shift+Enter breaks the line; Esc, while setCancellable(true) (a reply or an edit), asks to cancel
// it (cancelled()); Up in an empty field asks to edit the last message sent (editLastRequested()).
// Typing reports edits through QPlainTextEdit::textChanged.
class Composer : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit Composer(QWidget *parent = nullptr);

    QSize sizeHint() const override;
    void setCancellable(bool cancellable) { m_cancellable = cancellable; }

signals:
    void submitted();
    void cancelled();
    void editLastRequested();

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    bool m_cancellable = false;
};

} // namespace parley::app
