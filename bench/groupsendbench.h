#pragma once

// parley-crypto-bench group "group-send" (issue 13, "Benchmarks"): one group text to 100
// member devices as the client sends it (docs/protocol.md M1 §9.6: the sender-key message of
// C4, framed 0x03, in ONE multi-recipient sealed message of C3 §7) against pairwise fan-out
// (per device one Double Ratchet message of C2, framed 0x01, in one sealed envelope of C3 §5):
// the sender's CPU for each, their ratio, and the bytes each puts on the wire, taken from the
// real objects. bench/RESULTS.md, "Group send to 100 devices", has the figures.

#include <cstddef>

namespace parley::bench {

// Measures and prints both fan-outs of one `plaintextBytes`-byte content to `devices` devices,
// interleaved (bench/RESULTS.md "Method"), with the byte counts of both.
void runGroupSend(std::size_t devices, std::size_t plaintextBytes, int reps);

} // namespace parley::bench
