#pragma once

#include "core/store/storeerror.h"

#include <QByteArray>

namespace parley::core {

class StoreContext;

// Hashes of sealed envelopes already accepted (table inbox_seen). A redelivered envelope is
// recognised here and dropped BEFORE any decryption is tried: its message key is gone by
// then, so decrypting it again would look like a broken session. Runs on the database thread
// only; insert() belongs in the transaction that stores the decrypted message and the new
// session state, before the relay is acknowledged.
class InboxTable
{
public:
    explicit InboxTable(StoreContext &context)
        : m_context(context)
    {}

    // SHA-256 of the sealed envelope as received. The envelope is ciphertext to us and to the
    // relay alike, so its hash reveals nothing the relay did not already see.
    static QByteArray envelopeHash(const QByteArray &sealedEnvelope);

    StoreResult<bool> contains(const QByteArray &hash);
    // Idempotent: inserting a hash twice is not an error.
    StoreStatus insert(const QByteArray &hash, qint64 receivedAt);
    // Inserts the hash if it is not there yet: true if this call inserted it, false if it was
    // already seen. One statement where contains() + insert() are two.
    StoreResult<bool> claim(const QByteArray &hash, qint64 receivedAt);
    StoreStatus remove(const QByteArray &hash);

private:
    StoreContext &m_context;
};

} // namespace parley::core
