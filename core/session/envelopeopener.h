#pragma once

// The sealed-sender layers of an inbox batch, opened on the thread pool (docs/architecture.md,
// "Inbox"). Opening an envelope (protocol C3 §5 steps 1–8: two X25519, two AEADs and the
// Ed25519 check of the sender certificate) needs only our identity key, no session state, so
// it can run beside the database thread instead of inside its transaction. Step 9 (the pinned
// keys) and everything that reads or changes a session stay on the database thread
// (receiveEnvelope, crypto::checkPinnedSender).

#include "crypto/sealedsender.h"

#include <QByteArray>
#include <QFuture>

#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace parley::core {

using OpenedEnvelope = std::variant<crypto::OpenedSealedMessage, crypto::SealedSenderError>;

// Opens envelopes[i] for every i with open[i] (the others stay nullopt), on the global
// QThreadPool in up to QThreadPool::maxThreadCount() contiguous chunks. The result keeps the
// input's order; the future finishes when every chunk is done. Never blocks the caller.
// Thread safety: `self` is only read (libsodium is thread-safe), and each chunk writes its own
// slots of the result.
QFuture<std::vector<std::optional<OpenedEnvelope>>>
openEnvelopes(std::shared_ptr<const crypto::DeviceIdentity> self, std::vector<QByteArray> envelopes,
              std::vector<bool> open);

} // namespace parley::core
