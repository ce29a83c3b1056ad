// See bundlesession.h.

#include "core/session/bundlesession.h"

#include "core/session/sessionmanager.h"
#include "crypto/identity.h"
#include "crypto/prekeybundle.h"
#include "crypto/x3dh.h"

namespace parley::core {

namespace {

crypto::ByteView viewOf(const std::string &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.data()), bytes.size()};
}

} // namespace

std::variant<PeerRecord, QString> sessionFromBundle(const wire::Response *response,
                                                    const crypto::DeviceAddress &target,
                                                    const crypto::Ed25519PublicKey &accountKey,
                                                    std::optional<quint64> listCounter,
                                                    const crypto::DeviceIdentity &device)
{
    const QString name = QString::fromStdString(target.toString());
    if (response == nullptr || response->status().code() != wire::Status::OK ||
        !response->has_bundle()) {
        return SessionManager::tr("Could not fetch the keys of %1.").arg(name);
    }
    auto verified = crypto::verifyPreKeyBundle(viewOf(response->bundle().bundle()), target,
                                               accountKey, listCounter);
    if (!std::holds_alternative<crypto::VerifiedPreKeyBundle>(verified)) {
        return SessionManager::tr("The keys of %1 do not verify.").arg(name);
    }
    const auto &bundle = std::get<crypto::VerifiedPreKeyBundle>(verified);
    auto initiated = crypto::x3dhInitiate(device, bundle);
    if (!std::holds_alternative<crypto::X3dhInitiation>(initiated)) {
        return SessionManager::tr("Could not start a session with %1.").arg(name);
    }
    auto &x3dh = std::get<crypto::X3dhInitiation>(initiated);
    auto alice =
        crypto::RatchetSession::initAlice(x3dh.sharedKey.view(), x3dh.responderSignedPreKey);
    if (!std::holds_alternative<crypto::RatchetSession>(alice)) {
        return SessionManager::tr("Could not start a session with %1.").arg(name);
    }
    return PeerRecord{bundle.bundle().certificate.identityKey, x3dh.header.serialize(),
                      crypto::PeerSessions(std::move(std::get<crypto::RatchetSession>(alice)),
                                           x3dh.associatedData)};
}

} // namespace parley::core
