#include "core/viewmodels/verificationviewmodel.h"

#include "core/clientcore.h"
#include "crypto/safetynumber.h"

#include <QRegularExpression>

namespace parley::core {

namespace {

crypto::Fingerprint fingerprintOf(const ContactKeys &keys)
{
    crypto::Fingerprint fingerprint;
    fingerprint.displayDigits = keys.digits.toStdString();
    std::copy_n(keys.local.constData(), std::min<qsizetype>(keys.local.size(), 32),
                reinterpret_cast<char *>(fingerprint.local.data()));
    std::copy_n(keys.remote.constData(), std::min<qsizetype>(keys.remote.size(), 32),
                reinterpret_cast<char *>(fingerprint.remote.data()));
    return fingerprint;
}

// The bytes of a pasted payload: hex or base64 of exactly kScannablePayloadBytes; empty
// otherwise (short words happen to be valid base64, so the length decides).
QByteArray decodePasted(const QString &text)
{
    const QByteArray compact = text.toLatin1();
    if (compact.size() == int(2 * crypto::kScannablePayloadBytes) &&
        QRegularExpression(QStringLiteral("^[0-9a-fA-F]+$")).match(text).hasMatch()) {
        return QByteArray::fromHex(compact);
    }
    auto decoded = QByteArray::fromBase64Encoding(compact, QByteArray::AbortOnBase64DecodingErrors);
    if (decoded && decoded.decoded.size() == int(crypto::kScannablePayloadBytes)) {
        return *decoded;
    }
    return {};
}

} // namespace

VerificationViewModel::VerificationViewModel(ClientCore *core, QObject *parent)
    : VerificationViewModel(core->sessionManager(), parent)
{}

VerificationViewModel::VerificationViewModel(SessionManager *sessions, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
{
    connect(m_sessions, &SessionManager::contactDescribed, this,
            &VerificationViewModel::onDescribed);
    connect(m_sessions, &SessionManager::commandFailed, this, &VerificationViewModel::onFailed);
    const auto reloadFor = [this](const QString &address) {
        if (isMine(address)) {
            refresh();
        }
    };
    connect(m_sessions, &SessionManager::verifiedChanged, this, reloadFor);
    connect(m_sessions, &SessionManager::keyChangeAccepted, this, reloadFor);
    connect(m_sessions, &SessionManager::keyChanged, this, reloadFor);
}

bool VerificationViewModel::isMine(const QString &address) const
{
    return !m_contact.isEmpty() && (address == m_resolved || address == m_contact);
}

void VerificationViewModel::setContact(const QString &contact)
{
    if (contact == m_contact) {
        return;
    }
    m_contact = contact.trimmed();
    m_resolved.clear();
    m_keys = {};
    m_comparison = Comparison::None;
    m_errorText.clear();
    m_state = m_contact.isEmpty() ? State::Empty : State::Loading;
    emit changed();
    if (!m_contact.isEmpty()) {
        refresh();
    }
}

void VerificationViewModel::refresh()
{
    if (m_contact.isEmpty()) {
        return;
    }
    QMetaObject::invokeMethod(
        m_sessions, [s = m_sessions, contact = m_contact] { s->describeContact(contact); });
}

void VerificationViewModel::onDescribed(const ContactKeys &keys)
{
    // Answers for another view model's contact are not ours.
    if (m_contact.isEmpty() || !(keys.address == m_contact || keys.address == m_resolved ||
                                 keys.address.section(QLatin1Char('@'), 0, 0) == m_contact)) {
        return;
    }
    m_resolved = keys.address;
    const bool keyMoved = keys.digits != m_keys.digits;
    m_keys = keys;
    if (keyMoved) {
        m_comparison = Comparison::None; // a comparison was of the previous number
    }
    m_errorText = keys.error;
    m_state = keys.error.isEmpty() ? State::Ready : State::Failed;
    emit changed();
}

void VerificationViewModel::onFailed(const QString &contact, const QString &sentence)
{
    if (isMine(contact)) {
        m_errorText = sentence;
        emit changed();
    }
}

QString VerificationViewModel::safetyNumber() const
{
    if (m_keys.digits.size() != int(crypto::kSafetyNumberDigits)) {
        return {};
    }
    return QString::fromStdString(crypto::formatSafetyNumber(m_keys.digits.toStdString()));
}

QByteArray VerificationViewModel::payload() const
{
    if (m_state != State::Ready) {
        return {};
    }
    const auto bytes = crypto::encodeScannablePayload(fingerprintOf(m_keys));
    return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
}

QDateTime VerificationViewModel::keyChangedAt() const
{
    return m_keys.keyChangedAt > 0 ? QDateTime::fromMSecsSinceEpoch(m_keys.keyChangedAt)
                                   : QDateTime();
}

VerificationViewModel::Comparison VerificationViewModel::compare(const QString &input)
{
    if (m_state != State::Ready) {
        m_comparison = Comparison::None;
        m_errorText = tr("The safety number is not loaded yet.");
        emit changed();
        return m_comparison;
    }
    QString compact = input;
    compact.remove(QRegularExpression(QStringLiteral("\\s")));
    if (compact.size() == int(crypto::kSafetyNumberDigits) &&
        QRegularExpression(QStringLiteral("^[0-9]+$")).match(compact).hasMatch()) {
        // Digits are public and shown on screen; an ordinary comparison is enough.
        m_comparison = compact == m_keys.digits ? Comparison::Match : Comparison::Mismatch;
        m_errorText.clear();
        emit changed();
        return m_comparison;
    }
    return compareScanned(decodePasted(compact));
}

VerificationViewModel::Comparison VerificationViewModel::checkScanned(const QByteArray &bytes) const
{
    if (m_state != State::Ready) {
        return Comparison::None;
    }
    switch (crypto::compareScannablePayload(
        fingerprintOf(m_keys),
        crypto::ByteView(reinterpret_cast<const crypto::Byte *>(bytes.constData()),
                         std::size_t(bytes.size())))) {
    case crypto::ScanResult::Match:
        return Comparison::Match;
    case crypto::ScanResult::Mismatch:
        return Comparison::Mismatch;
    case crypto::ScanResult::UnsupportedVersion:
        return Comparison::UnsupportedVersion;
    case crypto::ScanResult::Malformed:
        return Comparison::Malformed;
    }
    return Comparison::Malformed;
}

VerificationViewModel::Comparison VerificationViewModel::compareScanned(const QByteArray &bytes)
{
    if (m_state != State::Ready) {
        m_comparison = Comparison::None;
        m_errorText = tr("The safety number is not loaded yet.");
        emit changed();
        return m_comparison;
    }
    m_comparison = checkScanned(bytes);
    m_errorText.clear();
    emit changed();
    return m_comparison;
}

QString VerificationViewModel::comparisonText() const
{
    switch (m_comparison) {
    case Comparison::None:
        return {};
    case Comparison::Match:
        return tr("The safety numbers match. You can mark %1 as verified.").arg(m_resolved);
    case Comparison::Mismatch:
        return tr("The safety numbers do not match. Do not mark %1 as verified: one of you sees "
                  "a different key (or this is your own code).")
            .arg(m_resolved);
    case Comparison::UnsupportedVersion:
        return tr("This code comes from an incompatible version. Compare the digits instead.");
    case Comparison::Malformed:
        return tr("This is not a Parley safety-number code.");
    }
    return {};
}

void VerificationViewModel::markVerified()
{
    if (m_state != State::Ready) {
        return;
    }
    if (m_keys.keyChanged) {
        m_errorText = tr("Accept the new key of %1 first, then compare the new safety number.")
                          .arg(m_resolved);
        emit changed();
        return;
    }
    QMetaObject::invokeMethod(m_sessions,
                              [s = m_sessions, c = m_resolved] { s->setVerified(c, true); });
}

void VerificationViewModel::clearVerified()
{
    if (m_state != State::Ready) {
        return;
    }
    QMetaObject::invokeMethod(m_sessions,
                              [s = m_sessions, c = m_resolved] { s->setVerified(c, false); });
}

void VerificationViewModel::acceptKeyChange()
{
    if (m_state != State::Ready || !m_keys.keyChanged) {
        return;
    }
    QMetaObject::invokeMethod(m_sessions,
                              [s = m_sessions, c = m_resolved] { s->acceptKeyChange(c); });
}

} // namespace parley::core
