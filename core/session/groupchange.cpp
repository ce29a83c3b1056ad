#include "core/session/groupchange.h"

#include "core/session/grouprank.h"
#include "crypto/address.h"
#include "crypto/bytes.h"
#include "crypto/signingkeypair.h"

#include <QCryptographicHash>
#include <QList>
#include <QStringDecoder>
#include <QtEndian>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <set>

namespace parley::core {

namespace {

crypto::ByteView view(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()), std::size_t(bytes.size())};
}

bool isCanonicalAddress(const QString &address)
{
    const QByteArray utf8 = address.toUtf8();
    if (utf8.isEmpty() || utf8.size() > 255) {
        return false;
    }
    const auto parsed = crypto::AccountAddress::parse(utf8.toStdString());
    const auto *account = std::get_if<crypto::AccountAddress>(&parsed);
    return account && account->toString() == utf8.toStdString();
}

// 1 … kMaxGroupNameBytes bytes of UTF-8 without a control character (as reactions, M1 §2).
bool isValidName(const QByteArray &utf8)
{
    if (utf8.isEmpty() || utf8.size() > kMaxGroupNameBytes) {
        return false;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(utf8);
    if (decoder.hasError()) {
        return false;
    }
    for (const char32_t c : text.toUcs4()) {
        if (c <= 0x1F || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029) {
            return false;
        }
    }
    return true;
}

void appendU16(QByteArray &out, quint16 value)
{
    char bytes[2];
    qToBigEndian(value, bytes);
    out.append(bytes, 2);
}

void appendU32(QByteArray &out, quint32 value)
{
    char bytes[4];
    qToBigEndian(value, bytes);
    out.append(bytes, 4);
}

// A bounded reader over the layout; every read checks what is left.
class Reader
{
public:
    explicit Reader(const QByteArray &bytes)
        : m_bytes(bytes)
    {}
    bool take(qsizetype size, QByteArray *out)
    {
        if (size < 0 || m_bytes.size() - m_pos < size) {
            return false;
        }
        *out = m_bytes.mid(m_pos, size);
        m_pos += size;
        return true;
    }
    bool u8(quint8 *out)
    {
        QByteArray b;
        if (!take(1, &b)) {
            return false;
        }
        *out = quint8(b[0]);
        return true;
    }
    bool u16(quint16 *out)
    {
        QByteArray b;
        if (!take(2, &b)) {
            return false;
        }
        *out = qFromBigEndian<quint16>(b.constData());
        return true;
    }
    bool u32(quint32 *out)
    {
        QByteArray b;
        if (!take(4, &b)) {
            return false;
        }
        *out = qFromBigEndian<quint32>(b.constData());
        return true;
    }
    qsizetype left() const { return m_bytes.size() - m_pos; }

private:
    const QByteArray &m_bytes;
    qsizetype m_pos = 0;
};

bool membersWellFormed(const std::vector<GroupMember> &members)
{
    if (members.empty() || members.size() > std::size_t(kMaxGroupMembers)) {
        return false;
    }
    QByteArray previous;
    for (const GroupMember &member : members) {
        const QByteArray address = member.address.toUtf8();
        if (!isCanonicalAddress(member.address) || (!previous.isNull() && address <= previous) ||
            member.accountKey.size() != kGroupAccountKeyBytes || member.devices.empty() ||
            member.devices.size() > std::size_t(kMaxGroupMemberDevices)) {
            return false;
        }
        quint32 last = 0;
        for (const quint32 device : member.devices) {
            if (device <= last) {
                return false; // zero, or not strictly increasing
            }
            last = device;
        }
        previous = address;
    }
    return true;
}

// Everything the signature covers: the label, then every byte of the change before it.
QByteArray encodeUnsigned(const GroupChange &change)
{
    QByteArray out;
    out.append(char(kGroupChangeVersion));
    out.append(change.groupId);
    appendU32(out, change.epoch);
    out.append(change.parent);
    out.append(char(change.op));
    const QByteArray signer = change.signer.toUtf8();
    out.append(char(signer.size()));
    out.append(signer);
    const QByteArray name = change.name.toUtf8();
    out.append(char(name.size()));
    out.append(name);
    appendU16(out, quint16(change.members.size()));
    for (const GroupMember &member : change.members) {
        const QByteArray address = member.address.toUtf8();
        out.append(char(address.size()));
        out.append(address);
        out.append(member.accountKey);
        out.append(char(member.admin ? 0x01 : 0x00));
        out.append(char(member.devices.size()));
        for (const quint32 device : member.devices) {
            appendU32(out, device);
        }
    }
    return out;
}

std::optional<GroupError> checkFields(const GroupChange &change)
{
    const quint8 op = quint8(change.op);
    if (change.groupId.size() != kGroupIdBytes || change.parent.size() != kGroupDigestBytes ||
        change.epoch == 0 || op < quint8(GroupOp::Create) || op > quint8(GroupOp::Devices) ||
        !isCanonicalAddress(change.signer) || !membersWellFormed(change.members)) {
        return GroupError::Malformed;
    }
    // A create and only a create starts a chain, at epoch 1 (its parent field is the salt).
    if ((change.epoch == 1) != (change.op == GroupOp::Create)) {
        return GroupError::Malformed;
    }
    if (!isValidName(change.name.toUtf8())) {
        return GroupError::InvalidName;
    }
    return std::nullopt;
}

QByteArray signatureInput(const QByteArray &unsignedBytes)
{
    return QByteArray(kGroupChangeLabel) + unsignedBytes;
}

// The op-specific rule of M1 §9.3 on what may differ between `before` and the change.
std::optional<GroupError> checkTransition(const GroupState &before, const GroupChange &change)
{
    const GroupMember *signer = before.member(change.signer);
    if (!signer) {
        return GroupError::NotMember;
    }
    if (change.op != GroupOp::Leave && !signer->admin) {
        return GroupError::NotAdmin;
    }
    std::map<QString, const GroupMember *> after;
    for (const GroupMember &member : change.members) {
        after.emplace(member.address, &member);
    }
    int kept = 0;
    int gone = 0;
    int promoted = 0;
    bool signerGone = false;
    int moved = 0; // members whose device ids changed
    for (const GroupMember &old : before.members) {
        const auto found = after.find(old.address);
        if (found == after.end()) {
            ++gone;
            signerGone = signerGone || old.address == change.signer;
            continue;
        }
        ++kept;
        const GroupMember &now = *found->second;
        if (now.accountKey != old.accountKey) {
            return GroupError::InvalidChange;
        }
        if (now.devices != old.devices) {
            if (change.op != GroupOp::Devices) {
                return GroupError::InvalidChange;
            }
            ++moved;
        }
        if (now.admin != old.admin) {
            if (!now.admin) {
                return GroupError::InvalidChange; // no op revokes an admin
            }
            ++promoted;
        }
    }
    const int added = int(change.members.size()) - kept;
    const bool anyAdmin = std::any_of(change.members.begin(), change.members.end(),
                                      [](const GroupMember &m) { return m.admin; });
    bool ok = false;
    switch (change.op) {
    case GroupOp::Create:
        ok = false;
        break;
    case GroupOp::Add: {
        const bool newAreMembersOnly =
            std::none_of(change.members.begin(), change.members.end(), [&](const GroupMember &m) {
                return m.admin && !before.member(m.address);
            });
        ok = added > 0 && gone == 0 && promoted == 0 && newAreMembersOnly &&
             before.name == change.name;
        break;
    }
    case GroupOp::Remove:
        ok = gone > 0 && added == 0 && promoted == 0 && !signerGone && before.name == change.name;
        // Seniority (M1 §9.3): without it a junior admin could remove the creator, and the fork
        // choice (§9.5) could not tell whose removal to keep.
        for (const GroupMember &old : before.members) {
            if (ok && old.admin && !after.contains(old.address) &&
                !before.mayRemoveAdmin(change.signer, old.address)) {
                return GroupError::NotSenior;
            }
        }
        break;
    case GroupOp::Leave:
        ok = gone == 1 && signerGone && added == 0 && promoted == 0 && anyAdmin &&
             before.name == change.name;
        break;
    case GroupOp::Rename:
        ok = gone == 0 && added == 0 && promoted == 0 && before.name != change.name;
        break;
    case GroupOp::GrantAdmin:
        ok = gone == 0 && added == 0 && promoted > 0 && before.name == change.name;
        break;
    case GroupOp::Devices:
        ok = moved == 1 && gone == 0 && added == 0 && promoted == 0 && before.name == change.name;
        break;
    }
    if (!ok) {
        return GroupError::InvalidChange;
    }
    return std::nullopt;
}

} // namespace

const GroupMember *GroupState::member(const QString &address) const
{
    for (const GroupMember &candidate : members) {
        if (candidate.address == address) {
            return &candidate;
        }
    }
    return nullptr;
}

bool GroupState::hasDevice(const QString &address, quint32 device) const
{
    const GroupMember *found = member(address);
    return found && std::binary_search(found->devices.begin(), found->devices.end(), device);
}

bool GroupState::isAdmin(const QString &address) const
{
    const GroupMember *found = member(address);
    return found && found->admin;
}

bool GroupState::outranks(const QString &a, const QString &b) const
{
    // Fails closed: an admin without a known rank (a state from the store's summary) outranks
    // nobody.
    if (!isAdmin(a) || !adminSince.contains(a)) {
        return false;
    }
    if (isAdmin(b) && !adminSince.contains(b)) {
        return false;
    }
    return rankOf(*this, a) < rankOf(*this, b);
}

bool GroupState::mayRemoveAdmin(const QString &a, const QString &b) const
{
    // Against `b`'s first tenure, not its current one: an admin who left and was made an admin
    // again cannot be removed by one made while it was away, who was no admin of the states
    // `b` could branch from (§9.5 relies on the remover having been one).
    const auto first = firstAdminSince.find(b);
    const GroupMember *removed = member(b);
    if (!outranks(a, b) || first == firstAdminSince.end() || removed == nullptr) {
        return false;
    }
    Rank firstTenure;
    firstTenure.since = first->second;
    firstTenure.key = removed->accountKey;
    return rankOf(*this, a) < firstTenure;
}

QByteArray groupIdFor(const QByteArray &creatorKey, const QByteArray &salt)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayView(kGroupIdLabel));
    hash.addData(creatorKey);
    hash.addData(salt);
    return hash.result().left(kGroupIdBytes);
}

QByteArray GroupChange::digest() const
{
    return QCryptographicHash::hash(encoded, QCryptographicHash::Sha256);
}

GroupState GroupChange::state() const
{
    GroupState state;
    state.groupId = groupId;
    state.epoch = epoch;
    state.head = digest();
    state.name = name;
    state.members = members;
    // A create's admins: its signer first (0), the others it names from epoch 1.
    if (op == GroupOp::Create) {
        for (const GroupMember &member : members) {
            if (member.admin) {
                state.adminSince[member.address] = member.address == signer ? 0 : epoch;
            }
        }
        state.firstAdminSince = state.adminSince;
    }
    return state;
}

GroupState GroupChange::stateAfter(const GroupState &parent) const
{
    GroupState next = state();
    next.adminSince.clear();
    next.firstAdminSince = parent.firstAdminSince;
    for (const GroupMember &member : members) {
        if (member.admin) {
            const auto before = parent.adminSince.find(member.address);
            next.adminSince[member.address] =
                before != parent.adminSince.end() && parent.isAdmin(member.address) ? before->second
                                                                                    : epoch;
            next.firstAdminSince.emplace(member.address, epoch);
        }
    }
    return next;
}

const char *describe(GroupError error)
{
    switch (error) {
    case GroupError::Malformed:
        return "The group change is malformed.";
    case GroupError::UnsupportedVersion:
        return "The group change has an unknown version.";
    case GroupError::InvalidName:
        return "The group name must be 1 to 128 bytes of text without control characters.";
    case GroupError::WrongGroup:
        return "The group change is for another group.";
    case GroupError::WrongEpoch:
        return "The group change does not follow the group's current epoch.";
    case GroupError::WrongParent:
        return "The group change extends another history of the group.";
    case GroupError::NotMember:
        return "The group change was signed by someone who is not a member.";
    case GroupError::NotAdmin:
        return "Only a group admin may make this change.";
    case GroupError::NotSenior:
        return "Only an admin who became one earlier may remove an admin.";
    case GroupError::BadSignature:
        return "The group change's signature is invalid.";
    case GroupError::KeyMismatch:
        return "The group was created with a key that differs from the creator's pinned key.";
    case GroupError::InvalidChange:
        return "The group change does not change the group the way it says.";
    case GroupError::WrongSender:
        return "The group was created by someone else than the sender.";
    case GroupError::UnknownGroup:
        return "The group change is for a group this device does not know.";
    case GroupError::Full:
        return "The group has too many changes.";
    }
    return "Unknown group error.";
}

std::variant<GroupChange, GroupError> signGroupChange(GroupChange change,
                                                      const crypto::SigningKeyPair &accountKey)
{
    if (auto error = checkFields(change)) {
        return *error;
    }
    const QByteArray unsignedBytes = encodeUnsigned(change);
    const crypto::Signature signature = accountKey.sign(view(signatureInput(unsignedBytes)));
    change.signature =
        QByteArray(reinterpret_cast<const char *>(signature.data()), qsizetype(signature.size()));
    change.encoded = unsignedBytes + change.signature;
    return change;
}

std::variant<GroupChange, GroupError> decodeGroupChange(const QByteArray &bytes)
{
    if (bytes.isEmpty()) {
        return GroupError::Malformed;
    }
    if (quint8(bytes[0]) != kGroupChangeVersion) {
        return GroupError::UnsupportedVersion;
    }
    Reader reader(bytes);
    GroupChange change;
    quint8 version = 0;
    quint8 op = 0;
    quint8 length = 0;
    QByteArray field;
    if (!reader.u8(&version) || !reader.take(kGroupIdBytes, &change.groupId) ||
        !reader.u32(&change.epoch) || !reader.take(kGroupDigestBytes, &change.parent) ||
        !reader.u8(&op) || !reader.u8(&length) || !reader.take(length, &field)) {
        return GroupError::Malformed;
    }
    change.op = GroupOp(op);
    change.signer = QString::fromUtf8(field);
    if (change.signer.toUtf8() != field) {
        return GroupError::Malformed; // not UTF-8: no canonical address
    }
    if (!reader.u8(&length) || !reader.take(length, &field)) {
        return GroupError::Malformed;
    }
    if (!isValidName(field)) {
        return GroupError::InvalidName;
    }
    change.name = QString::fromUtf8(field);
    quint16 count = 0;
    if (!reader.u16(&count) || count == 0 || count > kMaxGroupMembers) {
        return GroupError::Malformed;
    }
    change.members.reserve(count);
    for (quint16 i = 0; i < count; ++i) {
        GroupMember member;
        quint8 flags = 0;
        quint8 devices = 0;
        if (!reader.u8(&length) || !reader.take(length, &field) ||
            !reader.take(kGroupAccountKeyBytes, &member.accountKey) || !reader.u8(&flags) ||
            flags > 0x01 || !reader.u8(&devices) || devices == 0 ||
            devices > kMaxGroupMemberDevices || reader.left() < qsizetype(devices) * 4) {
            return GroupError::Malformed;
        }
        member.address = QString::fromUtf8(field);
        if (member.address.toUtf8() != field) {
            return GroupError::Malformed; // not UTF-8: no canonical address
        }
        member.admin = flags == 0x01;
        for (quint8 d = 0; d < devices; ++d) {
            quint32 device = 0;
            reader.u32(&device);
            member.devices.push_back(device);
        }
        change.members.push_back(std::move(member));
    }
    if (!reader.take(kGroupSignatureBytes, &change.signature) || reader.left() != 0) {
        return GroupError::Malformed;
    }
    if (auto error = checkFields(change)) {
        return *error;
    }
    change.encoded = bytes;
    // One encoding per change: what we would encode must be what arrived.
    if (encodeUnsigned(change) + change.signature != bytes) {
        return GroupError::Malformed;
    }
    return change;
}

std::optional<GroupError> verifyGroupChange(const std::optional<GroupState> &parent,
                                            const GroupChange &change,
                                            const PinnedKeyLookup &pinned)
{
    if (auto error = checkFields(change)) {
        return *error;
    }
    QByteArray signerKey;
    if (!parent) {
        if (change.op != GroupOp::Create) {
            return GroupError::WrongEpoch;
        }
        const GroupState created = change.state();
        const GroupMember *signer = created.member(change.signer);
        if (!signer) {
            return GroupError::NotMember;
        }
        if (!signer->admin) {
            return GroupError::NotAdmin;
        }
        signerKey = signer->accountKey;
        // The group id is the creator's (M1 §9.1): no one else can create it again.
        if (groupIdFor(signerKey, change.parent) != change.groupId) {
            return GroupError::WrongGroup;
        }
        const QByteArray known = pinned ? pinned(change.signer) : QByteArray();
        if (!known.isEmpty() && !crypto::constantTimeEqual(view(known), view(signerKey))) {
            return GroupError::KeyMismatch;
        }
    } else {
        if (parent->groupId != change.groupId) {
            return GroupError::WrongGroup;
        }
        if (change.op == GroupOp::Create || change.epoch != parent->epoch + 1) {
            return GroupError::WrongEpoch;
        }
        if (!crypto::constantTimeEqual(view(parent->head), view(change.parent))) {
            return GroupError::WrongParent;
        }
        const GroupMember *signer = parent->member(change.signer);
        if (!signer) {
            return GroupError::NotMember;
        }
        signerKey = signer->accountKey;
    }
    // The signature before the transition's rules: an unsigned claim is not looked at further.
    if (signerKey.size() != qsizetype(crypto::Ed25519PublicKey().size()) ||
        change.signature.size() != qsizetype(crypto::Signature().size()) ||
        change.encoded.size() <= kGroupSignatureBytes) {
        return GroupError::Malformed;
    }
    if (!isSignedBy(change, signerKey)) {
        return GroupError::BadSignature;
    }
    if (parent) {
        return checkTransition(*parent, change);
    }
    return std::nullopt;
}

bool isSignedBy(const GroupChange &change, const QByteArray &accountKey)
{
    crypto::Ed25519PublicKey key{};
    crypto::Signature signature{};
    if (accountKey.size() != qsizetype(key.size()) ||
        change.signature.size() != qsizetype(signature.size()) ||
        change.encoded.size() <= kGroupSignatureBytes) {
        return false;
    }
    std::memcpy(key.data(), accountKey.constData(), key.size());
    std::memcpy(signature.data(), change.signature.constData(), signature.size());
    const QByteArray input =
        signatureInput(change.encoded.left(change.encoded.size() - kGroupSignatureBytes));
    return crypto::verifySignature(key, view(input), signature);
}

} // namespace parley::core
