#pragma once

// Helpers shared by the profile store tests: real profiles in temporary directories with the
// cheapest vault parameters, and raw looks at the files underneath.

#include "core/store/profilestore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFuture>
#include <QTest>

#include <variant>

namespace parley::core::test {

inline const QString kPassphrase = QStringLiteral("correct horse battery staple");

// Store futures are fulfilled by the database thread, so blocking here cannot deadlock.
template<typename T>
T take(QFuture<T> future)
{
    future.waitForFinished();
    return future.result();
}

inline bool succeeded(const StoreStatus &status)
{
    if (const auto *error = std::get_if<StoreError>(&status)) {
        qWarning("store error: %s (%s)", qPrintable(error->message()), qPrintable(error->detail));
        return false;
    }
    return true;
}

inline StoreError::Code errorCode(const StoreStatus &status)
{
    return std::get<StoreError>(status).code;
}

template<typename T>
T valueOf(StoreResult<T> result)
{
    if (const auto *error = std::get_if<StoreError>(&result)) {
        qFatal("unexpected store error: %s (%s)", qPrintable(error->message()),
               qPrintable(error->detail));
    }
    return std::move(std::get<T>(result));
}

inline crypto::WipedBytes passphrase(const QString &text = kPassphrase)
{
    return ProfileStore::passphraseBytes(text);
}

// SHA-256 of every file under `directory` by name, to prove that nothing changed.
inline QMap<QString, QByteArray> fileHashes(const QString &directory)
{
    QMap<QString, QByteArray> hashes;
    const auto entries = QDir(directory).entryInfoList(QDir::Files | QDir::Hidden, QDir::Name);
    for (const QFileInfo &entry : entries) {
        QFile file(entry.filePath());
        if (file.open(QIODevice::ReadOnly)) {
            hashes.insert(entry.fileName(),
                          QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256));
        }
    }
    return hashes;
}

inline QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace parley::core::test
