// A member's own devices in its groups (protocol M1 §9.7, op 0x07): the devices change that
// carries the member's signed device list, its verification (a forged update by another
// member or a non-member, a list of someone else's, an older or the same counter: rejected),
// the counters the resolution derives from the chain, convergence with a concurrent admin
// change in any order, and the store half on real profiles (makeGroupChange and
// announceOwnDevices). The sender-key half (new devices get keys, a retired one none) is the
// unchanged rule of M1 §9.6, tested in tst_groupmessages.

#include "core/session/groupchange.h"
#include "core/session/grouppipeline.h"
#include "core/store/identitytable.h"
#include "core/store/profilestore.h"
#include "core/store/storecontext.h"
#include "crypto/devicelist.h"
#include "crypto/identity.h"
#include "storetesthelpers.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;

namespace {

using Verdict = std::optional<GroupError>;

struct Person
{
    QString address;
    std::shared_ptr<const crypto::AccountIdentity> account;

    const crypto::SigningKeyPair &key() const { return account->key(); }
    QByteArray publicKey() const
    {
        return QByteArray(reinterpret_cast<const char *>(account->publicKey().data()), 32);
    }
    GroupMember member(bool admin = false, std::vector<quint32> devices = {1}) const
    {
        return GroupMember{address, publicKey(), std::move(devices), admin};
    }
    // Our signed device list (C1 §2.3) with these device ids, signed by `by` (default: us).
    QByteArray deviceList(quint64 counter, const std::vector<quint32> &ids,
                          const Person *by = nullptr) const
    {
        std::vector<crypto::DeviceListEntry> entries;
        for (const quint32 id : ids) {
            entries.push_back(account->createDevice(crypto::DeviceId{id}).listEntry());
        }
        const auto &signer = by ? by->key() : key();
        const auto list =
            crypto::DeviceList::sign(signer, account->address(), counter, std::move(entries));
        const auto bytes = list->serialize();
        return QByteArray(reinterpret_cast<const char *>(bytes.data()), qsizetype(bytes.size()));
    }
};

Person person(const char *name)
{
    const QString address = QStringLiteral("%1@relay.example").arg(QLatin1String(name));
    auto parsed = crypto::AccountAddress::parse(address.toStdString());
    return Person{address,
                  std::make_shared<const crypto::AccountIdentity>(
                      crypto::AccountIdentity::generate(std::get<crypto::AccountAddress>(parsed)))};
}

void sortByAddress(std::vector<GroupMember> &members)
{
    std::sort(members.begin(), members.end(), [](const GroupMember &a, const GroupMember &b) {
        return a.address.toUtf8() < b.address.toUtf8();
    });
}

std::variant<GroupChange, GroupError> trySign(GroupChange draft, const Person &signer,
                                              const QString &claimed = {})
{
    draft.signer = claimed.isEmpty() ? signer.address : claimed;
    return signGroupChange(std::move(draft), signer.key());
}

GroupChange signedBy(GroupChange draft, const Person &signer, const QString &claimed = {})
{
    auto made = trySign(std::move(draft), signer, claimed);
    if (const auto *error = std::get_if<GroupError>(&made)) {
        qFatal("signGroupChange: %s", describe(*error));
    }
    return std::get<GroupChange>(std::move(made));
}

GroupChange create(const Person &creator, std::vector<GroupMember> members)
{
    GroupChange draft;
    draft.op = GroupOp::Create;
    draft.epoch = 1;
    draft.parent = QByteArray(32, '\x5a');
    draft.groupId = groupIdFor(creator.publicKey(), draft.parent);
    draft.name = QStringLiteral("Hikers");
    members.push_back(creator.member(true));
    sortByAddress(members);
    draft.members = std::move(members);
    return signedBy(std::move(draft), creator);
}

GroupChange next(const GroupState &state, GroupOp op, const Person &signer,
                 std::vector<GroupMember> members, const QString &name = {},
                 const QByteArray &deviceList = {}, const QString &claimed = {})
{
    GroupChange draft;
    draft.op = op;
    draft.groupId = state.groupId;
    draft.epoch = state.epoch + 1;
    draft.parent = state.head;
    draft.name = name.isEmpty() ? state.name : name;
    sortByAddress(members);
    draft.members = std::move(members);
    draft.deviceList = deviceList;
    return signedBy(std::move(draft), signer, claimed);
}

// The members of `state` with `address`'s devices replaced.
std::vector<GroupMember> withDevices(const GroupState &state, const QString &address,
                                     std::vector<quint32> devices)
{
    std::vector<GroupMember> members = state.members;
    for (GroupMember &member : members) {
        if (member.address == address) {
            member.devices = devices;
        }
    }
    return members;
}

// A profile on a real database, with our identity (account seed and signed device list).
struct Profile
{
    std::unique_ptr<QTemporaryDir> dir = std::make_unique<QTemporaryDir>();
    std::shared_ptr<ProfileStore> store;
    Person self;

    Profile(Person me, const QByteArray &deviceList, quint32 device)
        : self(std::move(me))
    {
        store = std::make_shared<ProfileStore>(dir->filePath(QStringLiteral("profile")));
        if (!succeeded(take(store->create(passphrase(), crypto::VaultParameters::minimum())))) {
            qFatal("cannot create a profile");
        }
        OwnIdentityRecord identity;
        identity.address = self.address;
        identity.deviceId = device;
        identity.accountSeed = crypto::WipedBytes(self.key().seed());
        const auto deviceKeys = self.account->createDevice(crypto::DeviceId{device});
        identity.deviceSigningSeed = crypto::WipedBytes(deviceKeys.signingKey().seed());
        identity.deviceIdentityKey = crypto::WipedBytes(deviceKeys.identityKey().privateKey());
        identity.deviceCertificate = QByteArrayLiteral("certificate");
        identity.deviceListCounter = 2;
        identity.deviceList = deviceList;
        if (!succeeded(take(store->run([identity](StoreContext &context) {
                return IdentityTable(context).save(identity);
            })))) {
            qFatal("cannot save the identity");
        }
    }

    GroupUpdate receive(const QByteArray &bytes)
    {
        const QString address = self.address;
        const QByteArray key = self.publicKey();
        return valueOf(take(store->run([=](StoreContext &context) {
            return storeGroupChange(context, bytes, address, key, 1000);
        })));
    }

    std::optional<GroupState> group(const QByteArray &id)
    {
        return valueOf(
            take(store->run([id](StoreContext &context) { return loadGroup(context, id); })));
    }
};

} // namespace

class TestGroupDevices : public QObject
{
    Q_OBJECT

private slots:
    void layoutCarriesTheListOnlyForDevices();
    void aMemberReplacesItsOwnDevices();
    void forgedAndStaleDeviceChangesAreRejected();
    void devicesConvergeWithConcurrentChanges();
    void storeMakesAndAnnouncesOurDevices();

private:
    Person m_alice = person("alice");
    Person m_bob = person("bob");
    Person m_carol = person("carol");
    Person m_dave = person("dave");
};

void TestGroupDevices::layoutCarriesTheListOnlyForDevices()
{
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const GroupState state = genesis.state();
    const QByteArray list = m_bob.deviceList(2, {3});
    const GroupChange change =
        next(state, GroupOp::Devices, m_bob, withDevices(state, m_bob.address, {3}), {}, list);
    // Round trip, and the list is in the signed bytes, before the signature.
    auto decoded = decodeGroupChange(change.encoded);
    QVERIFY(std::holds_alternative<GroupChange>(decoded));
    QCOMPARE(std::get<GroupChange>(decoded).deviceList, list);
    QCOMPARE(std::get<GroupChange>(decoded).op, GroupOp::Devices);
    QVERIFY(change.encoded.contains(list));
    // A devices change without a list, or another op with one, is Malformed to sign...
    GroupChange draft = change;
    draft.deviceList.clear();
    QCOMPARE(std::get<GroupError>(trySign(draft, m_bob)), GroupError::Malformed);
    draft = change;
    draft.op = GroupOp::Rename;
    QCOMPARE(std::get<GroupError>(trySign(draft, m_bob)), GroupError::Malformed);
    draft = change;
    draft.deviceList = QByteArray(int(crypto::kMaxDeviceListBytes) + 1, 'x');
    QCOMPARE(std::get<GroupError>(trySign(draft, m_bob)), GroupError::Malformed);
    // ...and to decode: every truncation, a trailing byte, an op past 0x07.
    for (qsizetype size = 0; size < change.encoded.size(); size += 7) {
        QVERIFY(std::holds_alternative<GroupError>(decodeGroupChange(change.encoded.left(size))));
    }
    QVERIFY(std::holds_alternative<GroupError>(decodeGroupChange(change.encoded + '\0')));
    QByteArray badOp = change.encoded;
    badOp[1 + 16 + 4 + 32] = char(0x08);
    QCOMPARE(std::get<GroupError>(decodeGroupChange(badOp)), GroupError::Malformed);
    // A zero-length list field.
    const qsizetype lengthAt = change.encoded.size() - 64 - list.size() - 2;
    QByteArray empty = change.encoded.left(lengthAt) + QByteArray(2, '\0') + change.signature;
    QCOMPARE(std::get<GroupError>(decodeGroupChange(empty)), GroupError::Malformed);
}

void TestGroupDevices::aMemberReplacesItsOwnDevices()
{
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const GroupState state = genesis.state();
    QCOMPARE(state.deviceListCounter(m_bob.address), quint64(0));
    // Bob, no admin, moved to device 3 (his old device 1 retired): counter 2.
    const GroupChange moved =
        next(state, GroupOp::Devices, m_bob, withDevices(state, m_bob.address, {3}), {},
             m_bob.deviceList(2, {3}));
    QVERIFY(!verifyGroupChange(state, moved));
    auto resolved = resolveGroup({genesis, moved});
    QVERIFY(resolved);
    QCOMPARE(resolved->epoch, 2u);
    QVERIFY(resolved->hasDevice(m_bob.address, 3));
    QVERIFY(!resolved->hasDevice(m_bob.address, 1));
    QVERIFY(resolved->hasDevice(m_carol.address, 1));
    QCOMPARE(resolved->deviceListCounter(m_bob.address), quint64(2));
    // The counter carries over other ops while bob stays; the same ids under a newer list
    // (a device's keys changed) are a valid change too.
    const GroupChange rename =
        next(*resolved, GroupOp::Rename, m_alice, resolved->members, QStringLiteral("Climbers"));
    const GroupChange rekeyed = next(rename.state(), GroupOp::Devices, m_bob, resolved->members, {},
                                     m_bob.deviceList(3, {3}));
    resolved = resolveGroup({rekeyed, genesis, rename, moved});
    QVERIFY(resolved);
    QCOMPARE(resolved->epoch, 4u);
    QCOMPARE(resolved->name, QStringLiteral("Climbers"));
    QCOMPARE(resolved->deviceListCounter(m_bob.address), quint64(3));
    // Removed and added again, a member starts over at 0.
    const GroupChange removal =
        next(*resolved, GroupOp::Remove, m_alice, {m_alice.member(true), m_carol.member()});
    const GroupChange readd = next(removal.state(), GroupOp::Add, m_alice,
                                   {m_alice.member(true), m_bob.member(), m_carol.member()});
    resolved = resolveGroup({genesis, moved, rename, rekeyed, removal, readd});
    QCOMPARE(resolved->epoch, 6u);
    QCOMPARE(resolved->deviceListCounter(m_bob.address), quint64(0));
}

void TestGroupDevices::forgedAndStaleDeviceChangesAreRejected()
{
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const GroupState state = genesis.state();
    const auto bobOn3 = withDevices(state, m_bob.address, {3});
    const auto verdict = [&](const GroupChange &change) {
        return verifyGroupChange(state, change);
    };
    // Carol, a member, cannot change bob's devices: not with her own list...
    QCOMPARE(
        verdict(next(state, GroupOp::Devices, m_carol, bobOn3, {}, m_carol.deviceList(2, {1}))),
        Verdict(GroupError::InvalidChange));
    // ...nor with bob's list in a change she signs as herself (bob's list is not hers)...
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_carol, bobOn3, {}, m_bob.deviceList(2, {3}))),
             Verdict(GroupError::BadDeviceList));
    // ...nor in bob's name with her key.
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_carol, bobOn3, {}, m_bob.deviceList(2, {3}),
                          m_bob.address)),
             Verdict(GroupError::BadSignature));
    // Alice, an admin, cannot either, and no other op changes a member's devices.
    QCOMPARE(
        verdict(next(state, GroupOp::Devices, m_alice, bobOn3, {}, m_alice.deviceList(2, {1}))),
        Verdict(GroupError::InvalidChange));
    QCOMPARE(verdict(next(state, GroupOp::Rename, m_alice, bobOn3, QStringLiteral("Climbers"))),
             Verdict(GroupError::InvalidChange));
    // Dave, no member, cannot sign one at all, not even for himself.
    auto withDave = state.members;
    withDave.push_back(m_dave.member(false, {2}));
    QCOMPARE(
        verdict(next(state, GroupOp::Devices, m_dave, withDave, {}, m_dave.deviceList(2, {2}))),
        Verdict(GroupError::NotMember));
    // Bob's change with a list for bob's address but signed by carol's key: BadDeviceList.
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_bob, bobOn3, {},
                          m_bob.deviceList(2, {3}, &m_carol))),
             Verdict(GroupError::BadDeviceList));
    // Devices other than the list's, another member's too, or a new name: InvalidChange.
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_bob, withDevices(state, m_bob.address, {3, 4}),
                          {}, m_bob.deviceList(2, {3}))),
             Verdict(GroupError::InvalidChange));
    auto alsoCarol = bobOn3;
    for (GroupMember &member : alsoCarol) {
        if (member.address == m_carol.address) {
            member.devices = {5};
        }
    }
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_bob, alsoCarol, {}, m_bob.deviceList(2, {3}))),
             Verdict(GroupError::InvalidChange));
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_bob, bobOn3, QStringLiteral("Mine"),
                          m_bob.deviceList(2, {3}))),
             Verdict(GroupError::InvalidChange));
    // A list that is not a list.
    QCOMPARE(verdict(next(state, GroupOp::Devices, m_bob, bobOn3, {}, QByteArray(40, '\x01'))),
             Verdict(GroupError::BadDeviceList));
    // Counters: after bob's list 5, neither list 4 nor list 5 again (a retired device that
    // still holds an old list cannot come back); list 6 can.
    const GroupChange five =
        next(state, GroupOp::Devices, m_bob, bobOn3, {}, m_bob.deviceList(5, {3}));
    QVERIFY(!verdict(five));
    const GroupState after = resolveGroup({genesis, five}).value();
    const auto backTo1 = withDevices(after, m_bob.address, {1});
    QCOMPARE(verifyGroupChange(after, next(after, GroupOp::Devices, m_bob, backTo1, {},
                                           m_bob.deviceList(4, {1}))),
             Verdict(GroupError::StaleDeviceList));
    QCOMPARE(verifyGroupChange(after, next(after, GroupOp::Devices, m_bob, backTo1, {},
                                           m_bob.deviceList(5, {1}))),
             Verdict(GroupError::StaleDeviceList));
    QCOMPARE(verifyGroupChange(after, next(after, GroupOp::Devices, m_bob, backTo1, {},
                                           m_bob.deviceList(6, {1}))),
             Verdict());
    // A stale change is ignored by the resolution too (the chain stays at epoch 2).
    const GroupChange stale =
        next(after, GroupOp::Devices, m_bob, backTo1, {}, m_bob.deviceList(4, {1}));
    QCOMPARE(resolveGroup({stale, genesis, five})->head, five.digest());
}

void TestGroupDevices::devicesConvergeWithConcurrentChanges()
{
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    const GroupState state = genesis.state();
    // At epoch 2: bob's devices change and alice's concurrent removal of carol.
    const GroupChange moved =
        next(state, GroupOp::Devices, m_bob, withDevices(state, m_bob.address, {3}), {},
             m_bob.deviceList(2, {3}));
    const GroupChange removal =
        next(state, GroupOp::Remove, m_alice, {m_alice.member(true), m_bob.member()});
    const bool movedWins = moved.digest() < removal.digest();
    std::vector<GroupChange> changes{genesis, moved, removal};
    std::sort(changes.begin(), changes.end(),
              [](const GroupChange &a, const GroupChange &b) { return a.digest() < b.digest(); });
    std::optional<GroupState> first;
    do {
        const auto resolved = resolveGroup(changes);
        QVERIFY(resolved);
        QCOMPARE(resolved->head, movedWins ? moved.digest() : removal.digest());
        QCOMPARE(resolved->deviceListCounter(m_bob.address), quint64(movedWins ? 2 : 0));
        if (first) {
            QCOMPARE(resolved->members, first->members);
        }
        first = resolved;
    } while (std::next_permutation(
        changes.begin(), changes.end(),
        [](const GroupChange &a, const GroupChange &b) { return a.digest() < b.digest(); }));
    // The loser makes its change again on the winner; then both are in, in every order.
    const GroupState won = movedWins ? moved.state() : removal.state();
    const GroupChange again =
        movedWins ? next(resolveGroup({genesis, moved}).value(), GroupOp::Remove, m_alice,
                         {m_alice.member(true), m_bob.member(false, {3})})
                  : next(won, GroupOp::Devices, m_bob, withDevices(won, m_bob.address, {3}), {},
                         m_bob.deviceList(2, {3}));
    changes.push_back(again);
    const auto resolved = resolveGroup(changes);
    QCOMPARE(resolved->epoch, 3u);
    QCOMPARE(resolved->members.size(), std::size_t(2));
    QVERIFY(resolved->hasDevice(m_bob.address, 3));
    QVERIFY(!resolved->hasDevice(m_bob.address, 1));
    QVERIFY(!resolved->member(m_carol.address));
    QCOMPARE(resolved->deviceListCounter(m_bob.address), quint64(2));
}

void TestGroupDevices::storeMakesAndAnnouncesOurDevices()
{
    // Bob's profile after a move: device 4 of a list with counter 2 that names devices 4 and 9.
    Profile bob(m_bob, m_bob.deviceList(2, {4, 9}), 4);
    const GroupChange genesis = create(m_alice, {m_bob.member(), m_carol.member()});
    QCOMPARE(bob.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(bob.group(genesis.groupId)->member(m_bob.address)->devices, (std::vector<quint32>{1}));

    // announceOwnDevices makes the devices change; no member has a session here (unreached).
    const auto device = m_bob.account->createDevice(crypto::DeviceId{4});
    auto announced = valueOf(take(bob.store->run(
        [&device](StoreContext &context) { return announceOwnDevices(context, device, 2000); })));
    QCOMPARE(announced.size(), std::size_t(1));
    const MadeGroupChange made = announced.front().made;
    QCOMPARE(made.change.op, GroupOp::Devices);
    QCOMPARE(made.update.outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(made.recipients, (QStringList{m_alice.address, m_carol.address}));
    QCOMPARE(announced.front().unreached, (QStringList{m_alice.address, m_carol.address}));
    QCOMPARE(bob.group(genesis.groupId)->member(m_bob.address)->devices,
             (std::vector<quint32>{4, 9}));

    // Alice, an admin who did not make it, accepts it: bob's new devices are member devices.
    Profile alice(m_alice, m_alice.deviceList(1, {1}), 1);
    QCOMPARE(alice.receive(genesis.encoded).outcome, GroupUpdate::Outcome::Applied);
    QCOMPARE(alice.receive(made.change.encoded).outcome, GroupUpdate::Outcome::Applied);
    const auto seen = alice.group(genesis.groupId);
    QVERIFY(seen->hasDevice(m_bob.address, 4));
    QVERIFY(seen->hasDevice(m_bob.address, 9));
    QVERIFY(!seen->hasDevice(m_bob.address, 1));
    // A forgery in bob's name by carol is refused and leaves nothing behind.
    const GroupChange forged =
        next(*seen, GroupOp::Devices, m_carol, withDevices(*seen, m_bob.address, {1}), {},
             m_bob.deviceList(3, {1}), m_bob.address);
    const auto refused = alice.receive(forged.encoded);
    QCOMPARE(refused.outcome, GroupUpdate::Outcome::Rejected);
    QCOMPARE(refused.error, Verdict(GroupError::BadSignature));
    QCOMPARE(alice.group(genesis.groupId)->head, made.change.digest());

    // Nothing more to announce: the group lists our devices now.
    announced = valueOf(take(bob.store->run(
        [&device](StoreContext &context) { return announceOwnDevices(context, device, 3000); })));
    QVERIFY(announced.empty());
    // Made explicitly again with the same list, the rules refuse it (StaleDeviceList).
    const QByteArray id = genesis.groupId;
    auto again = take(bob.store->run([this, id](StoreContext &context) {
        return makeGroupChange(context, m_bob.key(), m_bob.address, 4,
                               {GroupOp::Devices, id, {}, {}}, 3000);
    }));
    QVERIFY(std::holds_alternative<StoreError>(again));
    QCOMPARE(std::get<StoreError>(again).detail,
             QString::fromLatin1(describe(GroupError::StaleDeviceList)));
    QCOMPARE(bob.group(id)->epoch, 2u);
}

QTEST_GUILESS_MAIN(TestGroupDevices)
#include "tst_groupdevices.moc"
