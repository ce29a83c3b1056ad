#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>

#include <vector>

namespace parley::core {

class StoreContext;

// Envelopes from a contact whose account key changed, kept until the user accepts the new key
// (table held_envelopes, schema v3; docs/architecture.md, "Key changes"). The relay row is
// acked once the envelope is held, so nothing the new identity sent is lost while the change
// waits; acceptKeyChange replays them through the normal receive path.
struct HeldEnvelope
{
    qint64 id = 0;
    QByteArray envelope; // the sealed envelope as delivered (encrypted at rest)
    qint64 receivedAt = 0;
};

class HeldEnvelopeTable
{
public:
    static constexpr const char *kTable = "held_envelopes";
    // A contact cannot make us hold more than this many (the oldest beyond are dropped).
    static constexpr int kMaxPerContact = 1000;

    explicit HeldEnvelopeTable(StoreContext &context)
        : m_context(context)
    {}

    StoreStatus add(ContactId contact, const QByteArray &envelope, qint64 now);
    // Oldest first. An entry that fails to decrypt is skipped (and kept).
    StoreResult<std::vector<HeldEnvelope>> forContact(ContactId contact);
    StoreStatus remove(qint64 id);
    StoreStatus removeForContact(ContactId contact);

private:
    StoreContext &m_context;
};

} // namespace parley::core
