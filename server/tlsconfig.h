#pragma once

#include <QSslConfiguration>
#include <QString>

#include <variant>

namespace parley::relay {

// The relay's TLS server configuration from a PEM certificate file (the server certificate
// first, then its intermediates) and a PEM private key file (RSA or EC, unencrypted).
// Returns an error sentence for the operator on failure. TLS 1.2 or later; clients are not
// asked for certificates.
std::variant<QSslConfiguration, QString> loadTlsConfiguration(const QString &certFile,
                                                              const QString &keyFile);

} // namespace parley::relay
