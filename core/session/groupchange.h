#pragma once

// Group membership (docs/protocol.md, "M1 §9 Groups"): the signed membership change that an
// M1 content of kind 0x0D carries, the group state it produces, and the rule that picks, from
// any set of changes a device holds, the one state every device holding the same set agrees
// on. No store and no network here: pure functions over bytes, so that each rule is tested on
// its own (tests/core/tst_groupchange.cpp).
//
// A change is a full snapshot of the group at its epoch (name, members, their account keys,
// devices and admin flags), linked to the change before it by that change's SHA-256, and
// signed with the account key (C1 §2.1) of its signer under the label
// "parley-group-change-v1". Every member verifies every change against the state it extends:
//
//   create       epoch 1; the signer is an admin member of the new state, and the group id
//                derives from its account key and the salt in the parent field
//   add          signer an admin; only new (non-admin) members appear; nothing else changes
//   remove       signer an admin; members other than the signer disappear; nothing else
//   leave        signer a member; exactly the signer disappears; an admin must remain
//   rename       signer an admin; only the name changes
//   grant admin  signer an admin; only non-admins become admins
//   devices      signer an admin; only one member's device ids change (a member who moved
//                to a new computer: its new device is listed, the retired one dropped)
//
// Admins are ranked by seniority: the creator first, then by the epoch at which each became an
// admin, then by account key. An admin may remove only admins junior to it.
//
// Concurrent changes (several children of one state) resolve by resolveGroup(): at each fork,
// the child whose subtree holds a change by the highest-ranked admin of the forked state wins,
// then the one holding that admin's latest change, then the child whose signer ranks highest
// there, then the smallest digest. So no branch discards a change for changes by lower-ranked
// admins — a removed admin cannot undo its removal, which a higher-ranked admin made — and a
// digest, which anyone can grind, only decides between one signer's own changes.

#include <QByteArray>
#include <QString>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

namespace parley::crypto {
class SigningKeyPair;
}

namespace parley::core {

inline constexpr quint8 kGroupChangeVersion = 0x01;
inline constexpr int kGroupIdBytes = 16;
inline constexpr int kGroupDigestBytes = 32;
inline constexpr int kGroupAccountKeyBytes = 32;
inline constexpr int kGroupSignatureBytes = 64;
inline constexpr int kMaxGroupMembers = 128; // so that every change fits kMaxGroupChangeBytes
inline constexpr int kMaxGroupMemberDevices = 16;
inline constexpr int kMaxGroupNameBytes = 128;
// The signature input's label (M1 §9.2); distinct from every other label signed by an account
// key (C1 §2: device certificates, device lists).
inline constexpr char kGroupChangeLabel[] = "parley-group-change-v1";
// The group id's derivation label (M1 §9.1).
inline constexpr char kGroupIdLabel[] = "parley-group-id-v1";

struct GroupMember
{
    QString address;              // user@relay, canonical (C1 §1.1, §1.2)
    QByteArray accountKey;        // Ed25519 public key, 32 bytes
    std::vector<quint32> devices; // 1 … kMaxGroupMemberDevices ids, strictly increasing, ≥ 1
    bool admin = false;

    bool operator==(const GroupMember &other) const = default;
};

struct GroupState
{
    QByteArray groupId; // 16 bytes
    quint32 epoch = 0;  // 0: no valid create known yet
    QByteArray head;    // digest of the change that made this epoch (32 bytes)
    QString name;
    std::vector<GroupMember> members; // sorted by address, unique
    // The epoch at which each admin became one this time (0: the creator), and at which each
    // address first became an admin in this chain (kept after it leaves). Not on the wire:
    // derived along the chain (resolveGroupChain); a state read back from the store's summary
    // has none.
    std::map<QString, quint32> adminSince;
    std::map<QString, quint32> firstAdminSince;

    const GroupMember *member(const QString &address) const;
    // Whether admin `a` ranks above `b` (M1 §9.3): `b` is no admin, or `a` became one at an
    // earlier epoch, or at the same epoch with the smaller account key.
    bool outranks(const QString &a, const QString &b) const;
    // Whether admin `a` may remove admin `b` (M1 §9.3): `a`'s rank is above the rank `b` had
    // when it first became an admin in this chain. Fails closed on unknown ranks.
    bool mayRemoveAdmin(const QString &a, const QString &b) const;
    // Whether `address`'s device `device` is a member device of this state (M1 §9.4: the
    // only list a receiver trusts; the relay's recipient list is never consulted).
    bool hasDevice(const QString &address, quint32 device) const;
    bool isAdmin(const QString &address) const;
};

enum class GroupOp : quint8 {
    Create = 0x01,
    Add = 0x02,
    Remove = 0x03,
    Leave = 0x04,
    Rename = 0x05,
    GrantAdmin = 0x06,
    Devices = 0x07,
};

struct GroupChange
{
    QByteArray groupId; // 16 bytes
    quint32 epoch = 1;
    // 32 bytes: the digest of the change that made epoch − 1; for a create (epoch 1), the
    // random salt from which the group id is derived (groupIdFor).
    QByteArray parent;
    GroupOp op = GroupOp::Create;
    QString signer; // account address of the signer
    QString name;
    std::vector<GroupMember> members; // the state after the change, sorted by address
    QByteArray signature;             // 64 bytes
    QByteArray encoded;               // the whole change as it travels (set by sign/decode)

    // SHA-256 of `encoded` (its identity: the next change's parent, the tie-break).
    QByteArray digest() const;
    // The state this change produces (not checked; see verifyGroupChange): for a create, with
    // its admins' seniority; stateAfter() carries the seniority over from the parent state.
    GroupState state() const;
    GroupState stateAfter(const GroupState &parent) const;
};

enum class GroupError {
    Malformed,          // bad size, truncated, trailing bytes, unsorted or out-of-range field
    UnsupportedVersion, // the layout's version byte is unknown
    InvalidName,        // empty, too long or not UTF-8, or with a control character
    WrongGroup,         // another group id than the state's
    WrongEpoch,         // not the state's epoch + 1 (or not 1 for a create)
    WrongParent,        // the parent digest is not the state's head
    NotMember,          // the signer is not a member of the state it extends
    NotAdmin,           // the change needs an admin and the signer is none
    NotSenior,          // a removal of an admin who ranks above the signer
    BadSignature,       // the signature does not verify under the signer's account key
    KeyMismatch,        // a create whose signer's key differs from the key pinned for it
    InvalidChange,      // the members/name do not change the way the op says
    WrongSender,        // a create that did not come from its signer (grouppipeline.h)
    UnknownGroup,       // a change other than a create for a group without a valid create here
    Full,               // the group holds GroupTable::kMaxChangesPerGroup changes already
};
const char *describe(GroupError error);

// The id of the group that the account with Ed25519 key `creatorKey` creates with the 32-byte
// `salt` (M1 §9.1): the first 16 bytes of SHA-256("parley-group-id-v1" ‖ key ‖ salt). Binding
// the id to the creator means no other account can sign a create for the same group.
QByteArray groupIdFor(const QByteArray &creatorKey, const QByteArray &salt);

// Encodes and signs a change with `accountKey` (which must be `change.signer`'s). Fills
// `signature` and `encoded`. Fails with Malformed/InvalidName for out-of-range fields.
std::variant<GroupChange, GroupError> signGroupChange(GroupChange change,
                                                      const crypto::SigningKeyPair &accountKey);

// Parses the layout strictly and bounded (M1 §9.2); no signature check (that needs the state).
std::variant<GroupChange, GroupError> decodeGroupChange(const QByteArray &bytes);

// Whether `change` carries a valid signature under `accountKey` (M1 §9.2), nothing else
// checked.
bool isSignedBy(const GroupChange &change, const QByteArray &accountKey);

// Looks up the account key pinned for an address (empty: none known).
using PinnedKeyLookup = std::function<QByteArray(const QString &address)>;

// Checks `change` against `parent` (the state it extends; nullopt for a create), M1 §9.3.
// For a create, `pinned` gives the key pinned for the signer, which must match if known.
std::optional<GroupError> verifyGroupChange(const std::optional<GroupState> &parent,
                                            const GroupChange &change,
                                            const PinnedKeyLookup &pinned = {});

// The one state a set of changes of one group resolves to (M1 §9.5), whatever their order:
// from the valid create with the smallest digest, then epoch by epoch among the valid children
// of the chosen state, the one whose subtree holds a change by the highest-ranked admin of
// that state, then the one holding that admin's latest change, then the one whose signer
// ranks highest in it, then the smallest digest. Invalid changes, and changes on a branch that
// lost, are ignored. nullopt if no valid create is among them.
std::optional<GroupState> resolveGroup(const std::vector<GroupChange> &changes,
                                       const PinnedKeyLookup &pinned = {});

// The digests of every change that extends a valid create through valid changes — the chosen
// chain and the branches that lost; not the changes whose parent is unknown, nor the invalid.
std::set<QByteArray> validGroupChanges(const std::vector<GroupChange> &changes);

// The same, with every state of the chosen chain, epoch 1 first (empty: no valid create).
std::vector<GroupState> resolveGroupChain(const std::vector<GroupChange> &changes,
                                          const PinnedKeyLookup &pinned = {});

} // namespace parley::core
