#include "server/blobfiles.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcBlobFiles, "parley.relay.blobs")

namespace parley::relay {

namespace {

QString errnoSentence(const char *what)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(what),
                                        QString::fromLocal8Bit(std::strerror(errno)));
}

// A file descriptor closed on scope exit.
class Fd
{
public:
    explicit Fd(int fd)
        : m_fd(fd)
    {}
    ~Fd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return m_fd; }

private:
    int m_fd;
};

// fsync of a directory, so an entry created in it (a file, a subdirectory) is durable.
bool syncDirectory(const QString &path)
{
    Fd dir(::open(QFile::encodeName(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return dir.get() >= 0 && ::fsync(dir.get()) == 0;
}

// Creates `path` (mode 0700) if missing; on creation the parent's entry is synced.
QString ensureDirectory(const QString &path)
{
    if (::mkdir(QFile::encodeName(path).constData(), 0700) == 0) {
        if (!syncDirectory(QFileInfo(path).absolutePath())) {
            return errnoSentence("cannot sync a blob directory");
        }
        return {};
    }
    if (errno == EEXIST) {
        return {};
    }
    return errnoSentence("cannot create a blob directory");
}

} // namespace

BlobFiles::BlobFiles(QString root)
    : m_root(std::move(root))
{}

QByteArray BlobFiles::keyFor(const QByteArray &blobId)
{
    return QCryptographicHash::hash(blobId, QCryptographicHash::Sha256);
}

QString BlobFiles::pathFor(const QByteArray &key) const
{
    const QString hex = QString::fromLatin1(key.toHex());
    return m_root + u'/' + hex.left(2) + u'/' + hex;
}

QString BlobFiles::write(const QByteArray &key, qint64 offset, const QByteArray &data) const
{
    if (!enabled()) {
        return QStringLiteral("this relay has no blob directory");
    }
    const QString path = pathFor(key);
    const QString fanout = QFileInfo(path).absolutePath();
    for (const QString &dir : {m_root, fanout}) {
        if (QString error = ensureDirectory(dir); !error.isEmpty()) {
            return error;
        }
    }
    const QByteArray name = QFile::encodeName(path);
    int fd = ::open(name.constData(), O_WRONLY | O_CLOEXEC);
    bool created = false;
    if (fd < 0 && errno == ENOENT) {
        fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        created = fd >= 0;
    }
    Fd file(fd);
    if (file.get() < 0) {
        return errnoSentence("cannot open a blob file");
    }
    qint64 done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(file.get(), data.constData() + done,
                                   static_cast<size_t>(data.size() - done), offset + done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return errnoSentence("cannot write a blob file"); // ENOSPC included
        }
        done += n;
    }
    // The acknowledgement promises these bytes: they reach the disk first.
    if (::fdatasync(file.get()) != 0) {
        return errnoSentence("cannot sync a blob file");
    }
    if (created && !syncDirectory(fanout)) {
        return errnoSentence("cannot sync a blob directory");
    }
    return {};
}

std::variant<QByteArray, QString> BlobFiles::read(const QByteArray &key, qint64 offset,
                                                  qint64 length) const
{
    if (!enabled()) {
        return QStringLiteral("this relay has no blob directory");
    }
    Fd file(::open(QFile::encodeName(pathFor(key)).constData(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
        return errnoSentence("cannot open a blob file");
    }
    QByteArray data(length, Qt::Uninitialized);
    qint64 done = 0;
    while (done < length) {
        const ssize_t n = ::pread(file.get(), data.data() + done,
                                  static_cast<size_t>(length - done), offset + done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errnoSentence("cannot read a blob file");
        }
        if (n == 0) {
            return QStringLiteral("a blob file is shorter than its metadata says");
        }
        done += n;
    }
    return data;
}

QString BlobFiles::remove(const QByteArray &key) const
{
    if (!enabled()) {
        return {};
    }
    if (::unlink(QFile::encodeName(pathFor(key)).constData()) != 0 && errno != ENOENT) {
        return errnoSentence("cannot delete a blob file");
    }
    return {};
}

StoreResult<int> sweepDeadBlobs(Store &store, const BlobFiles &files, qint64 now)
{
    constexpr int kRound = 500;
    int total = 0;
    for (;;) {
        auto dead = store.deadBlobs(now, kRound);
        if (const auto *error = std::get_if<StoreError>(&dead)) {
            return *error;
        }
        const QList<QByteArray> &keys = std::get<QList<QByteArray>>(dead);
        if (keys.isEmpty()) {
            return total;
        }
        QList<QByteArray> gone;
        for (const QByteArray &key : keys) {
            if (QString error = files.remove(key); !error.isEmpty()) {
                // Kept for the next sweep; the row stays dead meanwhile (never served).
                qCWarning(lcBlobFiles) << "sweep:" << error;
                continue;
            }
            gone.append(key);
        }
        auto deleted = store.deleteBlobs(gone);
        if (const auto *error = std::get_if<StoreError>(&deleted)) {
            return *error;
        }
        total += std::get<int>(deleted);
        if (gone.size() < keys.size() || keys.size() < kRound) {
            return total; // what failed waits for the next sweep
        }
    }
}

} // namespace parley::relay
