#pragma once

// A session as X3DH initiator from a bundle the relay handed out (protocol C1 §4.1): for a
// key change's new device and for a contact's newly listed devices alike.

#include "core/session/peerrecord.h"
#include "crypto/devicelist.h"
#include "crypto/keytypes.h"

#include <QString>

#include <optional>
#include <variant>

namespace parley::wire {
class Response;
}

namespace parley::crypto {
class DeviceIdentity;
}

namespace parley::core {

// `response`: the answer to a FetchBundle for `target` (null: none came). The bundle must
// verify under `accountKey` and, when given, a device list not older than `listCounter`.
// Otherwise, or when X3DH fails, a sentence for the user.
std::variant<PeerRecord, QString> sessionFromBundle(const wire::Response *response,
                                                    const crypto::DeviceAddress &target,
                                                    const crypto::Ed25519PublicKey &accountKey,
                                                    std::optional<quint64> listCounter,
                                                    const crypto::DeviceIdentity &device);

} // namespace parley::core
