#pragma once

#include <QMainWindow>

class QLabel;

namespace parley::core {
class ConnectionViewModel;
}

namespace parley::app {

// The main window. A view only: it binds to the view models it is given and holds no logic.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(core::ConnectionViewModel *connection, const QString &profileName,
               QWidget *parent = nullptr);

    // The status sentence currently shown (for tests and accessibility).
    QString statusText() const;

private:
    void bindConnection();

    core::ConnectionViewModel *m_connection;
    QLabel *m_statusDot;
    QLabel *m_statusLabel;
    QLabel *m_headline;
    QLabel *m_detail;
};

} // namespace parley::app
