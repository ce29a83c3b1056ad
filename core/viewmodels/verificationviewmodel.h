#pragma once

#include "core/session/sessionmanager.h"

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QString>

namespace parley::core {

class ClientCore;

// Safety-number verification of one contact (docs/protocol.md C6; DESIGN.md §6): what a
// verification view shows and does. Lives on the GUI thread; the numbers are computed on the
// core thread (SessionManager::describeContact) and every command goes there queued, so
// nothing blocks.
//
// While a key change waits (keyChanged), the number and payload are those of the NEW key:
// the user compares them, then accepts; an accepted change leaves the contact unverified.
//
// Properties (all NOTIFY changed):
//  - contact:         the contact's address ("bob@relay"), or a username on our relay; set it
//                     to load (state Loading, then Ready or Failed)
//  - state:           Empty (no contact set), Loading, Ready, Failed (errorText says why)
//  - safetyNumber:    60 digits as 12 groups of 5 separated by spaces (C6 §3), or empty
//  - safetyNumberDigits: the same 60 digits without spaces
//  - payload:         the scannable payload, 65 bytes (C6 §4): render it as a QR code
//  - payloadBase64:   the payload in base64 (to copy and paste)
//  - verified:        the user marked the contact verified (contacts.verified)
//  - keyChanged:      the contact's account key changed and waits for acceptKeyChange()
//  - keyChangedAt:    when the last key change was seen (invalid if never); kept after it was
//                     accepted, so a view can say "the key changed on …"
//  - comparison:      the result of the last compare() (None until then)
//  - comparisonText:  one sentence about it for the user, or empty
//  - errorText:       one sentence about the last failure, or empty
//
// Commands (Q_INVOKABLE):
//  - compare(input):  `input` is a scanned or pasted payload (base64 or hex of the 65 bytes)
//                     or the peer's 60 digits (spaces and line breaks ignored). A payload is
//                     checked with C6 §4's constant-time comparison; digits against ours.
//                     Returns the result and sets comparison/comparisonText. Pasted text
//                     that is not 60 digits nor 65 bytes of hex or base64 is Malformed.
//  - compareScanned(bytes): the raw bytes decoded from the peer's QR code, with C6 §4's
//                     outcomes as they are (a future format's code is UnsupportedVersion).
//  - checkScanned(bytes) (C++, const): what compareScanned() would answer, without recording
//                     it (None until Ready): a camera scanner skips codes that are not
//                     Parley safety-number codes (UnsupportedVersion, Malformed) with it.
//  - markVerified():  records that the user compared (also after comparing aloud); refused
//                     while keyChanged (accept first). Emits changed once stored.
//  - clearVerified(): withdraws it.
//  - acceptKeyChange(): accepts the pending key (SessionManager::acceptKeyChange); reloads.
//  - refresh():       loads the contact again.
class VerificationViewModel : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString contact READ contact WRITE setContact NOTIFY changed)
    Q_PROPERTY(State state READ state NOTIFY changed)
    Q_PROPERTY(QString safetyNumber READ safetyNumber NOTIFY changed)
    Q_PROPERTY(QString safetyNumberDigits READ safetyNumberDigits NOTIFY changed)
    Q_PROPERTY(QByteArray payload READ payload NOTIFY changed)
    Q_PROPERTY(QString payloadBase64 READ payloadBase64 NOTIFY changed)
    Q_PROPERTY(bool verified READ verified NOTIFY changed)
    Q_PROPERTY(bool keyChanged READ keyChanged NOTIFY changed)
    Q_PROPERTY(QDateTime keyChangedAt READ keyChangedAt NOTIFY changed)
    Q_PROPERTY(Comparison comparison READ comparison NOTIFY changed)
    Q_PROPERTY(QString comparisonText READ comparisonText NOTIFY changed)
    Q_PROPERTY(QString errorText READ errorText NOTIFY changed)

public:
    enum class State { Empty, Loading, Ready, Failed };
    Q_ENUM(State)
    // Match: mark verified. Mismatch: a different key on one side (or one's own code).
    // UnsupportedVersion: an incompatible code; compare the digits. Malformed: not a Parley
    // safety-number code or 60 digits.
    enum class Comparison { None, Match, Mismatch, UnsupportedVersion, Malformed };
    Q_ENUM(Comparison)

    explicit VerificationViewModel(ClientCore *core, QObject *parent = nullptr);
    // `sessions` lives on the core thread (ClientCore::sessionManager()).
    explicit VerificationViewModel(SessionManager *sessions, QObject *parent = nullptr);

    QString contact() const { return m_contact; }
    void setContact(const QString &contact);
    // The contact's full address once loaded ("bob" → "bob@relay"), else empty. C++ only.
    QString resolvedAddress() const { return m_resolved; }
    State state() const { return m_state; }
    QString safetyNumber() const;
    QString safetyNumberDigits() const { return m_keys.digits; }
    QByteArray payload() const;
    QString payloadBase64() const { return QString::fromLatin1(payload().toBase64()); }
    bool verified() const { return m_keys.verified; }
    bool keyChanged() const { return m_keys.keyChanged; }
    QDateTime keyChangedAt() const;
    Comparison comparison() const { return m_comparison; }
    QString comparisonText() const;
    QString errorText() const { return m_errorText; }

    Q_INVOKABLE parley::core::VerificationViewModel::Comparison compare(const QString &input);
    Q_INVOKABLE parley::core::VerificationViewModel::Comparison
    compareScanned(const QByteArray &bytes);
    Comparison checkScanned(const QByteArray &bytes) const;
    Q_INVOKABLE void markVerified();
    Q_INVOKABLE void clearVerified();
    Q_INVOKABLE void acceptKeyChange();
    Q_INVOKABLE void refresh();

signals:
    void changed();

private:
    void onDescribed(const ContactKeys &keys);
    void onFailed(const QString &contact, const QString &sentence);
    bool isMine(const QString &address) const;

    SessionManager *m_sessions;
    QString m_contact;
    QString m_resolved; // the address the core answered for
    State m_state = State::Empty;
    ContactKeys m_keys;
    Comparison m_comparison = Comparison::None;
    QString m_errorText;
};

} // namespace parley::core
