// Groups through a profile archive (docs/protocol.md B3): a group's resolved chain — a change
// signed by a member who is no contact, a branch that lost left behind — and its conversation
// (texts of several members, one id used by two of them, an edit with its versions, a reply
// that names its quote's author, a tombstone, members' reactions, a member's file (M1 §9.10),
// the event rows) arrive in
// the new profile as they were, without a second event row per change; the new device is not
// listed in the group until an admin lists it (M1 §9.7). Bad group records — a chain out of
// order, a forged change, a conversation without its group, an author who is no address, an
// event that is none — are refused with nothing left behind. B2 archives still import.

#include "archivetesthelpers.h"
#include "core/session/groupchange.h"
#include "core/session/groupevent.h"
#include "core/session/grouppipeline.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/grouptable.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/reactiontable.h"
#include "crypto/signingkeypair.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;

namespace {

const QString kAlice = QStringLiteral("alice@127.0.0.1:7683");
const QString kCarol = QStringLiteral("carol@127.0.0.1:7683");
const QString kDave = QStringLiteral("dave@127.0.0.1:7683"); // a member, no contact

QByteArray id16(char c, int i)
{
    return QByteArray(12, c) + QByteArray::number(i).rightJustified(4, '0');
}

struct Person
{
    QString address;
    std::shared_ptr<const crypto::SigningKeyPair> key;

    QByteArray publicKey() const { return bytesOf(key->publicKey()); }
    GroupMember member(bool admin = false) const
    {
        return GroupMember{address, publicKey(), {1}, admin};
    }
};

Person person(const QString &address)
{
    return {address,
            std::make_shared<const crypto::SigningKeyPair>(crypto::SigningKeyPair::generate())};
}

// `draft` on top of `parent` (none: a create), signed by `signer`.
GroupChange change(GroupChange draft, const std::optional<GroupChange> &parent,
                   const Person &signer)
{
    if (parent) {
        draft.groupId = parent->groupId;
        draft.epoch = parent->epoch + 1;
        draft.parent = parent->digest();
    }
    draft.signer = signer.address;
    std::sort(draft.members.begin(), draft.members.end(),
              [](const GroupMember &a, const GroupMember &b) {
                  return a.address.toUtf8() < b.address.toUtf8();
              });
    auto made = signGroupChange(std::move(draft), *signer.key);
    if (const auto *error = std::get_if<GroupError>(&made)) {
        qFatal("signGroupChange: %s", describe(*error));
    }
    return std::get<GroupChange>(std::move(made));
}

// What a test compares of a row: everything B3 §2.2 carries.
QString describeRow(const MessageRecord &row)
{
    const QString *text = std::get_if<QString>(&row.body);
    return QStringList{QString::number(int(row.direction)),
                       QString::number(int(row.state)),
                       QString::fromLatin1(row.clientMessageId.toHex()),
                       row.author,
                       QString::number(row.authorDevice),
                       QString::number(row.sentAt),
                       QString::fromLatin1(row.replyTo.toHex()),
                       row.replyToAuthor,
                       text != nullptr ? *text : QStringLiteral("<undecryptable>"),
                       QString::number(int(row.deleted)),
                       QString::fromLatin1(row.editId.toHex()),
                       QString::fromUtf8(row.groupEvent)}
        .join(QLatin1Char('|'));
}

struct GroupView
{
    std::optional<GroupState> state;
    std::vector<QByteArray> chain;
    qint64 storedChanges = 0;
    QStringList rows;
    QStringList versions;  // of the edited row
    QStringList reactions; // "row:member:emoji"
    QStringList files;     // "row:name:size:caption:key(hex)" (M1 §9.10)
    bool listed = false;   // the group's conversation is in the list
    QString timer;         // "seconds sent_at change id" (M1 §9.9)
};

StoreResult<GroupView> viewGroup(StoreContext &context, const QByteArray &groupId)
{
    GroupView view;
    view.state = valueOf(loadGroup(context, groupId));
    view.chain = valueOf(chainOf(context, groupId));
    GroupTable groups(context);
    if (const auto row = valueOf(groups.find(groupId))) {
        view.storedChanges = valueOf(groups.changeCount(*row));
    }
    const auto conversation =
        valueOf(ConversationTable(context).findByAddress(groupConversationKey(groupId)));
    if (!conversation) {
        return view;
    }
    const ConversationTimer timer = valueOf(ConversationTable(context).timer(*conversation));
    view.timer = QStringLiteral("%1 %2 %3")
                     .arg(timer.seconds)
                     .arg(timer.sentAt)
                     .arg(QString::fromLatin1(timer.changeId.toHex()));
    const auto rows = valueOf(MessageTable(context).pageAfter(*conversation, MessageId{}, 100));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        view.rows << describeRow(rows[i]);
        if (rows[i].isEdited()) {
            for (const MessageVersion &version : valueOf(MessageVersionTable(context).forMessage(
                     rows[i].id, rows[i].clientMessageId))) {
                view.versions << QString::fromLatin1(version.versionId.toHex()) + version.body;
            }
        }
        for (const ReactionRecord &reaction :
             valueOf(ReactionTable(context).forMessage(rows[i].id))) {
            view.reactions
                << QStringLiteral("%1:%2:%3").arg(i).arg(reaction.member, reaction.emoji);
        }
        if (const auto file = valueOf(AttachmentTable(context).find(rows[i].id))) {
            view.files << QStringLiteral("%1:%2:%3:%4:%5")
                              .arg(i)
                              .arg(file->ref.fileName)
                              .arg(file->ref.size)
                              .arg(file->caption, QString::fromLatin1(file->ref.key.toHex()));
        }
    }
    for (const ConversationSummary &summary : valueOf(ConversationTable(context).summaries())) {
        view.listed = view.listed || summary.groupId == groupId;
    }
    return view;
}

} // namespace

class TestArchiveGroups : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void groupsTravel();
    void badGroupRecordsLeaveNothing_data();
    void badGroupRecordsLeaveNothing();
    void aKeyAcceptedSinceTheCreateStillImports();
    void b2ArchivesStillImport();

private:
    // An archive of alice's Account record, carol's Contact record and `records`.
    QString writeArchive(ArchiveRecords records,
                         crypto::Byte version = crypto::kArchiveFormatVersion);
    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<ProfileStore> m_store;
    ArchiveAccount m_account{kAlice};
    Person m_alice{kAlice, std::make_shared<const crypto::SigningKeyPair>(
                               *crypto::SigningKeyPair::fromSeed(m_account.account.key().seed()))};
    Person m_carol = person(kCarol);
    Person m_dave = person(kDave);
    // The create of another group of alice's, alone.
    GroupChange otherGroup() const
    {
        GroupChange other;
        other.op = GroupOp::Create;
        other.parent = QByteArray(32, '\x21');
        other.groupId = groupIdFor(m_alice.publicKey(), other.parent);
        other.name = QStringLiteral("Other");
        other.members = {m_alice.member(true)};
        return change(other, std::nullopt, m_alice);
    }
    std::vector<GroupChange> m_chain; // the resolved chain, epoch 1 first
    GroupChange m_lost;               // a change on a branch that lost
};

void TestArchiveGroups::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_shared<ProfileStore>(m_dir->filePath(QStringLiteral("original")));
    QVERIFY(succeeded(take(m_store->create(passphrase(), crypto::VaultParameters::minimum()))));
    const OwnIdentityRecord identity = m_account.identity;

    // Alice creates the group, makes dave an admin; dave renames it while alice renames it
    // too — alice ranks higher, so dave's rename loses and stays behind — then dave renames
    // on top of alice's.
    GroupChange create;
    create.op = GroupOp::Create;
    create.parent = QByteArray(32, '\x73');
    create.groupId = groupIdFor(m_alice.publicKey(), create.parent);
    create.name = QStringLiteral("Hikers");
    create.members = {m_alice.member(true), m_carol.member(), m_dave.member()};
    m_chain = {change(create, std::nullopt, m_alice)};
    GroupChange grant;
    grant.op = GroupOp::GrantAdmin;
    grant.name = create.name;
    grant.members = {m_alice.member(true), m_carol.member(), m_dave.member(true)};
    m_chain.push_back(change(grant, m_chain.back(), m_alice));
    GroupChange rename = grant;
    rename.op = GroupOp::Rename;
    rename.name = QStringLiteral("Dave's");
    m_lost = change(rename, m_chain.back(), m_dave);
    rename.name = QStringLiteral("Hikers ⛰");
    m_chain.push_back(change(rename, m_chain.back(), m_alice));
    rename.name = QStringLiteral("Hikers ⛰ 2026");
    m_chain.push_back(change(rename, m_chain.back(), m_dave));

    const Person carol = m_carol;
    const std::vector<QByteArray> received = {m_chain[0].encoded, m_chain[1].encoded,
                                              m_lost.encoded, m_chain[2].encoded,
                                              m_chain[3].encoded};
    const QByteArray aliceKey = m_alice.publicKey();
    const QByteArray groupId = create.groupId;
    auto stored = take(m_store->run([=](StoreContext &context) -> StoreStatus {
        return context.transaction([&]() -> StoreStatus {
            if (auto saved = IdentityTable(context).save(identity);
                std::holds_alternative<StoreError>(saved)) {
                return saved;
            }
            ContactRecord contact;
            contact.address = kCarol;
            contact.accountKey = carol.publicKey();
            contact.createdAt = 1000;
            const ContactId carolId = valueOf(ContactTable(context).put(contact));
            // A 1:1 row beside the group.
            MessageRecord direct;
            direct.conversation = valueOf(ConversationTable(context).forContact(carolId, 1000));
            direct.clientMessageId = id16('d', 0);
            direct.body = QStringLiteral("just us");
            valueOf(MessageTable(context).append(direct));
            // The chain as it arrived, with its event rows (storeGroupChange).
            for (const QByteArray &bytes : received) {
                const GroupUpdate update =
                    valueOf(storeGroupChange(context, bytes, kAlice, aliceKey, 2000, kDave));
                if (update.outcome != GroupUpdate::Outcome::Applied &&
                    update.outcome != GroupUpdate::Outcome::Superseded) {
                    return StoreError{StoreError::Code::DatabaseFailed, "change refused"};
                }
            }
            const ConversationId conversation =
                valueOf(ConversationTable(context).forGroup(groupId, 2000));
            MessageTable messages(context);
            const auto row = [&](int i, const QString &author, const QString &text) {
                MessageRecord message;
                message.conversation = conversation;
                message.direction = author.isEmpty() ? MessageRecord::Direction::Outgoing
                                                     : MessageRecord::Direction::Incoming;
                message.clientMessageId = id16('g', i);
                message.sentAt = 3000 + i;
                message.storedAt = 4000 + i;
                message.state =
                    author.isEmpty() ? MessageRecord::State::Sent : MessageRecord::State::Seen;
                message.author = author;
                message.authorDevice = author.isEmpty() ? 0 : 1;
                message.body = text;
                return message;
            };
            // 0: dave's, edited; 1: ours, with reactions; 2: carol's reply to dave's 0; 3:
            // dave's, deleted; 4: carol's with the id of dave's 0.
            MessageRecord edited = row(0, kDave, QStringLiteral("hi frm dave"));
            const MessageId m0 = valueOf(messages.append(edited));
            MessageVersionTable versions(context);
            valueOf(versions.add(m0, edited.clientMessageId, edited.sentAt,
                                 QStringLiteral("hi frm dave")));
            valueOf(versions.add(m0, id16('e', 0), 5000, QStringLiteral("hi from dave ✎")));
            if (auto set =
                    messages.setEdited(m0, QStringLiteral("hi from dave ✎"), id16('e', 0), 5000);
                std::holds_alternative<StoreError>(set)) {
                return set;
            }
            const MessageId m1 = valueOf(messages.append(row(1, {}, QStringLiteral("hello all"))));
            MessageRecord reply = row(2, kCarol, QStringLiteral("welcome, dave"));
            reply.replyTo = edited.clientMessageId;
            reply.replyToAuthor = kDave;
            valueOf(messages.append(reply));
            const MessageId m3 = valueOf(messages.append(row(3, kDave, QStringLiteral("oops"))));
            if (auto deleted = messages.setDeleted(m3);
                std::holds_alternative<StoreError>(deleted)) {
                return deleted;
            }
            MessageRecord same = row(4, kCarol, QStringLiteral("same id, other author"));
            same.clientMessageId = edited.clientMessageId;
            valueOf(messages.append(same));
            ReactionTable reactions(context);
            for (const ReactionRecord &reaction :
                 {ReactionRecord{0, m1, 0, kDave, id16('r', 0), 6000, QStringLiteral("👍")},
                  ReactionRecord{0, m1, 0, kCarol, id16('r', 1), 6001, QStringLiteral("🎉")},
                  ReactionRecord{0, m0, 0, QString(), id16('r', 2), 6002,
                                 QStringLiteral("❤️")}}) {
                if (auto put = reactions.put(reaction); std::holds_alternative<StoreError>(put)) {
                    return put;
                }
            }
            // Timer changes (M1 §9.9): dave's one hour is the later, so in effect; ours (five
            // minutes, sent earlier but arrived after) is a row that changed nothing.
            MessageRecord hour = row(5, kDave, QString());
            hour.sentAt = 7000;
            hour.timerChange = 3600;
            valueOf(messages.append(hour));
            MessageRecord minutes = row(6, {}, QString());
            minutes.sentAt = 6900;
            minutes.timerChange = 300;
            valueOf(messages.append(minutes));
            // 7: dave's file (M1 §9.10), not downloaded: its key travels, so the new device
            // can still fetch it from the relay.
            const MessageId m7 = valueOf(messages.append(row(7, kDave, QString())));
            AttachmentRecord file;
            file.message = m7;
            file.ref.blobId = QByteArray(32, '\xb1');
            file.ref.key = QByteArray(32, '\x4b');
            file.ref.digest = QByteArray(32, '\xd1');
            file.ref.size = 4096;
            file.ref.fileName = QStringLiteral("route.gpx");
            file.ref.mimeType = QStringLiteral("application/gpx+xml");
            file.caption = QStringLiteral("the route");
            valueOf(AttachmentTable(context).insert(file, 8000));
            return ConversationTable(context).setTimer(conversation,
                                                       {3600, 7000, hour.clientMessageId});
        });
    }));
    QVERIFY(succeeded(stored));
}

QString TestArchiveGroups::writeArchive(ArchiveRecords records, crypto::Byte version)
{
    ContactRecord carol;
    carol.address = kCarol;
    carol.accountKey = m_carol.publicKey();
    records.emplace(records.begin(), archive::kContact, archive::encodeContact(carol));
    return test::writeArchive(m_dir->filePath(QStringLiteral("written.archive")), m_account,
                              records, version);
}

void TestArchiveGroups::groupsTravel()
{
    const QByteArray groupId = m_chain.front().groupId;
    const GroupView before = valueOf(take(
        m_store->run([groupId](StoreContext &context) { return viewGroup(context, groupId); })));
    QVERIFY(before.state);
    QCOMPARE(before.state->name, QStringLiteral("Hikers ⛰ 2026"));
    QCOMPARE(before.storedChanges, qint64(5)); // the lost branch is held
    QVERIFY(before.rows.size() > 5);           // the texts and the changes' event rows

    const QString archive = m_dir->filePath(QStringLiteral("alice.archive"));
    const ArchiveOutcome exported = valueOf(take(ProfileArchiver::exportProfile(
        m_store, archive, ProfileStore::passphraseBytes(kArchivePassphrase),
        crypto::VaultParameters::minimum())));
    if (const auto *failure = std::get_if<ArchiveFailure>(&exported)) {
        QFAIL(qPrintable(failure->sentence));
    }
    QCOMPARE(std::get<ArchiveSummary>(exported).groups, 1);
    QCOMPARE(std::get<ArchiveSummary>(exported).messages, qint64(1 + before.rows.size()));
    const QByteArray sealed = readFile(archive);
    QCOMPARE(quint8(sealed[8]), quint8(0x03)); // B3
    QVERIFY(!sealed.contains("Hikers") && !sealed.contains("frm dave") &&
            !sealed.contains(m_chain[1].encoded));

    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(archive, target);
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        QFAIL(qPrintable(failure->sentence));
    }
    QCOMPARE(std::get<ArchiveSummary>(outcome).groups, 1);
    ProfileStore imported(target);
    QVERIFY(succeeded(take(imported.unlock(passphrase()))));
    const GroupView after = valueOf(take(
        imported.run([groupId](StoreContext &context) { return viewGroup(context, groupId); })));
    QVERIFY(after.state);
    QCOMPARE(after.state->epoch, 4u);
    QCOMPARE(after.state->head, before.state->head);
    QCOMPARE(after.state->name, before.state->name);
    QCOMPARE(after.state->members.size(), before.state->members.size());
    for (std::size_t i = 0; i < after.state->members.size(); ++i) {
        const GroupMember &was = before.state->members[i];
        const GroupMember &is = after.state->members[i];
        QCOMPARE(is.address, was.address);
        QCOMPARE(is.accountKey, was.accountKey);
        QCOMPARE(is.devices, was.devices);
        QCOMPARE(is.admin, was.admin);
    }
    QCOMPARE(after.chain, before.chain);
    QCOMPARE(after.storedChanges, qint64(4)); // the resolved chain only
    // Every row as it was, in its order: no second event row for a change.
    QCOMPARE(after.rows, before.rows);
    QCOMPARE(after.versions, before.versions);
    QCOMPARE(after.versions.size(), 2);
    QCOMPARE(after.reactions, before.reactions);
    QCOMPARE(after.reactions.size(), 3);
    QCOMPARE(after.files, before.files);
    QCOMPARE(after.files.size(), 1);
    QVERIFY(after.files.front().contains(QStringLiteral(":route.gpx:4096:the route:4b4b")));
    QVERIFY(after.listed);
    // The group's timer is its latest change's, as on the exporting device.
    QCOMPARE(before.timer,
             QStringLiteral("3600 7000 ") + QString::fromLatin1(id16('g', 5).toHex()));
    QCOMPARE(after.timer, before.timer);
    // The old device stays listed until an admin lists the new one (M1 §9.7).
    QVERIFY(after.state->hasDevice(kAlice, 1));
    QVERIFY(!after.state->hasDevice(kAlice, 2));
}

void TestArchiveGroups::badGroupRecordsLeaveNothing_data()
{
    QTest::addColumn<int>("fault");
    QTest::newRow("well formed (imports)") << -1;
    QTest::newRow("a change before its parent") << 0;
    QTest::newRow("a forged change") << 1;
    QTest::newRow("a branch that lost") << 2;
    QTest::newRow("a change of another group") << 3;
    QTest::newRow("a group without changes") << 4;
    QTest::newRow("a conversation without its group") << 5;
    QTest::newRow("a group's conversation twice") << 6;
    QTest::newRow("an author who is no address") << 7;
    QTest::newRow("an event that is none") << 8;
    QTest::newRow("an outgoing row with an author") << 9;
    QTest::newRow("a timer row of an author the chain never listed") << 10;
    QTest::newRow("our reaction under our address") << 11;
    QTest::newRow("a contact after a group") << 12;
    QTest::newRow("group counts do not match") << 13;
    QTest::newRow("a group event in a 1:1 conversation") << 14;
    QTest::newRow("a group after a conversation") << 15;
    QTest::newRow("a change after its group's conversation") << 16;
    QTest::newRow("a group twice") << 17;
    QTest::newRow("an outgoing event row") << 18;
    QTest::newRow("an author the chain never listed") << 19;
    QTest::newRow("a quote of an author the chain never listed") << 20;
    QTest::newRow("our address under another key") << 21;
}

void TestArchiveGroups::badGroupRecordsLeaveNothing()
{
    QFETCH(int, fault);
    ArchiveRecords records;
    archive::EndRecord end;
    end.contacts = 1;
    QByteArray groupId = m_chain.front().groupId;
    if (fault != 5) {
        records.emplace_back(archive::kGroup, archive::encodeGroupId(groupId));
        end.groups = 1;
    }
    std::vector<QByteArray> changes;
    for (const GroupChange &made : m_chain) {
        changes.push_back(made.encoded);
    }
    if (fault == 0) {
        std::swap(changes[1], changes[2]);
    } else if (fault == 1) {
        changes[2][changes[2].size() - 1] = char(changes[2].back() ^ 1); // the signature
    } else if (fault == 2) {
        changes = {changes[0], changes[1], m_lost.encoded, changes[2]};
    } else if (fault == 3) {
        changes.push_back(otherGroup().encoded);
    } else if (fault == 21) {
        // A create in our name that our account key did not sign: ours is pinned (B3 §3).
        GroupChange forged;
        forged.op = GroupOp::Create;
        forged.parent = QByteArray(32, '\x73');
        const Person impostor = person(kAlice);
        forged.groupId = groupIdFor(impostor.publicKey(), forged.parent);
        forged.name = QStringLiteral("Hikers");
        forged.members = {impostor.member(true), m_carol.member(), m_dave.member()};
        groupId = forged.groupId;
        records.back() = {archive::kGroup, archive::encodeGroupId(groupId)};
        changes = {change(forged, std::nullopt, impostor).encoded};
    } else if (fault == 4 || fault == 5) {
        changes.clear();
    }
    for (const QByteArray &bytes : changes) {
        records.emplace_back(archive::kGroupChange, crypto::WipedBytes(viewOf(bytes)));
        ++end.groupChanges;
    }
    if (fault == 17) {
        records.emplace_back(archive::kGroup, archive::encodeGroupId(groupId));
        records.emplace_back(archive::kGroupChange, crypto::WipedBytes(viewOf(changes[0])));
        ++end.groups;
        ++end.groupChanges;
    }
    if (fault == 12) {
        ContactRecord late;
        late.address = kDave;
        late.accountKey = m_dave.publicKey();
        records.emplace_back(archive::kContact, archive::encodeContact(late));
        ++end.contacts;
    }
    const int conversations = fault == 6 ? 2 : 1;
    for (int i = 0; i < conversations; ++i) {
        records.emplace_back(archive::kGroupConversation, archive::encodeGroupId(groupId));
        ++end.groupConversations;
    }
    MessageRecord row;
    row.clientMessageId = id16('g', 0);
    row.author = fault == 7    ? QStringLiteral("Dave@127.0.0.1:7683")
                 : fault == 19 ? QStringLiteral("erin@127.0.0.1:7683")
                               : kDave;
    if (fault == 20) {
        row.replyTo = id16('q', 0);
        row.replyToAuthor = QStringLiteral("erin@127.0.0.1:7683");
    }
    row.authorDevice = 1;
    row.body = QStringLiteral("hi");
    if (fault == 9) {
        row.direction = MessageRecord::Direction::Outgoing;
    }
    records.emplace_back(archive::kMessage2, archive::encodeMessage2(row));
    if (fault == 16) {
        records.emplace_back(archive::kGroupChange, crypto::WipedBytes(viewOf(changes[0])));
        ++end.groupChanges;
    }
    archive::ReactionEntry reaction{fault == 11 ? kAlice : kCarol, id16('r', 0), 1,
                                    QStringLiteral("👍")};
    records.emplace_back(archive::kReaction, archive::encodeReaction(reaction));
    end.reactions = 1;
    MessageRecord system;
    system.clientMessageId = id16('s', 0);
    system.state = MessageRecord::State::Seen;
    system.body = QString();
    if (fault == 18) {
        system.direction = MessageRecord::Direction::Outgoing;
    }
    if (fault == 10) {
        system.timerChange = 60; // a group's timer row (M1 §9.9) by somebody else
        system.author = QStringLiteral("mallory@relay.example");
        system.authorDevice = 1;
    } else {
        system.groupEvent = QByteArray("{not json");
        if (fault != 8) {
            GroupEvent event;
            event.by = kAlice;
            event.name = QStringLiteral("Hikers");
            event.created = true;
            system.groupEvent = event.toJson();
        }
    }
    records.emplace_back(archive::kMessage2, archive::encodeMessage2(system));
    end.messages = 2;
    if (fault == 14) {
        records.emplace_back(archive::kConversation,
                             archive::encodeConversation({kCarol, {0, 0, {}}}));
        records.emplace_back(archive::kMessage2, archive::encodeMessage2(system));
        ++end.conversations;
        ++end.messages;
    }
    if (fault == 15) {
        const GroupChange other = otherGroup();
        records.emplace_back(archive::kGroup, archive::encodeGroupId(other.groupId));
        records.emplace_back(archive::kGroupChange, crypto::WipedBytes(viewOf(other.encoded)));
        ++end.groups;
        ++end.groupChanges;
    }
    if (fault == 13) {
        ++end.groupChanges;
    }
    records.emplace_back(archive::kEnd, archive::encodeEnd(end));
    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(writeArchive(records), target);
    if (fault < 0) {
        if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
            QFAIL(qPrintable(failure->sentence));
        }
        QCOMPARE(std::get<ArchiveSummary>(outcome).messages, qint64(2));
        return;
    }
    QVERIFY(std::holds_alternative<ArchiveFailure>(outcome));
    QVERIFY(std::get<ArchiveFailure>(outcome).archive == crypto::ArchiveError::Malformed);
    QVERIFY(leftNothing(target));
}

void TestArchiveGroups::aKeyAcceptedSinceTheCreateStillImports()
{
    // Carol made a group under her old key; the profile has accepted her new key since. The
    // create was checked against the pin when it arrived, and is not again (B3 §3).
    GroupChange create;
    create.op = GroupOp::Create;
    create.parent = QByteArray(32, '\x42');
    create.groupId = groupIdFor(m_carol.publicKey(), create.parent);
    create.name = QStringLiteral("Carol's");
    create.members = {m_carol.member(true), m_alice.member()};
    const GroupChange made = change(create, std::nullopt, m_carol);
    ContactRecord carol;
    carol.address = kCarol;
    carol.accountKey = person(kCarol).publicKey(); // her new key
    ArchiveRecords records;
    records.emplace_back(archive::kContact, archive::encodeContact(carol));
    records.emplace_back(archive::kGroup, archive::encodeGroupId(made.groupId));
    records.emplace_back(archive::kGroupChange, crypto::WipedBytes(viewOf(made.encoded)));
    archive::EndRecord end;
    end.contacts = 1;
    end.groups = 1;
    end.groupChanges = 1;
    records.emplace_back(archive::kEnd, archive::encodeEnd(end));
    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(
        test::writeArchive(m_dir->filePath(QStringLiteral("pin")), m_account, records), target);
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        QFAIL(qPrintable(failure->sentence));
    }
    ProfileStore imported(target);
    QVERIFY(succeeded(take(imported.unlock(passphrase()))));
    const auto state = valueOf(take(imported.run(
        [id = made.groupId](StoreContext &context) { return loadGroup(context, id); })));
    QVERIFY(state);
    QCOMPARE(state->head, made.digest());
}

void TestArchiveGroups::b2ArchivesStillImport()
{
    // B2's Message layout (no reply author, no event) and End (no group counts).
    MessageRecord row;
    row.clientMessageId = id16('b', 2);
    row.body = QStringLiteral("from a B2 archive");
    ArchiveRecords records;
    records.emplace_back(archive::kConversation, archive::encodeConversation({kCarol, {0, 0, {}}}));
    records.emplace_back(archive::kMessage2, archive::encodeMessage2(row, 2));
    records.emplace_back(archive::kEnd, archive::encodeEnd({1, 1, 1, 0, 0, 0, 0}, 2));
    const QString b2 = writeArchive(records, 0x02);
    const QString target = m_dir->filePath(QStringLiteral("imported"));
    const ArchiveOutcome outcome = importArchive(b2, target);
    if (const auto *failure = std::get_if<ArchiveFailure>(&outcome)) {
        QFAIL(qPrintable(failure->sentence));
    }
    QCOMPARE(std::get<ArchiveSummary>(outcome).messages, qint64(1));

    // B3's records are not B2's.
    records.emplace(records.begin(), archive::kGroup, archive::encodeGroupId(m_chain[0].groupId));
    const ArchiveOutcome refused =
        importArchive(writeArchive(records, 0x02), m_dir->filePath(QStringLiteral("again")));
    QVERIFY(std::holds_alternative<ArchiveFailure>(refused));
    QVERIFY(std::get<ArchiveFailure>(refused).archive == crypto::ArchiveError::Malformed);
}

QTEST_GUILESS_MAIN(TestArchiveGroups)
#include "tst_archivegroups.moc"
