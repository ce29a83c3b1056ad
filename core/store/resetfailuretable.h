#pragma once

#include "core/store/storeerror.h"
#include "core/store/storeids.h"

#include <QByteArray>

#include <optional>
#include <utility>
#include <vector>

namespace parley::core {

class StoreContext;

// The requester's side of a session reset (protocol C2a §2, §4; table reset_failures, schema
// v3): per peer device, the messages that did not decrypt, named as their ratchet headers name
// them, with the undecryptable row each one left. A name is kept until its resend replaces
// the row; requested_at says whether a request named it yet, so failures collected while the
// requester waits for its interval go into the next request.
struct ResetFailure
{
    ContactId contact;
    quint32 deviceId = 0;
    QByteArray ratchetKey; // 32 bytes
    quint32 messageNumber = 0;
    MessageId message; // the undecryptable row
    qint64 failedAt = 0;
    qint64 requestedAt = 0; // 0: not yet named in a request
};

class ResetFailureTable
{
public:
    explicit ResetFailureTable(StoreContext &context)
        : m_context(context)
    {}

    // A name already recorded keeps its first row.
    StoreStatus add(const ResetFailure &failure);
    StoreResult<std::optional<ResetFailure>>
    find(ContactId contact, quint32 deviceId, const QByteArray &ratchetKey, quint32 messageNumber);
    StoreStatus remove(ContactId contact, quint32 deviceId, const QByteArray &ratchetKey,
                       quint32 messageNumber);
    // Not yet requested, newest first, at most `limit`.
    StoreResult<std::vector<ResetFailure>> unrequested(ContactId contact, quint32 deviceId,
                                                       int limit);
    // When a request to this device was last sent (0: never, or every name resolved).
    StoreResult<qint64> lastRequestedAt(ContactId contact, quint32 deviceId);
    StoreStatus markRequested(const std::vector<ResetFailure> &failures, qint64 now);
    // Every peer device with names not yet requested.
    StoreResult<std::vector<std::pair<ContactId, quint32>>> devicesWaiting();

private:
    StoreContext &m_context;
};

} // namespace parley::core
