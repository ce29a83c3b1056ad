#pragma once

// parley-crypto-bench groups for sealed sender (docs/protocol.md C3) and sender keys (C4):
// (c) a sealed 1:1 message end to end, (d) a multi-recipient sealed message, sender-key send
// and receive. Each beside the raw primitives it necessarily uses, with every size taken from
// the real objects (certificate, ratchet message, envelope, sender-key message).

#include "bench/benchharness.h"

#include <cstddef>

namespace parley::bench {

// (c): ratchet encrypt + sealEnvelope on the sender, openEnvelope + ratchet decrypt on the
// receiver, 256-byte plaintext on one sending chain; goal ≤ 1.2×.
Group sealedOneToOneGroup();
// (d): sealMultiRecipient of one group message (a sender-key message of a 256-byte plaintext)
// to `devices` devices; and one recipient's openMultiRecipient of it. No goal.
Group multiRecipientSealGroup(std::size_t devices);
Group multiRecipientOpenGroup(std::size_t devices);
// SenderKeySender::encrypt (encrypt + sign) and SenderKeyReceiver::decrypt (verify +
// decrypt) of a 256-byte plaintext, in order. No goal.
Group senderKeySendGroup();
Group senderKeyReceiveGroup();

} // namespace parley::bench
