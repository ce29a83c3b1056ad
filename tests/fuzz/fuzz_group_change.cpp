// libFuzzer target: core's group membership change decoder (docs/protocol.md M1 §9.2), which
// reads the body of every kind 0x0D content a peer sends, then the verification and the
// resolution a member runs on it (M1 §9.3, §9.5). The layout has one encoding per change, so
// whatever decodes must keep its bytes; its members are strictly sorted with 1 … 16 increasing
// device ids each; verifying or resolving it never crashes, and a state it resolves to is the
// change's own.

#include "core/session/groupchange.h"

#include <QByteArray>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>

using namespace parley::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto decoded = decodeGroupChange(input);
    const auto *change = std::get_if<GroupChange>(&decoded);
    if (change == nullptr) {
        return 0;
    }
    if (change->encoded != input || change->groupId.size() != kGroupIdBytes ||
        change->signature.size() != kGroupSignatureBytes || change->members.empty() ||
        change->members.size() > std::size_t(kMaxGroupMembers)) {
        __builtin_trap();
    }
    QByteArray previous;
    for (const GroupMember &member : change->members) {
        const QByteArray address = member.address.toUtf8();
        if ((!previous.isNull() && address <= previous) || member.devices.empty() ||
            member.devices.size() > std::size_t(kMaxGroupMemberDevices) ||
            member.devices.front() == 0 ||
            !std::is_sorted(member.devices.begin(), member.devices.end())) {
            __builtin_trap();
        }
        previous = address;
    }
    (void)verifyGroupChange(std::nullopt, *change);
    const auto state = resolveGroup({*change});
    if (state && state->head != change->digest()) {
        __builtin_trap();
    }
    return 0;
}
