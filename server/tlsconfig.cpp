#include "server/tlsconfig.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

namespace parley::relay {

std::variant<QSslConfiguration, QString> loadTlsConfiguration(const QString &certFile,
                                                              const QString &keyFile)
{
    if (!QSslSocket::supportsSsl()) {
        return QStringLiteral("TLS is not available in this build of Qt (no TLS backend)");
    }
    QFile certs(certFile);
    if (!certs.open(QIODevice::ReadOnly)) {
        return QStringLiteral("cannot read TLS certificate %1: %2")
            .arg(certFile, certs.errorString());
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certs.readAll(), QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        return QStringLiteral("%1 holds no PEM certificate").arg(certFile);
    }
    QFile keyIn(keyFile);
    if (!keyIn.open(QIODevice::ReadOnly)) {
        return QStringLiteral("cannot read TLS key %1: %2").arg(keyFile, keyIn.errorString());
    }
    const QByteArray pem = keyIn.readAll();
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec}) {
        key = QSslKey(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull()) {
            break;
        }
    }
    if (key.isNull()) {
        return QStringLiteral("%1 holds no unencrypted PEM RSA or EC private key").arg(keyFile);
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    return configuration;
}

} // namespace parley::relay
