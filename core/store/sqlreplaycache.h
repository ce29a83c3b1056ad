#pragma once

#include "core/store/storeerror.h"
#include "crypto/replaycache.h"

#include <optional>

namespace parley::core {

class StoreContext;

// The X3DH replay cache (C1 §4.5) in table x3dh_replay, for x3dhRespond(). SessionRef is a
// SessionId's value. Runs on the database thread, inside the transaction that stores the new
// session (crypto/replaycache.h states the contract).
//
// crypto::ReplayCache cannot return errors, so a failed statement is remembered: the caller
// checks error() before committing and rolls back if it is set. A failed find() answers
// nullopt and sets error(), so the transaction must not commit a second session either.
class SqlReplayCache final : public crypto::ReplayCache
{
public:
    explicit SqlReplayCache(StoreContext &context)
        : m_context(context)
    {}

    std::optional<crypto::SessionRef> find(const crypto::InitialMessageId &id) const override;
    void insert(const crypto::InitialMessageId &id, std::uint32_t signedPreKeyId,
                crypto::SessionRef session) override;
    void forgetSignedPreKey(std::uint32_t signedPreKeyId) override;

    const std::optional<StoreError> &error() const { return m_error; }

private:
    StoreContext &m_context;
    mutable std::optional<StoreError> m_error;
};

} // namespace parley::core
