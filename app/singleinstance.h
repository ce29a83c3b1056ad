#pragma once

#include <QLockFile>
#include <QObject>
#include <QString>

#include <memory>

class QLocalServer;

namespace parley::app {

// One running app per profile (issue 14). The first `parley` for a profile directory holds
// `parley.lock` in it (QLockFile: a crashed holder's lock is recognised as stale by its dead
// process id and taken over) and listens on a local socket named after the directory. A
// second `parley` for the same profile finds the lock held, asks the first over the socket
// to raise its window, and exits — it never opens the profile's database.
//
// The socket speaks one line each way: the second instance sends "raise\n", the first
// answers "ok\n" and emits raiseRequested(). Anything else is ignored; at most
// kMaxLineBytes are read. The socket is accessible to the same user only.
class SingleInstance : public QObject
{
    Q_OBJECT

public:
    enum class Outcome {
        Primary,   // this process holds the profile: go on, and watch raiseRequested()
        Secondary, // another process holds it and was asked to raise its window
        Failed,    // the lock cannot be taken nor the holder reached (errorText says why)
    };

    static constexpr int kMaxLineBytes = 64;
    static constexpr int kAnswerTimeoutMs = 3'000;
    static constexpr const char *kLockFileName = "parley.lock";

    explicit SingleInstance(QString profileDirectory, QObject *parent = nullptr);
    ~SingleInstance() override;

    // Takes the profile or reaches its holder; call once. A Secondary outcome blocks for at
    // most kAnswerTimeoutMs (no window exists yet in that process).
    Outcome claim();
    QString errorText() const { return m_errorText; }

    // The local socket's name for a profile directory: a hash of its canonical path (socket
    // paths are short), with the user's id so two users never meet.
    static QString serverName(const QString &profileDirectory);

signals:
    // A second instance for this profile was started: show and raise the window.
    void raiseRequested();

private:
    bool listen();
    bool askHolderToRaise();
    void onConnection();

    QString m_directory;
    std::unique_ptr<QLockFile> m_lock;
    QLocalServer *m_server = nullptr;
    QString m_errorText;
};

} // namespace parley::app
