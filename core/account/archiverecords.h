#pragma once

// The record bodies inside a profile archive (docs/protocol.md B1 §4). The container —
// passphrase, stream, record framing — is crypto/profilearchive.h; these are what core puts
// in it. Every decoder bounds every length by the bytes it has and returns nullopt for a body
// that does not parse exactly (trailing bytes included).

#include "core/store/contacttable.h"
#include "core/store/messagetable.h"
#include "crypto/wipedbytes.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace parley::core::archive {

enum RecordType : quint8 {
    kAccount = 0x01, // exactly one, first
    kContact = 0x02,
    kMessage = 0x03, // after its contact
    kEnd = 0x04,     // exactly one, last: the counts
};

struct AccountRecord
{
    QString address;                // user@relay
    crypto::WipedBytes accountSeed; // 32 bytes
    quint32 deviceId = 0;           // the exporting device (retired by the import)
    QByteArray deviceList;          // C1 §2.3, the last signed list this device knew
    QString relayUrl;
};

struct ContactEntry
{
    ContactRecord contact; // id unused
};

struct MessageEntry
{
    QString contact; // its contact's address
    MessageRecord message;
};

struct EndRecord
{
    quint32 contacts = 0;
    quint64 messages = 0;
};

crypto::WipedBytes encodeAccount(const AccountRecord &record);
std::optional<AccountRecord> decodeAccount(crypto::ByteView body);
crypto::WipedBytes encodeContact(const ContactRecord &contact);
std::optional<ContactRecord> decodeContact(crypto::ByteView body);
// `message.body` must hold a text (empty for a tombstone or an undecryptable row).
crypto::WipedBytes encodeMessage(const QString &contact, const MessageRecord &message);
std::optional<MessageEntry> decodeMessage(crypto::ByteView body);
crypto::WipedBytes encodeEnd(const EndRecord &record);
std::optional<EndRecord> decodeEnd(crypto::ByteView body);

} // namespace parley::core::archive
