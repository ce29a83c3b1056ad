// GroupViewModel (core/viewmodels/groupviewmodel.h), the model behind the app's "New group" and
// "Group info" dialogs, over the real relay binary with three in-process clients: a group made
// with create() is seen by every member's view model (name, members, admins, isMember,
// isAdmin); each command ends with done() or with a sentence in errorText — and only on the view
// model that ran it: two view models of alice's on the same group run a failing and a
// succeeding command at the same moment, and each gets its own answer (SessionManager's
// groupChangeFailed() names the group and the request); a command the rules refuse (bob is no
// admin) changes nothing anywhere; rename, add, make admin and leave reach the other members'
// view models through the relay.

#include "core/models/contactlistmodel.h"
#include "core/session/grouppipeline.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"
#include "core/viewmodels/groupviewmodel.h"
#include "support/crossthreadspy.h"
#include "support/e2eclient.h"
#include "support/relayprocess.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <map>
#include <memory>

using namespace parley;
using parley::test::CrossThreadSpy;
using parley::test::RelayProcess;
using Client = parley::test::E2eClient;
using core::GroupViewModel;

namespace {

constexpr int kTimeoutMs = 30'000;

} // namespace

class TestE2eGroupViewModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void createSeenByEveryMember();
    void eachCommandGetsItsOwnAnswer();
    void refusedCommandChangesNothing();
    void changesReachTheOtherMembers();
    void cleanupTestCase();

private:
    QString address(const QString &name) const
    {
        return QStringLiteral("%1@127.0.0.1:%2").arg(name).arg(m_relay.port());
    }
    Client &client(const QString &name) { return *m_clients.at(name); }
    std::unique_ptr<GroupViewModel> viewOf(const QString &name, const QString &key)
    {
        return std::make_unique<GroupViewModel>(client(name).store(), client(name).sessions, key);
    }

    QTemporaryDir m_dir;
    RelayProcess m_relay;
    std::map<QString, std::unique_ptr<Client>> m_clients;
    QString m_key; // the group alice made ("Hikers": alice, bob)
};

void TestE2eGroupViewModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString error = m_relay.start(m_dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QStringList names = {QStringLiteral("alice"), QStringLiteral("bob"),
                               QStringLiteral("carol")};
    for (const QString &name : names) {
        m_clients[name] = std::make_unique<Client>(m_dir.filePath(name));
        m_clients[name]->create(name, m_relay.url());
    }
    QVERIFY(QTest::qWaitFor(
        [&] {
            return std::all_of(m_clients.begin(), m_clients.end(), [](const auto &entry) {
                return entry.second->connection.state() == core::ConnectionStatus::State::Connected;
            });
        },
        kTimeoutMs));
    // Members of a group are each other's contacts (sessions carry the changes, M1 §9).
    for (const QString &name : names) {
        for (const QString &other : names) {
            if (other != name) {
                QVERIFY(client(name).addContact(other, kTimeoutMs));
            }
        }
    }
}

void TestE2eGroupViewModel::cleanupTestCase()
{
    m_clients.clear();
}

void TestE2eGroupViewModel::createSeenByEveryMember()
{
    GroupViewModel alice(client(QStringLiteral("alice")).store(),
                         client(QStringLiteral("alice")).sessions);
    QVERIFY(alice.groupId().isEmpty());
    QVERIFY(alice.groupKey().isEmpty());
    // The contacts to choose from are alice's contacts.
    QTRY_COMPARE_WITH_TIMEOUT(alice.contacts()->rowCount(), 2, kTimeoutMs);
    QTRY_COMPARE(alice.selfAddress(), address(QStringLiteral("alice")));

    // Refused before anything is sent: nobody to add.
    QVERIFY(!alice.create(QStringLiteral("Nobody"), {}));
    QVERIFY(!alice.errorText().isEmpty());
    QVERIFY(!alice.isBusy());

    QSignalSpy created(&alice, &GroupViewModel::created);
    QSignalSpy done(&alice, &GroupViewModel::done);
    QVERIFY(alice.create(QStringLiteral("  Hikers "), {address(QStringLiteral("bob"))}));
    QVERIFY(alice.isBusy());
    QVERIFY(alice.errorText().isEmpty()); // the earlier sentence is cleared
    QVERIFY(!alice.create(QStringLiteral("Twice"), {address(QStringLiteral("bob"))})); // busy
    QVERIFY(created.wait(kTimeoutMs));
    QCOMPARE(done.count(), 1);
    QVERIFY(!alice.isBusy());
    m_key = created.first().at(0).toString();
    QCOMPARE(m_key, alice.groupKey());
    QCOMPARE(alice.groupId().size(), 32);
    QCOMPARE(core::groupConversationKey(QByteArray::fromHex(alice.groupId().toLatin1())), m_key);
    QCOMPARE(alice.name(), QStringLiteral("Hikers"));
    QStringList members = {address(QStringLiteral("alice")), address(QStringLiteral("bob"))};
    std::sort(members.begin(), members.end());
    QCOMPARE(alice.members(), members);
    QCOMPARE(alice.admins(), QStringList{address(QStringLiteral("alice"))});
    QVERIFY(alice.isMember());
    QVERIFY(alice.isAdmin());
    QVERIFY(alice.errorText().isEmpty());
    // A group exists: create() again is refused.
    QVERIFY(!alice.create(QStringLiteral("Again"), {address(QStringLiteral("bob"))}));

    // Bob's view model reads the group his client received through the relay.
    CrossThreadSpy bobChanged(client(QStringLiteral("bob")).sessions,
                              &core::SessionManager::groupChanged);
    QVERIFY(bobChanged.waitForCount(1, kTimeoutMs));
    auto bob = viewOf(QStringLiteral("bob"), m_key);
    QTRY_COMPARE_WITH_TIMEOUT(bob->name(), QStringLiteral("Hikers"), kTimeoutMs);
    QCOMPARE(bob->members(), members);
    QVERIFY(bob->isMember());
    QTRY_VERIFY(!bob->selfAddress().isEmpty());
    QVERIFY(!bob->isAdmin());
    QCOMPARE(bob->displayNameOf(address(QStringLiteral("bob"))), GroupViewModel::tr("You"));
    QCOMPARE(bob->displayNameOf(QStringLiteral("zoe@elsewhere.example")), QStringLiteral("zoe"));
    // Carol is not in it: her view model on the key shows no membership.
    auto carol = viewOf(QStringLiteral("carol"), m_key);
    QTRY_VERIFY(!carol->selfAddress().isEmpty());
    QVERIFY(!carol->isMember());
    QVERIFY(carol->members().isEmpty());
}

void TestE2eGroupViewModel::eachCommandGetsItsOwnAnswer()
{
    QVERIFY(!m_key.isEmpty());
    // Two view models on alice's group (two dialogs) start at the same moment: one command the
    // rules refuse (carol is no member) and one that is applied. The refusal names the group
    // and the request it answers, so each view model gets its own answer.
    auto first = viewOf(QStringLiteral("alice"), m_key);
    auto second = viewOf(QStringLiteral("alice"), m_key);
    QTRY_VERIFY_WITH_TIMEOUT(first->isAdmin() && second->isAdmin(), kTimeoutMs);
    CrossThreadSpy failed(client(QStringLiteral("alice")).sessions,
                          &core::SessionManager::groupChangeFailed);
    QSignalSpy firstDone(first.get(), &GroupViewModel::done);
    QSignalSpy secondDone(second.get(), &GroupViewModel::done);
    QVERIFY(first->removeMember(address(QStringLiteral("carol"))));
    QVERIFY(second->rename(QStringLiteral("Hikers and friends")));
    QVERIFY(secondDone.wait(kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(!first->isBusy(), kTimeoutMs);
    QVERIFY2(first->errorText().contains(address(QStringLiteral("carol"))),
             qPrintable(first->errorText()));
    QCOMPARE(firstDone.count(), 0);
    QVERIFY2(second->errorText().isEmpty(), qPrintable(second->errorText()));
    QCOMPARE(second->name(), QStringLiteral("Hikers and friends"));
    QTRY_COMPARE(first->name(), QStringLiteral("Hikers and friends")); // it follows the group
    // The SessionManager's failure says which group (and whose request).
    QVERIFY(failed.waitForCount(1, kTimeoutMs));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.first().at(1).toString(), m_key);
    QVERIFY(!failed.first().at(0).toString().isEmpty());
    first->clearError();
    QVERIFY(first->errorText().isEmpty());
}

void TestE2eGroupViewModel::refusedCommandChangesNothing()
{
    QVERIFY(!m_key.isEmpty());
    auto bob = viewOf(QStringLiteral("bob"), m_key);
    auto alice = viewOf(QStringLiteral("alice"), m_key);
    QTRY_COMPARE_WITH_TIMEOUT(bob->name(), QStringLiteral("Hikers and friends"), kTimeoutMs);
    QTRY_VERIFY(alice->isAdmin());
    const QStringList members = bob->members();
    // Bob is no admin: his rename and his adding carol are refused by his own core.
    QVERIFY(bob->rename(QStringLiteral("Bob's group")));
    QTRY_VERIFY_WITH_TIMEOUT(!bob->isBusy(), kTimeoutMs);
    QVERIFY(!bob->errorText().isEmpty());
    QVERIFY(alice->errorText().isEmpty());
    QVERIFY(bob->addMembers({address(QStringLiteral("carol"))}));
    QTRY_VERIFY_WITH_TIMEOUT(!bob->isBusy(), kTimeoutMs);
    QVERIFY(!bob->errorText().isEmpty());
    QCOMPARE(bob->name(), QStringLiteral("Hikers and friends"));
    QCOMPARE(bob->members(), members);
    QCOMPARE(alice->name(), QStringLiteral("Hikers and friends"));
    QCOMPARE(alice->members(), members);
    // Nothing to rename to: not even started.
    QVERIFY(!alice->rename(QStringLiteral("Hikers and friends")));
    QVERIFY(!alice->addMembers({}));
    QVERIFY(!alice->errorText().isEmpty());
}

void TestE2eGroupViewModel::changesReachTheOtherMembers()
{
    QVERIFY(!m_key.isEmpty());
    auto alice = viewOf(QStringLiteral("alice"), m_key);
    auto bob = viewOf(QStringLiteral("bob"), m_key);
    auto carol = viewOf(QStringLiteral("carol"), m_key);
    QTRY_VERIFY_WITH_TIMEOUT(alice->isAdmin() && bob->isMember(), kTimeoutMs);
    QTRY_VERIFY(!carol->selfAddress().isEmpty());
    QVERIFY(!carol->isMember());
    const QString carolAddress = address(QStringLiteral("carol"));
    const QString bobAddress = address(QStringLiteral("bob"));

    QSignalSpy aliceDone(alice.get(), &GroupViewModel::done);
    QVERIFY(alice->addMembers({carolAddress}));
    QVERIFY(aliceDone.wait(kTimeoutMs));
    QVERIFY(alice->members().contains(carolAddress));
    QTRY_VERIFY_WITH_TIMEOUT(bob->members().contains(carolAddress), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(carol->isMember(), kTimeoutMs);
    QCOMPARE(carol->name(), QStringLiteral("Hikers and friends"));

    QVERIFY(alice->makeAdmin(bobAddress));
    QVERIFY(aliceDone.wait(kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(bob->isAdmin(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(carol->admins().contains(bobAddress), kTimeoutMs);

    // Bob, an admin now, renames; then he leaves.
    QSignalSpy bobDone(bob.get(), &GroupViewModel::done);
    QVERIFY(bob->rename(QStringLiteral("Climbers")));
    QVERIFY(bobDone.wait(kTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(alice->name(), QStringLiteral("Climbers"), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(carol->name(), QStringLiteral("Climbers"), kTimeoutMs);
    QVERIFY(bob->leave());
    QVERIFY(bobDone.wait(kTimeoutMs));
    QVERIFY(!bob->isMember());
    QVERIFY(!bob->isAdmin());
    QTRY_VERIFY_WITH_TIMEOUT(!alice->members().contains(bobAddress), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!carol->members().contains(bobAddress), kTimeoutMs);
    // A member who left can change nothing.
    QVERIFY(bob->rename(QStringLiteral("Mine")));
    QTRY_VERIFY_WITH_TIMEOUT(!bob->isBusy(), kTimeoutMs);
    QVERIFY(!bob->errorText().isEmpty());
    QCOMPARE(alice->name(), QStringLiteral("Climbers"));
}

QTEST_GUILESS_MAIN(TestE2eGroupViewModel)
#include "tst_e2e_groupviewmodel.moc"
