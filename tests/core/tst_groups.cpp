// Group membership (protocol M1 §9): the signed change's layout and its strict decoder, the
// verification every member runs (a forged or unauthorised change is refused), the rule that
// resolves concurrent changes to the same state whatever the order they arrive in, and the
// store half on real profile databases (a change stored with the state it resolves to; a
// change before its parent waits; a forged one leaves nothing behind). The wire half is
// tests/e2e/tst_e2e_groups.cpp.

#include "core/session/groupchange.h"
#include "core/session/groupdevices.h"
#include "core/session/groupevent.h"
#include "core/session/grouppipeline.h"
#include "core/session/messagepipeline.h"
#include "core/store/contacttable.h"
#include "core/store/grouptable.h"
#include "core/store/sessiontable.h"
#include "core/store/storecontext.h"
#include "crypto/identity.h"
#include "storetesthelpers.h"

#include <QLocale>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <random>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;

namespace {

struct Person
{
    QString address;
    std::shared_ptr<const crypto::SigningKeyPair> key =
        std::make_shared<const crypto::SigningKeyPair>(crypto::SigningKeyPair::generate());

    QByteArray publicKey() const
    {
        return QByteArray(reinterpret_cast<const char *>(key->publicKey().data()), 32);
    }
    GroupMember member(bool admin = false, std::vector<quint32> devices = {1}) const
    {
        return GroupMember{address, publicKey(), std::move(devices), admin};
    }
};

Person person(const char *name)
{
    return Person{QStringLiteral("%1@relay.example").arg(QLatin1String(name))};
}

void sortByAddress(std::vector<GroupMember> &members)
{
    std::sort(members.begin(), members.end(), [](const GroupMember &a, const GroupMember &b) {
        return a.address.toUtf8() < b.address.toUtf8();
    });
}

GroupChange signedBy(GroupChange draft, const Person &signer)
{
    draft.signer = signer.address;
    auto made = signGroupChange(std::move(draft), *signer.key);
    if (const auto *error = std::get_if<GroupError>(&made)) {
        qFatal("signGroupChange: %s", describe(*error));
    }
    return std::get<GroupChange>(std::move(made));
}

GroupChange create(const Person &creator, std::vector<GroupMember> members,
                   const QString &name = QStringLiteral("Hikers"))
{
    GroupChange draft;
    draft.op = GroupOp::Create;
    draft.epoch = 1;
    draft.parent = QByteArray(32, '\x5a');
    draft.groupId = groupIdFor(creator.publicKey(), draft.parent);
    draft.name = name;
    members.push_back(creator.member(true));
    sortByAddress(members);
    draft.members = std::move(members);
    return signedBy(std::move(draft), creator);
}

// The change `op` on top of `state`, with `members`/`name` as given (unchecked).
GroupChange next(const GroupState &state, GroupOp op, const Person &signer,
                 std::vector<GroupMember> members, const QString &name = {})
{
    GroupChange draft;
    draft.op = op;
    draft.groupId = state.groupId;
    draft.epoch = state.epoch + 1;
    draft.parent = state.head;
    draft.name = name.isEmpty() ? state.name : name;
    sortByAddress(members);
    draft.members = std::move(members);
    return signedBy(std::move(draft), signer);
}

// The members of `state` without `address`, with `member` added, or with `address` an admin.
std::vector<GroupMember> without(const GroupState &state, const QString &address)
{
    std::vector<GroupMember> members = state.members;
    std::erase_if(members, [&](const GroupMember &m) { return m.address == address; });
    return members;
}

std::vector<GroupMember> with(const GroupState &state, const GroupMember &member)
{
    std::vector<GroupMember> members = state.members;
    members.push_back(member);
    return members;
}

std::vector<GroupMember> granted(const GroupState &state, const QString &address)
{
    std::vector<GroupMember> members = state.members;
    for (GroupMember &member : members) {
        member.admin = member.admin || member.address == address;
    }
    return members;
}

bool madeOk(const StoreResult<MadeGroupChange> &made)
{
    if (const auto *error = std::get_if<StoreError>(&made)) {
        qWarning("makeGroupChange: %s (%s)", qPrintable(error->message()),
                 qPrintable(error->detail));
        return false;
    }
    return true;
}

QStringList addresses(const GroupState &state)
{
    QStringList out;
    for (const GroupMember &member : state.members) {
        out << member.address;
    }
    return out;
}

} // namespace

class TestGroups : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void membershipEventsSayWhatChanged();
    void pinsAreCheckedOnReceiptOnly();
    void orphansCannotFillAGroup();
    void storingInAnyOrderResolvesAsAWhole();
    void aJuniorsGrantDoesNotStopASeniorsRemoval();
    void layoutRoundTripsAndHasOneEncoding();
    void frozenVector();
    void decoderRejectsBadInput();
    void forgedChangesAreRejected();
    void eachOpChangesOnlyWhatItSays();
    void concurrentChangesConvergeInAnyOrder();
    void onlySeniorAdminsRemoveAdmins();
    void theSeniorAdminWinsAndGrindingDoesNot();
    void removedAdminCannotUndoItsRemoval();
    void aJuniorBranchCannotDiscardASeniorsChanges();
    void rollbacksByBranchingLose();
    void onlyMemberDevicesAreMembers();
    void storeResolvesAndPersists();
    void storeRejectsForgeriesAndWaitsForParents();
    void membersWhoAreNoContactsAreReachedUnderTheGroupsKey();
    void makeGroupChangeFollowsTheRules();
    void ownLostChangesAreMadeAgain();
    void changesPerGroupAreBounded();

private:
    Person m_alice = person("alice");
    Person m_bob = person("bob");
    Person m_carol = person("carol");
    Person m_dave = person("dave");
    Person m_erin = person("erin");
};

void TestGroups::initTestCase()
{
    QVERIFY(!m_alice.publicKey().isEmpty());
}

void TestGroups::layoutRoundTripsAndHasOneEncoding()
{
    const GroupChange made = create(m_alice, {m_bob.member(false, {1, 7})});
    // version, id, epoch, salt, op; signer "alice@relay.example"; name "Hikers"; count; alice
    // (one device), bob (two devices); signature.
    QCOMPARE(made.encoded.size(), 1 + 16 + 4 + 32 + 1 + (1 + 19) + (1 + 6) + 2 +
                                      (1 + 19 + 32 + 1 + 1 + 4) + (1 + 17 + 32 + 1 + 1 + 8) + 64);
    QCOMPARE(quint8(made.encoded[0]), kGroupChangeVersion);
    QCOMPARE(made.encoded.mid(1, 16), made.groupId);
    auto decoded = decodeGroupChange(made.encoded);
    QVERIFY(std::holds_alternative<GroupChange>(decoded));
    const auto &back = std::get<GroupChange>(decoded);
    QCOMPARE(back.members, made.members);
    QCOMPARE(back.name, made.name);
    QCOMPARE(back.signer, m_alice.address);
    QCOMPARE(back.digest(), made.digest());
    QVERIFY(!verifyGroupChange(std::nullopt, back));
    // Ed25519 is deterministic: the same draft signs to the same bytes (one encoding).
    QCOMPARE(create(m_alice, {m_bob.member(false, {1, 7})}).encoded, made.encoded);
}

void TestGroups::frozenVector()
{
    // docs/protocol.md M1 §9.2, made independently with pyca/cryptography.
    const QByteArray vector =
        QByteArray::fromHex("0146b91a558e3f353f890fbf17b39561c8000000017373737373737373737373"
                            "7373737373737373737373737373737373737373730113616c6963654072656c"
                            "61792e6578616d706c650648696b657273000213616c6963654072656c61792e"
                            "6578616d706c658a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3"
                            "748801b40f6f5c01010000000111626f624072656c61792e6578616d706c6581"
                            "39770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b39400"
                            "0200000001000000076cd1fb3f915a3e623b2e80483939710126dd3d6c14fec3"
                            "d04346e6dc1d7e6c104c4a42dc3d68e6b3d7a6b46a9e6ef29ac63cb46310355f"
                            "375573019582126a0f");
    const auto aliceKey = crypto::SigningKeyPair::fromSeed(crypto::ByteView(
        reinterpret_cast<const crypto::Byte *>(QByteArray(32, '\x01').constData()), 32));
    const auto bobKey = crypto::SigningKeyPair::fromSeed(crypto::ByteView(
        reinterpret_cast<const crypto::Byte *>(QByteArray(32, '\x02').constData()), 32));
    const auto keyOf = [](const crypto::SigningKeyPair &key) {
        return QByteArray(reinterpret_cast<const char *>(key.publicKey().data()), 32);
    };
    GroupChange draft;
    draft.op = GroupOp::Create;
    draft.parent = QByteArray(32, 's');
    draft.groupId = groupIdFor(keyOf(*aliceKey), draft.parent);
    QCOMPARE(draft.groupId.toHex(), QByteArrayLiteral("46b91a558e3f353f890fbf17b39561c8"));
    draft.signer = QStringLiteral("alice@relay.example");
    draft.name = QStringLiteral("Hikers");
    draft.members = {{draft.signer, keyOf(*aliceKey), {1}, true},
                     {QStringLiteral("bob@relay.example"), keyOf(*bobKey), {1, 7}, false}};
    const auto made = signGroupChange(draft, *aliceKey);
    QCOMPARE(std::get<GroupChange>(made).encoded.toHex(), vector.toHex());
    QCOMPARE(std::get<GroupChange>(made).digest().toHex(),
             QByteArrayLiteral("18369063063e2e6e8001b5c0eea34ff1e5700048094e2daf47a49b6210908196"));
    const auto decoded = decodeGroupChange(vector);
    QVERIFY(std::holds_alternative<GroupChange>(decoded));
    QVERIFY(!verifyGroupChange(std::nullopt, std::get<GroupChange>(decoded)));
}

void TestGroups::decoderRejectsBadInput()
{
    const QByteArray good = create(m_alice, {m_bob.member()}).encoded;
    QCOMPARE(std::get<GroupError>(decodeGroupChange({})), GroupError::Malformed);
    QByteArray version = good;
    version[0] = 0x02;
    QCOMPARE(std::get<GroupError>(decodeGroupChange(version)), GroupError::UnsupportedVersion);
    for (const qsizetype cut : {qsizetype(1), qsizetype(40), good.size() - 65, good.size() - 1}) {
        QCOMPARE(std::get<GroupError>(decodeGroupChange(good.left(cut))), GroupError::Malformed);
    }
    QCOMPARE(std::get<GroupError>(decodeGroupChange(good + '\0')), GroupError::Malformed);
    // The op byte (after version, id, epoch and parent): 0x07 (devices) is the last op.
    QByteArray op = good;
    QCOMPARE(quint8(op[1 + 16 + 4 + 32]), quint8(GroupOp::Create));
    op[1 + 16 + 4 + 32] = 0x08;
    QCOMPARE(std::get<GroupError>(decodeGroupChange(op)), GroupError::Malformed);
    // Members out of order, a device id 0, a flag bit other than admin, an empty name: each is
    // refused even when correctly signed (signGroupChange refuses to make them).
    GroupChange unsorted;
    unsorted.op = GroupOp::Create;
    unsorted.parent = QByteArray(32, '\x01');
    unsorted.groupId = groupIdFor(m_alice.publicKey(), unsorted.parent);
    unsorted.signer = m_alice.address;
    unsorted.name = QStringLiteral("x");
    unsorted.members = {m_bob.member(), m_alice.member(true)};
    QCOMPARE(std::get<GroupError>(signGroupChange(unsorted, *m_alice.key)), GroupError::Malformed);
    GroupChange zeroDevice = unsorted;
    zeroDevice.members = {m_alice.member(true, {0})};
    QCOMPARE(std::get<GroupError>(signGroupChange(zeroDevice, *m_alice.key)),
             GroupError::Malformed);
    GroupChange noName = unsorted;
    noName.members = {m_alice.member(true)};
    noName.name.clear();
    QCOMPARE(std::get<GroupError>(signGroupChange(noName, *m_alice.key)), GroupError::InvalidName);
    noName.name = QStringLiteral("tab\there");
    QCOMPARE(std::get<GroupError>(signGroupChange(noName, *m_alice.key)), GroupError::InvalidName);
    // The flags byte of the first member (after its address and key) set to 0x02.
    QByteArray flags = good;
    const qsizetype firstMember = 1 + 16 + 4 + 32 + 1 + 1 + m_alice.address.size() + 1 + 6 + 2;
    const qsizetype flagAt = firstMember + 1 + m_alice.address.size() + 32;
    QCOMPARE(quint8(flags[flagAt]), quint8(0x01)); // alice, the admin, sorts first
    flags[flagAt] = 0x02;
    QCOMPARE(std::get<GroupError>(decodeGroupChange(flags)), GroupError::Malformed);
}

void TestGroups::forgedChangesAreRejected()
{
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const GroupState state = genesis.state();
    // Any flipped byte breaks the signature (or the layout).
    QByteArray flipped = genesis.encoded;
    flipped[flipped.size() - 70] = char(flipped[flipped.size() - 70] ^ 0x01);
    auto tampered = decodeGroupChange(flipped);
    QVERIFY(std::holds_alternative<GroupChange>(tampered));
    QCOMPARE(verifyGroupChange(std::nullopt, std::get<GroupChange>(tampered)),
             GroupError::BadSignature);
    // Mallory signs a removal of carol in alice's name with her own key.
    Person mallory = person("mallory");
    GroupChange claimed =
        next(state, GroupOp::Remove, mallory, {m_alice.member(true), m_bob.member()});
    claimed.signer = m_alice.address;
    auto resigned = signGroupChange(claimed, *mallory.key); // alice's name, mallory's key
    QCOMPARE(verifyGroupChange(state, std::get<GroupChange>(resigned)), GroupError::BadSignature);
    // A member who is not an admin cannot remove anyone, nor a stranger.
    QCOMPARE(verifyGroupChange(state, next(state, GroupOp::Remove, m_bob,
                                           {m_alice.member(true), m_bob.member()})),
             GroupError::NotAdmin);
    QCOMPARE(verifyGroupChange(state, next(state, GroupOp::Rename, mallory, state.members,
                                           QStringLiteral("Owned"))),
             GroupError::NotMember);
    // Bob "re-creates" alice's group (same id) with himself as admin: the id is alice's.
    GroupChange hijack;
    hijack.op = GroupOp::Create;
    hijack.parent = genesis.parent;
    hijack.groupId = genesis.groupId;
    hijack.name = QStringLiteral("Hikers");
    hijack.members = {m_alice.member(), m_bob.member(true)};
    QCOMPARE(verifyGroupChange(std::nullopt, signedBy(hijack, m_bob)), GroupError::WrongGroup);
    // A create whose creator's key is not the one we pinned for that address.
    const PinnedKeyLookup pinned = [&](const QString &address) {
        return address == m_alice.address ? m_dave.publicKey() : QByteArray();
    };
    QCOMPARE(verifyGroupChange(std::nullopt, genesis, pinned), GroupError::KeyMismatch);
    // Epoch and parent must extend the state.
    GroupChange skipped = next(state, GroupOp::Rename, m_alice, state.members, QStringLiteral("B"));
    GroupState later = state;
    later.epoch = 5;
    QCOMPARE(verifyGroupChange(later, skipped), GroupError::WrongEpoch);
    GroupState otherHead = state;
    otherHead.head = QByteArray(32, '\x01');
    QCOMPARE(verifyGroupChange(otherHead, skipped), GroupError::WrongParent);
    QVERIFY(!verifyGroupChange(state, skipped));
}

void TestGroups::eachOpChangesOnlyWhatItSays()
{
    const GroupState state = create(m_alice, {m_bob.member(), m_carol.member()}).state();
    const auto a = m_alice.member(true);
    const auto b = m_bob.member();
    const auto c = m_carol.member();
    const auto d = m_dave.member();
    struct Case
    {
        const char *name;
        GroupChange change;
        std::optional<GroupError> expected;
    };
    const std::vector<Case> cases = {
        {"add", next(state, GroupOp::Add, m_alice, {a, b, c, d}), std::nullopt},
        {"add as admin", next(state, GroupOp::Add, m_alice, {a, b, c, m_dave.member(true)}),
         GroupError::InvalidChange},
        {"add nobody", next(state, GroupOp::Add, m_alice, {a, b, c}), GroupError::InvalidChange},
        {"add and rename", next(state, GroupOp::Add, m_alice, {a, b, c, d}, QStringLiteral("X")),
         GroupError::InvalidChange},
        {"add and change devices",
         next(state, GroupOp::Add, m_alice, {a, m_bob.member(false, {1, 2}), c, d}),
         GroupError::InvalidChange},
        {"remove", next(state, GroupOp::Remove, m_alice, {a, b}), std::nullopt},
        {"remove self", next(state, GroupOp::Remove, m_alice, {b, c}), GroupError::InvalidChange},
        {"remove by member", next(state, GroupOp::Remove, m_bob, {a, b}), GroupError::NotAdmin},
        {"leave", next(state, GroupOp::Leave, m_bob, {a, c}), std::nullopt},
        {"leave someone else", next(state, GroupOp::Leave, m_bob, {a, b}),
         GroupError::InvalidChange},
        {"last admin leaves", next(state, GroupOp::Leave, m_alice, {b, c}),
         GroupError::InvalidChange},
        {"rename", next(state, GroupOp::Rename, m_alice, {a, b, c}, QStringLiteral("Climbers")),
         std::nullopt},
        {"rename to the same", next(state, GroupOp::Rename, m_alice, {a, b, c}),
         GroupError::InvalidChange},
        {"rename by member",
         next(state, GroupOp::Rename, m_bob, {a, b, c}, QStringLiteral("Climbers")),
         GroupError::NotAdmin},
        {"grant", next(state, GroupOp::GrantAdmin, m_alice, {a, m_bob.member(true), c}),
         std::nullopt},
        {"grant nothing", next(state, GroupOp::GrantAdmin, m_alice, {a, b, c}),
         GroupError::InvalidChange},
        {"revoke", next(state, GroupOp::GrantAdmin, m_alice, {m_alice.member(false), b, c}),
         GroupError::InvalidChange},
        // M1 §9.7: an admin lists one member's devices (its own too), and nothing else.
        {"devices", next(state, GroupOp::Devices, m_alice, {a, m_bob.member(false, {2}), c}),
         std::nullopt},
        {"own devices",
         next(state, GroupOp::Devices, m_alice, {m_alice.member(true, {1, 3}), b, c}),
         std::nullopt},
        {"devices by a member",
         next(state, GroupOp::Devices, m_bob, {a, m_bob.member(false, {2}), c}),
         GroupError::NotAdmin},
        {"devices unchanged", next(state, GroupOp::Devices, m_alice, {a, b, c}),
         GroupError::InvalidChange},
        {"two members' devices",
         next(state, GroupOp::Devices, m_alice,
              {a, m_bob.member(false, {2}), m_carol.member(false, {2})}),
         GroupError::InvalidChange},
        {"devices and admin",
         next(state, GroupOp::Devices, m_alice, {a, m_bob.member(true, {2}), c}),
         GroupError::InvalidChange},
        {"devices and rename",
         next(state, GroupOp::Devices, m_alice, {a, m_bob.member(false, {2}), c},
              QStringLiteral("Climbers")),
         GroupError::InvalidChange},
        {"devices and remove",
         next(state, GroupOp::Devices, m_alice, {a, m_bob.member(false, {2})}),
         GroupError::InvalidChange},
        {"devices and add",
         next(state, GroupOp::Devices, m_alice, {a, m_bob.member(false, {2}), c, d}),
         GroupError::InvalidChange},
        {"devices by a non-member",
         next(state, GroupOp::Devices, m_dave, {a, b, c, m_dave.member(false, {2})}),
         GroupError::NotMember},
    };
    for (const Case &test : cases) {
        const auto verdict = verifyGroupChange(state, test.change);
        QVERIFY2(verdict == test.expected,
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(test.name),
                                                         verdict ? QLatin1String(describe(*verdict))
                                                                 : QLatin1String("accepted"))));
    }
}

void TestGroups::concurrentChangesConvergeInAnyOrder()
{
    // Alice makes bob an admin; then, concurrently on epoch 2, alice removes carol, bob renames
    // the group, and bob (again) adds dave; each branch gets a child at epoch 3.
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const auto a = m_alice.member(true);
    const auto b = m_bob.member(true);
    const auto c = m_carol.member();
    const GroupChange grant = next(genesis.state(), GroupOp::GrantAdmin, m_alice, {a, b, c});
    const GroupState two = grant.state();
    std::vector<GroupChange> rivals = {
        next(two, GroupOp::Remove, m_alice, {a, b}),
        next(two, GroupOp::Rename, m_bob, {a, b, c}, QStringLiteral("Climbers")),
        next(two, GroupOp::Add, m_bob, {a, b, c, m_dave.member()}),
    };
    std::vector<GroupChange> all = {genesis, grant};
    for (const GroupChange &rival : rivals) {
        all.push_back(rival);
        const GroupState three = rival.state();
        all.push_back(next(three, GroupOp::Rename, m_alice, three.members,
                           QStringLiteral("child of %1")
                               .arg(QString::fromLatin1(rival.digest().toHex().left(8)))));
    }
    // The winner at epoch 3 is alice's removal: every rival's subtree holds a change of
    // alice's (its child), so the rivals' own signers decide, and alice ranks above bob
    // (M1 §9.5); its child (epoch 4) follows it.
    const auto winner = rivals.begin();
    const auto expected = resolveGroup(all);
    QVERIFY(expected);
    QCOMPARE(expected->epoch, 4u);
    QCOMPARE(
        expected->name,
        QStringLiteral("child of %1").arg(QString::fromLatin1(winner->digest().toHex().left(8))));
    QCOMPARE(resolveGroupChain(all)[2].head, winner->digest());
    // Every order gives the same state (8! orders are too many: 200 shuffles, a fixed seed).
    std::mt19937 random(13);
    for (int i = 0; i < 200; ++i) {
        std::shuffle(all.begin(), all.end(), random);
        const auto resolved = resolveGroup(all);
        QVERIFY(resolved);
        QCOMPARE(resolved->head, expected->head);
        QCOMPARE(resolved->members, expected->members);
    }
    // A forged rival with a smaller digest does not win: it is not valid.
    Person mallory = person("mallory");
    std::vector<GroupChange> withForgery = all;
    for (int i = 0; i < 8; ++i) {
        withForgery.push_back(next(two, GroupOp::Remove, mallory, {a, b}));
        withForgery.back().signer = m_alice.address; // claims alice; signed by mallory
        auto resigned = signGroupChange(withForgery.back(), *mallory.key);
        withForgery.back() = std::get<GroupChange>(resigned);
    }
    QCOMPARE(resolveGroup(withForgery)->head, expected->head);
}

void TestGroups::onlySeniorAdminsRemoveAdmins()
{
    // Alice creates with bob as an admin (rank 1: the create's other admins come after its
    // signer, 0); alice grants carol at epoch 2.
    const GroupChange genesis = create(m_alice, {m_bob.member(true), m_carol.member()});
    const GroupState one = resolveGroupChain({genesis}).back();
    QVERIFY(one.outranks(m_alice.address, m_bob.address));
    QVERIFY(!one.outranks(m_bob.address, m_alice.address));
    QCOMPARE(verifyGroupChange(
                 one, next(one, GroupOp::Remove, m_bob, {m_bob.member(true), m_carol.member()})),
             GroupError::NotSenior);
    const GroupChange grant =
        next(one, GroupOp::GrantAdmin, m_alice,
             {m_alice.member(true), m_bob.member(true), m_carol.member(true)});
    const GroupState two = resolveGroupChain({genesis, grant}).back();
    QCOMPARE(two.adminSince.at(m_carol.address), 2u);
    QCOMPARE(two.adminSince.at(m_bob.address), 1u);
    // Carol (since epoch 2) cannot remove bob (since 1); bob can remove carol, alice either.
    QCOMPARE(verifyGroupChange(two, next(two, GroupOp::Remove, m_carol,
                                         {m_alice.member(true), m_carol.member(true)})),
             GroupError::NotSenior);
    QVERIFY(!verifyGroupChange(
        two, next(two, GroupOp::Remove, m_bob, {m_alice.member(true), m_bob.member(true)})));
    QVERIFY(!verifyGroupChange(
        two, next(two, GroupOp::Remove, m_alice, {m_alice.member(true), m_carol.member(true)})));
    // Removing a plain member needs no rank beyond being an admin.
    const GroupChange addDave =
        next(two, GroupOp::Add, m_alice,
             {m_alice.member(true), m_bob.member(true), m_carol.member(true), m_dave.member()});
    const GroupState three = resolveGroupChain({genesis, grant, addDave}).back();
    QVERIFY(!verifyGroupChange(
        three, next(three, GroupOp::Remove, m_carol,
                    {m_alice.member(true), m_bob.member(true), m_carol.member(true)})));
}

void TestGroups::theSeniorAdminWinsAndGrindingDoesNot()
{
    // Alice (the creator) and bob (an admin) rename epoch 1 at once; bob tries 64 names to
    // find a digest below alice's. Alice ranks higher: her rename wins whatever the digests.
    const GroupChange genesis = create(m_alice, {m_bob.member(true), m_carol.member()});
    const GroupState one = resolveGroupChain({genesis}).back();
    // Alice's digest is taken from the upper half, so that each of bob's names has at least
    // even odds of a smaller one: both loops fail to find one with probability 2⁻⁶⁴ each.
    // (Without it the chance that alice's digest is below all of bob's 64 is 1 in 65.)
    std::optional<GroupChange> aliceRename;
    for (int i = 0; i < 64 && !aliceRename; ++i) {
        auto rename =
            next(one, GroupOp::Rename, m_alice, one.members, QStringLiteral("Alice's %1").arg(i));
        if (quint8(rename.digest().at(0)) >= 0x80)
            aliceRename = std::move(rename);
    }
    QVERIFY(aliceRename);
    std::vector<GroupChange> all = {genesis, *aliceRename};
    bool bobHasSmallerDigest = false;
    for (int i = 0; i < 64; ++i) {
        all.push_back(
            next(one, GroupOp::Rename, m_bob, one.members, QStringLiteral("Bob's %1").arg(i)));
        bobHasSmallerDigest = bobHasSmallerDigest || all.back().digest() < aliceRename->digest();
    }
    QVERIFY(bobHasSmallerDigest); // the old rule (smallest digest) would pick bob's
    QCOMPARE(resolveGroup(all)->head, aliceRename->digest());
    // Whatever bob's change is: a concurrent removal of carol by bob loses to her rename too
    // (he makes it again on the new head).
    all.push_back(next(one, GroupOp::Remove, m_bob, {m_alice.member(true), m_bob.member(true)}));
    QCOMPARE(resolveGroup(all)->head, aliceRename->digest());
    // Bob extends his own removal: his subtree still holds no change of alice's.
    const GroupState removed = all.back().stateAfter(one);
    all.push_back(next(removed, GroupOp::Rename, m_bob, removed.members, QStringLiteral("B2")));
    QCOMPARE(resolveGroup(all)->head, aliceRename->digest());
}

void TestGroups::removedAdminCannotUndoItsRemoval()
{
    // Epoch 1 alice creates with bob and carol; 2 she grants bob; 3 grants carol; 4 renames;
    // 5 removes bob. Bob, out, branches from every state where he was an admin, grinding
    // digests and removing carol (who ranks below him) on his branches, even leaving there so
    // that his own removal seems kept: none of it brings him back.
    const auto a = m_alice.member(true);
    std::vector<GroupChange> honest = {create(m_alice, {m_bob.member(), m_carol.member()})};
    const auto head = [&] { return resolveGroupChain(honest).back(); };
    honest.push_back(
        next(head(), GroupOp::GrantAdmin, m_alice, {a, m_bob.member(true), m_carol.member()}));
    honest.push_back(
        next(head(), GroupOp::GrantAdmin, m_alice, {a, m_bob.member(true), m_carol.member(true)}));
    honest.push_back(next(head(), GroupOp::Rename, m_alice, head().members, QStringLiteral("B")));
    honest.push_back(next(head(), GroupOp::Remove, m_alice, {a, m_carol.member(true)}));
    const GroupState expected = head();
    QCOMPARE(expected.epoch, 5u);
    QVERIFY(!expected.member(m_bob.address));

    const std::vector<GroupState> before = resolveGroupChain(honest);
    std::vector<GroupChange> all = honest;
    for (const GroupState &fork : before) {
        if (!fork.isAdmin(m_bob.address)) {
            continue; // epochs 1 and 5
        }
        for (int i = 0; i < 16; ++i) {
            const GroupChange rename = next(fork, GroupOp::Rename, m_bob, fork.members,
                                            QStringLiteral("Bob's %1.%2").arg(fork.epoch).arg(i));
            all.push_back(rename);
            GroupState renamed = rename.stateAfter(fork);
            QVERIFY(renamed.outranks(m_bob.address, m_carol.address));
            std::vector<GroupMember> kept = renamed.members;
            std::erase_if(kept, [&](const GroupMember &m) { return m.address == m_carol.address; });
            all.push_back(next(renamed, GroupOp::Remove, m_bob, kept));
            renamed = all.back().stateAfter(renamed);
            // Bob makes dave an admin on his branch and leaves it to him.
            std::vector<GroupMember> withDave = renamed.members;
            withDave.push_back(m_dave.member());
            all.push_back(next(renamed, GroupOp::Add, m_bob, withDave));
            renamed = all.back().stateAfter(renamed);
            std::vector<GroupMember> daveAdmin = renamed.members;
            for (GroupMember &member : daveAdmin) {
                member.admin = member.admin || member.address == m_dave.address;
            }
            all.push_back(next(renamed, GroupOp::GrantAdmin, m_bob, daveAdmin));
            renamed = all.back().stateAfter(renamed);
            std::vector<GroupMember> without = renamed.members;
            std::erase_if(without,
                          [&](const GroupMember &m) { return m.address == m_bob.address; });
            all.push_back(next(renamed, GroupOp::Leave, m_bob, without));
        }
    }
    // Every forged branch is valid on its own (no forgery here: only a fork choice).
    QVERIFY(all.size() > honest.size() + 80);
    std::mt19937 random(5);
    for (int i = 0; i < 20; ++i) {
        std::shuffle(all.begin(), all.end(), random);
        const auto resolved = resolveGroup(all);
        QVERIFY(resolved);
        QCOMPARE(resolved->head, expected.head);
        QCOMPARE(resolved->epoch, 5u);
    }
}

void TestGroups::aJuniorBranchCannotDiscardASeniorsChanges()
{
    // Alice creates with bob as an admin (rank 1) and grants carol (rank 2); carol renames
    // (epoch 3), then alice adds dave (epoch 4). Bob branches from epoch 2, beside carol's
    // rename, which he outranks: nobody is removed anywhere, but his branch would discard
    // alice's add, and alice ranks above him — so it loses, whatever he grinds.
    const auto a = m_alice.member(true);
    const auto b = m_bob.member(true);
    std::vector<GroupChange> honest = {create(m_alice, {b, m_carol.member()})};
    const auto head = [&] { return resolveGroupChain(honest).back(); };
    honest.push_back(next(head(), GroupOp::GrantAdmin, m_alice, {a, b, m_carol.member(true)}));
    const GroupState two = head();
    honest.push_back(next(two, GroupOp::Rename, m_carol, two.members, QStringLiteral("C")));
    honest.push_back(
        next(head(), GroupOp::Add, m_alice, {a, b, m_carol.member(true), m_dave.member()}));
    const GroupState expected = head();
    QCOMPARE(expected.epoch, 4u);
    std::vector<GroupChange> all = honest;
    for (int i = 0; i < 16; ++i) {
        all.push_back(next(two, GroupOp::Rename, m_bob, two.members, QStringLiteral("B%1").arg(i)));
    }
    QCOMPARE(resolveGroup(all)->head, expected.head);
    // Without alice's add, bob outranks carol and one of his renames wins.
    honest.pop_back();
    all.erase(std::find_if(all.begin(), all.end(),
                           [&](const GroupChange &c) { return c.op == GroupOp::Add; }));
    const auto resolved = resolveGroup(all);
    QCOMPARE(resolved->epoch, 3u);
    QVERIFY(resolved->name.startsWith(u'B'));
}

void TestGroups::rollbacksByBranchingLose()
{
    // Attacks found by review against an earlier form of the rule, each now resolved to the
    // honest head. `history` holds the changes; `apply` adds one and returns its state.
    const Person s = person("sam"), a = person("amy"), m = person("mike"), n = person("ned"),
                 b = person("bea"), y = person("yan"), c = person("cid"), d = person("dot"),
                 z = person("zoe");
    std::vector<GroupChange> history;
    bool allValid = true; // every change below is valid on its own: only the choice is tested
    const auto apply = [&](const GroupState &parent, GroupOp op, const Person &signer,
                           std::vector<GroupMember> members, const QString &name = {}) {
        history.push_back(next(parent, op, signer, std::move(members), name));
        if (const auto verdict = verifyGroupChange(parent, history.back())) {
            qWarning("not valid: %s", describe(*verdict));
            allValid = false;
        }
        return history.back().stateAfter(parent);
    };
    const auto start = [&](std::vector<GroupMember> members) {
        history = {create(s, std::move(members))};
        return resolveGroupChain(history).back();
    };

    // A plain member leaves on the first state: it would discard every later change, and
    // under "a removal beats a branch without one" it did.
    GroupState g = start({a.member(true), y.member(), b.member()});
    GroupState h = apply(g, GroupOp::Add, s, with(g, c.member()));
    h = apply(h, GroupOp::GrantAdmin, s, granted(h, c.address));
    h = apply(h, GroupOp::Rename, a, h.members, QStringLiteral("G2"));
    h = apply(h, GroupOp::Add, c, with(h, d.member()));
    apply(g, GroupOp::Leave, y, without(g, y.address));
    QCOMPARE(resolveGroup(history)->head, h.head);

    // A junior admin removes its own puppet on the state where it became an admin, beside
    // the creator's rename, adds and grants.
    g = start({a.member(true), m.member(), n.member(), b.member()});
    const GroupState two = apply(g, GroupOp::GrantAdmin, a, granted(g, m.address));
    h = apply(two, GroupOp::Rename, s, two.members, QStringLiteral("Hikers2"));
    h = apply(h, GroupOp::Add, s, with(h, c.member()));
    h = apply(h, GroupOp::GrantAdmin, s, granted(h, c.address));
    h = apply(h, GroupOp::Add, a, with(h, d.member()));
    apply(two, GroupOp::Remove, m, without(two, n.address));
    QCOMPARE(resolveGroup(history)->head, h.head);

    // An admin leaves, is added and made an admin again, and is removed by the creator; it
    // branches from before its leave (where it ranked 1), grinding, and removes y there.
    g = start({m.member(true), y.member()});
    h = apply(g, GroupOp::Leave, m, without(g, m.address));
    h = apply(h, GroupOp::Add, s, with(h, m.member()));
    h = apply(h, GroupOp::GrantAdmin, s, granted(h, m.address));
    h = apply(h, GroupOp::Remove, s, without(h, m.address));
    for (int i = 0; i < 16; ++i) {
        const GroupState x = apply(g, GroupOp::Rename, m, g.members, QStringLiteral("x%1").arg(i));
        apply(x, GroupOp::Remove, m, without(x, y.address));
    }
    QCOMPARE(resolveGroup(history)->head, h.head);

    // The same, but b, made an admin while m was away, would remove it: b outranks m's new
    // tenure but not its first, so it may not (M1 §9.3) — else m, branching from its first
    // tenure where b was no admin, would tie with b's branch and grind its way back.
    g = start({m.member(true), b.member(), y.member()});
    h = apply(g, GroupOp::Leave, m, without(g, m.address));
    h = apply(h, GroupOp::GrantAdmin, s, granted(h, b.address));
    h = apply(h, GroupOp::Add, s, with(h, m.member()));
    h = apply(h, GroupOp::GrantAdmin, s, granted(h, m.address));
    QVERIFY(h.outranks(b.address, m.address));
    QCOMPARE(verifyGroupChange(h, next(h, GroupOp::Remove, b, without(h, m.address))),
             GroupError::NotSenior);

    // Three children: two honest branches, each with a removal by the creator (from two of
    // its devices), and a rename by m, who outranks their signers b and c but not s.
    g = start({m.member(true), b.member(), c.member(), z.member(), y.member()});
    GroupState e2 = apply(g, GroupOp::GrantAdmin, s, granted(g, b.address));
    e2 = apply(e2, GroupOp::GrantAdmin, s, granted(e2, c.address));
    GroupState w1 = apply(e2, GroupOp::Rename, b, e2.members, QStringLiteral("b"));
    w1 = apply(w1, GroupOp::Remove, s, without(w1, z.address));
    GroupState w2 = apply(e2, GroupOp::Add, c, with(e2, d.member()));
    w2 = apply(w2, GroupOp::Remove, s, without(w2, y.address));
    const auto honest = resolveGroup(history);
    QVERIFY(honest->head == w1.head || honest->head == w2.head);
    apply(e2, GroupOp::Rename, m, e2.members, QStringLiteral("m"));
    QCOMPARE(resolveGroup(history)->head, honest->head);

    // The creator's second device, offline on the first state, renames there; meanwhile amy
    // renamed, the creator (from its first device) removed zoe, and bea added dot. Both
    // branches hold the creator's changes: the one holding its latest change wins, so the
    // stale device does not roll back what came after (M1 §9.5 rule 1).
    g = start({a.member(true), b.member(true), z.member()});
    h = apply(g, GroupOp::Rename, a, g.members, QStringLiteral("A"));
    h = apply(h, GroupOp::Remove, s, without(h, z.address));
    h = apply(h, GroupOp::Add, b, with(h, d.member()));
    for (int i = 0; i < 16; ++i) {
        apply(g, GroupOp::Rename, s, g.members, QStringLiteral("stale %1").arg(i));
    }
    QCOMPARE(resolveGroup(history)->head, h.head);
    QVERIFY(allValid);
}

void TestGroups::onlyMemberDevicesAreMembers()
{
    const GroupState state =
        create(m_alice, {m_bob.member(false, {2, 5}), m_carol.member()}).state();
    QVERIFY(state.hasDevice(m_bob.address, 2));
    QVERIFY(state.hasDevice(m_bob.address, 5));
    QVERIFY(!state.hasDevice(m_bob.address, 3)); // a device the relay adds is no member
    QVERIFY(!state.hasDevice(m_dave.address, 1));
    const GroupState removed =
        next(state, GroupOp::Remove, m_alice, {m_alice.member(true), m_bob.member(false, {2, 5})})
            .state();
    QVERIFY(!removed.hasDevice(m_carol.address, 1));
    QVERIFY(removed.isAdmin(m_alice.address));
    QVERIFY(!removed.isAdmin(m_bob.address));
}

namespace {

// A profile whose contacts have pinned keys and one session each (device 1).
struct Profile
{
    std::unique_ptr<QTemporaryDir> dir = std::make_unique<QTemporaryDir>();
    std::shared_ptr<ProfileStore> store;
    Person self;

    Profile(Person me, const std::vector<const Person *> &contacts)
        : self(std::move(me))
    {
        store = std::make_shared<ProfileStore>(dir->filePath(QStringLiteral("profile")));
        if (!succeeded(take(store->create(passphrase(), crypto::VaultParameters::minimum())))) {
            qFatal("cannot create a profile");
        }
        std::vector<std::pair<QString, QByteArray>> pins;
        for (const Person *contact : contacts) {
            pins.emplace_back(contact->address, contact->publicKey());
        }
        auto added = take(store->run([pins](StoreContext &context) -> StoreStatus {
            return context.transaction([&]() -> StoreStatus {
                for (const auto &[address, key] : pins) {
                    ContactRecord contact;
                    contact.address = address;
                    contact.accountKey = key;
                    contact.createdAt = 1;
                    auto id = ContactTable(context).put(contact);
                    if (const auto *error = std::get_if<StoreError>(&id)) {
                        return *error;
                    }
                    SessionRecord session;
                    session.contact = std::get<ContactId>(id);
                    session.deviceId = 1;
                    session.state = crypto::WipedBytes(32);
                    session.associatedData = QByteArrayLiteral("ad");
                    if (auto made = SessionTable(context).insert(session);
                        const auto *error = std::get_if<StoreError>(&made)) {
                        return *error;
                    }
                }
                return Done{};
            });
        }));
        if (!succeeded(added)) {
            qFatal("cannot add contacts");
        }
    }

    // `from`: the account that sent it (empty: as if we made it).
    GroupUpdate receive(const QByteArray &bytes, const QString &from = {})
    {
        const QString address = self.address;
        const QByteArray key = self.publicKey();
        return valueOf(take(store->run([=](StoreContext &context) {
            return storeGroupChange(context, bytes, address, key, 1000, from);
        })));
    }

    StoreResult<MadeGroupChange> make(const GroupRequest &request)
    {
        const QString address = self.address;
        return take(store->run([this, address, request](StoreContext &context) {
            return makeGroupChange(context, *self.key, address, 1, request, 1000);
        }));
    }

    std::optional<GroupState> group(const QByteArray &id)
    {
        return valueOf(
            take(store->run([id](StoreContext &context) { return loadGroup(context, id); })));
    }

    qint64 count(const QString &sql)
    {
        return valueOf(take(store->run([sql](StoreContext &context) -> StoreResult<qint64> {
            QSqlQuery query(context.database());
            if (!query.exec(sql) || !query.next()) {
                return StoreContext::queryError(query);
            }
            return query.value(0).toLongLong();
        })));
    }
};

} // namespace

void TestGroups::storeResolvesAndPersists()
{
    Profile bob(m_bob, {&m_alice, &m_carol});
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    auto update = bob.receive(genesis.encoded);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QVERIFY(!update.before);
    QCOMPARE(update.after->epoch, 1u);
    QCOMPARE(bob.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Known);
    const GroupChange removal =
        next(genesis.state(), GroupOp::Remove, m_alice, {m_alice.member(true), m_bob.member()});
    update = bob.receive(removal.encoded);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(update.removed, QStringList{m_carol.address});
    const auto stored = bob.group(genesis.groupId);
    QVERIFY(stored);
    QCOMPARE(stored->epoch, 2u);
    QCOMPARE(stored->head, removal.digest());
    QCOMPARE(addresses(*stored), (QStringList{m_alice.address, m_bob.address}));
    QCOMPARE(stored->members, removal.members);
    QCOMPARE(stored->name, QStringLiteral("Hikers"));
    // The name and the changes are not in the file in clear.
    QCOMPARE(bob.count(QStringLiteral("SELECT count(*) FROM groups WHERE instr(name, "
                                      "CAST('Hikers' AS BLOB)) > 0")),
             0);
    QCOMPARE(bob.count(QStringLiteral("SELECT count(*) FROM group_changes")), 2);
    QCOMPARE(bob.count(QStringLiteral("SELECT count(*) FROM group_member_devices")), 2);
    // A concurrent rename of epoch 2 by alice: valid, and between one signer's own changes
    // the smaller digest wins (M1 §9.5).
    const GroupChange rename = next(genesis.state(), GroupOp::Rename, m_alice, genesis.members,
                                    QStringLiteral("Climbers"));
    update = bob.receive(rename.encoded);
    const bool renameWins = rename.digest() < removal.digest();
    QCOMPARE(update.outcome,
             renameWins ? GroupUpdate::Outcome::Applied : GroupUpdate::Outcome::Superseded);
    QCOMPARE(bob.group(genesis.groupId)->head, renameWins ? rename.digest() : removal.digest());
}

void TestGroups::membersWhoAreNoContactsAreReachedUnderTheGroupsKey()
{
    // M1 §9.11: carol knows alice only. Bob, whom she never added, is a member to make
    // sessions with, under the key the group lists for him.
    Profile carol(m_carol, {&m_alice});
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    QCOMPARE(carol.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Applied);
    const GroupState state = genesis.state();
    const auto toReach = [&] {
        QStringList found;
        for (const MemberToReach &member :
             valueOf(take(carol.store->run([&](StoreContext &context) {
                 return membersToReach(context, genesis.groupId, m_carol.address);
             })))) {
            found << member.address + (member.accountKey == m_bob.publicKey() ? "" : " other key");
        }
        return found;
    };
    const auto asListed = [&](const QString &address) {
        return valueOf(take(carol.store->run(
            [&](StoreContext &context) { return pinnedAsListed(context, state, address); })));
    };
    QCOMPARE(toReach(), QStringList{m_bob.address});
    QVERIFY(asListed(m_alice.address));
    QVERIFY(!asListed(m_bob.address)); // no record yet

    // A record in bob's name under another key (a stranger's first envelope, pinned on first
    // use) with a session: still to reach under the group's key, and it gets nothing.
    const Person fakeBob{m_bob.address};
    const auto plant = [&](bool blocked) {
        return take(carol.store->run([&](StoreContext &context) -> StoreStatus {
            ContactRecord record;
            auto found = ContactTable(context).findByAddress(m_bob.address);
            if (const auto *existing = std::get_if<ContactRecord>(&found)) {
                record = *existing;
            } else {
                record.address = m_bob.address;
                record.accountKey = fakeBob.publicKey();
                record.accepted = false;
                record.createdAt = 1;
            }
            record.blocked = blocked;
            auto id = ContactTable(context).put(record);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            if (found.index() == 0) {
                return Done{};
            }
            SessionRecord session;
            session.contact = std::get<ContactId>(id);
            session.deviceId = 1;
            session.state = crypto::WipedBytes(32);
            session.associatedData = QByteArrayLiteral("ad");
            if (auto made = SessionTable(context).insert(session);
                const auto *error = std::get_if<StoreError>(&made)) {
                return *error;
            }
            return Done{};
        }));
    };
    QVERIFY(succeeded(plant(false)));
    QCOMPARE(toReach(), QStringList{m_bob.address});
    QVERIFY(!asListed(m_bob.address));
    // Writing 1:1 to that address takes no one in: the record is not the member's.
    QVERIFY(!valueOf(take(carol.store->run(
        [&](StoreContext &context) { return takeInMember(context, m_bob.address); }))));
    // Nor is such a record, no contact, put in a group of ours.
    auto member = take(carol.store->run(
        [&](StoreContext &context) { return contactMember(context, m_bob.address); }));
    QVERIFY(std::holds_alternative<StoreError>(member));
    QCOMPARE(std::get<StoreError>(member).code, StoreError::Code::NotFound);
    // A blocked member is not reached at all.
    QVERIFY(succeeded(plant(true)));
    QVERIFY(toReach().isEmpty());
    // Nothing to reach in a group we are not in.
    Profile dave(m_dave, {&m_alice});
    QCOMPARE(dave.receive(genesis.encoded, m_alice.address).outcome, GroupUpdate::Outcome::Applied);
    QVERIFY(valueOf(take(dave.store->run([&](StoreContext &context) {
                return membersToReach(context, genesis.groupId, m_dave.address);
            }))).empty());

    // Bob as the group lists him, no contact and no request of carol's: writing to him 1:1
    // makes him a contact (M1 §9.11).
    Profile other(m_carol, {&m_alice});
    QCOMPARE(other.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Applied);
    const auto taken = take(other.store->run([&](StoreContext &context) -> StoreResult<bool> {
        ContactRecord record;
        record.address = m_bob.address;
        record.accountKey = m_bob.publicKey();
        record.accepted = false;
        record.createdAt = 1;
        if (auto id = ContactTable(context).put(record);
            const auto *error = std::get_if<StoreError>(&id)) {
            return *error;
        }
        return takeInMember(context, m_bob.address);
    }));
    QVERIFY(valueOf(taken));
    QVERIFY(valueOf(take(other.store->run([&](StoreContext &context) {
                return ContactTable(context).findByAddress(m_bob.address);
            }))).accepted);
}

void TestGroups::storeRejectsForgeriesAndWaitsForParents()
{
    Profile carol(m_carol, {&m_alice, &m_bob});
    const GroupChange elsewhere = create(m_alice, {m_bob.member()});
    // A create in alice's name with another key than the one carol pinned for her.
    Person fakeAlice{m_alice.address};
    auto update = carol.receive(create(fakeAlice, {m_carol.member()}).encoded);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Rejected);
    QCOMPARE(update.error, GroupError::KeyMismatch);
    // Bob forwards a create by zed, whose key carol has not pinned: she cannot tell zed's
    // group from one bob made up in zed's name.
    Person zed = person("zed");
    update = carol.receive(create(zed, {m_carol.member()}).encoded, m_bob.address);
    QCOMPARE(update.error, GroupError::WrongSender);
    QCOMPARE(carol.count(QStringLiteral("SELECT count(*) FROM groups")), 0);

    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const GroupState one = genesis.state();
    const GroupChange add =
        next(one, GroupOp::Add, m_alice,
             {m_alice.member(true), m_bob.member(), m_carol.member(), m_dave.member()});
    const GroupChange rename =
        next(add.state(), GroupOp::Rename, m_alice, add.members, QStringLiteral("Climbers"));
    // Dave, added later, gets alice's create (which does not name him) with the chain, here
    // forwarded by bob: stored, and his once the add arrives.
    Profile dave(m_dave, {&m_alice, &m_bob});
    QCOMPARE(dave.receive(elsewhere.encoded, m_bob.address).outcome, GroupUpdate::Outcome::Applied);
    const GroupChange addDave = next(elsewhere.state(), GroupOp::Add, m_alice,
                                     {m_alice.member(true), m_bob.member(), m_dave.member()});
    update = dave.receive(addDave.encoded, m_bob.address);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QVERIFY(update.after->hasDevice(m_dave.address, 1));

    // Before its create, a change is for a group carol does not know: dropped, nothing stored.
    update = carol.receive(add.encoded);
    QCOMPARE(update.error, GroupError::UnknownGroup);
    QCOMPARE(carol.count(QStringLiteral("SELECT count(*) FROM group_changes")), 0);
    // Forwarded by bob (as to a member added later): alice's key is pinned, so it is taken.
    update = carol.receive(genesis.encoded, m_bob.address);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    // Out of order in a known group: the grandchild waits for the child, then both apply.
    QCOMPARE(carol.receive(rename.encoded).outcome, GroupUpdate::Outcome::Pending);
    QCOMPARE(carol.group(genesis.groupId)->epoch, 1u);
    update = carol.receive(add.encoded);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(update.after->epoch, 3u);
    QCOMPARE(update.after->name, QStringLiteral("Climbers"));
    // Bob (no admin) removes carol: rejected, not stored, nothing changes.
    const qint64 before = carol.count(QStringLiteral("SELECT count(*) FROM group_changes"));
    update = carol.receive(next(rename.state(), GroupOp::Remove, m_bob,
                                {m_alice.member(true), m_bob.member(), m_dave.member()})
                               .encoded);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Rejected);
    QCOMPARE(update.error, GroupError::NotAdmin);
    QCOMPARE(carol.count(QStringLiteral("SELECT count(*) FROM group_changes")), before);
    QCOMPARE(carol.group(genesis.groupId)->epoch, 3u);
    // Garbage is rejected without a store error.
    QCOMPARE(carol.receive(QByteArrayLiteral("\x01garbage")).error, GroupError::Malformed);
}

void TestGroups::makeGroupChangeFollowsTheRules()
{
    Profile alice(m_alice, {&m_bob, &m_carol});
    auto made = alice.make(
        {GroupOp::Create, {}, QStringLiteral("Hikers"), {m_bob.address, m_carol.address}});
    QVERIFY(madeOk(made));
    const auto created = std::get<MadeGroupChange>(made);
    QCOMPARE(created.recipients, (QStringList{m_bob.address, m_carol.address}));
    const QByteArray id = created.change.groupId;
    QCOMPARE(id, groupIdFor(m_alice.publicKey(), created.change.parent));
    // Bob accepts what alice made (he pins alice's key).
    Profile bob(m_bob, {&m_alice, &m_carol});
    QCOMPARE(bob.receive(created.change.encoded, m_alice.address).outcome,
             GroupUpdate::Outcome::Applied);

    // Dave is no contact of alice's: a sentence, nothing stored.
    made = alice.make({GroupOp::Add, id, {}, {m_dave.address}});
    QCOMPARE(std::get<StoreError>(made).code, StoreError::Code::NotFound);
    QVERIFY(std::get<StoreError>(made).detail.contains(m_dave.address));
    // Removing carol: she is told too (a recipient), and bob applies it.
    made = alice.make({GroupOp::Remove, id, {}, {m_carol.address}});
    QVERIFY(madeOk(made));
    const auto removal = std::get<MadeGroupChange>(made);
    QCOMPARE(removal.recipients, (QStringList{m_bob.address, m_carol.address}));
    QCOMPARE(removal.update.removed, QStringList{m_carol.address});
    QCOMPARE(bob.receive(removal.change.encoded).outcome, GroupUpdate::Outcome::Applied);
    // Renaming to the same name changes nothing: refused by the rules, nothing stored.
    made = alice.make({GroupOp::Rename, id, QStringLiteral("Hikers"), {}});
    QVERIFY(std::holds_alternative<StoreError>(made));
    QCOMPARE(alice.count(QStringLiteral("SELECT count(*) FROM group_changes")), 2);
    // The last admin cannot leave; after granting bob admin, she can.
    QVERIFY(std::holds_alternative<StoreError>(alice.make({GroupOp::Leave, id, {}, {}})));
    made = alice.make({GroupOp::GrantAdmin, id, {}, {m_bob.address}});
    QVERIFY(madeOk(made));
    QCOMPARE(bob.receive(std::get<MadeGroupChange>(made).change.encoded).outcome,
             GroupUpdate::Outcome::Applied);
    made = alice.make({GroupOp::Leave, id, {}, {}});
    QVERIFY(madeOk(made));
    QCOMPARE(bob.receive(std::get<MadeGroupChange>(made).change.encoded).outcome,
             GroupUpdate::Outcome::Applied);
    QCOMPARE(addresses(*bob.group(id)), QStringList{m_bob.address});
    QVERIFY(bob.group(id)->isAdmin(m_bob.address));
    // Alice is out: she can change nothing any more.
    made = alice.make({GroupOp::Rename, id, QStringLiteral("Mine"), {}});
    QVERIFY(std::holds_alternative<StoreError>(made));
}

void TestGroups::ownLostChangesAreMadeAgain()
{
    // Bob, an admin made by alice, removes carol; alice renames the same epoch. Alice ranks
    // above bob, so her rename wins on bob's device too — and his removal, still to do on the
    // new head, comes back as a request to make again.
    const auto a = m_alice.member(true);
    const GroupChange genesis =
        create(m_alice, {m_bob.member(), m_carol.member(), m_dave.member()});
    const GroupChange grant = next(genesis.state(), GroupOp::GrantAdmin, m_alice,
                                   {a, m_bob.member(true), m_carol.member(), m_dave.member()});
    Profile bob(m_bob, {&m_alice, &m_carol, &m_dave, &m_erin});
    QCOMPARE(bob.receive(genesis.encoded, m_alice.address).outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(bob.receive(grant.encoded, m_alice.address).outcome, GroupUpdate::Outcome::Applied);
    const GroupState two = *bob.group(genesis.groupId);
    auto made = bob.make({GroupOp::Remove, genesis.groupId, {}, {m_carol.address}});
    QVERIFY(madeOk(made));
    QVERIFY(std::get<MadeGroupChange>(made).update.makeAgain.empty());

    const GroupChange rename =
        next(two, GroupOp::Rename, m_alice, two.members, QStringLiteral("Climbers"));
    GroupUpdate update = bob.receive(rename.encoded, m_alice.address);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(update.after->head, rename.digest());
    QCOMPARE(update.makeAgain.size(), std::size_t(1));
    QCOMPARE(update.makeAgain[0].op, GroupOp::Remove);
    QCOMPARE(update.makeAgain[0].members, QStringList{m_carol.address});
    made = bob.make(update.makeAgain[0]);
    QVERIFY(madeOk(made));
    const GroupState four = *bob.group(genesis.groupId);
    QCOMPARE(four.epoch, 4u);
    QCOMPARE(four.name, QStringLiteral("Climbers"));
    QVERIFY(!four.member(m_carol.address));

    // Bob renames; alice renames the same epoch: hers wins, and his rename is not made again
    // (the name he would change is not the one he saw any more).
    QVERIFY(madeOk(bob.make({GroupOp::Rename, genesis.groupId, QStringLiteral("Bob's"), {}})));
    const GroupChange other =
        next(four, GroupOp::Rename, m_alice, four.members, QStringLiteral("Alice's"));
    update = bob.receive(other.encoded, m_alice.address);
    QCOMPARE(update.after->head, other.digest());
    QVERIFY(update.makeAgain.empty());
    QCOMPARE(bob.group(genesis.groupId)->name, QStringLiteral("Alice's"));

    // Bob adds erin and removes her again; alice's concurrent rename wins over both. What bob
    // last wanted (erin out) holds on the new head: nothing is made again, least of all the add.
    const GroupState six = *bob.group(genesis.groupId);
    QVERIFY(madeOk(bob.make({GroupOp::Add, genesis.groupId, {}, {m_erin.address}})));
    QVERIFY(madeOk(bob.make({GroupOp::Remove, genesis.groupId, {}, {m_erin.address}})));
    const GroupChange third =
        next(six, GroupOp::Rename, m_alice, six.members, QStringLiteral("Third"));
    update = bob.receive(third.encoded, m_alice.address);
    QCOMPARE(update.after->head, third.digest());
    QVERIFY(update.makeAgain.empty());

    // Bob removes dave; alice makes dave an admin the same epoch. Hers wins, and what she
    // decided about dave stands: bob's removal is not made again over her grant.
    const GroupState seven = *bob.group(genesis.groupId);
    QVERIFY(madeOk(bob.make({GroupOp::Remove, genesis.groupId, {}, {m_dave.address}})));
    std::vector<GroupMember> daveAdmin = seven.members;
    for (GroupMember &member : daveAdmin) {
        member.admin = member.admin || member.address == m_dave.address;
    }
    const GroupChange promote = next(seven, GroupOp::GrantAdmin, m_alice, daveAdmin);
    update = bob.receive(promote.encoded, m_alice.address);
    QCOMPARE(update.after->head, promote.digest());
    QVERIFY(update.after->isAdmin(m_dave.address));
    QVERIFY(update.makeAgain.empty());

    // M1 §9.7: bob lists dave's new device 2; alice renames the same epoch. Hers
    // wins, and dave's devices, which her branch left as they were, are listed again.
    const GroupState eight = *bob.group(genesis.groupId);
    made = bob.make({GroupOp::Devices, genesis.groupId, {}, {m_dave.address}, {1, 2, 2}});
    QVERIFY(madeOk(made));
    QCOMPARE(std::get<MadeGroupChange>(made).update.after->member(m_dave.address)->devices,
             (std::vector<quint32>{1, 2}));
    // Listing the same devices again changes nothing: refused, nothing stored.
    QVERIFY(std::holds_alternative<StoreError>(
        bob.make({GroupOp::Devices, genesis.groupId, {}, {m_dave.address}, {2, 1}})));
    const GroupChange fourth =
        next(eight, GroupOp::Rename, m_alice, eight.members, QStringLiteral("Fourth"));
    update = bob.receive(fourth.encoded, m_alice.address);
    QCOMPARE(update.after->head, fourth.digest());
    QCOMPARE(update.makeAgain.size(), std::size_t(1));
    QCOMPARE(update.makeAgain[0].op, GroupOp::Devices);
    QCOMPARE(update.makeAgain[0].members, QStringList{m_dave.address});
    QCOMPARE(update.makeAgain[0].devices, (std::vector<quint32>{1, 2}));
    QCOMPARE(update.makeAgain[0].replacing, std::vector<quint32>{1});
    // Alice lists dave's device 5 before bob's request runs: it is refused, not made over hers.
    const GroupState afterFourth = *bob.group(genesis.groupId);
    std::vector<GroupMember> daveOnFive = afterFourth.members;
    for (GroupMember &member : daveOnFive) {
        if (member.address == m_dave.address) {
            member.devices = {5};
        }
    }
    QCOMPARE(bob.receive(next(afterFourth, GroupOp::Devices, m_alice, daveOnFive).encoded,
                         m_alice.address)
                 .outcome,
             GroupUpdate::Outcome::Applied);
    made = bob.make(update.makeAgain[0]);
    QVERIFY(std::holds_alternative<StoreError>(made));
    QVERIFY(std::get<StoreError>(made).detail.contains(QStringLiteral("meanwhile")));
    // But over alice's own listing of dave's devices (she may know a newer list): not again.
    const GroupState nine = *bob.group(genesis.groupId);
    QVERIFY(madeOk(bob.make({GroupOp::Devices, genesis.groupId, {}, {m_dave.address}, {2}})));
    std::vector<GroupMember> daveOnThree = nine.members;
    for (GroupMember &member : daveOnThree) {
        if (member.address == m_dave.address) {
            member.devices = {3};
        }
    }
    const GroupChange listed = next(nine, GroupOp::Devices, m_alice, daveOnThree);
    update = bob.receive(listed.encoded, m_alice.address);
    QCOMPARE(update.after->head, listed.digest());
    QCOMPARE(update.after->member(m_dave.address)->devices, std::vector<quint32>{3});
    QVERIFY(update.makeAgain.empty());
}

void TestGroups::changesPerGroupAreBounded()
{
    Profile bob(m_bob, {&m_alice});
    const GroupChange genesis = create(m_alice, {m_bob.member()});
    QCOMPARE(bob.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Applied);
    // Fill the group up to the bound with waiting changes (bytes that never decode to a valid
    // parent; the table does not look at them).
    const QByteArray id = genesis.groupId;
    QVERIFY(succeeded(take(bob.store->run([id](StoreContext &context) -> StoreStatus {
        return context.transaction([&]() -> StoreStatus {
            GroupTable groups(context);
            auto row = groups.find(id);
            const GroupRowId group = *std::get<std::optional<GroupRowId>>(row);
            for (int i = 1; i < GroupTable::kMaxChangesPerGroup; ++i) {
                GroupChange filler;
                filler.epoch = 9;
                filler.encoded = QByteArray::number(i);
                if (auto added = groups.addChange(group, filler, 1);
                    const auto *error = std::get_if<StoreError>(&added)) {
                    return *error;
                }
            }
            return Done{};
        });
    }))));
    // Garbage rows are not changes, so the bound counts what is stored: the next one is refused
    // without a store error (the inbox must not fail on it), the state is unchanged.
    const GroupChange rename = next(genesis.state(), GroupOp::Rename, m_alice, genesis.members,
                                    QStringLiteral("Climbers"));
    const auto update = bob.receive(rename.encoded);
    QCOMPARE(update.error, GroupError::Full);
    QCOMPARE(bob.group(id)->epoch, 1u);
    QCOMPARE(bob.count(QStringLiteral("SELECT count(*) FROM group_changes")),
             qint64(GroupTable::kMaxChangesPerGroup));
}

// M1 §9.3: changes whose parent never comes — all that someone who only knows the group's id
// can send — are dropped first at the bound, so they cannot fill the group for good.
void TestGroups::orphansCannotFillAGroup()
{
    Profile bob(m_bob, {&m_alice});
    const GroupChange genesis = create(m_alice, {m_bob.member()});
    QCOMPARE(bob.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Applied);
    const Person zed = person("zed");
    std::vector<GroupChange> orphans;
    for (int i = 1; i < GroupTable::kMaxChangesPerGroup; ++i) {
        GroupChange orphan;
        orphan.op = GroupOp::Rename;
        orphan.groupId = genesis.groupId;
        orphan.epoch = 5;
        orphan.parent = QByteArray(28, 'o') + QByteArray::number(i).rightJustified(4, '0');
        orphan.name = QStringLiteral("Spam");
        orphan.members = genesis.members;
        orphans.push_back(signedBy(std::move(orphan), zed));
    }
    // Stored as receiving them would (each waits for its parent), in one transaction.
    QVERIFY(succeeded(
        take(bob.store->run([&orphans, id = genesis.groupId](StoreContext &context) -> StoreStatus {
            return context.transaction([&]() -> StoreStatus {
                GroupTable groups(context);
                const GroupRowId group = *std::get<std::optional<GroupRowId>>(groups.find(id));
                for (const GroupChange &orphan : orphans) {
                    if (auto added = groups.addChange(group, orphan, 1);
                        const auto *error = std::get_if<StoreError>(&added)) {
                        return *error;
                    }
                }
                return Done{};
            });
        }))));
    QCOMPARE(bob.count(QStringLiteral("SELECT count(*) FROM group_changes")),
             qint64(GroupTable::kMaxChangesPerGroup));
    // Alice's rename is applied: the orphans went, her create and rename stay.
    const GroupChange rename = next(genesis.state(), GroupOp::Rename, m_alice, genesis.members,
                                    QStringLiteral("Climbers"));
    const auto update = bob.receive(rename.encoded, m_alice.address);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(bob.group(genesis.groupId)->name, QStringLiteral("Climbers"));
    QCOMPARE(bob.count(QStringLiteral("SELECT count(*) FROM group_changes")), 2);
}

// A group's system rows (schema v16): what one change did, named by its signer; a jump of
// several changes (a fork switched) names no one; damaged JSON is no event.
void TestGroups::membershipEventsSayWhatChanged()
{
    const QString self = QStringLiteral("bob@r");
    const auto member = [](const QString &address, bool admin) {
        GroupMember m;
        m.address = address;
        m.accountKey = QByteArray(32, char(address.at(0).unicode()));
        m.devices = {1};
        m.admin = admin;
        return m;
    };
    const QString alice = QStringLiteral("alice@r");
    const QString carol = QStringLiteral("carol@r");
    GroupChange create;
    create.op = GroupOp::Create;
    create.signer = alice;
    create.groupId = QByteArray(16, 'g');
    create.parent = QByteArray(32, 'p');
    create.name = QStringLiteral("Hikers");
    create.members = {member(alice, true), member(self, false)};
    create.encoded = "create"; // unsigned drafts: their digests differ by these bytes only
    GroupState first;
    first.groupId = create.groupId;
    first.epoch = 1;
    first.head = create.digest();
    first.name = create.name;
    first.members = create.members;
    const auto names = [](const QString &address) { return address.section(u'@', 0, 0); };
    const auto described = [&](const std::optional<GroupEvent> &event) {
        if (!event) {
            return QStringLiteral("(none)");
        }
        // What the store keeps is what is shown.
        const auto kept = GroupEvent::fromJson(event->toJson());
        return kept ? kept->describe(self, names) : QStringLiteral("(damaged)");
    };
    QCOMPARE(described(GroupEvent::between(std::nullopt, first, create, self)),
             QStringLiteral("alice created the group “Hikers”."));

    // One change on top of the head: its signer did it.
    GroupChange add = create;
    add.op = GroupOp::Add;
    add.epoch = 2;
    add.parent = first.head;
    add.members = {member(alice, true), member(self, true), member(carol, false)};
    add.encoded = "add";
    GroupState second = first;
    second.epoch = 2;
    second.head = add.digest();
    second.members = add.members;
    QCOMPARE(described(GroupEvent::between(first, second, add, self)),
             QStringLiteral("alice added carol. alice made you an admin."));
    // Ours read in the first person (their own sentences: German conjugates them apart).
    GroupChange ours = add;
    ours.signer = self;
    ours.encoded = "ours";
    GroupState oursBefore = first;
    oursBefore.members = {member(alice, true), member(self, true)};
    GroupState oursAfter = second;
    oursAfter.head = ours.digest();
    QCOMPARE(described(GroupEvent::between(oursBefore, oursAfter, ours, self)),
             QStringLiteral("You added carol."));

    GroupChange leave = add;
    leave.op = GroupOp::Leave;
    leave.signer = carol;
    leave.epoch = 3;
    leave.parent = second.head;
    leave.members = {member(alice, true), member(self, true)};
    leave.encoded = "leave";
    GroupState third = second;
    third.epoch = 3;
    third.head = leave.digest();
    third.members = leave.members;
    QCOMPARE(described(GroupEvent::between(second, third, leave, self)),
             QStringLiteral("carol left the group."));

    // The resolution jumped from the create to a state two changes on, renamed: no one is
    // named, only the difference.
    GroupState jumped = third;
    jumped.name = QStringLiteral("Climbers");
    QCOMPARE(described(GroupEvent::between(first, jumped, leave, self)),
             QStringLiteral("Now an admin: you. The group is now called “Climbers”."));
    // A switch back loses that grant, which is said too; a name cannot reorder the sentence.
    GroupState back = first;
    back.head = QByteArray(32, 'b');
    back.name = QStringLiteral("Climb\u202Eers\u2066");
    QCOMPARE(described(GroupEvent::between(jumped, back, leave, self)),
             QStringLiteral("No longer an admin: you. The group is now called “Climbers”."));

    // A removal of us is shown; a state we were never in is not; nothing visible, nothing.
    GroupState without = third;
    without.members = {member(alice, true)};
    GroupChange remove = leave;
    remove.op = GroupOp::Remove;
    remove.signer = alice;
    remove.parent = second.head;
    remove.encoded = "remove";
    without.head = remove.digest();
    QCOMPARE(
        described(GroupEvent::between(second, without, remove, self)),
        QStringLiteral("alice removed %1.")
            .arg(QLocale().createSeparatedList({QStringLiteral("you"), QStringLiteral("carol")})));
    QCOMPARE(described(GroupEvent::between(without, without, remove, self)),
             QStringLiteral("(none)"));
    QCOMPARE(described(GroupEvent::between(third, third, leave, self)), QStringLiteral("(none)"));

    // Undone by a fork switch, a removal reads as someone being in the group again, not as a
    // join (nobody joined); a long list names five and counts the rest, "you" first.
    QCOMPARE(described(GroupEvent::between(first, second, leave, self)),
             QStringLiteral("Now in the group: carol. Now an admin: you."));
    GroupEvent crowd;
    crowd.by = alice;
    for (int i = 0; i < 8; ++i) {
        crowd.added << QStringLiteral("m%1@r").arg(i);
    }
    crowd.added.insert(3, self);
    QCOMPARE(crowd.describe(self, names),
             QStringLiteral("alice added %1.")
                 .arg(QLocale().createSeparatedList({QStringLiteral("you"), QStringLiteral("m0"),
                                                     QStringLiteral("m1"), QStringLiteral("m2"),
                                                     QStringLiteral("5 more")})));
    crowd.added.removeOne(self);
    crowd.added.resize(5);
    QCOMPARE(crowd.describe(self, names),
             QStringLiteral("alice added %1.")
                 .arg(QLocale().createSeparatedList({QStringLiteral("m0"), QStringLiteral("m1"),
                                                     QStringLiteral("m2"), QStringLiteral("m3"),
                                                     QStringLiteral("m4")})));

    QVERIFY(!GroupEvent::fromJson("not json"));
    QVERIFY(!GroupEvent::fromJson(R"({"added":"carol@r"})"));
    QVERIFY(!GroupEvent::fromJson(R"({"added":[""]})"));
    QString many = QStringLiteral(R"({"removed":[)");
    for (int i = 0; i <= kMaxGroupMembers; ++i) {
        many += QStringLiteral(R"("m%1@r",)").arg(i);
    }
    many.chop(1);
    many += QStringLiteral("]}");
    QVERIFY(!GroupEvent::fromJson(many.toUtf8())); // more than a group can hold
}

// M1 §9.3 step 2: a create is checked against the receiver's pins when it arrives, never again.
// A group whose creator's pinned key changes later (a new key pinned for that address) stays
// the same group: before, resolution checked the pins again, and this device alone lost it.
void TestGroups::pinsAreCheckedOnReceiptOnly()
{
    Profile carol(m_carol, {&m_bob}); // alice is no contact: nothing pinned for her yet
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    QCOMPARE(carol.receive(genesis.encoded, m_alice.address).outcome,
             GroupUpdate::Outcome::Applied);
    // Carol pins another key for alice's address.
    const Person fakeAlice{m_alice.address};
    const QByteArray otherKey = fakeAlice.publicKey();
    QVERIFY(succeeded(take(carol.store->run(
        [address = m_alice.address, otherKey](StoreContext &context) -> StoreStatus {
            ContactRecord contact;
            contact.address = address;
            contact.accountKey = otherKey;
            contact.createdAt = 2;
            auto id = ContactTable(context).put(contact);
            if (const auto *error = std::get_if<StoreError>(&id)) {
                return *error;
            }
            return Done{};
        }))));
    const GroupChange rename = next(genesis.state(), GroupOp::Rename, m_alice, genesis.members,
                                    QStringLiteral("Climbers"));
    const auto update = carol.receive(rename.encoded, m_alice.address);
    QCOMPARE(update.outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(carol.group(genesis.groupId)->name, QStringLiteral("Climbers"));
    // A new create in alice's name with the first key is refused now: the pin is checked on
    // receipt.
    QCOMPARE(carol.receive(create(m_alice, {m_carol.member()}).encoded, m_alice.address).error,
             GroupError::KeyMismatch);
}

// storeGroupChange resolves a change that extends the head without resolving the whole group
// again: stored one by one, in the order they were made or any other, the changes end in the
// state resolveGroup gives for all of them together.
void TestGroups::storingInAnyOrderResolvesAsAWhole()
{
    const auto a = m_alice.member(true);
    const auto b = m_bob.member(true);
    const auto c = m_carol.member();
    const GroupChange genesis = create(m_alice, {m_bob.member(), c});
    const GroupChange grant = next(genesis.state(), GroupOp::GrantAdmin, m_alice, {a, b, c});
    const GroupState two = grant.state();
    std::vector<GroupChange> all = {genesis, grant};
    GroupState line = two; // a line of bob's renames on top, the head most of the time
    for (int i = 0; i < 4; ++i) {
        all.push_back(
            next(line, GroupOp::Rename, m_bob, line.members, QStringLiteral("Step %1").arg(i)));
        line = all.back().stateAfter(line);
    }
    // Alice's removal of carol from epoch 2 outranks the whole line; bob extends it after.
    const GroupChange removal = next(two, GroupOp::Remove, m_alice, {a, b});
    all.push_back(removal);
    all.push_back(next(removal.state(), GroupOp::Rename, m_bob, {a, b}, QStringLiteral("Two")));
    const auto expected = resolveGroup(all);
    QVERIFY(expected);
    QCOMPARE(expected->name, QStringLiteral("Two"));
    // The create first: a change of a group the device does not know is refused (M1 §9.3).
    std::vector<std::vector<GroupChange>> orders = {all};
    orders.emplace_back(all.begin(), all.begin() + 1);
    orders.back().insert(orders.back().end(), all.rbegin(), all.rend() - 1);
    std::mt19937 random(21);
    for (int i = 0; i < 8; ++i) {
        orders.push_back(all);
        std::shuffle(orders.back().begin() + 1, orders.back().end(), random);
    }
    for (const auto &order : orders) {
        Profile bob(m_bob, {&m_alice, &m_carol});
        for (const GroupChange &change : order) {
            bob.receive(change.encoded, change.signer);
        }
        const auto stored = bob.group(genesis.groupId);
        QVERIFY(stored);
        QCOMPARE(stored->head, expected->head);
        QCOMPARE(stored->name, expected->name);
        QCOMPARE(stored->members, expected->members);
    }
}

// The other side of ownLostChangesAreMadeAgain's last case: bob removes dave while carol,
// whom bob outranks, makes dave an admin; alice then builds on carol's branch, so it wins. What
// carol decided about dave does not stand over bob: his removal is made again (M1 §9.5).
void TestGroups::aJuniorsGrantDoesNotStopASeniorsRemoval()
{
    const auto a = m_alice.member(true);
    const GroupChange genesis =
        create(m_alice, {m_bob.member(), m_carol.member(), m_dave.member()});
    const GroupChange grantBob = next(genesis.state(), GroupOp::GrantAdmin, m_alice,
                                      {a, m_bob.member(true), m_carol.member(), m_dave.member()});
    const GroupState two = resolveGroupChain({genesis, grantBob}).back();
    const GroupChange grantCarol =
        next(two, GroupOp::GrantAdmin, m_alice,
             {a, m_bob.member(true), m_carol.member(true), m_dave.member()});
    Profile bob(m_bob, {&m_alice, &m_carol, &m_dave});
    for (const GroupChange &change : {genesis, grantBob, grantCarol}) {
        QCOMPARE(bob.receive(change.encoded, m_alice.address).outcome,
                 GroupUpdate::Outcome::Applied);
    }
    const GroupState three = resolveGroupChain({genesis, grantBob, grantCarol}).back();
    QVERIFY(madeOk(bob.make({GroupOp::Remove, genesis.groupId, {}, {m_dave.address}})));
    const GroupChange carolsGrant =
        next(three, GroupOp::GrantAdmin, m_carol,
             {a, m_bob.member(true), m_carol.member(true), m_dave.member(true)});
    // Bob outranks carol: his removal stays ahead of her grant.
    QCOMPARE(bob.receive(carolsGrant.encoded, m_carol.address).outcome,
             GroupUpdate::Outcome::Superseded);
    const GroupState four = carolsGrant.stateAfter(three);
    const GroupChange alicesRename =
        next(four, GroupOp::Rename, m_alice, four.members, QStringLiteral("Climbers"));
    const GroupUpdate update = bob.receive(alicesRename.encoded, m_alice.address);
    QCOMPARE(update.after->head, alicesRename.digest());
    QCOMPARE(update.makeAgain.size(), std::size_t(1));
    QCOMPARE(update.makeAgain[0].op, GroupOp::Remove);
    QCOMPARE(update.makeAgain[0].members, QStringList{m_dave.address});
    QVERIFY(madeOk(bob.make(update.makeAgain[0])));
    QVERIFY(!bob.group(genesis.groupId)->member(m_dave.address));
}

QTEST_GUILESS_MAIN(TestGroups)
#include "tst_groups.moc"
